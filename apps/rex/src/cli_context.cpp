#include "cli_context.hpp"

#include <rex/model_file.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/url.hpp>

#include <cstdlib>

namespace rex::cli {

CliContext::CliContext(const GlobalOptions& options) : options_(options) {
    if (!options.config_file.empty()) config_ = load_config(options.config_file);
    if (!options.plugin_dirs.empty()) {
        for (const auto& dir : options.plugin_dirs) plugin_dirs_.emplace_back(dir);
    } else if (!config_.plugins.paths.empty()) {
        plugin_dirs_ = config_.plugins.paths;
    } else {
        plugin_dirs_ = default_plugin_directories();
    }
}

Kernel& CliContext::kernel() {
    if (!kernel_) {
        // Warnings (plugins refused or shadowed) always show; -v adds what the loader did.
        kernel_ = std::make_unique<Kernel>(options_.verbose ? LogLevel::debug : LogLevel::warn);
        LoadOptions load;
        load.only = config_.plugins.load;
        load.replace_builtins = options_.replace_builtins || config_.plugins.replace_builtins;
        kernel_->load_plugins(plugin_dirs_, load);
    }
    return *kernel_;
}

std::string CliContext::require_database_url() const {
    auto url = database_url();
    if (!url) raise({ErrorCategory::configuration, "no database URL: give --url, a config file with database.url, or REX_DATABASE_URL", {}, {}});
    return *url;
}

void CliContext::load_models(const std::vector<std::string>& files) {
    std::vector<std::filesystem::path> paths(files.begin(), files.end());
    if (paths.empty()) paths = config_.models;
    if (paths.empty())
        raise({ErrorCategory::configuration, "no model files: give --models FILE or list them under \"models\" in the config", {}, {}});
    for (const auto& p : paths) load_model_file(kernel(), p);
}

void CliContext::calling_adapter_for(const std::string& url) {
    const auto scheme = url_scheme(url);
    for (const auto& plugin : kernel().plugins())
        for (const auto& extension : plugin.extensions)
            if (extension.point == adapter_point) {
                for (const auto& s : kernel().adapter(extension.name)->url_schemes())
                    if (s == scheme) calling_plugin_ = "plugin '" + plugin.name + "' (" + plugin.file.string() + ")";
            }
}

std::optional<std::string> CliContext::database_url() const {
    if (!options_.url.empty()) return options_.url;
    if (const char* env = std::getenv("REX_DATABASE_URL"); env && *env) return std::string(env);
    if (!config_.source.empty()) return config_.database_url;
    return std::nullopt;
}

}  // namespace rex::cli
