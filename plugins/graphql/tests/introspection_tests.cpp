// Introspection answers and the SDL printer on the test schema (graphql-js compares both in full in
// the graphql_js_corpus test; these pin the details a reader should see).
#include "introspection/introspection.hpp"
#include "introspection/sdl.hpp"
#include "language/prepare.hpp"
#include "test_schema.hpp"

#include <catch2/catch.hpp>

using namespace rex::graphql;

namespace {

std::string introspect(const Schema& schema, const std::string& query) {
    auto r = prepare(schema, GraphqlRequest{query, std::nullopt, {}});
    INFO((r.errors.empty() ? "" : r.errors.front().message));
    REQUIRE(r.operation);
    std::string out;
    for (const auto& f : r.operation->fields) write_introspection(schema, f, out);
    return out;
}

}  // namespace

TEST_CASE("__type answers with every kind of type", "[graphql][introspection]") {
    const Schema& s = testing::chinook_schema();
    CHECK(introspect(s, R"({ __type(name: "media_kind") { kind name enumValues { name } } })") ==
          R"({"kind":"ENUM","name":"media_kind","enumValues":[{"name":"AUDIO"},{"name":"VIDEO"}]})");
    CHECK(introspect(s, R"({ __type(name: "media_kind") { enumValues(includeDeprecated: true) { name isDeprecated deprecationReason } } })") ==
          R"({"enumValues":[{"name":"AUDIO","isDeprecated":false,"deprecationReason":null},)"
          R"({"name":"VIDEO","isDeprecated":false,"deprecationReason":null},)"
          R"({"name":"TAPE","isDeprecated":true,"deprecationReason":"No longer sold"}]})");
    CHECK(introspect(s, R"({ __type(name: "album") { fields { name type { kind ofType { kind ofType { kind ofType { name } } } } } } })")
              .find(R"({"name":"tracks","type":{"kind":"NON_NULL","ofType":{"kind":"LIST","ofType":{"kind":"NON_NULL","ofType":{"name":"track"}}}}})") !=
          std::string::npos);
    CHECK(introspect(s, R"({ __type(name: "node") { possibleTypes { name } interfaces { name } fields { name } } })") ==
          R"({"possibleTypes":[{"name":"artist"},{"name":"album"},{"name":"track"}],"interfaces":[],"fields":[{"name":"id"}]})");
    CHECK(introspect(s, R"({ __type(name: "track") { a: fields { name } } })").find("composer\"") == std::string::npos);
    CHECK(introspect(s, R"({ __type(name: "timestamptz") { specifiedByURL fields { name } t: __typename } })") ==
          R"({"specifiedByURL":"https://www.rfc-editor.org/rfc/rfc3339","fields":null,"t":"__Type"})");
    CHECK(introspect(s, R"({ __type(name: "query_root") { fields { name args { name defaultValue } } } })")
              .find(R"({"name":"kinds","defaultValue":"[AUDIO]"})") != std::string::npos);
    CHECK(introspect(s, R"({ __type(name: "nothing") { name } })") == "null");
    CHECK(introspect(s, R"({ __schema { queryType { name } mutationType { name } subscriptionType { name } } })") ==
          R"({"queryType":{"name":"query_root"},"mutationType":{"name":"mutation_root"},"subscriptionType":{"name":"subscription_root"}})");
}

TEST_CASE("introspection output is escaped JSON", "[graphql][introspection]") {
    Schema s;
    TypeDef q;
    q.name = "query_root";
    q.description = "quote \" backslash \\ newline \n tab \t bell \x07";
    q.fields.push_back({"a", {}, TypeRef::named("Int"), {}, std::nullopt});
    s.add_type(q);
    CHECK(introspect(s, R"({ __type(name: "query_root") { description } })") ==
          R"({"description":"quote \" backslash \\ newline \n tab \t bell \u0007"})");
}

TEST_CASE("print_schema prints like graphql-js", "[graphql][introspection]") {
    Schema s;
    s.query_type = "Query";
    TypeDef q;
    q.name = "Query";
    q.fields.push_back({"a", "A field.", TypeRef::named("Int"), {}, std::nullopt});
    q.fields.push_back({"b", {}, TypeRef::named("String").non_null().list(),
                        {{"x", "The x.", TypeRef::named("Int"), InputValue::number("1", false), std::nullopt}},
                        std::string("No longer supported")});
    s.add_type(q);
    // Default root names: no schema block; an argument description puts arguments on lines.
    CHECK(print_schema(s) ==
          "type Query {\n  \"\"\"A field.\"\"\"\n  a: Int\n  b(\n    \"\"\"The x.\"\"\"\n    x: Int = 1\n  ): [String!] @deprecated\n}");
    CHECK(print_schema(testing::chinook_schema()).starts_with(
        "\"\"\"A Chinook subset for the language tests.\"\"\"\nschema {\n  query: query_root\n  mutation: mutation_root\n"));
}
