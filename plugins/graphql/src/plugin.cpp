// rex-graphql.so: the "graphql" schema exporter (SDL from the catalog) and its executor.
#include "api/api.hpp"
#include "executor/executor.hpp"
#include "introspection/sdl.hpp"

#include <rex/sdk/plugin_entry.hpp>

namespace {

class GraphqlExporter final : public rex::SchemaExporter {
public:
    std::string_view name() const override { return "graphql"; }
    std::string_view description() const override { return "GraphQL API (Hasura conventions) over the catalog"; }
    std::string_view format() const override { return "graphql-sdl"; }
    std::string export_schema(const rex::CatalogView& catalog) const override { return export_schema(catalog, rex::PluginSettings()); }
    std::string export_schema(const rex::CatalogView& catalog, const rex::PluginSettings& settings) const override {
        const auto options = rex::graphql::ExecutorOptions::from_settings(settings);
        return rex::graphql::print_schema(rex::graphql::build_api(catalog, options.api)->schema);
    }
    std::shared_ptr<rex::RequestExecutor> make_executor(rex::ExecutorContext& context) override {
        return std::make_shared<rex::graphql::GraphqlExecutor>(context, rex::graphql::ExecutorOptions::from_settings(context.settings()));
    }
};

void register_extensions(rex::Registrar& registrar) { registrar.add_exporter(std::make_shared<GraphqlExporter>()); }

}  // namespace

REX_PLUGIN("graphql", "0.1.0", "GraphQL API over the catalog: SDL export and a GraphQL-over-HTTP executor", register_extensions)
