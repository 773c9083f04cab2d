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
grep -q '"point": "resolver"' <<<"$out" || { echo "$out"; fail "rex plugins does not list hello's custom GraphQL field"; }
"$work/prefix/bin/rex" plugins --plugin-dir "$work/build" --plugin-dir "$work/prefix/lib/rex/plugins"
echo "installed SDK builds an out-of-tree plugin that rex loads"

# rex_add_plugin(... OUTPUT_DIRECTORY ...) still installs the plugin where rex looks for it.
cmake --install "$work/build" --prefix "$work/hello-prefix" >/dev/null
[[ -f "$work/hello-prefix/lib/rex/plugins/rex-hello.so" ]] || fail "cmake --install did not install rex-hello.so into lib/rex/plugins"
echo "the example plugin installs into <prefix>/lib/rex/plugins"

# An application embedding the kernel: docs/examples/blog, built against the installed package
# (find_package(Rex)) and run on every database available, with the same expected output.
example=$source_dir/docs/examples/blog
cmake -S "$example" -B "$work/blog" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$work/blog-configure.log" 2>&1 \
  || { cat "$work/blog-configure.log"; fail "configuring the blog example against the installed package"; }
cmake --build "$work/blog" >"$work/blog-build.log" 2>&1 || { cat "$work/blog-build.log"; fail "building the blog example"; }
deps=$(ninja -C "$work/blog" -t deps)
grep -q "$source_dir/kernel" <<<"$deps" && fail "the blog example compiled against the source tree's kernel"

run_blog() {
  local url=$1 label=$2
  REX_PLUGIN_PATH="$work/prefix/lib/rex/plugins" "$work/blog/blog" "$url" >"$work/blog-$label.out" 2>&1 \
    || { cat "$work/blog-$label.out"; fail "the blog example failed on $label"; }
  diff -u "$example/expected_output.txt" <(sed -E -e 's/[$?][0-9]+/?/g' -e 's/`/"/g' "$work/blog-$label.out") \
    || fail "the blog example's output on $label differs from expected_output.txt"
  echo "blog example: $label output as expected"
}
run_blog "sqlite:$work/blog.db" sqlite

# Built outside the install and run without REX_PLUGIN_PATH, the application still finds the
# plugins: load_default_plugins() looks in <the kernel library's folder>/rex/plugins.
env -u REX_PLUGIN_PATH "$work/blog/blog" "sqlite:$work/blog-prefix.db" >"$work/blog-prefix.out" 2>&1 \
  || { cat "$work/blog-prefix.out"; fail "the blog example outside the install did not find the installed plugins"; }
echo "blog example: found the plugins of the kernel's install prefix"
# With no plugin anywhere, it says so instead of failing later without a word.
mv "$work/prefix/lib/rex/plugins" "$work/prefix/lib/rex/plugins.off"
env -u REX_PLUGIN_PATH "$work/blog/blog" "sqlite:$work/blog-none.db" >"$work/blog-none.out" 2>&1 && fail "the blog example ran without plugins"
grep -q "warn \[loader\] no plugin found" "$work/blog-none.out" || { cat "$work/blog-none.out"; fail "no warning that no plugin was found"; }
mv "$work/prefix/lib/rex/plugins.off" "$work/prefix/lib/rex/plugins"
echo "blog example: warns when no plugin is found"
[[ -n ${REX_TEST_POSTGRES_URL:-} ]] && run_blog "$REX_TEST_POSTGRES_URL" postgres
[[ -n ${REX_TEST_MYSQL_URL:-} ]] && run_blog "$REX_TEST_MYSQL_URL" mysql
exit 0
