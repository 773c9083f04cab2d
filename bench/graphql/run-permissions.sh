#!/usr/bin/env bash
# The cost of permissions (not in CI): bench/graphql/permissions.mjs on the Chinook copies.
#   eval "$(tools/test-servers.sh start)"; bench/graphql/run-permissions.sh [permissions.mjs options]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export REX_BUILD_DIR=${REX_BUILD_DIR:-$root/build}
[[ -x $REX_BUILD_DIR/bin/rex-host ]] || { echo "bench: error: $REX_BUILD_DIR/bin/rex-host is not built (tools/build.sh)" >&2; exit 1; }
for dir in "$here" "$root/tests/e2e"; do
  if [[ ! -d $dir/node_modules || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
done
exports=$("$root/tools/chinook-db.sh" --name chinook_bench --sqlite-file "$REX_BUILD_DIR/bench-chinook.db" all) || exit 1
eval "$exports"
node "$here/permissions.mjs" "$@" | tee "$REX_BUILD_DIR/bench-permissions.jsonl"
