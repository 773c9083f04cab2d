#!/usr/bin/env bash
# The WebSocket suites (CTest websocket_js): rex-host from the build with rex-websocket.so, checked
# with graphql-ws, subscriptions-transport-ws and ws (npm, pinned; npm ci on first use). Exit 77
# (skipped) without node/npm or sqlite3. Server engines come from tools/test-servers.sh's URLs.
#   plugins/websocket/tests/js/run.sh [files]        REX_BUILD_DIR=build by default
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
export REX_BUILD_DIR=${REX_BUILD_DIR:-$root/build}
source "$root/tools/node-suite.sh"
node_suite_require websocket_js
command -v sqlite3 >/dev/null || { echo "websocket_js: skipped: the sqlite3 CLI is not installed" >&2; exit 77; }
cd "$here"
node_suite_npm_ci websocket_js .
node_suite_exec 120000 "$@"
