#!/usr/bin/env bash
# The realtime benchmark (not in CI): N WebSocket subscribers on /changes of one rex-host serving
# PostgreSQL with change capture, writes through the database (node-postgres) at a fixed rate,
# commit-to-client latency p50/p99 (read by load_client.cpp, or by `ws` with --client node),
# delivered = expected, rex-host CPU and RSS. Needs the servers:
#   eval "$(tools/test-servers.sh start)"; bench/realtime/run.sh [bench.mjs options]
# JSON lines go to stdout and build/bench-realtime.jsonl.
#   bench/realtime/run.sh live [live_queries.mjs options]: live queries re-run by related changes
#   (live_queries.mjs) on Chinook in a PostgreSQL database of its own (chinook_live).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export REX_BUILD_DIR=${REX_BUILD_DIR:-$root/build}
[[ -x $REX_BUILD_DIR/bin/rex-host ]] || { echo "bench: error: $REX_BUILD_DIR/bin/rex-host is not built (tools/build.sh)" >&2; exit 1; }
command -v node >/dev/null || { echo "bench: error: node is not installed (tools/install-deps.sh --test)" >&2; exit 1; }
[[ -n ${REX_TEST_POSTGRES_URL:-} ]] || { echo "bench: error: REX_TEST_POSTGRES_URL is not set (eval \"\$(tools/test-servers.sh start)\")" >&2; exit 1; }
source "$root/tools/node-suite.sh"
for dir in "$here" "$root/tests/e2e"; do node_suite_npm_ci bench "$dir"; done
if [[ ${1:-} == live ]]; then
  shift
  exports=$("$root/tools/chinook-db.sh" --name chinook_live postgres) || exit 1
  eval "$exports"
  "$REX_BUILD_DIR/bin/rex" --url "$REX_CHINOOK_POSTGRES_URL" realtime enable --tables album,artist >&2
  exec node "$here/live_queries.mjs" "$@"
fi
# The native load client (--client native, the default): one C++ file, rebuilt when it changed.
load_client=$REX_BUILD_DIR/bench-realtime-load-client
if [[ ! -x $load_client || $here/load_client.cpp -nt $load_client ]]; then
  ${CXX:-c++} -std=c++20 -O2 -Wall -Wextra -o "$load_client" "$here/load_client.cpp"
fi
# 10 000 subscribers need 10 000 descriptors on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
node "$here/bench.mjs" --load-client "$load_client" "$@" | tee "$REX_BUILD_DIR/bench-realtime.jsonl"
