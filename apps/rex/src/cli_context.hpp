// What every command needs: the config, the plugin directories and a kernel with plugins loaded.
#pragma once

#include <rex/config.hpp>
#include <rex/kernel.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rex::cli {

struct GlobalOptions {
    std::string config_file;                    // --config
    std::vector<std::string> plugin_dirs;       // --plugin-dir (repeatable)
    std::string url;                            // --url
    bool verbose = false;                       // --verbose: loader and query logs on stderr
    bool replace_builtins = false;              // --replace-builtins (or the config's plugins.replace_builtins)
};

class CliContext {
public:
    explicit CliContext(const GlobalOptions& options);

    const Config& config() const { return config_; }
    const std::vector<std::filesystem::path>& plugin_dirs() const { return plugin_dirs_; }
    // Loads plugins on first use.
    Kernel& kernel();
    // --url, then REX_DATABASE_URL, then the config's database.url; nullopt if none.
    std::optional<std::string> database_url() const;
    // The same, or ConfigurationError saying where a URL can come from.
    std::string require_database_url() const;
    // Loads the model files (the given ones, else the config's) into the kernel's catalog;
    // ConfigurationError when there are none.
    void load_models(const std::vector<std::string>& files);
    // Notes the plugin whose adapter serves `url` (when one is loaded): an exception from it that
    // is not a rex::Error is then reported with its name.
    void calling_adapter_for(const std::string& url);
    // "plugin 'x' (<file>)", or empty before calling_adapter_for.
    const std::string& calling_plugin() const { return calling_plugin_; }

private:
    GlobalOptions options_;
    Config config_;
    std::vector<std::filesystem::path> plugin_dirs_;
    std::unique_ptr<Kernel> kernel_;
    std::string calling_plugin_;
};

}  // namespace rex::cli
