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

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "e2e: skipped: node and npm are not installed (tools/install-deps.sh --test)" >&2
  exit 77
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if ((major < 20)); then
  echo "e2e: skipped: Node 20 or newer is needed (node --test options, global fetch); found $(node --version)" >&2
  exit 77
fi
[[ -x $REX_BUILD_DIR/bin/rex-host ]] || { echo "e2e: error: $REX_BUILD_DIR/bin/rex-host is not built" >&2; exit 1; }

cd "$here"
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "e2e: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

# A SQLite copy per build folder, so two builds' runs do not share a file.
exports=$("$root/tools/chinook-db.sh" --sqlite-file "$REX_BUILD_DIR/e2e-chinook.db" --name chinook_e2e all) || exit 1
eval "$exports"

args=("$@")
((${#args[@]})) || args=(*.test.mjs)
# One file at a time: each starts its own hosts, and CI has two cores.
exec node --test --test-reporter=spec --test-concurrency=1 --test-timeout=120000 "${args[@]}"
