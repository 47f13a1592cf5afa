import path from "node:path";
import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // `next build` also writes .next/standalone: server.js and only the files it needs (the traced
  // node_modules included), run with `node` alone by `npm start`; no TypeScript at run time (this
  // config is compiled into it). Traced from the repository root, where the workspace's
  // node_modules are.
  output: "standalone",
  outputFileTracingRoot: path.join(import.meta.dirname, "../.."),
  // `next dev` serves its scripts to http://localhost:3000 only; opened as http://127.0.0.1:3000
  // (the address the silos print), the page loaded without them and its forms did nothing.
  // Loopback is this machine, so it is no wider than localhost.
  allowedDevOrigins: ["127.0.0.1"],
  // The workspace packages export TypeScript source (with `.ts` import extensions): compile them.
  transpilePackages: ["@acme/config", "@acme/db", "@acme/rpc", "@acme/services"],
  // Loaded by Node at run time, never bundled: PGlite reads its WASM and data files from its own
  // package directory, and the database drivers are Node packages. tRPC too, so that the whole
  // process has one TRPCError class (Next bundles each route on its own).
  serverExternalPackages: [
    "@trpc/server",
    "@electric-sql/pglite",
    "pg",
    "@prisma/client",
    "pglite-prisma-adapter",
    "@prisma/adapter-pg",
  ],
};

export default nextConfig;
