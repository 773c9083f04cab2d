#!/usr/bin/env bash
# The GraphQL benchmark (not in CI: about 10 minutes): rex-host against PostGraphile v4 on the same
# PostgreSQL Chinook, and Rex on SQLite and MariaDB. Needs the servers:
#   eval "$(tools/test-servers.sh start)"; bench/graphql/run.sh [bench.mjs options]
# JSON lines go to stdout and build/bench-graphql.jsonl, the summary table to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export REX_BUILD_DIR=${REX_BUILD_DIR:-$root/build}
[[ -x $REX_BUILD_DIR/bin/rex-host ]] || { echo "bench: error: $REX_BUILD_DIR/bin/rex-host is not built (tools/build.sh)" >&2; exit 1; }
command -v node >/dev/null || { echo "bench: error: node is not installed (tools/install-deps.sh --test)" >&2; exit 1; }
source "$root/tools/node-suite.sh"
for dir in "$here" "$root/tests/e2e"; do node_suite_npm_ci bench "$dir"; done
# A fresh copy each run: the insert query adds rows.
exports=$("$root/tools/chinook-db.sh" --fresh --name chinook_bench --sqlite-file "$REX_BUILD_DIR/bench-chinook.db" all) || exit 1
eval "$exports"
node "$here/bench.mjs" "$@" | tee "$REX_BUILD_DIR/bench-graphql.jsonl"
