// npm run generate: where the repository's code calls each RPC method through the typed client,
// found with the TypeScript checker (the same finder the compatibility gate uses), written to
// src/generated/call-sites.json for the services and method pages. Tests are not callers.
import fs from "node:fs";
import path from "node:path";
import { findRepoRoot } from "@acme/config";
import { findCallSites, workspaceTsconfigs } from "@acme/rpc-compat";

const root = findRepoRoot(import.meta.dirname);
const started = performance.now();
const sites = findCallSites({ root, tsconfigs: workspaceTsconfigs(root) });
const out = path.join(import.meta.dirname, "../src/generated/call-sites.json");
const written: Record<string, { file: string; line: number }[]> = {};
// A use of the client the finder cannot follow is listed under `*` for what it does not name
// (`organization.*`, `*.*`): it may call any such method.
for (const { service, method, file, line } of sites) {
  const key = `${service ?? "*"}.${method ?? "*"}`;
  written[key] = [...(written[key] ?? []), { file, line }];
}
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify(written, null, 2)}\n`);
console.log(
  `${sites.length} call sites of ${Object.keys(written).length} methods in ${path.relative(root, out)} ` +
    `(${Math.round(performance.now() - started)} ms)`,
);
