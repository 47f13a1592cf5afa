import { describe, expect, it } from "vitest";
import { formatDuration } from "./duration.ts";

describe("formatDuration", () => {
  it("says the two largest units, rounded down, without a trailing zero", () => {
    expect(formatDuration(0)).toBe("0 s");
    expect(formatDuration(0.7)).toBe("0 s");
    expect(formatDuration(12.9)).toBe("12 s");
    expect(formatDuration(60)).toBe("1 min");
    expect(formatDuration(245)).toBe("4 min 5 s");
    expect(formatDuration(2 * 3600 + 5 * 60 + 59)).toBe("2 h 5 min");
    expect(formatDuration(3600 + 7)).toBe("1 h");
    expect(formatDuration(3 * 86_400 + 4 * 3600 + 1)).toBe("3 d 4 h");
  });

  it("reads a negative duration (a clock ahead of another) as none", () => {
    expect(formatDuration(-5)).toBe("0 s");
  });
});
