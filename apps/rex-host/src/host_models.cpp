#include "host_models.hpp"

#include "executor_context.hpp"

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
    const auto& dialect = context.dialect();
    const auto& snapshot_file = config.catalog.snapshot;
    IntrospectOptions options;
    options.skip = {config.migrations.table};
    options.only = config.catalog.tables;
    std::string version;
    if (!snapshot_file.empty()) {
        version = snapshot_version(*connection, dialect, options);
        if (auto snapshot = read_catalog_snapshot(snapshot_file)) {
            if (version.empty() || snapshot->schema_version == version) {
                const auto count = snapshot->entities.size();
                register_all(kernel, std::move(snapshot->entities));
                log.log(LogLevel::info, "host", "catalog: " + std::to_string(count) + " entities from the snapshot " +
                                                    snapshot_file.string() + " (" + elapsed_since(start) + ")");
                return;
            }
            log.log(LogLevel::info, "host", "catalog: the snapshot " + snapshot_file.string() +
                                                " is stale (the database schema, or catalog.tables, changed since it was written); introspecting");
        }
    }

    auto models = introspect_entities(*connection, dialect, options);
    for (const auto& note : models.notes) log.log(LogLevel::info, "introspect", note);
    const auto count = models.entities.size();
    if (!snapshot_file.empty()) {
        write_catalog_snapshot(snapshot_file, {version, models.entities});
        log.log(LogLevel::info, "host", "catalog: wrote the snapshot " + snapshot_file.string());
    }
    register_all(kernel, std::move(models.entities));
    log.log(LogLevel::info, "host", "catalog: " + std::to_string(count) + " entities by introspecting " + redact_url(config.database_url) +
                                        " (" + elapsed_since(start) + ")");
}

}  // namespace rex::host
