import fs from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";
import { repoRoot } from "@acme/config";
import { describe, expect, it } from "vitest";
import { loadAdminSettings } from "./env.ts";

describe("the admin's environment", () => {
  it("keeps its own database by default", () => {
    expect(loadAdminSettings({}).env.DATABASE_URL).toBe(".data/admin");
  });

  it("is unchanged by copying .env.example to .env, as the README suggests", () => {
    const example = parseEnv(fs.readFileSync(path.join(repoRoot, ".env.example"), "utf8"));
    const { env } = loadAdminSettings(example);
    // A DATABASE_URL set there moved the admin onto the silo's database (.data/dev).
    expect(env.DATABASE_URL).toBe(".data/admin");
    expect(env).toEqual(loadAdminSettings({}).env);
  });
});
