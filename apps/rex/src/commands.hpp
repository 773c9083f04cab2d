// The rex commands. Each returns the process exit code; errors are thrown as rex::Error.
#pragma once

#include "cli_context.hpp"

#include <string>
#include <vector>

namespace rex::cli {

struct PluginsOptions {
    bool json = false;
    bool strict = false;  // exit 3 when any plugin failed to load
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
};
int run_migrate(CliContext& context, const MigrateOptions& options);

struct InitOptions {
    std::string file = "rex.json";
    bool force = false;
};
int run_init(const InitOptions& options);

}  // namespace rex::cli
