// `turbo gen silo-app`: a new deployable silo server in apps/<name>. It is a thin main over
// @acme/silo's server (`runSilo` from @acme/silo/start) with its own package name, default port
// and database, README and scripts, and a smoke test that runs it as a real process.
import fs from "node:fs";
import path from "node:path";
import {
  applyChanges,
  type CommandResult,
  type FileChanges,
  formatFiles,
  type Generated,
  GeneratorInputError,
  runCommand,
  workspaceScope,
} from "./files.ts";

export type { Generated } from "./files.ts";

export interface SiloAppAnswers {
  /** The folder apps/<name>, and the package @scope/<name>. */
  readonly name: string;
  /** PORT when the environment sets none. */
  readonly port: number;
}

// A package name's segment as npm accepts it for a new package (lowercase, URL-safe, no leading
// dot or underscore), narrowed to what also makes a plain folder and database directory name.
const APP_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** The name of every workspace package, read from the folders the root package.json lists. */
function workspacePackageNames(root: string): Set<string> {
  const names = new Set<string>();
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
    workspaces?: string[];
  };
  for (const pattern of manifest.workspaces ?? []) {
    const dirs = pattern.endsWith("/*")
      ? fs
          .readdirSync(path.join(root, pattern.slice(0, -2)), { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => path.join(pattern.slice(0, -2), entry.name))
      : [pattern];
    for (const dir of dirs) {
      const file = path.join(root, dir, "package.json");
      if (!fs.existsSync(file)) continue;
      const { name } = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: unknown };
      if (typeof name === "string") names.add(name);
    }
  }
  return names;
}

/** An error message, or true: for the prompt and for the generator itself. */
export function checkAppName(root: string, name: string): string | true {
  if (name === "") return 'The app name is required, e.g. "billing-silo".';
  if (!APP_NAME.test(name) || name.length > 50 || name === "node_modules") {
    return `App name "${name}" is not a valid package name: use up to 50 lowercase letters, digits, "-", "." or "_", starting with a letter or digit.`;
  }
  if (fs.existsSync(path.join(root, "apps", name))) {
    return `apps/${name} exists already: choose another name.`;
  }
  const packageName = `${workspaceScope(root)}/${name}`;
  if (workspacePackageNames(root).has(packageName)) {
    return `A workspace package is named ${packageName} already: choose another name.`;
  }
  return true;
}

export function checkPort(port: string): string | true {
  if (!/^\d+$/.test(port) || Number(port) < 1024 || Number(port) > 65535) {
    return `Port "${port}" must be a whole number from 1024 to 65535.`;
  }
  return true;
}

export function parseSiloAppAnswers(
  root: string,
  raw: Readonly<Record<string, unknown>>,
): SiloAppAnswers {
  const text = (name: string) => String(raw[name] ?? "").trim();
  const name = text("name");
  const port = text("port");
  const problems = [checkAppName(root, name), checkPort(port)].filter(
    (check): check is string => check !== true,
  );
  if (problems.length > 0) throw new GeneratorInputError(problems.join("\n"));
  return { name, port: Number(port) };
}

