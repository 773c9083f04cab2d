#!/usr/bin/env bash
# Installs what is missing, builds, and runs rex-host on the embedded default: a SQLite file in
# ./rex-data holding the demo bookshop (apps/rex-host/demo/migrations, applied on first start and
# introspected into the catalog), every in-tree plugin, http://127.0.0.1:8080 (REX_PORT changes it).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
build_dir=${REX_BUILD_DIR:-build}
mkdir -p rex-data
cat > rex-data/rex.json <<JSON
{
  "database": {"url": "sqlite:$(pwd)/rex-data/rex.db"},
  "migrations": {"path": "$(pwd)/apps/rex-host/demo/migrations", "apply_on_start": true},
  "catalog": {"snapshot": "catalog.json"},
  "http": {"address": "127.0.0.1", "port": ${REX_PORT:-8080}},
  "log": {"level": "info"}
}
JSON
exec "$build_dir/bin/rex-host" --config rex-data/rex.json
