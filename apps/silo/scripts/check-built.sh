#!/usr/bin/env bash
# npm run check:built: the built silo runs with node alone and production dependencies only.
# The steps of a multi-stage container image, run outside a container (none can be built here):
#   1. build stage: a clean copy of HEAD, every dependency installed, `npm run build` of the silo;
#   2. runtime stage: the package manifests of the silo's workspaces and their lockfile
#      (`turbo prune @acme/silo --docker`), production dependencies only (`npm ci --omit=dev
#      --ignore-scripts`: the root's postinstall generates code, which the build did), and dist/.
#      No TypeScript source and no tsx, esbuild or Prisma CLI: a workspace package that was not
#      bundled, or a file left out, fails here.
# Then the runtime copy's `node apps/silo/dist/main.js` is started as a CONTROL silo on a free
# port, on PGlite and on PostgreSQL, until /healthz answers 200 and a signed RPC call succeeds.
#
# PostgreSQL: CHECK_BUILT_POSTGRES_URL (a server; a database is created on it and dropped), else
# the local server at 127.0.0.1:5432 when pg_isready answers; otherwise that half is skipped.
# CHECK_BUILT_KEEP=1 keeps the temporary folder.
set -euo pipefail
repo="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
work="$(mktemp -d "${TMPDIR:-/tmp}/check-built-XXXXXX")"
build="$work/build"
run="$work/run"
silo_pid=""
pg_db=""
pg_admin=""
cleanup() {
  if [ -n "$silo_pid" ] && kill -0 "$silo_pid" 2>/dev/null; then kill -KILL "$silo_pid"; fi
  if [ -n "$pg_db" ]; then psql "$pg_admin" -q -c "DROP DATABASE IF EXISTS \"$pg_db\" WITH (FORCE)" || true; fi
  if [ "${CHECK_BUILT_KEEP:-}" = "1" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
step() { printf '\n==> %s\n' "$*"; }
export CHECK_BUILT=1 NO_COLOR=1 TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1

step "build stage: clean copy of HEAD ($(git -C "$repo" rev-parse --short HEAD)), npm ci, build the silo"
mkdir -p "$build" "$run"
git -C "$repo" archive HEAD | tar -x -C "$build"
(cd "$build" && npm ci --no-audit --no-fund --loglevel=error)
(cd "$build" && npx turbo run build --filter=@acme/silo --output-logs=errors-only)

step "runtime stage: the silo's workspace manifests and lockfile (turbo prune), production dependencies only, the built dist/"
(cd "$build" && npx turbo prune @acme/silo --docker --out-dir "$work/pruned" >/dev/null)
cp -R "$work/pruned/json/." "$run/"
(cd "$run" && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error)
cp -R "$build/apps/silo/dist" "$run/apps/silo/dist"
for tool in tsx prisma turbo vitest next; do
  if [ -e "$run/node_modules/$tool" ]; then echo "a dev dependency was installed: $tool" >&2; exit 1; fi
done
if find "$run" -path "$run/node_modules" -prune -o -name '*.ts' -print | grep -q .; then
  echo "TypeScript files in the runtime copy:" >&2; exit 1
fi
echo "node_modules: $(du -sh "$run/node_modules" | cut -f1); dist: $(du -sh "$run/apps/silo/dist" | cut -f1)"

secret="check-built-secret-not-for-production"
# Starts the runtime copy's silo on a free port with this DATABASE_URL, probes it, stops it.
check() {
  local label="$1" database_url="$2"
  step "node apps/silo/dist/main.js on $label"
  local port
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  (cd "$run" && exec env SILO_MODE=CONTROL RPC_SHARED_SECRET="$secret" \
    REGION_CONFIG='[{"name":"us","address":"http://127.0.0.1:9"}]' \
    PORT="$port" HOST=127.0.0.1 DATABASE_URL="$database_url" LOG_LEVEL=info \
    node apps/silo/dist/main.js >"$work/silo.log" 2>&1) &
  silo_pid=$!
  if ! (cd "$build" && npx tsx apps/silo/scripts/probe.ts "http://127.0.0.1:$port" "$secret" 60); then
    cat "$work/silo.log" >&2
    exit 1
  fi
  grep -m1 '"msg":"silo ready"' "$work/silo.log"
  kill -TERM "$silo_pid"
  local status=0
  wait "$silo_pid" || status=$?
  silo_pid=""
  if [ "$status" -ne 0 ]; then
    echo "the silo exited with $status on SIGTERM" >&2
    cat "$work/silo.log" >&2
    exit 1
  fi
  echo "stopped on SIGTERM, exit code 0"
}

check "PGlite ($run/.data/check)" ".data/check"

pg_admin="${CHECK_BUILT_POSTGRES_URL:-}"
if [ -z "$pg_admin" ] && pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_admin="postgresql://postgres@127.0.0.1:5432/postgres"
fi
if [ -z "$pg_admin" ]; then
  step "PostgreSQL: skipped (no server: set CHECK_BUILT_POSTGRES_URL)"
else
  pg_db="check_built_$$"
  psql "$pg_admin" -v ON_ERROR_STOP=1 -q -c "CREATE DATABASE \"$pg_db\""
  pg_url="$(node -e 'const u=new URL(process.argv[1]);u.pathname="/"+process.argv[2];console.log(u.href)' "$pg_admin" "$pg_db")"
  check "PostgreSQL ($pg_db)" "$pg_url"
fi
step "the built silo runs with production dependencies only"
