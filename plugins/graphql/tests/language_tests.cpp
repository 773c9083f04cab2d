// The lexer, parser and prepare(): documents in, prepared operations or errors out.
#include "language/parser.hpp"
#include "language/prepare.hpp"
#include "test_schema.hpp"

#include <catch2/catch.hpp>

using namespace rex::graphql;

namespace {

ast::Document parse_ok(std::string_view text) {
    auto r = parse_document(text);
    if (auto* e = std::get_if<GraphqlError>(&r)) FAIL(e->message);
    return std::get<ast::Document>(std::move(r));
}

GraphqlError parse_error(std::string_view text, const ParseOptions& options = {}) {
    auto r = parse_document(text, options);
    REQUIRE(std::holds_alternative<GraphqlError>(r));
    return std::get<GraphqlError>(std::move(r));
}

PrepareResult run(std::string query, InputValue variables = {}, std::optional<std::string> name = std::nullopt,
                  const Limits& limits = {}) {
    GraphqlRequest req;
    req.query = std::move(query);
    req.operation_name = std::move(name);
    req.variables = std::move(variables);
    return prepare(testing::chinook_schema(), req, limits);
}

std::string first_error(const PrepareResult& r) { return r.errors.empty() ? std::string() : r.errors.front().message; }

}  // namespace

TEST_CASE("the parser reads operations, variables, fragments and directives", "[graphql][language]") {
    auto doc = parse_ok(R"(
        # a comment
        query Q($id: Int! = 3, $names: [String!] @tag(name: "v")) @cached(ttl: 5) {
          a: artist_by_pk(artist_id: $id) { ...F, ... on artist @skip(if: false) { name } }
        }
        fragment F on artist { albums(limit: 2, order_by: [{title: desc}]) { title } }
        mutation { delete_artist_by_pk(artist_id: 1) { id } }
        { __typename }
    )");
    REQUIRE(doc.operations.size() == 3);
    REQUIRE(doc.fragments.size() == 1);
    const auto& q = doc.operations[0];
    CHECK(q.name == "Q");
    REQUIRE(q.variables.size() == 2);
    CHECK(q.variables[0].type.to_string() == "Int!");
    CHECK(q.variables[0].default_value->as_number()->text == "3");
    CHECK(q.variables[1].type.to_string() == "[String!]");
    CHECK(q.variables[1].directives.at(0).name == "tag");
    CHECK(q.directives.at(0).name == "cached");
    const auto& field = q.selection.at(0);
    CHECK(field.alias == "a");
    CHECK(field.name == "artist_by_pk");
    CHECK(field.arguments.at(0).value.as_variable()->name == "id");
    CHECK(field.selection.at(0).kind == ast::Selection::Kind::fragment_spread);
    CHECK(field.selection.at(1).kind == ast::Selection::Kind::inline_fragment);
    CHECK(field.selection.at(1).type_condition == "artist");
    CHECK(field.location.line == 4);
    CHECK(doc.operations[1].kind == OperationKind::mutation);
    CHECK(doc.operations[2].name.empty());
}

TEST_CASE("string literals decode escapes, surrogate pairs and block strings", "[graphql][language]") {
    auto str = [](std::string_view text) {
        auto doc = parse_ok("{ search(text: " + std::string(text) + ") { __typename } }");
        return *doc.operations[0].selection[0].arguments[0].value.as_string();
    };
    CHECK(str(R"("a\"b\\c\/\n\t")") == "a\"b\\c/\n\t");
    CHECK(str(R"("\u00e9\uD83D\uDE00")") == "\xC3\xA9\xF0\x9F\x98\x80");
    CHECK(str(R"("\u{1F600}")") == "\xF0\x9F\x98\x80");
    CHECK(str("\"\"\"\n    first\n      indented\n    \\\"\"\" quote\n  \"\"\"") == "first\n  indented\n\"\"\" quote");
    CHECK(str("\"caf\xC3\xA9\"") == "caf\xC3\xA9");
    CHECK(str("\"a\x01" "b\"") == "a\x01" "b");  // any scalar value is a source character
}

