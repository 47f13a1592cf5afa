import type { NextConfig } from "next";

const nextConfig: NextConfig = {
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
