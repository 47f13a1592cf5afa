// npm run rpc:compat [-- --base <file> | --base-ref <git ref>] [--json] [--update]
// Compares the RPC contracts in the code with the deployed ones (the committed snapshot
// rpc-schema/openapi.json, or the given base) and with the calls the code makes through the
// typed client, and lists every change that is unsafe across a non-atomic deploy, with the staged
// fix. Exits 1 when there is one. docs/evolving-rpc-methods.md explains each rule.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { checkCompatibility, findCallSites } from "@acme/rpc/compat";
import { rpcSchema, rpcSchemaText } from "../src/schema.ts";

const root = path.join(import.meta.dirname, "../../..");
const snapshot = path.join(root, "rpc-schema/openapi.json");
const SNAPSHOT_PATH = "rpc-schema/openapi.json";

const { values } = parseArgs({
  options: {
    base: { type: "string" },
    "base-ref": { type: "string" },
    json: { type: "boolean", default: false },
    update: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(
    "Usage: npm run rpc:compat [-- --base <file> | --base-ref <git ref>] [--json] [--update]",
  );
  process.exit(0);
}
if (values.base !== undefined && values["base-ref"] !== undefined) {
  console.error("Give --base or --base-ref, not both.");
  process.exit(2);
}

function readBase(): { label: string; document: unknown } {
  try {
    if (values["base-ref"] !== undefined) {
      const ref = values["base-ref"];
      const text = execFileSync("git", ["show", `${ref}:${SNAPSHOT_PATH}`], {
        cwd: root,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      return { label: `${SNAPSHOT_PATH} at ${ref}`, document: JSON.parse(text) };
    }
    // npm runs this script in packages/services: a relative --base is taken from where npm was run.
    const file =
      values.base === undefined
        ? snapshot
        : path.resolve(process.env.INIT_CWD ?? process.cwd(), values.base);
    return {
      label: path.relative(root, file),
      document: JSON.parse(fs.readFileSync(file, "utf8")),
    };
  } catch (error) {
    const reason =
      error instanceof Error
        ? (error as { stderr?: string }).stderr?.trim() || error.message
        : String(error);
    console.error(`Cannot read the base contracts: ${reason}`);
    process.exit(2);
  }
}

const base = readBase();
const head: unknown = JSON.parse(JSON.stringify(rpcSchema()));
const tsconfigs = ["apps", "packages"].flatMap((dir) =>
  fs
    .readdirSync(path.join(root, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(root, dir, entry.name, "tsconfig.json"))
    .filter((file) => fs.existsSync(file)),
);
const callSites = findCallSites({ root, tsconfigs });
const report = checkCompatibility(base.document, head, callSites);
const ok = report.violations.length === 0;

if (values.json) {
  console.log(
    JSON.stringify({ ok, base: base.label, ...report, callSites: callSites.length }, null, 2),
  );
} else {
  console.log(
    `RPC compatibility: the code's contracts against ${base.label}, ${callSites.length} call sites.`,
  );
  for (const change of report.allowed)
    console.log(`  ok    ${change.service}.${change.method}: ${change.change}`);
  for (const v of report.violations) {
    console.log(`\n  ✗ [${v.rule}] ${v.service}.${v.method}\n    ${v.message}\n    fix: ${v.fix}`);
    for (const site of v.callSites ?? []) console.log(`    called at ${site.file}:${site.line}`);
  }
  console.log(
    ok
      ? JSON.stringify(base.document) === JSON.stringify(head)
        ? "No contract changes."
        : "The contracts changed, compatibly: safe to deploy."
      : `\n${report.violations.length} unsafe change(s). See docs/evolving-rpc-methods.md.`,
  );
}

if (values.update) {
  if (!ok) {
    console.error("Not updating the snapshot: fix the unsafe changes first.");
    process.exit(1);
  }
  fs.writeFileSync(snapshot, rpcSchemaText());
  if (!values.json) console.log(`Updated ${SNAPSHOT_PATH}.`);
}
process.exit(ok ? 0 : 1);
