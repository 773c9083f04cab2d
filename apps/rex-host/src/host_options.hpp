// rex-host's command line: --config FILE, --address, --port, --plugin-dir, --check; the config
// comes from the file and the environment (env_config.hpp).
#pragma once

#include <rex/config.hpp>

#include <optional>
#include <string>
#include <vector>

namespace rex::host {

struct HostOptions {
    Config config;                           // from --config, or the defaults
    std::vector<std::filesystem::path> plugin_dirs;
    bool check = false;                      // --check: validate and exit
};

// Returns nullopt after printing help/version (exit 0). Throws ConfigurationError for bad
// usage or a bad config file.
std::optional<HostOptions> parse_host_options(int argc, char** argv);

}  // namespace rex::host
