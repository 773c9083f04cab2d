// rex generate models: a C++ header and a JSON model file from the tables of a database.
#include "commands.hpp"
#include "exit_codes.hpp"

#include <rex/codegen.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/url.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace rex::cli {

int run_generate_models(CliContext& context, const GenerateOptions& options) {
    const auto url = context.require_database_url();
    auto& kernel = context.kernel();
    context.calling_adapter_for(url);
    auto connection = kernel.connect(url);
    const auto dialect = kernel.dialect(connection->dialect());
    auto tables = inspect_schema(*connection, *dialect, {context.config().migrations.table});
    if (!options.tables.empty()) {
        for (const auto& wanted : options.tables)
            if (std::none_of(tables.begin(), tables.end(), [&](const auto& t) { return t.name == wanted; }))
                raise({ErrorCategory::not_found, "the database has no table '" + wanted + "'", {}, {}});
        std::erase_if(tables, [&](const auto& t) {
            return std::find(options.tables.begin(), options.tables.end(), t.name) == options.tables.end();
        });
    }
    if (tables.empty()) raise({ErrorCategory::not_found, "the database has no tables to generate models from", {}, {}});
    const auto generated = generate_models(tables, {options.cpp_namespace, redact_url(url)});

    const std::filesystem::path dir = options.out;
    std::filesystem::create_directories(dir);
    const auto header = dir / (options.name + ".hpp");
    const auto json = dir / (options.name + ".json");
    std::ofstream(header) << generated.header;
    std::ofstream(json) << generated.json;
    std::cout << "wrote " << header.string() << " and " << json.string() << " (" << tables.size() << " entities)\n";
    for (const auto& note : generated.notes) std::cout << "note: " << note << '\n';
    return exit_ok;
}

}  // namespace rex::cli
