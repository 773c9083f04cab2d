// JSON model files: a complete file round-trips into the catalog; every broken fixture gets one
// exact message naming the file, the JSON pointer and the problem.
#include "message_of.hpp"

#include <rex/kernel.hpp>
#include <rex/model_file.hpp>
#include <rex/schema.hpp>
#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <unistd.h>

using namespace rex;

namespace {

const std::filesystem::path models_dir = std::filesystem::path(REX_TEST_SOURCE_DIR) / "tests" / "catalog" / "models";

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string configuration_error(const std::function<void()>& run) { return catalog_test::message_of<ConfigurationError>(run); }

std::string parse_error(const std::string& text) {
    return configuration_error([&] { parse_models(text, "m.json"); });
}

// A model file of one entity with the given fields (and more keys of the entity, if any).
std::string one_entity(const std::string& fields, const std::string& more = "") {
    return R"({"entities": [{"name": "things", "fields": [)" + fields + "]" + (more.empty() ? "" : ", " + more) + "}]}";
}

const FieldInfo& field(const EntityInfo& e, std::string_view name) {
    const auto* f = e.field(name);
    REQUIRE(f);
    return *f;
}

std::vector<std::string> rules_of(const EntityInfo& e, std::string_view field_name) {
    std::vector<std::string> out;
    for (const auto& r : e.rules)
        if (r.field == field_name) out.push_back(r.rule + (r.argument.empty() ? "" : " " + r.argument));
    return out;
}

}  // namespace

