// Turns the template's files into a new project's: markers stripped, the demo left out if asked,
// the npm scope and the project name replaced, the lockfile pruned to match.
import fs from "node:fs";
import path from "node:path";
import { type Lockfile, pruneLockfile, stringifyLockfile } from "./lockfile.ts";
import {
  DEMO_JSON,
  DEMO_METHODS,
  DEMO_OUTBOX_CATEGORIES,
  DEMO_PATHS,
  DEMO_SERVICES,
  type JsonRemoval,
  NO_DEMO_MIGRATIONS,
  OPENAPI_FILE,
  REPO_ONLY_JSON,
  REPO_ONLY_WORKSPACES,
} from "./manifest.ts";
import { type MarkerKind, stripMarkers } from "./markers.ts";
import { type FileTree, PACKAGE_DIR, type TemplateFile } from "./template.ts";

/** The npm scope of the template's own packages. */
export const TEMPLATE_SCOPE = "@acme";
/** The template repository's root package name (the README's title too). */
export const TEMPLATE_NAME = "silo-rpc";

export interface ProjectOptions {
  /** The root package.json name. */
  readonly name: string;
  /** The npm scope of the workspace packages, with its @. */
  readonly scope: string;
  /** Keep the demo services. */
  readonly demo: boolean;
}

/** Text files are the ones without a NUL byte; the rest are copied as they are. */
const isText = (data: Buffer) => !data.subarray(0, 8000).includes(0);

const text = (file: TemplateFile) => file.data.toString("utf8");
const withText = (file: TemplateFile, content: string): TemplateFile => ({
  ...file,
  data: Buffer.from(content, "utf8"),
});

function mapText(files: FileTree, change: (content: string, file: string) => string): FileTree {
  const result: FileTree = new Map();
  for (const [name, file] of files) {
    result.set(name, isText(file.data) ? withText(file, change(text(file), name)) : file);
  }
  return result;
}

function removeJsonKeys(files: FileTree, removals: readonly JsonRemoval[]): void {
  for (const { file, remove } of removals) {
    const entry = files.get(file);
    if (entry === undefined) continue;
    const json = JSON.parse(text(entry)) as Record<string, unknown>;
    for (const keyPath of remove) {
      let parent: Record<string, unknown> | undefined = json;
      for (const key of keyPath.slice(0, -1))
        parent = parent?.[key] as Record<string, unknown> | undefined;
      if (parent !== undefined) delete parent[keyPath.at(-1) as string];
    }
    files.set(file, withText(entry, `${JSON.stringify(json, null, 2)}\n`));
  }
}

const inPath = (file: string, listed: string) =>
  listed.endsWith("/") ? file.startsWith(listed) : file === listed;

/** The OpenAPI document without the methods and tags of the demo services. */
function withoutDemoServices(document: string): string {
  const json = JSON.parse(document) as {
    paths: Record<string, unknown>;
    tags?: { name: string }[];
  };
  const demoService = (route: string) =>
    DEMO_SERVICES.some((service) => route.startsWith(`/api/0/internal/rpc/${service}/`)) ||
    DEMO_METHODS.some((method) => route === `/api/0/internal/rpc/${method.replace(".", "/")}/`);
  json.paths = Object.fromEntries(
    Object.entries(json.paths).filter(([route]) => !demoService(route)),
  );
  if (json.tags) json.tags = json.tags.filter((tag) => !DEMO_SERVICES.includes(tag.name));
  return `${JSON.stringify(withoutDemoCategories(json), null, 2)}\n`;
}

/**
 * The document without the demo's outbox categories: each is a member of a union (`oneOf`) on
 * `category`; a union left with one member is that member, as Zod writes it.
 */
function withoutDemoCategories(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDemoCategories);
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value).map(([key, item]) => [key, withoutDemoCategories(item)]);
  const node = Object.fromEntries(entries) as Record<string, unknown>;
  if (!Array.isArray(node.oneOf)) return node;
  const members = node.oneOf.filter((member) => {
    const category = (member as { properties?: { category?: { const?: unknown } } }).properties
      ?.category?.const;
    return !(typeof category === "string" && DEMO_OUTBOX_CATEGORIES.includes(category));
  });
  if (members.length === node.oneOf.length) return node;
  const { oneOf: _oneOf, ...rest } = node;
  return members.length === 1
    ? { ...rest, ...(members[0] as object) }
    : { ...rest, oneOf: members };
}

/** The committed migrations of a project without the demo (see manifest.ts). */
export function noDemoMigrations(): FileTree {
  const dir = path.join(PACKAGE_DIR, NO_DEMO_MIGRATIONS);
  const files: FileTree = new Map();
  for (const folder of fs.readdirSync(dir)) {
    const file = `${folder}/migration.sql`;
    files.set(`prisma/migrations/${file}`, {
      data: fs.readFileSync(path.join(dir, file)),
      executable: false,
    });
  }
  return files;
}

/** Leaves out the demo domain: its files, its marked lines, its migrations and RPC methods. */
function removeDemo(files: FileTree): void {
  for (const name of [...files.keys()]) {
    if (DEMO_PATHS.some((listed) => inPath(name, listed))) files.delete(name);
    // Every migration folder: the no-demo project starts from its own single migration.
    if (/^prisma\/migrations\/[^/]+\//.test(name)) files.delete(name);
  }
  for (const [name, file] of noDemoMigrations()) files.set(name, file);
  removeJsonKeys(files, DEMO_JSON);
  const openapi = files.get(OPENAPI_FILE);
  if (openapi !== undefined)
    files.set(OPENAPI_FILE, withText(openapi, withoutDemoServices(text(openapi))));
}

/** `@acme` as a scope (followed by `/`, a quote, or the end of a word), never inside a word. */
const scopePattern = new RegExp(`${TEMPLATE_SCOPE}(?![\\w.-])`, "g");

/** A new project's files from the template's. */
export function transformTemplate(template: FileTree, options: ProjectOptions): FileTree {
  const drop = new Set<MarkerKind>(options.demo ? ["repo-only"] : ["repo-only", "demo"]);
  let files = mapText(template, (content, name) => stripMarkers(content, name, drop));
  removeJsonKeys(files, REPO_ONLY_JSON);
  if (!options.demo) removeDemo(files);

  files = mapText(files, (content) => content.replace(scopePattern, options.scope));

  const pkg = files.get("package.json");
  if (pkg !== undefined) {
    const json = JSON.parse(text(pkg)) as Record<string, unknown>;
    json.name = options.name;
    files.set("package.json", withText(pkg, `${JSON.stringify(json, null, 2)}\n`));
  }
  const lock = files.get("package-lock.json");
  if (lock !== undefined) {
    const json = pruneLockfile(JSON.parse(text(lock)) as Lockfile, REPO_ONLY_WORKSPACES);
    json.name = options.name;
    const root = json.packages[""];
    if (root !== undefined) root.name = options.name;
    files.set("package-lock.json", withText(lock, stringifyLockfile(json)));
  }
  const readme = files.get("README.md");
  if (readme !== undefined) {
    const note = options.demo
      ? ""
      : "\n\n> Created with `create-silo-app --no-demo`, without the demo services (organization, " +
        "user,\n> integration). The guides in `docs/` and `packages/rpc/README.md` still use them as " +
        "worked\n> examples.";
    const title = new RegExp(`^# ${TEMPLATE_NAME}$`, "m");
    files.set(
      "README.md",
      withText(readme, text(readme).replace(title, `# ${options.name}${note}`)),
    );
  }
  return files;
}