/** The files of apps/<name>: nothing is written yet. */
export function planSiloApp(root: string, answers: SiloAppAnswers): FileChanges {
  const scope = workspaceScope(root);
  const { name, port } = answers;
  const pkg = `${scope}/${name}`;
  const dir = `apps/${name}`;
  const manifest = {
    name: pkg,
    private: true,
    type: "module",
    version: "0.1.0",
    scripts: {
      dev: "tsx watch --clear-screen=false src/main.ts",
      build: "tsx scripts/build.ts",
      // exec: npm passes SIGTERM to its child, which is then node itself, not a shell.
      start: "exec node dist/main.js",
      "start:tsx": "tsx src/main.ts",
      test: "vitest run",
      typecheck: "tsc",
      lint: "biome check .",
    },
    dependencies: {
      [`${scope}/db`]: "*",
      [`${scope}/rpc`]: "*",
      [`${scope}/services`]: "*",
      [`${scope}/silo`]: "*",
    },
    devDependencies: {
      [`${scope}/build`]: "*",
      [`${scope}/tsconfig`]: "*",
      [`${scope}/vitest-config`]: "*",
    },
  };
  const main = `// The ${name} process: the silo server of ${scope}/silo, with this app's name, default port
// and database. Which silo it is (MONOLITH, CONTROL or a REGION) comes from the environment.
import { runSilo } from "${scope}/silo/start";

runSilo({
  name: "${name}",
  packageJson: new URL("../package.json", import.meta.url),
  defaults: { port: ${port}, databaseUrl: ".data/${name}" },
});
`;
  const build = `// npm run build: this app's process as plain JavaScript in dist/, which \`npm start\` runs with
// node alone (see ${scope}/build for what is bundled and what stays in node_modules).
import path from "node:path";
import { buildSiloApp } from "${scope}/build";

await buildSiloApp({ appDir: path.resolve(import.meta.dirname, "..") });
`;
  const smoke = `// The app as it is deployed: built (npm run build), then \`node dist/main.js\` as a real process
// on a free port, run as a CONTROL silo. It answers /healthz and a signed RPC call over the
// wire, and stops cleanly on SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { buildSiloApp } from "${scope}/build";
import { demoData } from "${scope}/db";
import { siloConfig } from "${scope}/rpc";
import { createAppRuntime } from "${scope}/services/runtime";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

const appDir = path.join(import.meta.dirname, "..");
const main = path.join(appDir, "dist/main.js");
const SECRET = "smoke-test-secret-not-for-production";
// Region silos this CONTROL silo would call; the test calls only the control silo's own methods.
const REGIONS = [
  { name: "us", address: "http://127.0.0.1:9" },
  { name: "eu", address: "http://127.0.0.1:9" },
];

beforeAll(() => buildSiloApp({ appDir }), 60_000);

const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
});

/** Starts the app; resolves with its URL once it logs that it is ready. */
function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on("line", (line) => {
        lines.push(line);
        if (line.includes('"msg":"silo ready"')) resolve(JSON.parse(line));
      });
    }
    void exited.then((code) =>
      reject(new Error(\`exited with \${code} before it was ready:\\n\${lines.join("\\n")}\`)),
    );
  });
  return { child, ready, exited, output: () => lines.join("\\n") };
}

describe("${pkg}", () => {
  it("serves /healthz and a signed RPC call as a CONTROL silo, and stops cleanly on SIGTERM", async () => {
    const app = start({
      SILO_MODE: "CONTROL",
      RPC_SHARED_SECRET: SECRET,
      REGION_CONFIG: JSON.stringify(REGIONS),
      DATABASE_URL: "memory://",
      PORT: "0",
      HOST: "127.0.0.1",
    });
    const ready = await app.ready;
    expect(ready).toMatchObject({ app: "${name}", mode: "CONTROL", silo: "control" });
    const url = String(ready.url);

    const health = await fetch(\`\${url}/healthz\`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: "ok",
      mode: "CONTROL",
      version: "0.1.0",
      database: { ok: true },
    });

    // A client elsewhere (no database of its own): the call goes over the wire, signed.
    const { client } = createAppRuntime({
      config: siloConfig({
        mode: "CONTROL",
        controlAddress: url,
        regions: REGIONS,
        secrets: [SECRET],
      }),
    });
    const [organization] = demoData.organizations;
    if (organization === undefined) throw new Error("no demo organization");
    expect(
      await client.organizationMapping.getBySlug.query({ slug: organization.slug }),
    ).toMatchObject({
      organizationId: organization.id,
      slug: organization.slug,
      regionName: organization.region,
    });

    app.child.kill("SIGTERM");
    expect(await app.exited).toBe(0);
    expect(app.output()).toContain('"msg":"stopped: database closed"');
  });
});
`;
  // A region silo beside it in the README's example.
  const regionPort = port < 65535 ? port + 1 : port - 1;
  const readme = `# ${pkg}

A deployable silo server: the server of [\`${scope}/silo\`](../silo/README.md) (the RPC endpoint,
\`/healthz\`, \`/metrics\`, \`/openapi.json\`, graceful shutdown) with its own name, default port and
database. \`src/main.ts\` is all of its code: it calls \`runSilo\` from \`${scope}/silo/start\`, so a
fix to the silo server reaches this app too. Put here what only this deployment needs.

## Run it

\`\`\`sh
npm run dev -w ${pkg}    # a MONOLITH on http://127.0.0.1:${port}: every service in process, from source (tsx)
npm test -w ${pkg}       # the smoke test: built, a real process, /healthz, a signed RPC call, SIGTERM
npm run build -w ${pkg}  # dist/: plain JavaScript, the workspace packages bundled in
npm start -w ${pkg}      # node dist/main.js: what a deployment runs, with production dependencies only
\`\`\`

The environment says which silo it is. A control silo and a region silo, each with its own
database and port (the shared secret signs every RPC request between them):

\`\`\`sh
npm run build -w ${pkg}
export RPC_SHARED_SECRET=change-me REGION_CONFIG='[{"name":"us","address":"http://127.0.0.1:${regionPort}"}]'
SILO_MODE=CONTROL DATABASE_URL=.data/${name}-control npm run start -w ${pkg}
SILO_MODE=REGION REGION_NAME=us CONTROL_ADDRESS=http://127.0.0.1:${port} PORT=${regionPort} \\
  DATABASE_URL=.data/${name}-us npm run start -w ${pkg}
\`\`\`

## Configuration

The variables of [\`${scope}/silo\`](../silo/README.md#configuration), documented in the
repository's \`.env.example\`. This app's defaults: \`PORT=${port}\` and \`DATABASE_URL=.data/${name}\`
(an embedded PGlite directory, relative to the repository root). A \`.env\` at the repository root
applies to every app: when it sets \`PORT\` or \`DATABASE_URL\`, set them per app to run several at
once (two processes cannot share a port or a PGlite directory).

Scripts: \`dev\` (from source, restarts on changes), \`build\`, \`start\` (the build, with \`node\`),
\`start:tsx\` (from source, once), \`test\`, \`typecheck\`, \`lint\`. A deployment installs production
dependencies only and runs \`node apps/${name}/dist/main.js\`: \`deploy/silo.Dockerfile\` shows the
steps for \`${scope}/silo\` (the same for this app, with its name).
`;
  const tsconfig = `${JSON.stringify({ extends: `${scope}/tsconfig/base.json`, include: ["src", "test", "scripts", "*.ts"] }, null, 2)}\n`;
  const vitestConfig = `import { baseConfig } from "${scope}/vitest-config";

export default baseConfig;
`;
  return {
    create: new Map([
      [`${dir}/package.json`, `${JSON.stringify(manifest, null, 2)}\n`],
      [`${dir}/README.md`, readme],
      [`${dir}/tsconfig.json`, tsconfig],
      [`${dir}/vitest.config.ts`, vitestConfig],
      [`${dir}/src/main.ts`, main],
      [`${dir}/scripts/build.ts`, build],
      [`${dir}/test/smoke.test.ts`, smoke],
    ]),
    update: new Map(),
  };
}