TEST_CASE("a complete model file fills the catalog with every attribute", "[catalog][model-file]") {
    Kernel kernel(LogLevel::off);
    const auto names = load_model_file(kernel, models_dir / "shop.json");
    CHECK(names == std::vector<std::string>{"customers", "cards", "orders", "products"});
    CHECK(kernel.catalog().entity_names() == std::vector<std::string>{"cards", "customers", "orders", "products"});

    const auto customers = kernel.catalog().find_entity("customers");
    REQUIRE(customers);
    CHECK(customers->table == "shop_customers");
    REQUIRE(customers->fields.size() == 16);

    const auto& id = field(*customers, "id");
    CHECK(id.column == "id");
    CHECK(id.type.type == LogicalType::int64);
    CHECK(id.primary_key);
    CHECK(id.generated);
    CHECK(id.type.auto_increment);
    CHECK_FALSE(id.nullable);
    CHECK_FALSE(id.unique);
    CHECK_FALSE(id.default_value);

    const auto& name = field(*customers, "name");
    CHECK(name.type.type == LogicalType::string);
    CHECK(name.type.length == 100);
    CHECK_FALSE(name.nullable);
    CHECK_FALSE(name.primary_key);
    CHECK_FALSE(name.generated);
    CHECK(rules_of(*customers, "name") == std::vector<std::string>{"not_empty", "length 1..100"});

    const auto& email = field(*customers, "email");
    CHECK(email.unique);
    CHECK(email.type.length == 200);
    CHECK(rules_of(*customers, "email") == std::vector<std::string>{"email"});

    const auto& age = field(*customers, "age");
    CHECK(age.type.type == LogicalType::int32);
    CHECK(age.nullable);
    CHECK_FALSE(age.type.auto_increment);
    CHECK(rules_of(*customers, "age") == std::vector<std::string>{"range 0..150"});

    CHECK(field(*customers, "vip").type.type == LogicalType::boolean);
    CHECK(field(*customers, "vip").default_value == "FALSE");
    const auto& balance = field(*customers, "balance");
    CHECK(balance.type.type == LogicalType::decimal);
    CHECK(balance.type.precision == 12);
    CHECK(balance.type.scale == 2);
    CHECK(balance.default_value == "0");
    CHECK(field(*customers, "rating").type.type == LogicalType::float64);
    CHECK(field(*customers, "rating").default_value == "2.5");

    const auto& joined = field(*customers, "joined");
    CHECK(joined.column == "joined_at");
    CHECK(joined.type.type == LogicalType::timestamp);
    CHECK(joined.nullable);
    CHECK(field(*customers, "birthday").type.type == LogicalType::date);
    CHECK(field(*customers, "wakes").column == "wakes_at");
    CHECK(field(*customers, "wakes").type.type == LogicalType::time);
    CHECK(field(*customers, "token").type.type == LogicalType::uuid);
    CHECK(field(*customers, "prefs").type.type == LogicalType::json);
    CHECK(field(*customers, "avatar").type.type == LogicalType::bytes);
    CHECK(field(*customers, "notes").type.type == LogicalType::text);
    CHECK_FALSE(field(*customers, "notes").type.length);
    CHECK(field(*customers, "tier").default_value == "'basic'");
    CHECK(rules_of(*customers, "tier") == std::vector<std::string>{"one_of basic, gold"});
    CHECK(rules_of(*customers, "code") == std::vector<std::string>{"pattern [A-Z]{2}[0-9]+"});

    REQUIRE(customers->relations.size() == 2);
    const auto* orders_relation = customers->relation("orders");
    REQUIRE(orders_relation);
    CHECK(orders_relation->kind == RelationKind::has_many);
    CHECK(orders_relation->target == "orders");
    CHECK(orders_relation->foreign_key == "customer_id");
    CHECK(orders_relation->through.empty());
    const auto* card = customers->relation("card");
    REQUIRE(card);
    CHECK(card->kind == RelationKind::has_one);
    CHECK(card->target == "cards");
    CHECK(card->foreign_key == "customer_id");

    REQUIRE(customers->indexes.size() == 2);
    CHECK(customers->indexes[0].name == "shop_customers_name_age_idx");
    CHECK(customers->indexes[0].fields == std::vector<std::string>{"name", "age"});
    CHECK_FALSE(customers->indexes[0].unique);
    CHECK(customers->indexes[1].name == "shop_customers_by_email");
    CHECK(customers->indexes[1].fields == std::vector<std::string>{"email"});
    CHECK(customers->indexes[1].unique);

    const auto cards = kernel.catalog().find_entity("cards");
    REQUIRE(cards);
    CHECK(field(*cards, "customer_id").unique);
    const auto* owner = cards->relation("owner");
    REQUIRE(owner);
    CHECK(owner->kind == RelationKind::belongs_to);
    CHECK(owner->target == "customers");
    CHECK(owner->foreign_key == "customer_id");

    const auto orders = kernel.catalog().find_entity("orders");
    REQUIRE(orders);
    const auto& placed = field(*orders, "placed");
    CHECK(placed.column == "placed_at");
    CHECK(placed.generated);
    CHECK_FALSE(placed.type.auto_increment);  // generated by a default, not an identity
    CHECK(placed.default_value == "CURRENT_TIMESTAMP");
    const auto* products = orders->relation("products");
    REQUIRE(products);
    CHECK(products->kind == RelationKind::many_to_many);
    CHECK(products->target == "products");
    CHECK(products->foreign_key.empty());
    CHECK(products->through == "shop_order_items");
    CHECK(products->through_source_key == "order_id");
    CHECK(products->through_target_key == "product_id");
    REQUIRE(orders->indexes.size() == 1);
    CHECK(orders->indexes[0].name == "shop_orders_customer_id_placed_at_idx");  // named by columns
    CHECK(orders->indexes[0].fields == std::vector<std::string>{"customer_id", "placed"});

    const auto product = kernel.catalog().find_entity("products");
    REQUIRE(product);
    CHECK(field(*product, "sku").primary_key);
    CHECK_FALSE(field(*product, "sku").generated);
    CHECK(product->rules.size() == 1);
}

TEST_CASE("the example in docs/model-files.md is the complete fixture", "[catalog][model-file]") {
    const auto doc = read_text(std::filesystem::path(REX_TEST_SOURCE_DIR) / "docs" / "model-files.md");
    const auto start = doc.find("```json\n");
    REQUIRE(start != std::string::npos);
    const auto end = doc.find("```", start + 8);
    REQUIRE(end != std::string::npos);
    const auto example = doc.substr(start + 8, end - start - 8);
    CHECK(nlohmann::json::parse(example) == nlohmann::json::parse(read_text(models_dir / "shop.json")));
    CHECK(parse_models(example, "docs").size() == 4);
}

