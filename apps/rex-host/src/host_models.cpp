#include "host_models.hpp"

#include "executor_context.hpp"
#include "served_catalog.hpp"

#include <rex/introspect.hpp>
#include <rex/migrate.hpp>
#include <rex/model_file.hpp>
#include <rex/sdk/url.hpp>

#include <chrono>

namespace rex::host {

namespace {

std::string elapsed_since(std::chrono::steady_clock::time_point start) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count()) + " ms";
}

void register_all(Kernel& kernel, std::vector<EntityInfo> entities) {
    for (auto& e : entities) kernel.register_entity(std::move(e));
}

}  // namespace

void apply_migrations_on_start(Kernel& kernel, const Config& config) {
    if (!config.migrations.apply_on_start) return;
    auto& log = kernel.logger();
    MigrationOptions options;
    options.history_table = config.migrations.table;
    options.progress = [&log](const std::string& line) { log.log(LogLevel::info, "migrate", line); };
    MigrationRunner runner(kernel, config.database_url, read_migrations(config.migrations.path), options);
    const auto applied = runner.up();
    log.log(LogLevel::info, "host",
            applied.empty() ? "migrations: none pending in " + config.migrations.path.string()
                            : "migrations: applied " + std::to_string(applied.size()) + " from " + config.migrations.path.string());
}

void fill_catalog(Kernel& kernel, const Config& config, HostExecutorContext& context) {
    auto& log = kernel.logger();
    const auto start = std::chrono::steady_clock::now();
    if (!config.models.empty()) {
        std::size_t count = 0;
        for (const auto& file : config.models) count += load_model_file(kernel, file).size();
        log.log(LogLevel::info, "host", "catalog: " + std::to_string(count) + " entities from " + std::to_string(config.models.size()) +
                                            " model file" + (config.models.size() == 1 ? "" : "s") + " (" + elapsed_since(start) + ")");
        return;
    }

    auto connection = context.acquire();
    const auto& snapshot_file = config.catalog.snapshot;
    auto served = served_catalog(*connection, context.dialect(), app::introspect_options(config), snapshot_file, true);
    const auto count = served.entities.size();
    if (served.from_snapshot) {
        register_all(kernel, std::move(served.entities));
        log.log(LogLevel::info, "host", "catalog: " + std::to_string(count) + " entities from the snapshot " + snapshot_file.string() + " (" +
                                            elapsed_since(start) + ")");
        return;
    }
    if (served.stale_snapshot)
        log.log(LogLevel::info, "host", "catalog: the snapshot " + snapshot_file.string() +
                                            " is stale (the database schema, or catalog.tables, changed since it was written); introspecting");
    for (const auto& note : served.notes) log.log(LogLevel::info, "introspect", note);
    if (served.wrote_snapshot) log.log(LogLevel::info, "host", "catalog: wrote the snapshot " + snapshot_file.string());
    register_all(kernel, std::move(served.entities));
    log.log(LogLevel::info, "host", "catalog: " + std::to_string(count) + " entities by introspecting " + redact_url(config.database_url) +
                                        " (" + elapsed_since(start) + ")");
}

}  // namespace rex::host
