#!/usr/bin/env bash
# The WebSocket suites (CTest websocket_js): rex-host from the build with rex-websocket.so, checked
# with graphql-ws, subscriptions-transport-ws and ws (npm, pinned; npm ci on first use). Exit 77
# (skipped) without node/npm or sqlite3. Server engines come from tools/test-servers.sh's URLs.
#   plugins/websocket/tests/js/run.sh [files]        REX_BUILD_DIR=build by default
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
export REX_BUILD_DIR=${REX_BUILD_DIR:-$root/build}
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "websocket_js: skipped: node and npm are not installed (tools/install-deps.sh --test)" >&2
  exit 77
fi
command -v sqlite3 >/dev/null || { echo "websocket_js: skipped: the sqlite3 CLI is not installed" >&2; exit 77; }
[[ -x $REX_BUILD_DIR/bin/rex-host ]] || { echo "websocket_js: error: $REX_BUILD_DIR/bin/rex-host is not built" >&2; exit 1; }
cd "$here"
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
args=("$@")
((${#args[@]})) || args=(*.test.mjs)
exec node --test --test-reporter=spec --test-concurrency=1 --test-timeout=120000 "${args[@]}"
