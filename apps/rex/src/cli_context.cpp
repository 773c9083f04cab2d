#include "cli_context.hpp"

#include <rex/model_file.hpp>
#include <rex/sdk/error.hpp>

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
        kernel_ = std::make_unique<Kernel>(options_.verbose ? LogLevel::debug : LogLevel::off);
        LoadOptions load;
        load.only = config_.plugins.load;
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

std::optional<std::string> CliContext::database_url() const {
    if (!options_.url.empty()) return options_.url;
    if (!config_.source.empty()) return config_.database_url;
    if (const char* env = std::getenv("REX_DATABASE_URL"); env && *env) return std::string(env);
    return std::nullopt;
}

}  // namespace rex::cli
