#!/usr/bin/env bash
# Configures and builds Rex with Ninja into ${REX_BUILD_DIR:-build}. Extra arguments go to cmake,
# e.g. tools/build.sh -DREX_SANITIZE=ON. Warnings are errors under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${REX_BUILD_DIR:-build}
args=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo)
[[ "${CI:-}" == "true" ]] && args+=(-DREX_WERROR=ON)
cmake -S . -B "$build_dir" "${args[@]}" "$@" >/dev/null
cmake --build "$build_dir"
