#!/usr/bin/env bash
# Builds the GraphQL language fuzzer with clang-14 + libFuzzer (ASan, UBSan) into build-fuzz/ and
# runs it from a seed corpus made of the validation corpus' documents.
#   tools/fuzz-graphql.sh [RUNS] [extra libFuzzer flags...]     (RUNS defaults to 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20000}
shift || true
build_dir=${REX_FUZZ_BUILD_DIR:-build-fuzz}
command -v clang++-14 >/dev/null || { echo "fuzz-graphql: clang++-14 is missing (apt-get install clang-14)" >&2; exit 1; }

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DREX_BUILD_FUZZERS=ON -DREX_BUILD_TESTS=OFF "${launcher[@]}" >/dev/null
cmake --build "$build_dir" --target graphql_fuzz

# Seeds: one file per corpus case (the corpus files hold cases separated by `### ` lines).
seeds="$build_dir/graphql-fuzz-seeds"
work="$build_dir/graphql-fuzz-corpus"
rm -rf "$seeds"
mkdir -p "$seeds" "$work"
awk -v dir="$seeds" '/^### /{n++; next} n{print > (dir "/seed-" n ".graphql")}' \
  plugins/graphql/tests/corpus/*.graphql
echo "fuzz-graphql: $(ls "$seeds" | wc -l) seeds, $runs runs" >&2
"$build_dir/bin/graphql_fuzz" -runs="$runs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -dict=plugins/graphql/fuzz/graphql.dict -print_final_stats=1 "$@" "$work" "$seeds"
