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
source "$root/tools/node-suite.sh"
node_suite_require scale
cd "$here"
node_suite_npm_ci scale .
node_suite_exec 180000 "$@"
