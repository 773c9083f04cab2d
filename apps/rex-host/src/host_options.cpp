#include "host_options.hpp"

#include "env_config.hpp"

#include <rex/sdk/error.hpp>

#include <CLI/CLI.hpp>

#include <iostream>

namespace rex::host {

std::optional<HostOptions> parse_host_options(int argc, char** argv) {
    CLI::App app{"rex-host: serves the Rex API and realtime streams from a JSON config", "rex-host"};
    app.set_version_flag("--version", std::string("rex-host ") + sdk_version);
    std::string config_file;
    std::string address;
    int port = -1;
    std::vector<std::string> plugin_dirs;
    app.add_option("-c,--config", config_file, "JSON config file (default: built-in defaults, sqlite:rex.db)");
    app.add_option("--address", address, "Address to listen on (overrides http.address)");
    app.add_option("-p,--port", port, "Port to listen on, 0 for any free port (overrides http.port)")
        ->check(CLI::Range(0, 65535));
    app.add_option("--plugin-dir", plugin_dirs, "Plugin directory; repeatable (overrides plugins.paths)");
    bool check = false;
    app.add_flag("--check", check, "Validate the config, the environment's REX_* variables, the plugins and models, then exit");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        app.exit(e);
        return std::nullopt;
    } catch (const CLI::CallForVersion& e) {
        app.exit(e);
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        raise({ErrorCategory::configuration, std::string(e.what()) + " (see rex-host --help)", {}, {}});
    }

    HostOptions options;
    options.check = check;
    options.config = load_host_config(config_file, process_environment());
    if (!address.empty()) options.config.http.address = address;
    if (port >= 0) options.config.http.port = static_cast<std::uint16_t>(port);
    if (!plugin_dirs.empty()) {
        for (const auto& d : plugin_dirs) options.plugin_dirs.emplace_back(d);
    } else if (!options.config.plugins.paths.empty()) {
        options.plugin_dirs = options.config.plugins.paths;
    } else {
        options.plugin_dirs = default_plugin_directories();
    }
    return options;
}

}  // namespace rex::host