TEST_CASE("each broken model file gets one message naming the file, the place and the problem", "[catalog][model-file]") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"malformed.json",
         "malformed JSON at line 4, column 38: syntax error while parsing object key - unexpected '}'; expected string literal"},
        {"unknown-type.json",
         "/entities/1/fields/3/type: unknown type \"strng\" (expected one of bool, int32, int64, float64, decimal(p,s), string(n), "
         "text, bytes, date, time, timestamp, uuid, json)"},
        {"missing-name.json", "/entities/0/fields/1: missing \"name\""},
        {"duplicate-entity.json", "/entities/2/name: duplicate entity \"users\" (also /entities/0)"},
        {"duplicate-field.json", "/entities/0/fields/2/name: duplicate field \"email\" (also /entities/0/fields/1)"},
        {"unknown-target.json", "/entities/1/relations/0/target: unknown entity \"user\" (known entities: posts, users)"},
        {"bad-foreign-key.json",
         "/entities/0/relations/0/foreign_key: entity \"posts\" has no field \"author_id\" (fields: id, user_id, title)"},
        {"unknown-key.json",
         "/entities/0/fields/2/nulable: unknown key (expected one of: name, column, type, nullable, primary_key, unique, generated, "
         "default, rules)"},
        {"wrong-kind.json", "/entities/0/fields/1/nullable: expected true or false, got string \"yes\""},
        {"repeated-key.json", "/entities/0/fields/0/type: repeated key (each key may appear once in an object)"},
        {"unknown-rule.json",
         "/entities/0/fields/1/rules/1/lenght: unknown rule \"lenght\" (expected one of not_empty, email, length, range, pattern, one_of)"},
        {"rule-on-wrong-type.json",
         "/entities/0/fields/1/rules/0: rule \"range\" applies to int32, int64, float64 and decimal fields; \"name\" is string(50)"},
        {"many-to-many-without-through.json",
         "/entities/0/relations/0: missing \"through\" (a many_to_many relation needs {\"table\", \"source_key\", \"target_key\"})"},
        {"bad-index.json", "/entities/0/indexes/0/fields/1: entity \"users\" has no field \"nmae\" (fields: id, name)"},
        {"bad-decimal.json", "/entities/0/fields/1/type: a decimal's scale (5) must not exceed its precision (2)"},
        {"no-entities.json", "/entity: unknown key (expected one of: entities)"},
        {"not-an-object.json", "/: expected an object, got array"},
    };
    for (const auto& [file, problem] : cases) {
        INFO(file);
        Kernel kernel(LogLevel::off);
        const auto path = models_dir / file;
        CHECK(configuration_error([&] { load_model_file(kernel, path); }) == path.string() + ": " + problem);
        CHECK(kernel.catalog().entity_names().empty());  // all or nothing
    }
}

TEST_CASE("a model file that cannot be read is named", "[catalog][model-file]") {
    CHECK(configuration_error([] { read_model_file("no/such/models.json"); }) == "no/such/models.json: no such model file");
}

