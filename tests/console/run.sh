#!/usr/bin/env bash
# The console page in headless Chromium (CTest console_page): rex-host from the build on Chinook
# (SQLite), the page driven over Chromium's DevTools pipe by node --test (no npm package).
# Chromium missing: skipped (exit 77), except under CI=true, where it is installed.
#   tests/console/run.sh          REX_BUILD_DIR=build by default; REX_CHROMIUM=/path/to/chromium
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export REX_BUILD_DIR=${REX_BUILD_DIR:-$root/build}

if ! command -v node >/dev/null || (($(node -p 'process.versions.node.split(".")[0]') < 20)); then
  echo "console: skipped: Node 20 or newer is needed (tools/install-deps.sh --test)" >&2
  exit 77
fi
chromium=${REX_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [[ -z $chromium ]]; then
  if [[ ${CI:-} == true ]]; then
    "$root/tools/install-deps.sh" --test
    chromium=$(command -v chromium)
  else
    echo "console: skipped: chromium is not installed (tools/install-deps.sh --test installs Debian's chromium)" >&2
    exit 77
  fi
fi
export REX_CHROMIUM=$chromium
[[ -x $REX_BUILD_DIR/bin/rex-host ]] || { echo "console: error: $REX_BUILD_DIR/bin/rex-host is not built" >&2; exit 1; }
# Chinook is read from ../shared/data (never copied into the repository): skipped without it.
if ! exports=$("$root/tools/chinook-db.sh" --sqlite-file "$REX_BUILD_DIR/console-chinook.db" sqlite 2>"$REX_BUILD_DIR/console-chinook.log"); then
  cat "$REX_BUILD_DIR/console-chinook.log" >&2
  grep -q "the Chinook data is missing" "$REX_BUILD_DIR/console-chinook.log" && { echo "console: skipped: no Chinook data" >&2; exit 77; }
  exit 1
fi
eval "$exports"
cd "$here"
exec node --test --test-reporter=spec --test-concurrency=1 --test-timeout=120000 console.test.mjs
