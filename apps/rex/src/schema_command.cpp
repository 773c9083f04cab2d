// rex schema export: the catalog (from the model files) as DDL for the database of the URL, or
// in the format of a schema-exporter plugin.
#include "commands.hpp"
#include "exit_codes.hpp"

#include <rex/schema.hpp>
#include <rex/sdk/error.hpp>

#include <iostream>

namespace rex::cli {

int run_schema_export(CliContext& context, const SchemaExportOptions& options) {
    context.load_models(options.models);
    auto& kernel = context.kernel();
    if (options.format == "sql") {
        const auto url = context.database_url();
        if (!url) raise({ErrorCategory::configuration, "sql export needs a database URL for its dialect (--url, config, REX_DATABASE_URL)", {}, {}});
        const auto dialect = kernel.dialect(kernel.adapter_for_url(*url)->dialect());
        // Everything is new against an empty schema: CREATE statements in dependency order.
        for (const auto& change : diff_schema({}, schema_from_catalog(kernel.catalog()), *dialect))
            for (const auto& statement : change.up) std::cout << statement << ";\n";
        return exit_ok;
    }
    std::string formats = "sql";
    for (const auto& exporter : kernel.exporters()) {
        if (exporter->format() == options.format) {
            std::cout << exporter->export_schema(kernel.catalog());
            return exit_ok;
        }
        formats += ", " + std::string(exporter->format());
    }
    raise({ErrorCategory::not_found, "no exporter for format '" + options.format + "' (loaded: " + formats + ")", {}, {}});
}

}  // namespace rex::cli