TEST_CASE("more problems inside model files", "[catalog][model-file]") {
    const std::string id = R"({"name": "id", "type": "int64", "primary_key": true})";
    CHECK(parse_error(R"({"entities": {}})") == "m.json: /entities: expected an array, got object");
    CHECK(parse_error(R"({"entities": [{"fields": []}]})") == "m.json: /entities/0: missing \"name\"");
    CHECK(parse_error(R"({"entities": [{"name": "x", "fields": []}]})") == "m.json: /entities/0/fields: an entity needs at least one field");
    CHECK(parse_error(R"({"entities": [{"name": "2x", "fields": []}]})") ==
          "m.json: /entities/0/name: \"2x\" is not a name (letters, digits and _, not starting with a digit)");
    CHECK(parse_error(R"({"entities": [{"name": "", "fields": []}]})") == "m.json: /entities/0/name: must not be empty");
    CHECK(parse_error(R"({"entities": [{"name": 7, "fields": []}]})") == "m.json: /entities/0/name: expected a string, got number 7");
    CHECK(parse_error(one_entity(R"~({"name": "a", "type": "string(0)"})~")) ==
          "m.json: /entities/0/fields/0/type: a string's length must be at least 1");
    CHECK(parse_error(one_entity(R"~({"name": "a", "type": "string(1,2)"})~")) ==
          "m.json: /entities/0/fields/0/type: string takes one parameter, its length: string(n)");
    CHECK(parse_error(one_entity(R"~({"name": "a", "type": "int64(8)"})~")) ==
          "m.json: /entities/0/fields/0/type: type \"int64\" takes no parameters");
    CHECK(parse_error(one_entity(R"({"name": "a", "type": "String"})")).find("unknown type \"String\"") != std::string::npos);
    CHECK(parse_error(one_entity(R"({"name": "a", "type": "int64", "primary_key": true, "nullable": true})")) ==
          "m.json: /entities/0/fields/0/nullable: a primary key cannot be nullable");
    CHECK(parse_error(one_entity(R"({"name": "a", "type": "int64", "default": [1]})")) ==
          "m.json: /entities/0/fields/0/default: expected a string, number, boolean, null or {\"sql\": \"expression\"}, got array");
    CHECK(parse_error(one_entity(R"({"name": "a", "type": "int64", "default": {"sq": "1"}})")) ==
          "m.json: /entities/0/fields/0/default/sq: unknown key (expected one of: sql)");
    CHECK(parse_error(one_entity(id + R"(, {"name": "b", "column": "id", "type": "text"})")) ==
          "m.json: /entities/0/fields/1: column \"id\" is also the column of field \"id\"");

    // rules
    CHECK(parse_error(one_entity(R"({"name": "a", "type": "text", "rules": ["length"]})")) ==
          "m.json: /entities/0/fields/0/rules/0: rule \"length\" needs an argument: {\"length\": [min, max]}");
    CHECK(parse_error(one_entity(R"({"name": "a", "type": "text", "rules": [{"email": true}]})")) ==
          "m.json: /entities/0/fields/0/rules/0/email: rule \"email\" takes no argument: write \"email\"");
    CHECK(parse_error(one_entity(R"({"name": "a", "type": "text", "rules": [{"length": [5, 1]}]})")) ==
          "m.json: /entities/0/fields/0/rules/0/length: min (5) is greater than max (1)");
    CHECK(parse_error(one_entity(R"({"name": "a", "type": "text", "rules": [{"length": [1.5, 3]}]})")) ==
          "m.json: /entities/0/fields/0/rules/0/length/0: expected a whole number >= 0, got number 1.5");
    CHECK(parse_error(one_entity(R"({"name": "a", "type": "text", "rules": [{"length": 3}]})")) ==
          "m.json: /entities/0/fields/0/rules/0/length: expected [min, max] (two integers), got number 3");
    CHECK(parse_error(one_entity(R"({"name": "a", "type": "text", "rules": [{"pattern": "(["}]})"))
              .starts_with("m.json: /entities/0/fields/0/rules/0/pattern: not a valid regular expression (ECMAScript): "));
    CHECK(parse_error(one_entity(R"({"name": "a", "type": "text", "rules": [{"one_of": []}]})")) ==
          "m.json: /entities/0/fields/0/rules/0/one_of: expected a non-empty array of strings or numbers, got array");
    CHECK(parse_error(one_entity(R"({"name": "a", "type": "text", "rules": [{"length": [1, 2], "email": 1}]})")) ==
          "m.json: /entities/0/fields/0/rules/0: expected a rule: \"not_empty\", \"email\" or an object of one key such as "
          "{\"length\": [1, 100]}, got object");
    CHECK(parse_error(one_entity(R"({"name": "a", "type": "int32", "rules": ["email"]})")) ==
          "m.json: /entities/0/fields/0/rules/0: rule \"email\" applies to string and text fields; \"a\" is int32");

    // relations
    const auto relation = [&](const std::string& r) { return one_entity(id + R"(, {"name": "parent_id", "type": "int64"})", R"("relations": [)" + r + "]"); };
    CHECK(parse_error(relation(R"({"name": "up", "kind": "belongs_to", "target": "things", "foreign_key": "parent"})")) ==
          "m.json: /entities/0/relations/0/foreign_key: entity \"things\" has no field \"parent\" (fields: id, parent_id)");
    CHECK(parse_error(relation(R"({"name": "up", "kind": "belongs_to", "target": "things"})")) ==
          "m.json: /entities/0/relations/0: missing \"foreign_key\"");
    CHECK(parse_error(relation(R"({"name": "up", "kind": "belongs", "target": "things", "foreign_key": "parent_id"})")) ==
          "m.json: /entities/0/relations/0/kind: unknown relation kind \"belongs\" (expected one of belongs_to, has_one, has_many, "
          "many_to_many)");
    CHECK(parse_error(relation(R"({"name": "kids", "kind": "has_many", "target": "things", "foreign_key": "parent_id",
                                    "through": {"table": "t", "source_key": "a", "target_key": "b"}})")) ==
          "m.json: /entities/0/relations/0/through: only many_to_many relations go through a join table");
    CHECK(parse_error(relation(R"({"name": "peers", "kind": "many_to_many", "target": "things", "foreign_key": "parent_id"})")) ==
          "m.json: /entities/0/relations/0/foreign_key: a many_to_many relation has no foreign_key; its keys are in \"through\"");
    CHECK(parse_error(relation(R"({"name": "peers", "kind": "many_to_many", "target": "things",
                                    "through": {"table": "t", "source_key": "a", "target_key": "a"}})")) ==
          "m.json: /entities/0/relations/0/through/target_key: source_key and target_key must be different columns");
    CHECK(parse_error(relation(R"({"name": "parent_id", "kind": "belongs_to", "target": "things", "foreign_key": "parent_id"})")) ==
          "m.json: /entities/0/relations/0/name: relation \"parent_id\" has the name of a field");
    CHECK(parse_error(relation(R"({"name": "up", "kind": "belongs_to", "target": "things", "foreign_key": "parent_id"},
                                   {"name": "up", "kind": "belongs_to", "target": "things", "foreign_key": "parent_id"})")) ==
          "m.json: /entities/0/relations/1/name: duplicate relation \"up\"");
    CHECK(parse_error(one_entity(R"({"name": "a", "type": "int64"})", R"("relations": [{"name": "up", "kind": "belongs_to", "target": "things", "foreign_key": "a"}])")) ==
          "m.json: /entities/0/relations/0: relation \"up\" needs entity \"things\" to have exactly one primary-key field (it has 0)");

    // indexes
    CHECK(parse_error(one_entity(id, R"("indexes": [{"fields": []}])")) == "m.json: /entities/0/indexes/0/fields: an index needs at least one field");
    CHECK(parse_error(one_entity(id, R"("indexes": [{"fields": ["id", "id"]}])")) ==
          "m.json: /entities/0/indexes/0/fields/1: field \"id\" is already in this index");
    CHECK(parse_error(one_entity(id, R"("indexes": [{"fields": ["id"]}, {"fields": ["id"]}])")) ==
          "m.json: /entities/0/indexes/1: duplicate index name \"things_id_idx\" (also /entities/0/indexes/0)");
    CHECK(parse_error(one_entity(id, R"("indexes": [{"name": "ix", "fields": ["id"], "unique": 1}])")) ==
          "m.json: /entities/0/indexes/0/unique: expected true or false, got number 1");
    // Keys with '/' or '~' are escaped in the pointer.
    CHECK(parse_error(one_entity(R"({"name": "a", "type": "int64", "a/b~c": 1})")) ==
          "m.json: /entities/0/fields/0/a~1b~0c: unknown key (expected one of: name, column, type, nullable, primary_key, unique, "
          "generated, default, rules)");
    CHECK(parse_error("{\n  \"entities\": [\n    {\"name\": \"x\"\n") ==
          "m.json: malformed JSON at line 4, column 1: syntax error while parsing object - unexpected end of input; expected '}'");
}

TEST_CASE("model files: defaults, and relations to entities already in the catalog", "[catalog][model-file]") {
    const auto plain = parse_models(one_entity(R"~({"name": "a", "type": "string"}, {"name": "b", "type": "decimal"}, {"name": "c", "type": "decimal(8)"})~"), "m.json");
    REQUIRE(plain.size() == 1);
    CHECK(plain[0].table == "things");
    CHECK(plain[0].fields[0].column == "a");
    CHECK_FALSE(plain[0].fields[0].type.length);  // the dialect's default length
    CHECK_FALSE(plain[0].fields[1].type.precision);
    CHECK(plain[0].fields[2].type.precision == 8);
    CHECK(plain[0].fields[2].type.scale == 0);
    CHECK(parse_models(R"({"entities": []})", "m.json").empty());
    const auto defaults = parse_models(one_entity(R"({"name": "a", "type": "text", "default": "it's"}, {"name": "b", "type": "int32", "nullable": true, "default": null})"), "m.json");
    CHECK(defaults[0].fields[0].default_value == "'it''s'");
    CHECK(defaults[0].fields[1].default_value == "NULL");

    Kernel kernel(LogLevel::off);
    EntityInfo users;
    users.name = "users";
    users.table = "users";
    users.fields.push_back({"id", "id", LogicalType::int64, false, true, false, true, std::nullopt});
    kernel.register_entity(users);
    const std::string posts = R"({"entities": [{"name": "posts", "fields": [
        {"name": "id", "type": "int64", "primary_key": true, "generated": true},
        {"name": "user_id", "type": "int64"}],
      "relations": [{"name": "author", "kind": "belongs_to", "target": "users", "foreign_key": "user_id"}]}]})";
    CHECK(parse_error(posts) == "m.json: /entities/0/relations/0/target: unknown entity \"users\" (known entities: posts)");
    CHECK(parse_models(posts, "m.json", &kernel.catalog()).at(0).relations.at(0).target == "users");

    // has_many into the catalog: the foreign key is checked on the catalog's entity.
    const std::string with_children = R"({"entities": [{"name": "groups", "fields": [{"name": "id", "type": "int64", "primary_key": true}],
      "relations": [{"name": "members", "kind": "has_many", "target": "users", "foreign_key": "group_id"}]}]})";
    CHECK(configuration_error([&] { parse_models(with_children, "g.json", &kernel.catalog()); }) ==
          "g.json: /entities/0/relations/0/foreign_key: entity \"users\" has no field \"group_id\" (fields: id)");

    // Loading again replaces the entities of the same names.
    const auto file = std::filesystem::temp_directory_path() / ("rex-model-file-" + std::to_string(::getpid()) + ".json");
    std::ofstream(file) << posts;
    CHECK(load_model_file(kernel, file) == std::vector<std::string>{"posts"});
    CHECK(load_model_file(kernel, file) == std::vector<std::string>{"posts"});
    CHECK(kernel.catalog().entity_names() == std::vector<std::string>{"posts", "users"});
    std::filesystem::remove(file);
}

