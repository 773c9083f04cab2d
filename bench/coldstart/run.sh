#!/usr/bin/env bash
# bench/coldstart: rex-host's cold start on the Chinook databases (SQLite file; PostgreSQL on
# loopback when tools/test-servers.sh runs): exec -> first answered GraphQL query, with and
# without a catalog snapshot, median/p95 and RSS, one JSON line per case (docs/performance.md).
#   eval "$(tools/test-servers.sh start)"; bench/coldstart/run.sh [--runs N]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${REX_BUILD_DIR:-$root/build}
[[ -x $build/bin/rex-host ]] || { echo "coldstart: error: $build/bin/rex-host is not built" >&2; exit 1; }
engines=(sqlite)
[[ -n ${REX_TEST_POSTGRES_URL:-} ]] && engines+=(postgres)
eval "$("$root/tools/chinook-db.sh" --sqlite-file "$build/coldstart-chinook.db" --name chinook_coldstart "${engines[@]}")"
urls=(--url "$REX_CHINOOK_SQLITE_URL")
[[ -n ${REX_CHINOOK_POSTGRES_URL:-} ]] && urls+=(--url "$REX_CHINOOK_POSTGRES_URL")
exec /usr/bin/python3 "$root/bench/coldstart/coldstart.py" --build "$build" "${urls[@]}" "$@"
