#!/usr/bin/env bash
# Installs Rex into a temporary prefix, builds docs/examples/hello-plugin in a separate build tree
# against that prefix only, checks it used no kernel header, and loads it with the installed rex.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
[[ -f "$work/prefix/lib/cmake/RexSDK/RexSDKConfig.cmake" ]] || fail "RexSDKConfig.cmake was not installed"

cmake -S "$source_dir/docs/examples/hello-plugin" -B "$work/build" -G Ninja \
      -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$work/configure.log" 2>&1 \
  || { cat "$work/configure.log"; fail "configuring the example against the installed SDK"; }
cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "building the example"; }
[[ -f "$work/build/rex-hello.so" ]] || fail "rex-hello.so was not built"

# Only the installed SDK was used: no header from the source tree, none from the kernel.
deps=$(ninja -C "$work/build" -t deps)
grep -q "$source_dir/sdk" <<<"$deps" && fail "the example compiled against the source tree's SDK"
grep -qE 'include/rex/(kernel|config|pool|sql)' <<<"$deps" && fail "the example included a kernel header"
grep -q "$work/prefix/include/rex/sdk/plugin.hpp" <<<"$deps" || fail "the example did not use the installed SDK headers"

out=$("$work/prefix/bin/rex" plugins --json --plugin-dir "$work/build" --plugin-dir "$work/prefix/lib/rex/plugins")
grep -q '"name": "hello"' <<<"$out" || { echo "$out"; fail "rex plugins does not list hello"; }
grep -q '"name": "sqlite"' <<<"$out" || { echo "$out"; fail "rex plugins does not list sqlite"; }
grep -q '"failures": \[\]' <<<"$out" || { echo "$out"; fail "rex plugins reported failures"; }
"$work/prefix/bin/rex" plugins --plugin-dir "$work/build" --plugin-dir "$work/prefix/lib/rex/plugins"
echo "installed SDK builds an out-of-tree plugin that rex loads"
