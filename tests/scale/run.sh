#!/usr/bin/env bash
# The scale-out suite (CTest scale): three rex-host processes from the build on the PostgreSQL of
# tools/test-servers.sh, with subscribers through graphql-ws, ws and eventsource (npm, pinned; npm ci
# on first use). Exit 77 (skipped) without node/npm; without REX_TEST_POSTGRES_URL the test skips
# (fails with REX_REQUIRE_SERVERS=1).
#   tests/scale/run.sh [files]        REX_BUILD_DIR=build by default
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export REX_BUILD_DIR=${REX_BUILD_DIR:-$root/build}
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "scale: skipped: node and npm are not installed (tools/install-deps.sh --test)" >&2
  exit 77
fi
[[ -x $REX_BUILD_DIR/bin/rex-host ]] || { echo "scale: error: $REX_BUILD_DIR/bin/rex-host is not built" >&2; exit 1; }
cd "$here"
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
args=("$@")
((${#args[@]})) || args=(*.test.mjs)
exec node --test --test-reporter=spec --test-concurrency=1 --test-timeout=180000 "${args[@]}"
