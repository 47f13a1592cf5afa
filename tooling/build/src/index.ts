// `npm run build` of a silo app (apps/silo, and every app made by `turbo gen silo-app`): its
// process as plain JavaScript in <app>/dist, which `npm start` runs with `node` alone.
import path from "node:path";
import { build } from "esbuild";

/** The workspace packages' scope: their imports are bundled, every other one stays external. */
const WORKSPACE = "@acme/";

export interface SiloAppBuild {
  /** The app's folder (holding package.json and src/). */
  readonly appDir: string;
  /** The entry point, relative to appDir. */
  readonly entry?: string;
}

/**
 * Bundles the app's entry point into `dist/main.js`:
 * - the workspace packages (`@acme/*`) are TypeScript source: bundled in, so nothing at run time
 *   compiles TypeScript, and the Prisma client and the migrations generated into `@acme/db`
 *   travel with the code;
 * - npm packages stay imports, loaded from node_modules as installed by `npm ci --omit=dev`
 *   (PGlite reads its WebAssembly and data files from its own package folder; Prisma loads its
 *   query compiler from `@prisma/client`);
 * - split at dynamic imports, so a process loads only its own database engine's driver.
 * The process reads `../package.json` (its version, for /healthz) from dist as it does from src.
 */
export async function buildSiloApp(options: SiloAppBuild): Promise<void> {
  await build({
    entryPoints: { main: path.join(options.appDir, options.entry ?? "src/main.ts") },
    outdir: path.join(options.appDir, "dist"),
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // For `node --enable-source-maps` when a stack trace must point at the TypeScript source.
    sourcemap: true,
    logLevel: "warning",
    plugins: [
      {
        name: "npm-dependencies-external",
        setup(esbuild) {
          esbuild.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith(WORKSPACE) ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
  });
}
