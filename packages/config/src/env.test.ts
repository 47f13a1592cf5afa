import { describe, expect, it } from "vitest";
import { z } from "zod";
import { EnvError, envFlag, loadEnv } from "./env.ts";

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  SEED: envFlag.default(true),
  MODE: z.enum(["MONOLITH", "CONTROL", "REGION"]),
});

describe("loadEnv", () => {
  it("parses values and applies defaults", () => {
    expect(loadEnv(schema, { MODE: "REGION", SEED: "0" })).toEqual({
      PORT: 3000,
      SEED: false,
      MODE: "REGION",
    });
    expect(loadEnv(schema, { MODE: "CONTROL", PORT: "8080", SEED: "true" })).toEqual({
      PORT: 8080,
      SEED: true,
      MODE: "CONTROL",
    });
  });

  it("reports every wrong variable by name in one error", () => {
    let error: unknown;
    try {
      loadEnv(schema, { PORT: "99999", SEED: "yes", MODE: "EVERYWHERE" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Invalid environment:/);
    expect(message).toMatch(/\n {2}PORT: .*65535/);
    expect(message).toContain('\n  SEED: must be "true" or "false"');
    expect(message).toMatch(/\n {2}MODE: .*"MONOLITH"\|"CONTROL"\|"REGION"/);
  });
});
