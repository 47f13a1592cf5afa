// What a new project holds, built in memory from this repository's files: the scope and name
// replaced everywhere, no marker left, and with --no-demo nothing of the demo domain, nothing that
// points at it, and a lockfile npm accepts as it is.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { createProject } from "../src/create.ts";
import { type Lockfile, pruneLockfile, stringifyLockfile } from "../src/lockfile.ts";
import {
  DEMO_JSON,
  DEMO_PATHS,
  DEMO_SERVICES,
  OPENAPI_FILE,
  REPO_ONLY_WORKSPACES,
} from "../src/manifest.ts";
import { hasMarkers } from "../src/markers.ts";
import { type FileTree, loadTemplate, REPO_DIR } from "../src/template.ts";
import { TEMPLATE_SCOPE, transformTemplate } from "../src/transform.ts";

const template = loadTemplate();
const read = (files: FileTree, file: string) => {
  const entry = files.get(file);
  if (entry === undefined) throw new Error(`${file} is not in the project`);
  return entry.data.toString("utf8");
};
const json = <T = Record<string, unknown>>(files: FileTree, file: string) =>
  JSON.parse(read(files, file)) as T;

const variants = {
  demo: transformTemplate(template.files, { name: "shop", scope: "@shopco", demo: true }),
  "no-demo": transformTemplate(template.files, { name: "shop", scope: "@shopco", demo: false }),
};