TEST_CASE("model files: assigned, uuid and composite keys, and the tables they make", "[catalog][model-file][keys]") {
    const auto models = parse_models(R"~({"entities": [
      {"name": "tracks", "fields": [{"name": "code", "type": "string(12)", "primary_key": true}, {"name": "title", "type": "text"}]},
      {"name": "playlists", "fields": [{"name": "id", "type": "uuid", "primary_key": true, "generated": true,
                                        "default": {"sql": "gen_random_uuid()"}}]},
      {"name": "playlist_tracks", "fields": [
        {"name": "playlist_id", "type": "uuid", "primary_key": true},
        {"name": "track_code", "type": "string(12)", "primary_key": true},
        {"name": "position", "type": "int32"}],
       "relations": [{"name": "track", "kind": "belongs_to", "target": "tracks", "foreign_key": "track_code"},
                     {"name": "playlist", "kind": "belongs_to", "target": "playlists", "foreign_key": "playlist_id"}]}]})~",
                                     "m.json");
    REQUIRE(models.size() == 3);
    CHECK_FALSE(models[0].fields[0].generated);           // assigned
    CHECK_FALSE(models[0].fields[0].type.auto_increment);
    CHECK(models[1].fields[0].generated);                  // made by its default
    CHECK_FALSE(models[1].fields[0].type.auto_increment);  // not an identity column
    CHECK(models[2].fields[0].primary_key);
    CHECK(models[2].fields[1].primary_key);

    // The tables: a composite primary key, and foreign keys to the text and uuid keys.
    Kernel kernel(LogLevel::off);
    for (const auto& e : models) kernel.register_entity(e);
    const auto tables = schema_from_catalog(kernel.catalog());
    const auto& join = *std::find_if(tables.begin(), tables.end(), [](const auto& t) { return t.name == "playlist_tracks"; });
    CHECK(join.column("playlist_id")->primary_key);
    CHECK(join.column("track_code")->primary_key);
    CHECK(join.foreign_keys.size() == 2);

    // A generated key that is not an integer needs something to make it.
    CHECK(parse_error(one_entity(R"({"name": "id", "type": "uuid", "primary_key": true, "generated": true})")).find(
              "/entities/0/fields/0/generated: a generated primary key that is not an integer needs a \"default\"") !=
          std::string::npos);
    // A relation to a composite key is refused: it has no one key to point at.
    CHECK(parse_error(R"({"entities": [
      {"name": "pairs", "fields": [{"name": "a", "type": "int64", "primary_key": true}, {"name": "b", "type": "int64", "primary_key": true}]},
      {"name": "notes", "fields": [{"name": "id", "type": "int64", "primary_key": true}, {"name": "pair_a", "type": "int64"}],
       "relations": [{"name": "pair", "kind": "belongs_to", "target": "pairs", "foreign_key": "pair_a"}]}]})")
              .find("to have exactly one primary-key field (it has 2)") != std::string::npos);
}