TEST_CASE("syntax errors say what is wrong and where", "[graphql][language]") {
    auto e = parse_error("{ artist(limit: ) }");
    CHECK(e.message == "Syntax Error: Unexpected \")\".");
    CHECK(e.locations.at(0).line == 1);
    CHECK(e.locations.at(0).column == 17);
    CHECK(e.code == "GRAPHQL_PARSE_FAILED");
    CHECK(parse_error("").message == "Syntax Error: Unexpected <EOF>.");
    CHECK(parse_error("{ a(b: \"x) }").message == "Syntax Error: Unterminated string.");
    CHECK(parse_error(R"({ a(b: "\x") })").message == "Syntax Error: Invalid character escape sequence: \"\\x\".");
    CHECK(parse_error(R"({ a(b: "\uD83D") })").message == "Syntax Error: Invalid Unicode escape sequence: \"\\uD83D\".");
    CHECK(parse_error("{ a(b: 01) }").message == "Syntax Error: Invalid number, unexpected digit after 0: \"1\".");
    CHECK(parse_error("{ a(b: 1.) }").message == "Syntax Error: Invalid number, expected digit but got: \")\".");
    CHECK(parse_error("{ a(b: 1x) }").message == "Syntax Error: Invalid number, expected digit but got: \"x\".");
    CHECK(parse_error("query ($a: Int = $b) { a }").message == "Syntax Error: Unexpected variable \"$b\" in constant value.");
    CHECK(parse_error("fragment on on T { a }").message == "Syntax Error: Unexpected Name \"on\".");
    CHECK(parse_error("{ a }}").message == "Syntax Error: Unexpected \"}\".");
    CHECK(parse_error("query Q() { a }").message == "Syntax Error: Expected \"$\", found \")\".");
    CHECK(parse_error("{ a ? }").message == "Syntax Error: Unexpected character: \"?\".");
    CHECK(parse_error("{ a(b: \"\xC3\x28\") }").message == "Syntax Error: Invalid UTF-8 byte sequence.");
    CHECK(parse_error("{ a } # \xFF").message == "Syntax Error: Invalid UTF-8 byte sequence.");
    auto multi = parse_error("{\n  a\n  b(\n}");
    CHECK(multi.locations.at(0).line == 4);
    CHECK(multi.locations.at(0).column == 1);
}

TEST_CASE("hostile documents are refused without exhausting the stack", "[graphql][language]") {
    std::string deep = "{";
    for (int i = 0; i < 100000; ++i) deep += "a{";
    CHECK(parse_error(deep).message == "Syntax Error: Document nesting exceeds 256 levels.");
    std::string deep_list = "{ a(b: " + std::string(100000, '[') + ") }";
    CHECK(parse_error(deep_list).message == "Syntax Error: Document nesting exceeds 256 levels.");
    std::string many = "{ ";
    for (int i = 0; i < 1000; ++i) many += "a ";
    many += "}";
    CHECK(parse_error(many, ParseOptions{500}).message ==
          "Syntax Error: Document contains more than 500 tokens. Parsing aborted.");
    std::string big(10 * 1024 * 1024, 'x');
    auto doc = parse_ok("{ search(text: \"" + big + "\") { __typename } }");
    CHECK(doc.operations[0].selection[0].arguments[0].value.as_string()->size() == big.size());
}

TEST_CASE("prepare collects fields, applies @skip/@include and coerces arguments", "[graphql][language]") {
    auto r = run(R"(
        query Q($id: Int!, $show: Boolean = true) {
          a: artist_by_pk(artist_id: $id) { name ...F @include(if: $show) name }
          search(text: "x") { __typename }
          gone: now @skip(if: true)
        }
        fragment F on artist { artist_id albums(order_by: {title: desc}) { title } }
    )",
                 InputValue::object({{"id", InputValue::number("7", false)}}));
    INFO(first_error(r));
    REQUIRE(r.operation);
    const auto& op = *r.operation;
    CHECK(op.name == "Q");
    REQUIRE(op.fields.size() == 2);
    const auto& a = op.fields[0];
    CHECK(a.response_key == "a");
    CHECK(a.name == "artist_by_pk");
    CHECK(a.parent_type == "query_root");
    CHECK(a.definition == testing::chinook_schema().type("query_root")->field("artist_by_pk"));
    CHECK(a.argument("artist_id")->as_number()->text == "7");
    REQUIRE(a.selection.size() == 3);
    CHECK(a.selection[0].name == "name");
    CHECK(a.selection[1].name == "artist_id");
    const auto& albums = a.selection[2];
    CHECK(albums.parent_type == "artist");
    // A single object where a list is expected is a list of one.
    const auto* order = albums.argument("order_by")->as_list();
    REQUIRE(order);
    REQUIRE(order->size() == 1);
    CHECK((*order)[0].field("title")->as_enum()->name == "desc");
    CHECK(!albums.argument("limit"));
    const auto& search = op.fields[1];
    CHECK(search.argument("limit")->as_number()->text == "10");  // the default
    CHECK(search.selection.at(0).definition == nullptr);         // __typename
}

TEST_CASE("prepare picks the operation by name", "[graphql][language]") {
    std::string doc = "query A { now } query B { __typename }";
    CHECK(run(doc, {}, "B").operation->name == "B");
    CHECK(first_error(run(doc)) == "Must provide operation name if query contains multiple operations.");
    CHECK(first_error(run(doc, {}, "C")) == "Unknown operation named \"C\".");
}

