import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The workspace packages export TypeScript source (with `.ts` import extensions): compile them.
  transpilePackages: ["@acme/config", "@acme/db", "@acme/rpc", "@acme/services"],
  // Loaded by Node at run time, never bundled: PGlite reads its WASM and data files from its own
  // package directory, and the database drivers are Node packages.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "pg",
    "@prisma/client",
    "pglite-prisma-adapter",
    "@prisma/adapter-pg",
  ],
  turbopack: {
    rules: {
      // Only the files that use them (today: @acme/config, for the repository root).
      "*.ts": {
        condition: { content: /import\.meta\.(dirname|filename)/ },
        loaders: ["./loaders/import-meta-paths.cjs"],
      },
    },
  },
};

export default nextConfig;
