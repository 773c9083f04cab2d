// A schema exporter plugin: turns the model catalog into a plain-text list of entities and
// their fields; it also adds a custom root field to the GraphQL API (docs/graphql.md, "Custom
// resolvers"). Everything it uses comes from the SDK.
#include <rex/sdk.hpp>
#include <rex/sdk/json_text.hpp>
#include <rex/sdk/plugin_entry.hpp>

#include <memory>

namespace {

class HelloExporter final : public rex::SchemaExporter {
public:
    std::string_view name() const override { return "hello"; }
    std::string_view description() const override { return "lists entities and fields as text"; }
    std::string_view format() const override { return "text"; }

    std::string export_schema(const rex::CatalogView& catalog) const override {
        std::string out;
        for (const auto& name : catalog.entity_names()) {
            const auto entity = catalog.find_entity(name);
            out += name + " (" + entity->table + ")\n";
            for (const auto& field : entity->fields)
                out += "  " + field.name + ": " + std::string(rex::to_string(field.type.type)) +
                       (field.nullable ? "?" : "") + "\n";
        }
        return out;
    }
};

// query { hello(name: "Rex") } -> {"data": {"hello": "Hello, Rex!"}}
rex::Resolver hello_resolver() {
    rex::Resolver r;
    r.name = "hello";
    r.description = "a greeting";
    r.arguments = {{"name", "String", "who to greet"}};
    r.returns = "String!";
    r.resolve = [](const rex::ResolverCall& call) {
        const auto* name = call.argument("name");
        std::string out;  // the field's value as JSON text
        rex::append_json_string(out, "Hello, " + (name && !name->is_null() ? name->as_text() : std::string("world")) + "!");
        return out;
    };
    return r;
}

void register_extensions(rex::Registrar& registrar) {
    registrar.add_exporter(std::make_shared<HelloExporter>());
    registrar.add_resolver(hello_resolver());
}

}  // namespace

REX_PLUGIN("hello", "1.0.0", "example out-of-tree plugin: a text schema exporter", register_extensions)
