#include "config_check.hpp"

#include "exception_text.hpp"
#include "executor_context.hpp"

#include <rex/introspect.hpp>
#include <rex/kernel.hpp>
#include <rex/migrate.hpp>
#include <rex/model_file.hpp>
#include <rex/sdk/url.hpp>

#include <ostream>

namespace rex::host {

int check_config(const HostOptions& options, std::ostream& out, std::ostream& err) {
    const auto& config = options.config;
    std::vector<std::string> problems;
    const auto attempt = [&](const std::string& what, const auto& step) {
        try {
            step();
        } catch (...) {
            problems.push_back(what + current_exception_text());
        }
    };

    Kernel kernel(LogLevel::off);  // problems are reported here, once each
    LoadOptions load;
    load.only = config.plugins.load;
    load.replace_builtins = config.plugins.replace_builtins;
    const auto report = kernel.load_plugins(options.plugin_dirs, load);
    for (const auto& f : report.failures) problems.push_back("plugin " + f.file.filename().string() + ": " + f.reason);
    if (report.loaded.empty() && report.failures.empty()) problems.push_back("no plugin found in the plugin directories");

    attempt("database.url: ", [&] { (void)kernel.dialect_for_url(config.database_url); });
    attempt("", [&] {
        for (const auto& file : config.models) (void)load_model_file(kernel, file);
    });
    if (!config.catalog.snapshot.empty())
        attempt("catalog.snapshot: ", [&] { (void)read_catalog_snapshot(config.catalog.snapshot); });
    if (config.migrations.apply_on_start) attempt("migrations.path: ", [&] { (void)read_migrations(config.migrations.path); });

    // The exporter that would serve /graphql makes its executor (which checks its settings) with a
    // context that never connects here: executors connect on their first request.
    HostExecutorContext context(kernel, config.database_url, 1, config.settings);
    const auto exporters = kernel.exporters();
    bool named = false;
    for (const auto& exporter : exporters) {
        if (!config.graphql.exporter.empty() && exporter->name() != config.graphql.exporter) continue;
        attempt("exporter " + std::string(exporter->name()) + ": ", [&] {
            context.serve_settings_of(exporter->name());
            (void)exporter->make_executor(context);
        });
        named = true;
    }
    if (!config.graphql.exporter.empty() && !named)
        problems.push_back("graphql.exporter: no schema-exporter named '" + config.graphql.exporter + "' is loaded");
    for (const auto& [name, section] : config.settings) {
        bool used = false;
        for (const auto& e : exporters) used = used || e->name() == name;
        for (const auto& t : kernel.transports()) used = used || t->name() == name;
        if (!used) problems.push_back(section.origin() + ": no loaded schema-exporter or transport is named '" + name + "'");
    }

    for (const auto& p : problems) err << "rex-host: check: " << redact_url(p) << '\n';
    if (!problems.empty()) return 1;
    out << "rex-host: config OK: " << report.loaded.size() << " plugin" << (report.loaded.size() == 1 ? "" : "s") << ", database "
        << redact_url(config.database_url) << ", listening on " << config.http.address << ":" << config.http.port << '\n';
    return 0;
}

}  // namespace rex::host