/** The demo domain, as code outside it would name it. */
const DEMO_REFERENCES = [
  /\b(organizationService|userService|integrationService)\b/,
  /\b(organizationImpl|userImpl|integrationImpl)\b/,
  /\.(organization|user|integration)\.[a-zA-Z]+\.(query|mutate)\(/,
  /\bdemoData\.(users|integrations|members|projects|organizationIntegrations)\b/,
  /\b(db|tx)\.(user|organization|organizationMember|project|integration|organizationIntegration)\./,
  /\bmodel (User|Integration|OrganizationIntegration|Organization|OrganizationMember|Project)\b/,
  /\/(organization|user|integration)\/(contract|impl)\.ts/,
];

const isSource = (file: string) => /\.(ts|tsx|js|mjs|cjs)$/.test(file);

describe("the template", () => {
  it("lists every demo path of the manifest (a rename in the repository must update it)", () => {
    const files = [...template.files.keys()];
    for (const listed of DEMO_PATHS) {
      expect(
        files.some((file) => (listed.endsWith("/") ? file.startsWith(listed) : file === listed)),
        `${listed} (manifest.ts DEMO_PATHS) is not in the template`,
      ).toBe(true);
    }
    for (const { file, remove } of DEMO_JSON) {
      const content = json(template.files, file);
      for (const keyPath of remove) {
        const found = keyPath.reduce<unknown>(
          (value, key) => (value as Record<string, unknown> | undefined)?.[key],
          content,
        );
        expect(found, `${file} has no ${keyPath.join(".")} (manifest.ts DEMO_JSON)`).toBeDefined();
      }
    }
  });

  it("is the repository's tracked and new files, without local state or this package", () => {
    const files = [...template.files.keys()];
    expect(files).toContain("packages/rpc/src/index.ts");
    expect(files).toContain(".gitignore");
    expect(files).toContain("package-lock.json");
    expect(
      files.filter((file) => /(^|\/)(node_modules|\.data|\.turbo|\.next)\//.test(file)),
    ).toEqual([]);
    expect(files.filter((file) => file.startsWith("packages/create-silo-app/"))).toEqual([]);
    expect(template.files.get(".ci/run")?.executable).toBe(true);
  });

  it("is formatted by the Biome version it uses itself (this package formats new projects)", () => {
    const own = JSON.parse(
      fs.readFileSync(path.join(import.meta.dirname, "../package.json"), "utf8"),
    );
    const root = json<{ devDependencies: Record<string, string> }>(template.files, "package.json");
    expect(own.dependencies["@biomejs/biome"]).toBe(root.devDependencies["@biomejs/biome"]);
  });

  it("recomputing its lockfile's flags the way npm does changes nothing", () => {
    const text = read(template.files, "package-lock.json");
    expect(stringifyLockfile(pruneLockfile(JSON.parse(text) as Lockfile, []))).toBe(text);
  });
});

describe.each(Object.entries(variants))("a new project (%s)", (variant, files) => {
  it(`uses the project's scope everywhere: no ${TEMPLATE_SCOPE} is left`, () => {
    const left = [...files].filter(([, file]) =>
      file.data.toString("utf8").includes(TEMPLATE_SCOPE),
    );
    expect(left.map(([name]) => name)).toEqual([]);
    const packages = [...files.keys()].filter(
      (file) => file.endsWith("/package.json") && !file.startsWith("node_modules"),
    );
    expect(packages.length).toBeGreaterThan(5);
    for (const file of packages) expect(json(files, file).name).toMatch(/^@shopco\//);
    expect(read(files, "packages/services/src/context.ts")).toContain('from "@shopco/db"');
    expect(read(files, "packages/rpc/tsconfig.json")).toContain('"@shopco/tsconfig/base.json"');
  });

  it("is named after the project: package.json, lockfile, README title", () => {
    expect(json(files, "package.json").name).toBe("shop");
    const lock = json<Lockfile>(files, "package-lock.json");
    expect(lock.name).toBe("shop");
    expect(lock.packages[""]?.name).toBe("shop");
    expect(read(files, "README.md").split("\n")[0]).toBe("# shop");
  });

  it("has no marker left, and nothing only the template repository needs", () => {
    expect([...files].filter(([, file]) => hasMarkers(file.data.toString("utf8")))).toEqual([]);
    expect(
      json<{ scripts: Record<string, string> }>(files, "package.json").scripts,
    ).not.toHaveProperty("test:create");
    expect(read(files, ".ci/run")).not.toContain("test:create");
    const lock = read(files, "package-lock.json");
    for (const workspace of REPO_ONLY_WORKSPACES) expect(lock).not.toContain(workspace);
    expect(lock).not.toContain("create-silo-app");
    expect(lock).not.toContain("validate-npm-package-name");
  });

  it("imports only files it has (relative imports resolve)", () => {
    const dangling: string[] = [];
    for (const [file, entry] of files) {
      if (!isSource(file)) continue;
      // TypeScript's own scanner: imports, not strings or comments that look like them.
      const { importedFiles } = ts.preProcessFile(entry.data.toString("utf8"), true, true);
      for (const { fileName } of importedFiles) {
        if (!fileName.startsWith(".")) continue;
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName));
        if (target.includes("/generated/")) continue; // written by `npm install` (db:generate)
        const candidates = [target, `${target}.ts`, `${target}.tsx`, `${target}/index.ts`];
        if (!candidates.some((candidate) => files.has(candidate)))
          dangling.push(`${file}: ${fileName}`);
      }
    }
    expect(dangling).toEqual([]);
  });

  if (variant === "demo") {
    it("keeps the demo services and the template's migrations", () => {
      expect(files.has("packages/services/src/user/contract.ts")).toBe(true);
      expect(read(files, "prisma/schema.prisma")).toContain("model User {");
      const migrations = [...files.keys()].filter((file) => file.startsWith("prisma/migrations/"));
      const repoMigrations = [...template.files.keys()].filter((file) =>
        file.startsWith("prisma/migrations/"),
      );
      expect(migrations).toEqual(repoMigrations);
    });
  } else {
    it("has none of the demo domain: files, models, migrations, methods, scripts", () => {
      for (const listed of DEMO_PATHS) {
        expect([...files.keys()].filter((file) => file.startsWith(listed))).toEqual([]);
      }
      const schema = read(files, "prisma/schema.prisma");
      expect(schema).toContain("model OrganizationMapping {");
      expect(schema).toContain("enum OrganizationStatus {");
      expect([...schema.matchAll(/^(model|enum) (\w+)/gm)].map((m) => m[2])).toEqual([
        "OrganizationMapping",
        "OrganizationStatus",
        "ControlOutbox",
        "RegionOutbox",
        "OutboxLease",
        "IdempotencyKey",
        "IdempotencyKeyState",
      ]);
      expect(
        [...files.keys()].filter((file) => file.startsWith("prisma/migrations/")).sort(),
      ).toEqual([
        "prisma/migrations/20261127000000_init/migration.sql",
        "prisma/migrations/migration_lock.toml",
      ]);
      const openapi = json<{ paths: Record<string, unknown>; tags: { name: string }[] }>(
        files,
        OPENAPI_FILE,
      );
      // The demo services' methods are gone; the core's stay (and any service added since).
      const routes = Object.keys(openapi.paths);
      for (const service of DEMO_SERVICES) {
        expect(routes.filter((route) => route.includes(`/rpc/${service}/`))).toEqual([]);
        expect(openapi.tags.map((tag) => tag.name)).not.toContain(service);
      }
      expect(routes).toContain("/api/0/internal/rpc/organizationMapping/getBySlug/");
      expect(openapi.tags.map((tag) => tag.name)).toContain("organizationMapping");
      expect(
        json<{ scripts: Record<string, string> }>(files, "package.json").scripts,
      ).not.toHaveProperty("demo");
      // The core stays.
      for (const kept of [
        "packages/rpc/src/index.ts",
        "packages/services/src/organization-mapping/contract.ts",
        "packages/db/src/seed.ts",
        "apps/silo/src/server.ts",
        "apps/admin/src/app/services/page.tsx",
      ]) {
        expect(files.has(kept), kept).toBe(true);
      }
    });

    it("has no code that still names the demo domain", () => {
      const found: string[] = [];
      for (const [file, entry] of files) {
        if (!isSource(file) && !file.endsWith(".prisma")) continue;
        // The RPC framework and its compatibility gate (in packages/rpc until issue 12 moved it)
        // know no service: their tests and examples define their own.
        if (file.startsWith("packages/rpc/") || file.startsWith("tooling/rpc-compat/")) continue;
        entry.data
          .toString("utf8")
          .split("\n")
          .forEach((line, index) => {
            if (DEMO_REFERENCES.some((pattern) => pattern.test(line)))
              found.push(`${file}:${index + 1}: ${line.trim()}`);
          });
      }
      expect(found).toEqual([]);
    });
  }
});

describe("created projects pass their own lint and format check as they are", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ["with the demo", true],
    ["--no-demo", false],
  ])("%s, and a scope longer than the template's", async (_variant, demo) => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "create-silo-app-biome-"));
    dirs.push(cwd);
    const { target } = await createProject({
      directory: "shop",
      scope: "@a-much-longer-scope-name",
      demo,
      git: false,
      cwd,
    });
    // The project's biome.json, with git off: the folder is not a repository.
    const run = spawnSync(
      path.join(REPO_DIR, "node_modules/.bin/biome"),
      ["check", "--vcs-enabled=false", "--max-diagnostics=50", "."],
      { cwd: target, encoding: "utf8" },
    );
    expect(run.stdout + run.stderr).toContain("Checked");
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });
});
