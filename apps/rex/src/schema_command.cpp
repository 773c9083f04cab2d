// rex schema export: the catalog as DDL for the database of the URL, or in the format of a
// schema-exporter plugin. The catalog is rex-host's: the model files (given, else the config's),
// else the catalog snapshot while it matches the database, else the database introspected. rex schema snapshot: the introspected catalog, for
// rex-host to start from.
#include "commands.hpp"
#include "exit_codes.hpp"
#include "served_catalog.hpp"

#include <rex/introspect.hpp>
#include <rex/schema.hpp>
#include <rex/sdk/error.hpp>

#include <filesystem>
#include <iostream>

namespace rex::cli {

namespace {

// The catalog rex-host would serve without model files; the snapshot is read, never written.
void load_served_catalog(CliContext& context) {
    auto& kernel = context.kernel();
    const auto url = context.database_url();
    if (!url)
        raise({ErrorCategory::configuration,
               "no models: give --models FILE, list model files under \"models\" in the config, or a database to introspect (--url, config, REX_DATABASE_URL)",
               {}, {}});
    context.calling_adapter_for(*url);
    auto connection = kernel.connect(*url);
    const auto dialect = kernel.dialect(connection->dialect());
    auto served = served_catalog(*connection, *dialect, app::introspect_options(context.config()), context.config().catalog.snapshot, false);
    for (const auto& note : served.notes) std::cerr << "note: " << note << '\n';
    for (auto& e : served.entities) kernel.register_entity(std::move(e));
}

}  // namespace

int run_schema_export(CliContext& context, const SchemaExportOptions& options) {
    if (options.models.empty() && context.config().models.empty()) load_served_catalog(context);
    else context.load_models(options.models);
    auto& kernel = context.kernel();
    if (options.format == "sql") {
        const auto url = context.database_url();
        if (!url) raise({ErrorCategory::configuration, "sql export needs a database URL for its dialect (--url, config, REX_DATABASE_URL)", {}, {}});
        const auto dialect = kernel.dialect_for_url(*url);
        // Everything is new against an empty schema: CREATE statements in dependency order.
        for (const auto& change : diff_schema({}, schema_from_catalog(kernel.catalog()), *dialect))
            for (const auto& statement : change.up) std::cout << statement << ";\n";
        return exit_ok;
    }
    std::string formats = "sql";
    for (const auto& exporter : kernel.exporters()) {
        if (exporter->format() == options.format) {
            // The exporter's section of the config, as rex-host hands it (a naming option changes the schema).
            const auto& sections = context.config().settings;
            const auto section = sections.find(exporter->name());
            std::cout << (section == sections.end() ? exporter->export_schema(kernel.catalog())
                                                    : exporter->export_schema(kernel.catalog(), section->second));
            return exit_ok;
        }
        formats += ", " + std::string(exporter->format());
    }
    raise({ErrorCategory::not_found, "no exporter for format '" + options.format + "' (loaded: " + formats + ")", {}, {}});
}

int run_schema_snapshot(CliContext& context, const SchemaSnapshotOptions& options) {
    const auto& config = context.config();
    const std::filesystem::path file = options.out.empty() ? config.catalog.snapshot : std::filesystem::path(options.out);
    if (file.empty()) raise({ErrorCategory::configuration, "no snapshot file: give --out or set catalog.snapshot in the config", {}, {}});
    auto& kernel = context.kernel();
    const auto url = context.require_database_url();
    auto connection = kernel.connect(url);
    const auto dialect = kernel.dialect(connection->dialect());
    const auto introspect = app::introspect_options(config);
    auto models = introspect_entities(*connection, *dialect, introspect);
    for (const auto& note : models.notes) std::cerr << "note: " << note << '\n';
    const auto count = models.entities.size();
    write_catalog_snapshot(file, {snapshot_version(*connection, *dialect, introspect), std::move(models.entities)});
    std::cout << "wrote " << file.string() << " (" << count << (count == 1 ? " entity" : " entities") << ")\n";
    return exit_ok;
}

}  // namespace rex::cli
