#!/usr/bin/env bash
# The SSE transport's end-to-end tests (CTest sse_clients): rex-host from the build with rex-sse.so
# and the test publisher fixture, checked with the npm clients users use (eventsource,
# graphql-sse). Installs the pinned packages when they are missing (npm ci), then runs node --test.
#   plugins/sse/tests/run.sh [node --test options] [files]     REX_BUILD_DIR=build by default
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
export REX_BUILD_DIR=${REX_BUILD_DIR:-$root/build}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "sse_clients: skipped: node and npm are not installed (tools/install-deps.sh --test)" >&2
  exit 77
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if ((major < 20)); then
  echo "sse_clients: skipped: Node 20 or newer is needed; found $(node --version)" >&2
  exit 77
fi
for f in bin/rex-host plugins/rex-sse.so test-plugins/sse/rex-sse-test-publisher.so; do
  [[ -e $REX_BUILD_DIR/$f ]] || { echo "sse_clients: error: $REX_BUILD_DIR/$f is not built" >&2; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "sse_clients: error: the sqlite3 client is needed (tools/install-deps.sh --test)" >&2; exit 1; }

cd "$here/js"
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "sse_clients: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
args=("$@")
((${#args[@]})) || args=(*.test.mjs)
exec node --test --test-reporter=spec --test-concurrency=1 --test-timeout=120000 "${args[@]}"
