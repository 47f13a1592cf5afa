// npm run build: apps/silo's process as plain JavaScript in dist/, for `npm run start:dist`.
// Workspace packages (TypeScript) are bundled in; npm dependencies stay imports, loaded from
// node_modules as usual. Code split at dynamic imports, so a process loads only its database
// engine's driver. Without tsx the process has no loader thread: about 30 MB less.
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
await build({
  entryPoints: { main: path.join(root, "src/main.ts") },
  outdir: path.join(root, "dist"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  plugins: [
    {
      name: "npm-dependencies-external",
      setup(esbuild) {
        esbuild.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith("@acme/") ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
});
