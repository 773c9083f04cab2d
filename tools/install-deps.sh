#!/usr/bin/env bash
# Installs the Debian 12 packages Rex needs, only those that are missing.
#   tools/install-deps.sh          build dependencies
#   tools/install-deps.sh --test   plus the database servers the tests start
set -euo pipefail

packages=(build-essential cmake ninja-build pkg-config libboost1.81-dev nlohmann-json3-dev catch2
          libsqlite3-dev libpq-dev libmariadb-dev libcli11-dev libfmt-dev
          libssl-dev)  # OpenSSL: rex-host verifies JWT signatures (HS256, RS256, ES256)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(postgresql-15 postgresql-15-wal2json postgresql-client-15 mariadb-server mariadb-client pgbouncer sqlite3 curl)
  packages+=(chromium)  # the console page test (tests/console) drives headless Chromium
  packages+=(python3-prometheus-client)  # /usr/bin/python3 parses rex-host's /metrics in the host tests
  # graphql-js and graphql-http (npm) check the GraphQL side, bench/graphql runs PostGraphile;
  # Debian's node only when none is installed (NodeSource's nodejs carries npm).
  command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
  packages+=(clang-14 libclang-rt-14-dev)  # libFuzzer for tools/fuzz-graphql.sh
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# Server packages must not leave system services running: the tests start their own.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${sudo[@]}" chmod +x /usr/sbin/policy-rc.d
  trap '"${sudo[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
fi
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
