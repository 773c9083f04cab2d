#!/usr/bin/env bash
# The SSE transport's end-to-end tests (CTest sse_clients): rex-host from the build with rex-sse.so
# and the test publisher fixture, checked with the npm clients users use (eventsource,
# graphql-sse). Installs the pinned packages when they are missing (npm ci), then runs node --test.
#   plugins/sse/tests/run.sh [node --test options] [files]     REX_BUILD_DIR=build by default
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
export REX_BUILD_DIR=${REX_BUILD_DIR:-$root/build}

source "$root/tools/node-suite.sh"
node_suite_require sse_clients
for f in bin/rex-host plugins/rex-sse.so test-plugins/sse/rex-sse-test-publisher.so; do
  [[ -e $REX_BUILD_DIR/$f ]] || { echo "sse_clients: error: $REX_BUILD_DIR/$f is not built" >&2; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "sse_clients: error: the sqlite3 client is needed (tools/install-deps.sh --test)" >&2; exit 1; }

cd "$here/js"
node_suite_npm_ci sse_clients .
node_suite_exec 120000 "$@"
