// The rex commands. Each returns the process exit code; errors are thrown as rex::Error.
#pragma once

#include "cli_context.hpp"

#include <string>
#include <vector>

namespace rex::cli {

struct PluginsOptions {
    bool json = false;
    bool strict = false;  // exit 3 when any plugin failed to load
    bool isolate = false;  // --isolate: each file probed in a child process
};
int run_plugins(CliContext& context, const PluginsOptions& options);

struct QueryOptions {
    std::vector<std::string> positional;  // [url] sql [params...]
    bool json = false;
    bool all_text = false;  // --text: bind every parameter as text
};
int run_query(CliContext& context, const QueryOptions& options);

struct MigrateOptions {
    std::string action;  // up, down, status, create
    std::string dir;     // --dir; default: the config's migrations.path
    std::string name;    // create <name>
    int steps = 1;       // down --steps
    std::string to;      // down --to <id>
    bool json = false;   // status --json
    std::vector<std::string> models;  // diff --models (default: the config's models)
    bool allow_destructive = false;   // diff: include drops
    bool dry_run = false;             // diff: print, write nothing
};
int run_migrate(CliContext& context, const MigrateOptions& options);

struct SchemaExportOptions {
    std::string format = "sql";       // sql, or the format of a schema-exporter plugin (graphql-sdl)
    std::vector<std::string> models;  // default: the config's models
};
int run_schema_export(CliContext& context, const SchemaExportOptions& options);

struct SchemaSnapshotOptions {
    std::string out;  // default: the config's catalog.snapshot
};
// Introspects the database into entities and writes the catalog snapshot rex-host reads at start.
int run_schema_snapshot(CliContext& context, const SchemaSnapshotOptions& options);

struct GenerateOptions {
    std::string out = ".";              // folder for <name>.hpp and <name>.json
    std::string name = "models";
    std::string cpp_namespace = "models";
    std::vector<std::string> tables;    // --tables: only these (default: all but the migration history)
};
int run_generate_models(CliContext& context, const GenerateOptions& options);

struct RealtimeOptions {
    std::string action;               // enable, disable, status, prune
    std::vector<std::string> tables;  // --tables (enable: default every table; disable: default all, log tables too)
    bool json = false;                // status --json
    long long max_age_seconds = 0;    // prune --max-age
    long long max_batches = 0;        // prune --max-batches
    bool migration = false;           // enable/disable --migration: write a migration instead
    std::string dir;                  // --dir: its folder (default: the config's migrations.path)
    std::string mode;                 // enable --mode: triggers or logical (none: keep the database's)
};
int run_realtime(CliContext& context, const RealtimeOptions& options);

struct InitOptions {
    std::string file = "rex.json";
    bool force = false;
};
int run_init(const InitOptions& options);

}  // namespace rex::cli
