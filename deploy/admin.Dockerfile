# syntax=docker/dockerfile:1
# The admin app's production image: Next's standalone output (`output: "standalone"`: the server,
# its compiled pages and only the node_modules files they were traced to use) and the static
# assets beside it, run by `node` as the unprivileged `node` user. Build from the repository root:
#   docker build -f deploy/admin.Dockerfile -t acme/admin .
# Meant for SILO_MODE=CONTROL (a client of the silos, no database). See silo.Dockerfile for the
# instructions deploy/check-image-steps.mjs understands: CI runs these steps outside a container.

FROM node:20.20-bookworm-slim AS build
WORKDIR /app
ENV CI=true TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
COPY . .
RUN --mount=type=cache,target=/root/.npm,sharing=locked npm ci --no-audit --no-fund
RUN npm run build -- --filter=@acme/admin

FROM node:20.20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
# The standalone folder mirrors the repository (apps/admin/server.js, node_modules at its root);
# Next leaves the static assets out of it for a CDN: copied back in, the server serves them.
COPY --from=build /app/apps/admin/.next/standalone ./
COPY --from=build /app/apps/admin/.next/static apps/admin/.next/static
USER node
# NEXT_MANUAL_SIG_HANDLE stays unset: in CONTROL mode no handler of the app's would end PID 1 on
# SIGTERM, so Next's own handler does.
ENV HOSTNAME=0.0.0.0 PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "apps/admin/server.js"]
