# syntax=docker/dockerfile:1
# The silo's production image (any SILO_MODE, chosen by the environment): built JavaScript
# (apps/silo/dist, esbuild) and the production dependencies it imports, run by `node` as the
# unprivileged `node` user. Build it from the repository root:
#   docker build -f deploy/silo.Dockerfile -t acme/silo .
#
# CI cannot build images (no daemon, no registry): deploy/check-image-steps.mjs reads this file and
# runs its COPY and RUN steps outside a container, in a clean copy of the repository, then starts
# the result and calls /healthz. Keep to what it understands: FROM, WORKDIR, ENV, COPY (`. .`, or
# --from=<stage> with absolute sources under WORKDIR), RUN, USER, EXPOSE, HEALTHCHECK, CMD; paths
# in RUN, HEALTHCHECK and CMD relative to WORKDIR.

FROM node:20.20-bookworm-slim AS build
WORKDIR /app
ENV CI=true TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
COPY . .
# The postinstall generates the Prisma client and the embedded migrations (offline: JS engines).
RUN --mount=type=cache,target=/root/.npm,sharing=locked npm ci --no-audit --no-fund
RUN npm run build -- --filter=@acme/silo
# The manifests of the workspaces the silo depends on and a lockfile cut down to their packages:
# the runtime stage's install layer changes only when the silo's own dependencies do.
RUN npx turbo prune @acme/silo --docker --out-dir pruned

FROM node:20.20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
# turbo prune's manifests and lockfile are all `npm ci` needs to install the silo's production
# dependencies (workspace packages are bundled into dist; their npm dependencies stay imports).
# No install scripts: the root postinstall runs dev tools, and nothing here needs one. No optional
# dependencies: the Prisma CLI (about 100 MB) would come back as an optional peer of @prisma/client.
COPY --from=build /app/pruned/json/ ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund
COPY --from=build /app/apps/silo/dist apps/silo/dist
# Files stay root's: the process cannot change its own code. A PGlite DATABASE_URL (not for
# production) needs a writable volume; PostgreSQL needs nothing on disk.
USER node
ENV HOST=0.0.0.0 PORT=8000 SEED_DEMO_DATA=false
EXPOSE 8000
# 200 once the database answers; the load balancers and Kubernetes probe the same path.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself, not npm: it is PID 1 and gets SIGTERM, on which the silo drains in-flight requests
# and its outbox deliveries, then closes the database.
CMD ["node", "apps/silo/dist/main.js"]
