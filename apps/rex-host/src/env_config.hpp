// rex-host's configuration from the config file and the environment, for platforms that
// configure a container through variables: every key of the file has a variable REX_<PATH>,
// the JSON path's parts joined by '_' in capitals (/http/port: REX_HTTP_PORT, /database/pool/
// max_size: REX_DATABASE_POOL_MAX_SIZE), PORT as platforms set it, REX_SETTINGS_<EXTENSION> for a
// plugin's section as a JSON object (docs/rex-host.md lists them). Precedence: command line,
// then the environment, then the file, then the profile's defaults.
#pragma once

#include <rex/config.hpp>

#include <filesystem>
#include <map>
#include <string>

namespace rex::host {

using Environment = std::map<std::string, std::string, std::less<>>;

// The process's variables.
Environment process_environment();

// `file` may be empty (no --config). Throws ConfigurationError with one line naming the file and
// JSON path, or the variable, that is wrong: "REX_HTTP_PORT: expected an integer 0-65535, got 'x'".
Config load_host_config(const std::filesystem::path& file, const Environment& environment);

}  // namespace rex::host