TEST_CASE("prepare coerces variables", "[graphql][language]") {
    std::string doc = "query ($id: Int!, $k: [media_kind!]) { artist_by_pk(artist_id: $id) { name } search(text: \"a\", kinds: $k) { __typename } }";
    auto ok = run(doc, InputValue::object({{"id", InputValue::number("1.0", true)}, {"k", InputValue::string("VIDEO")}}));
    INFO(first_error(ok));
    REQUIRE(ok.operation);
    CHECK(ok.operation->fields[0].argument("artist_id")->as_number()->text == "1");
    CHECK(ok.operation->fields[1].argument("kinds")->as_list()->at(0).as_enum()->name == "VIDEO");
    CHECK(first_error(run(doc)) == "Variable \"$id\" of required type \"Int!\" was not provided.");
    CHECK(first_error(run(doc, InputValue::object({{"id", InputValue::null()}}))) ==
          "Variable \"$id\" of non-null type \"Int!\" must not be null.");
    CHECK(first_error(run(doc, InputValue::object({{"id", InputValue::string("x")}}))) ==
          "Variable \"$id\" got invalid value \"x\"; Int cannot represent non-integer value: \"x\"");
    CHECK(first_error(run(doc, InputValue::object({{"id", InputValue::number("3000000000", false)}}))) ==
          "Variable \"$id\" got invalid value 3000000000; Int cannot represent non 32-bit signed integer value: 3000000000");
    CHECK(first_error(run(doc, InputValue::object({{"id", InputValue::number("1", false)},
                                                  {"k", InputValue::list({InputValue::string("LP")})}}))) ==
          "Variable \"$k\" got invalid value [\"LP\"] at \"k[0]\"; Value \"LP\" does not exist in \"media_kind\" enum.");
    std::string insert = "mutation ($o: artist_insert_input!) { insert_artist_one(object: $o) { id } }";
    auto ins = run(insert, InputValue::object({{"o", InputValue::object({{"name", InputValue::string("N")}})}}));
    INFO(first_error(ins));
    REQUIRE(ins.operation);
    CHECK(ins.operation->kind == OperationKind::mutation);
    const auto* obj = ins.operation->fields[0].argument("object");
    CHECK(obj->field("tags")->as_list()->empty());  // the input field's default
    CHECK(first_error(run(insert, InputValue::object({{"o", InputValue::object({{"nom", InputValue::string("N")}})}}))) ==
          "Variable \"$o\" got invalid value {nom: \"N\"}; Field \"nom\" is not defined by type \"artist_insert_input\". Did you mean \"name\"?");
}

TEST_CASE("prepare enforces the limits", "[graphql][language]") {
    Limits limits;
    limits.max_depth = 2;
    CHECK(run("{ artist { albums { title } } }", {}, std::nullopt, limits).operation.has_value() == false);
    CHECK(run("{ artist { name } }", {}, std::nullopt, limits).operation.has_value());
    limits = {};
    limits.max_aliases = 1;
    CHECK(first_error(run("{ a: now b: now }", {}, std::nullopt, limits)) == "The query has more than 1 aliases.");
    limits = {};
    limits.introspection = false;
    CHECK(first_error(run("{ __schema { queryType { name } } }", {}, std::nullopt, limits)) ==
          "GraphQL introspection is not allowed, but the query contained __schema.");
    CHECK(run("{ __typename }", {}, std::nullopt, limits).operation.has_value());
    // A fragment bomb: each level doubles the fields.
    std::string bomb = "{ artist { ...F0 } }";
    for (int i = 0; i < 20; ++i)
        bomb += " fragment F" + std::to_string(i) + " on artist { a: albums { artist { ...F" + std::to_string(i + 1) +
                " } } b: albums { artist { ...F" + std::to_string(i + 1) + " } } }";
    bomb += " fragment F20 on artist { name }";
    limits = {};
    limits.max_depth = 100;
    limits.max_aliases = 1000000;
    CHECK(first_error(run(bomb, {}, std::nullopt, limits)) ==
          "The query selects more than 10000 fields once its fragments are expanded.");
}

TEST_CASE("a Schema starts with the built-in types and directives", "[graphql][language]") {
    Schema s;
    for (const char* name : {"Int", "Float", "String", "Boolean", "ID", "__Schema", "__Type", "__Field", "__InputValue",
                             "__EnumValue", "__Directive", "__TypeKind", "__DirectiveLocation"}) {
        INFO(name);
        REQUIRE(s.type(name));
        CHECK(Schema::is_builtin_type(name));
    }
    for (const char* name : {"include", "skip", "deprecated", "specifiedBy"}) CHECK(s.directive(name));
    CHECK(s.directive("deprecated")->arguments.at(0).default_value->as_string());
    CHECK(s.type("__Type")->field("fields")->argument("includeDeprecated"));
    CHECK(TypeRef::named("T").non_null().list().non_null().to_string() == "[T!]!");
    auto before = s.generation();
    TypeDef t;
    t.name = "T";
    s.add_type(t);
    CHECK(s.generation() != before);
    CHECK_THROWS_AS(s.add_type(t), std::invalid_argument);
}

TEST_CASE("a document cached under a larger token limit is refused under a smaller one", "[graphql][language]") {
    std::string doc = "{ artist { name artist_id } now }";
    CHECK(run(doc).operation);
    Limits small;
    small.max_tokens = 5;
    auto r = run(doc, {}, std::nullopt, small);
    REQUIRE(!r.operation);
    CHECK(r.errors.at(0).message == "Syntax Error: Document contains more than 5 tokens. Parsing aborted.");
}