/** Writes apps/<name>, formatted like the code around it. Returns the files and the undo. */
export function writeSiloApp(
  root: string,
  answers: SiloAppAnswers,
): { files: string[]; undo: () => void } {
  const changes = planSiloApp(root, answers);
  const undo = applyChanges(root, changes);
  const files = [...changes.create.keys()];
  formatFiles(
    root,
    files.filter((file) => !file.endsWith(".md")),
  );
  return { files, undo };
}

/**
 * The whole generator: checks the answers, writes apps/<name>, then runs `npm install` so that
 * the new workspace is linked and recorded in package-lock.json (without it, `npm ci` fails in
 * CI). TURBO_GEN_SKIP_INSTALL=1 skips it, for scripts that install afterwards themselves.
 */
export function generateSiloApp(root: string, raw: Readonly<Record<string, unknown>>): Generated {
  const answers = parseSiloAppAnswers(root, raw);
  const { files } = writeSiloApp(root, answers);
  // Tooling, not an app: the one variable it reads is documented in the README (Scaffolding).
  const skipInstall = process.env.TURBO_GEN_SKIP_INSTALL === "1";
  // A tree whose node_modules entries link into another checkout (a test's copy of the repository):
  // npm install would write that checkout's node_modules/.bin and hidden lockfile through the links.
  const linked = fs.existsSync(path.join(root, "node_modules/.bin"))
    ? fs.lstatSync(path.join(root, "node_modules/.bin")).isSymbolicLink()
    : false;
  const install: SiloAppInstall =
    skipInstall || linked
      ? {
          skipped: skipInstall
            ? "TURBO_GEN_SKIP_INSTALL=1"
            : "node_modules is linked from another checkout",
        }
      : runCommand(root, "npm", ["install", "--no-audit", "--no-fund"]);
  return {
    folder: `apps/${answers.name}`,
    report: siloAppReport(root, answers, files, install),
  };
}

/** What happened to `npm install` after the app was written: skipped (and why), or its result. */
export type SiloAppInstall = { readonly skipped: string } | CommandResult;

/** What the generator prints once the app is written: its files, npm install, and what to do next. */
export function siloAppReport(
  root: string,
  answers: SiloAppAnswers,
  files: readonly string[],
  install: SiloAppInstall,
): string {
  const pkg = `${workspaceScope(root)}/${answers.name}`;
  return [
    `App ${pkg} in apps/${answers.name} (default port ${answers.port}):`,
    ...files.map((file) => `  ${file}`),
    "skipped" in install
      ? `npm install skipped (${install.skipped}): run it to link the new workspace.`
      : install.ok
        ? "npm install: the new workspace is linked and in package-lock.json."
        : `npm install failed; the app is written, run npm install yourself:\n${install.output}`,
    "",
    "Next:",
    `  npm run dev -w ${pkg}    # MONOLITH on http://127.0.0.1:${answers.port}`,
    `  npm test -w ${pkg}       # the smoke test`,
  ].join("\n");
}
