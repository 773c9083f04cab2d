#!/usr/bin/env bash
# Runs corpus.test.mjs (graphql-js against Rex) with graphql_validate_tool given as $1. Installs the
# pinned npm packages on first use; exits 77 (CTest: skipped) when node or npm is missing.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIPPED: node and npm are not installed (tools/install-deps.sh --test installs them)"
  exit 77
fi
[[ -f node_modules/graphql/package.json ]] || npm ci --no-audit --no-fund --loglevel=error
REX_GRAPHQL_TOOL="$1" exec node --test corpus.test.mjs
