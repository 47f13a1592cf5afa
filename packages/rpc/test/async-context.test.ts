// The shared async context: each slot carries its own value through async work, and setting one
// slot keeps the values the others have there.
import { describe, expect, it } from "vitest";
import { contextSlot } from "../src/async-context.ts";

describe("contextSlot", () => {
  const first = contextSlot<string>();
  const second = contextSlot<number>();

  it("carries each slot's value through awaits and timers, independently", async () => {
    expect(first.get()).toBeUndefined();
    const seen = await first.run("request-1", () =>
      second.run(7, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return [first.get(), second.get()];
      }),
    );
    expect(seen).toEqual(["request-1", 7]);
    expect([first.get(), second.get()]).toEqual([undefined, undefined]);
  });

  it("a nested run of one slot keeps the other's value, and ends with its function", async () => {
    await first.run("outer", async () => {
      await second.run(1, async () => {
        await first.run("inner", async () => {
          await Promise.resolve();
          expect([first.get(), second.get()]).toEqual(["inner", 1]);
        });
        expect([first.get(), second.get()]).toEqual(["outer", 1]);
      });
      expect([first.get(), second.get()]).toEqual(["outer", undefined]);
    });
  });
});
