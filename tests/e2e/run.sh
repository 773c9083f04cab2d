#!/usr/bin/env bash
# The end-to-end suite (CTest label e2e): rex-host from the build serving the Chinook databases,
# checked with graphql-js and graphql-http. Installs the pinned npm packages when they are missing
# (npm ci), loads Chinook (tools/chinook-db.sh; the server engines need tools/test-servers.sh's
# URLs, else they are skipped, or fail with REX_REQUIRE_SERVERS=1), then runs node --test.
#   tests/e2e/run.sh [node --test options] [files]     REX_BUILD_DIR=build by default
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export REX_BUILD_DIR=${REX_BUILD_DIR:-$root/build}

source "$root/tools/node-suite.sh"
node_suite_require e2e

cd "$here"
node_suite_npm_ci e2e .

# A SQLite copy per build folder, so two builds' runs do not share a file.
exports=$("$root/tools/chinook-db.sh" --sqlite-file "$REX_BUILD_DIR/e2e-chinook.db" --name chinook_e2e all) || exit 1
eval "$exports"

node_suite_exec 120000 "$@"
