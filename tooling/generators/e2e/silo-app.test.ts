// `turbo gen silo-app` in a copy of the repository: the new app typechecks, passes Biome, and
// its own smoke test (built, then a real process with node: /healthz, a signed RPC call, SIGTERM)
// passes.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyOfRepo, removeCopies, run, turboGen } from "../test/repo.ts";

describe("npx turbo gen silo-app, in a copy of the repository", () => {
  let copy: string;
  let app: string;
  let generation: { status: number | null; output: string };
  beforeAll(async () => {
    copy = copyOfRepo();
    app = path.join(copy, "apps/billing-silo");
    // The copy's node_modules are links into this repository's: npm install must not touch them.
    generation = await turboGen(copy, "silo-app", ["billing-silo", "8450"], {
      TURBO_GEN_SKIP_INSTALL: "1",
    });
  }, 300_000);
  afterAll(removeCopies);

  it("writes apps/<name>: its own package, default port and database, over @acme/silo's server", () => {
    expect(generation.output).toContain("Success!");
    const manifest = JSON.parse(fs.readFileSync(path.join(app, "package.json"), "utf8")) as {
      name: string;
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(manifest.name).toBe("@acme/billing-silo");
    expect(Object.keys(manifest.scripts).sort()).toEqual(
      ["build", "dev", "lint", "start", "start:tsx", "test", "typecheck"].sort(),
    );
    expect(manifest.dependencies).toMatchObject({ "@acme/silo": "*" });
    const main = fs.readFileSync(path.join(app, "src/main.ts"), "utf8");
    expect(main).toContain('from "@acme/silo/start"');
    expect(main).toContain('defaults: { port: 8450, databaseUrl: ".data/billing-silo" }');
    expect(fs.readFileSync(path.join(app, "README.md"), "utf8")).toContain(
      "npm run dev -w @acme/billing-silo",
    );
    expect(generation.output).toContain("npm install skipped (TURBO_GEN_SKIP_INSTALL=1)");
  });

  it("prints the next steps, and lists the folder among the actions completed", () => {
    expect(generation.output).toContain(
      [
        "Next:",
        "  npm run dev -w @acme/billing-silo    # MONOLITH on http://127.0.0.1:8450",
        "  npm test -w @acme/billing-silo       # the smoke test",
        "",
      ].join("\n"),
    );
    // @turbo/gen appends the action's type to what the action returns: only the folder's line has it.
    const typed = generation.output.split("\n").filter((line) => line.includes("(silo-app)"));
    expect(typed).toEqual(["  • apps/billing-silo (silo-app)"]);
  });

  it("typechecks and passes Biome", async () => {
    const [typecheck, lint] = await Promise.all([
      run(path.join(copy, "node_modules/.bin/tsc"), ["-p", "apps/billing-silo", "--noEmit"], {
        cwd: copy,
      }),
      run(path.join(copy, "node_modules/.bin/biome"), ["check", "apps/billing-silo"], {
        cwd: copy,
      }),
    ]);
    expect(typecheck.status, typecheck.output).toBe(0);
    expect(lint.status, lint.output).toBe(0);
  }, 60_000);

  it("passes its smoke test, which builds it and runs it as a real process", async () => {
    const result = await run(path.join(copy, "node_modules/.bin/vitest"), ["run"], { cwd: app });
    expect(result.status, result.output).toBe(0);
    expect(result.output).toMatch(/Tests\s+1 passed \(1\)/);
    // It ran the build, as a deployment does: plain JavaScript, no TypeScript at run time.
    expect(fs.existsSync(path.join(app, "dist/main.js"))).toBe(true);
  }, 90_000);
});
