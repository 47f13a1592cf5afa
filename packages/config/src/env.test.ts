import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { EnvError, envFlag, findRepoRoot, loadEnv } from "./env.ts";

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

describe("findRepoRoot", () => {
  it("finds the nearest folder above whose package.json declares workspaces", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "config-root-"));
    try {
      fs.writeFileSync(path.join(root, "package.json"), '{"workspaces": ["apps/*"]}');
      const app = path.join(root, "apps/admin/src");
      fs.mkdirSync(app, { recursive: true });
      // A workspace's own package.json (no `workspaces`) and a broken one are passed over.
      fs.writeFileSync(path.join(root, "apps/admin/package.json"), '{"name": "admin"}');
      fs.writeFileSync(path.join(app, "package.json"), "not json");
      expect(findRepoRoot(app)).toBe(root);
      expect(findRepoRoot(root)).toBe(root);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("is the folder itself outside any workspace", () => {
    const alone = fs.mkdtempSync(path.join(os.tmpdir(), "config-alone-"));
    try {
      expect(findRepoRoot(alone)).toBe(alone);
    } finally {
      fs.rmSync(alone, { recursive: true, force: true });
    }
  });

  it("is this repository's root for this package", () => {
    expect(findRepoRoot(import.meta.dirname)).toBe(path.resolve(import.meta.dirname, "../../.."));
  });
});
