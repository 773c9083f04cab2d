# Sourced by the Node test suites' run.sh scripts (e2e, scale, websocket_js, sse_clients): the shared
# preamble, so each script keeps only what is its own.
#   source tools/node-suite.sh; node_suite_require <label>; node_suite_npm_ci <label> <dir>
#   node_suite_exec <timeout-ms> [files…]      runs node --test on the files, or on *.test.mjs

# Exit 77 (CTest's "skipped") without node/npm or with a Node older than 20 (node --test options,
# global fetch); exit 1 when rex-host is not built.
node_suite_require() {
  local label=$1
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "$label: skipped: node and npm are not installed (tools/install-deps.sh --test)" >&2
    exit 77
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if ((major < 20)); then
    echo "$label: skipped: Node 20 or newer is needed; found $(node --version)" >&2
    exit 77
  fi
  [[ -x $REX_BUILD_DIR/bin/rex-host ]] || { echo "$label: error: $REX_BUILD_DIR/bin/rex-host is not built" >&2; exit 1; }
}

# The pinned packages of <dir>, installed when missing or older than its lockfile.
node_suite_npm_ci() {
  local label=$1 dir=$2
  if [[ ! -d $dir/node_modules || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    echo "$label: npm ci" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}

# One file at a time: each starts its own hosts, and CI has two cores.
node_suite_exec() {
  local timeout=$1
  shift
  local args=("$@")
  ((${#args[@]})) || args=(*.test.mjs)
  exec node --test --test-reporter=spec --test-concurrency=1 --test-timeout="$timeout" "${args[@]}"
}
