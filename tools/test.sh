#!/usr/bin/env bash
# Installs what is missing, builds, starts throwaway PostgreSQL, MariaDB and PgBouncer servers,
# runs every test, and stops the servers again.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --test
tools/build.sh
build_dir=${REX_BUILD_DIR:-build}

if [[ -x tools/test-servers.sh ]]; then
  trap 'tools/test-servers.sh stop >/dev/null 2>&1 || true' EXIT
  eval "$(tools/test-servers.sh start)"
  export REX_REQUIRE_SERVERS=1
fi

ctest --test-dir "$build_dir" --output-on-failure -j2

# A short libFuzzer run over the GraphQL parser and validation (clang build in build-fuzz/).
if command -v clang++-14 >/dev/null; then
  log=$(mktemp)
  tools/fuzz-graphql.sh 20000 >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  rm -f "$log"
fi
