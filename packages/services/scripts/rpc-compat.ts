// npm run rpc:compat [-- --base <file> | --base-ref <git ref>] [--json] [--update]
// Compares the RPC contracts in the code with the deployed ones (the committed snapshot
// rpc-schema/openapi.json, or the given base) and with the calls the code makes through the
// typed client, and lists every change that is unsafe across a non-atomic deploy, with the staged
// fix. Exits 1 when there is one. docs/evolving-rpc-methods.md explains each rule.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  type CallSite,
  checkCompatibility,
  findCallSites,
  workspaceTsconfigs,
} from "@acme/rpc-compat";
import { rpcSchema, rpcSchemaText } from "../src/schema.ts";
import { linkDependencies } from "./linked-tree.ts";

const root = path.join(import.meta.dirname, "../../..");
const snapshot = path.join(root, "rpc-schema/openapi.json");
const SNAPSHOT_PATH = "rpc-schema/openapi.json";

const { values } = parseArgs({
  options: {
    base: { type: "string" },
    "base-ref": { type: "string" },
    json: { type: "boolean", default: false },
    update: { type: "boolean", default: false },
    accept: { type: "string", multiple: true, default: [] },
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
/**
 * The call sites of the deployed code (the base ref, or the last commit): during a rollout its
 * callers still run, so a method or parameter may go only when they do not use it either. The
 * ref is checked out in a temporary git worktree, with this repository's node_modules, its own
 * workspace packages and the generated Prisma client, so the checker resolves the same types.
 */
function deployedCallSites(ref: string): CallSite[] | null {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), "rpc-compat-base-"));
  try {
    execFileSync("git", ["worktree", "add", "--detach", "--quiet", tree, ref], {
      cwd: root,
      stdio: "pipe",
    });
  } catch {
    fs.rmSync(tree, { recursive: true, force: true });
    return null;
  }
  try {
    linkDependencies(tree, root);
    return findCallSites({ root: tree, tsconfigs: workspaceTsconfigs(tree) }).map((site) => ({
      ...site,
      deployed: ref,
    }));
  } finally {
    execFileSync("git", ["worktree", "remove", "--force", tree], { cwd: root, stdio: "pipe" });
  }
}

const callSites = findCallSites({ root, tsconfigs: workspaceTsconfigs(root) });
const deployedRef = values["base-ref"] ?? "HEAD";
const sameAs = (a: CallSite, b: CallSite) =>
  JSON.stringify({ ...a, deployed: undefined }) === JSON.stringify({ ...b, deployed: undefined });
const deployed = values.base === undefined ? deployedCallSites(deployedRef) : null;
const deployedOnly = (deployed ?? []).filter((site) => !callSites.some((own) => sameAs(own, site)));
const report = checkCompatibility(base.document, head, callSites, deployedOnly);
// --accept <rule>:<service.method>: a person has checked this flagged change is safe (e.g. no
// caller reads a removed output field); it is listed as accepted, and --update may record it.
const accepted = new Set(values.accept);
for (const item of accepted) {
  if (!/^[a-z-]+:[A-Za-z0-9]+\.[A-Za-z0-9]+$/.test(item)) {
    console.error(
      `--accept takes <rule>:<service.method>, e.g. output-field-removed:user.getUser (got "${item}").`,
    );
    process.exit(2);
  }
}
const isAccepted = (v: (typeof report.violations)[number]) =>
  accepted.has(`${v.rule}:${v.service}.${v.method}`);
const violations = report.violations.filter((v) => !isAccepted(v));
const acceptedViolations = report.violations.filter(isAccepted);
const unused = [...accepted].filter(
  (item) => !acceptedViolations.some((v) => `${v.rule}:${v.service}.${v.method}` === item),
);
if (unused.length > 0) {
  console.error(`--accept matches no violation: ${unused.join(", ")}.`);
  process.exit(2);
}
const ok = violations.length === 0;
// Uses of the client the finder cannot follow: each may call any method it does not name.
const unknownCallSites = callSites.filter((site) => site.unknown !== undefined);
const calls = (site: CallSite) => `${site.service ?? "any service"}.${site.method ?? "any method"}`;
const where = (site: CallSite) =>
  `${site.file}:${site.line}${site.deployed ? ` (in ${site.deployed})` : ""}` +
  (site.unknown === undefined ? "" : `: may call ${calls(site)}, ${site.unknown}`);

if (values.json) {
  console.log(
    JSON.stringify(
      { ok, base: base.label, ...report, callSites: callSites.length, unknownCallSites },
      null,
      2,
    ),
  );
} else {
  console.log(
    `RPC compatibility: the code's contracts against ${base.label}; ${callSites.length} call sites, ` +
      (deployed === null
        ? "the deployed code's not checked (no git history to read it from, or --base given)."
        : `and ${deployed.length} in the deployed code (${deployedRef}).`),
  );
  for (const site of unknownCallSites)
    console.log(`  ?     a use of the client the finder cannot follow, at ${where(site)}`);
  for (const change of report.allowed)
    console.log(`  ok    ${change.service}.${change.method}: ${change.change}`);
  for (const v of acceptedViolations) {
    console.log(`  accepted [${v.rule}] ${v.service}.${v.method}: ${v.message}`);
  }
  for (const v of violations) {
    console.log(`\n  ✗ [${v.rule}] ${v.service}.${v.method}\n    ${v.message}\n    fix: ${v.fix}`);
    for (const site of v.callSites ?? []) console.log(`    called at ${where(site)}`);
  }
  console.log(
    ok
      ? JSON.stringify(base.document) === JSON.stringify(head)
        ? "No contract changes."
        : "The contracts changed, compatibly: safe to deploy."
      : `\n${violations.length} unsafe change(s). See docs/evolving-rpc-methods.md.`,
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
