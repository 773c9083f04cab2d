// The untyped query builder by catalog names, on every backend: SQL text, every filter operator,
// and/or/not groups, ordering, paging, counting, writes with generated keys, names and values
// checked before any SQL runs, and entities from a JSON model file.
#include "../conformance/context.hpp"
#include "message_of.hpp"

#include <rex/model_file.hpp>
#include <rex/orm.hpp>
#include <rex/orm/dynamic_query.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <unistd.h>

using namespace rex;
using catalog_test::message_of;

namespace {

std::string suffix() { return "_" + std::to_string(::getpid()); }

struct Person {
    std::int64_t id{};
    std::string name;
    std::optional<int> age;
    bool active = true;
    std::optional<std::string> city;
    double score = 0;
};

std::string people_table() { return "rex_dyn_people" + suffix(); }

// "people" in the catalog comes from a typed mapping.
struct People {
    Database db;
    explicit People(Kernel& kernel = conformance::kernel()) : db(kernel, conformance::backend().url) {
        db.map(entity<Person>(people_table())
                   .named("people")
                   .id(&Person::id)
                   .field(&Person::name, "name", varchar(100), not_empty())
                   .field(&Person::age, "age", range(0, 150))
                   .field(&Person::active, "active")
                   .field(&Person::city, "city", varchar(50))
                   .field(&Person::score, "score"));
        db.drop_tables();
        db.create_tables();
        DynamicQuery(db, "people")
            .insert_many({
                {{"name", "Ada"}, {"age", 36}, {"active", true}, {"city", "London"}, {"score", 9.5}},
                {{"name", "Bob"}, {"age", 17}, {"active", false}, {"city", "Paris"}, {"score", 4}},
                {{"name", "Cleo"}, {"age", nullptr}, {"active", true}, {"city", nullptr}, {"score", 7}},
                {{"name", "Dan"}, {"age", 52}, {"active", true}, {"city", "London"}, {"score", 6}},
                {{"name", "Eve"}, {"age", 25}, {"active", false}, {"city", "Berlin"}, {"score", 8}},
            });
    }
    ~People() {
        try {
            db.drop_tables();
        } catch (...) {
        }
    }
    DynamicQuery query() { return DynamicQuery(db, "people"); }
    // Names of the people a filter matches, by name.
    std::vector<std::string> names(const Filter& f) { return names_of(query().where(f).order_by("name")); }
    static std::vector<std::string> names_of(DynamicQuery q) {
        const auto rows = q.select({"name"}).rows();
        std::vector<std::string> out;
        for (const auto& row : rows.rows) out.push_back(row.at(0).as_text());
        return out;
    }
};

using Names = std::vector<std::string>;

struct SqlCounter final : Logger {
    std::size_t statements = 0;
    bool enabled(LogLevel) const noexcept override { return true; }
    void write(LogLevel, std::string_view component, std::string_view) override {
        if (component == "sql") ++statements;
    }
};

}  // namespace

TEST_CASE("dynamic queries: to_sql shows the SQL and its parameters", "[dynamic]") {
    if (!conformance::available()) return;
    People t;
    const auto& d = t.db.dialect();
    const auto q = [&](const std::string& s) { return d.quote_identifier(s); };
    const auto table = q(people_table());
    const auto col = [&](const std::string& c) { return table + "." + q(c); };
    const auto p = [&](std::size_t i) { return d.placeholder(i); };

    auto compiled = DynamicQuery(t.db, "people")
                        .select({"id", "name"})
                        .where("age", ">=", 18)
                        .order_by("name", rex::descending)
                        .limit(10)
                        .offset(20)
                        .to_sql();
    CHECK(compiled.sql == "SELECT " + col("id") + ", " + col("name") + " FROM " + table + " WHERE " + col("age") + " >= " + p(1) +
                              " ORDER BY " + col("name") + " DESC" + d.limit_offset(10, 20));
    CHECK(compiled.params == Params{Value(18)});

    // Every field by default; groups keep their grouping.
    compiled = t.query()
                   .where(any_of({filter("city", "=", "Paris"), filter("age", "is null")}))
                   .where("active", "=", true)
                   .to_sql();
    CHECK(compiled.sql == "SELECT " + col("id") + ", " + col("name") + ", " + col("age") + ", " + col("active") + ", " + col("city") +
                              ", " + col("score") + " FROM " + table + " WHERE ((" + col("city") + " = " + p(1) + ") OR " + col("age") +
                              " IS NULL) AND (" + col("active") + " = " + p(2) + ")");
    CHECK(compiled.params == Params{Value("Paris"), Value(true)});

    compiled = t.query().where("name", "like", "A%").count_sql();
    CHECK(compiled.sql == "SELECT COUNT(*) FROM " + table + " WHERE " + col("name") + " LIKE " + p(1));
    CHECK(compiled.params == Params{Value("A%")});

    compiled = t.query().insert_sql({{"name", "Fay"}, {"score", 1}, {"active", true}});
    const bool returning = d.features().generated_keys == GeneratedKeyStyle::returning;
    CHECK(compiled.sql == "INSERT INTO " + table + " (" + q("name") + ", " + q("active") + ", " + q("score") + ") VALUES (" + p(1) +
                              ", " + p(2) + ", " + p(3) + ")" + (returning ? d.returning_clause({"id"}) : ""));
    CHECK(compiled.params == Params{Value("Fay"), Value(true), Value(1.0)});  // converted to the fields' types, in field order

    compiled = t.query().where("id", "=", 3).update_sql({{"city", nullptr}, {"age", "40"}});
    CHECK(compiled.sql == "UPDATE " + table + " SET " + q("age") + " = " + p(1) + ", " + q("city") + " = " + p(2) + " WHERE " + col("id") +
                              " = " + p(3));
    CHECK(compiled.params == Params{Value(40), Value(), Value(3)});

    compiled = t.query().where("id", "in", {1, 2}).remove_sql();
    // Integers go as one array parameter where the dialect can (PostgreSQL), else one each.
    if (const auto array = d.integer_array_match(col("id"), p(1), false); !array.empty()) {
        CHECK(compiled.sql == "DELETE FROM " + table + " WHERE " + array);
        CHECK(compiled.params == Params{Value("{1,2}")});
    } else {
        CHECK(compiled.sql == "DELETE FROM " + table + " WHERE " + col("id") + " IN (" + p(1) + ", " + p(2) + ")");
        CHECK(compiled.params == Params{Value(1), Value(2)});
    }

    // Without a database it compiles, but does not run.
    DynamicQuery offline(conformance::kernel().catalog(), d, "people");
    offline.where("age", "between", {18, 65});
    CHECK(offline.to_sql().sql ==
          "SELECT " + col("id") + ", " + col("name") + ", " + col("age") + ", " + col("active") + ", " + col("city") + ", " + col("score") +
              " FROM " + table + " WHERE " + col("age") + " BETWEEN " + p(1) + " AND " + p(2));
    CHECK_THROWS_AS(offline.rows(), UnsupportedError);
    CHECK_THROWS_AS(offline.count(), UnsupportedError);

    // A description applied to a query gives the same SQL as the builder calls.
    QuerySpec spec;
    spec.entity = "people";
    spec.fields = {"id", "name"};
    spec.where.push_back(filter("age", ">=", 18));
    spec.order_by.push_back({"name", true, Nulls::database_default});
    spec.limit = 10;
    spec.offset = 20;
    const auto from_spec = DynamicQuery(t.db, "people").apply(spec);
    CHECK(from_spec.to_sql().sql ==
          DynamicQuery(t.db, "people").select({"id", "name"}).where("age", ">=", 18).order_by("name", true).limit(10).offset(20).to_sql().sql);
    CHECK(from_spec.spec().where.at(0).values == std::vector<Value>{Value(18)});
    spec.entity = "users";
    CHECK(message_of<InvalidValue>([&] { DynamicQuery(t.db, "people").apply(spec); }) ==
          "a query spec for entity \"users\" given to a query on \"people\"");
}

TEST_CASE("dynamic queries: every filter operator on a real database", "[dynamic]") {
    if (!conformance::available()) return;
    People t;
    CHECK(t.names(filter("name", "=", "Ada")) == Names{"Ada"});
    CHECK(t.names(filter("city", "!=", "London")) == Names{"Bob", "Eve"});
    CHECK(t.names(filter("city", "<>", "London")) == Names{"Bob", "Eve"});
    CHECK(t.names(filter("age", "<", 25)) == Names{"Bob"});
    CHECK(t.names(filter("age", "<=", 25)) == Names{"Bob", "Eve"});
    CHECK(t.names(filter("age", ">", 36)) == Names{"Dan"});
    CHECK(t.names(filter("age", ">=", 36)) == Names{"Ada", "Dan"});
    CHECK(t.names(filter("name", "like", "_a%")) == Names{"Dan"});
    CHECK(t.names(filter("name", "NOT LIKE", "_a%")) == Names{"Ada", "Bob", "Cleo", "Eve"});
    CHECK(t.names(filter("city", "in", {"Paris", "Berlin"})) == Names{"Bob", "Eve"});
    CHECK(t.names(filter("city", "not in", {"Paris", "Berlin"})) == Names{"Ada", "Dan"});
    CHECK(t.names(filter("id", "in", std::vector<Value>{})).empty());
    CHECK(t.names(filter("id", "not in", std::vector<Value>{})).size() == 5);
    CHECK(t.names(filter("age", "is null")) == Names{"Cleo"});
    CHECK(t.names(filter("age", "is not null")) == Names{"Ada", "Bob", "Dan", "Eve"});
    CHECK(t.names(filter("age", "between", {18, 40})) == Names{"Ada", "Eve"});
    CHECK(t.names(filter("active", "=", true)) == Names{"Ada", "Cleo", "Dan"});
    CHECK(t.names(filter("score", ">", 7.5)) == Names{"Ada", "Eve"});
    // Values are converted to the field's type: text forms of numbers work too.
    CHECK(t.names(filter("age", ">=", "36")) == Names{"Ada", "Dan"});
    CHECK(t.names(filter("score", ">", "7.5")) == Names{"Ada", "Eve"});
}

TEST_CASE("dynamic queries: and / or / not groups", "[dynamic]") {
    if (!conformance::available()) return;
    People t;
    CHECK(t.names(any_of({filter("city", "=", "Paris"), filter("age", "is null")})) == Names{"Bob", "Cleo"});
    CHECK(t.names(all_of({filter("active", "=", true), filter("city", "=", "London")})) == Names{"Ada", "Dan"});
    CHECK(t.names(negate(filter("city", "=", "London"))) == Names{"Bob", "Eve"});
    CHECK(t.names(filter("active", "=", true) && (filter("age", "<", 40) || filter("age", "is null"))) == Names{"Ada", "Cleo"});
    CHECK(t.names(!(filter("age", "<", 30) || filter("age", "is null"))) == Names{"Ada", "Dan"});
    CHECK(t.names(all_of({})).size() == 5);
    CHECK(t.names(any_of({})).empty());
    CHECK(t.names(negate(any_of({}))).size() == 5);
    // Separate where() calls must all hold.
    CHECK(People::names_of(t.query().where("active", "=", true).where("age", ">", 30).order_by("name")) == Names{"Ada", "Dan"});
}

TEST_CASE("dynamic queries: ordering, limit, offset, distinct, count and rows", "[dynamic]") {
    if (!conformance::available()) return;
    People t;
    CHECK(People::names_of(t.query().order_by("age", rex::descending, Nulls::last)) == Names{"Dan", "Ada", "Eve", "Bob", "Cleo"});
    CHECK(People::names_of(t.query().order_by("age", false, Nulls::first)) == Names{"Cleo", "Bob", "Eve", "Ada", "Dan"});
    CHECK(People::names_of(t.query().where("city", "is not null").order_by("city").order_by("name", rex::descending)) ==
          Names{"Eve", "Dan", "Ada", "Bob"});
    CHECK(People::names_of(t.query().order_by("name").limit(2).offset(1)) == Names{"Bob", "Cleo"});
    CHECK(People::names_of(t.query().order_by("name").limit(2)) == Names{"Ada", "Bob"});
    CHECK(People::names_of(t.query().order_by("name").offset(3)) == Names{"Dan", "Eve"});
    CHECK(People::names_of(t.query().order_by("name").limit(0)).empty());

    auto cities = t.query().select({"city"}).distinct().where("city", "is not null").order_by("city");
    const auto rows = cities.rows();
    REQUIRE(rows.rows.size() == 3);
    CHECK(rows.rows[0][0] == Value("Berlin"));
    CHECK(rows.rows[2][0] == Value("Paris"));
    CHECK(cities.count() == 3);  // distinct rows
    CHECK(t.query().count() == 5);
    CHECK(t.query().where("active", "=", true).limit(1).count() == 3);  // paging does not apply

    // Rows come back in the fields' types, columns named by field.
    const auto people = t.query().select({"name", "age", "active", "score"}).order_by("name").rows();
    REQUIRE(people.columns.size() == 4);
    CHECK(people.columns[0].name == "name");
    CHECK(people.columns[2].name == "active");
    REQUIRE(people.rows.size() == 5);
    CHECK(people.at(0, "age") == Value(36));
    CHECK(people.at(2, "age").is_null());
    CHECK(people.at(1, "active") == Value(false));  // a boolean on every backend
    CHECK(people.at(0, "active") == Value(true));
    CHECK(people.at(0, "score") == Value(9.5));
}

TEST_CASE("dynamic queries: insert returns generated keys; update and remove count rows", "[dynamic]") {
    if (!conformance::available()) return;
    People t;
    const auto key = t.query().insert({{"name", "Fay"}, {"age", 30}, {"active", true}, {"score", 1.5}});
    REQUIRE(key.size() == 1);
    const auto id = key.at("id");
    REQUIRE(id.kind() == ValueKind::int64);
    CHECK(id.as_int64() > 0);
    CHECK(People::names_of(t.query().where("id", "=", id)) == Names{"Fay"});

    const auto keys = t.query().insert_many({{{"name", "Gus"}, {"active", true}, {"score", 1}},
                                              {{"name", "Hal"}, {"active", true}, {"score", 2}},
                                              {{"name", "Ivy"}, {"active", false}, {"score", 3}}});
    REQUIRE(keys.size() == 3);
    const Names added{"Gus", "Hal", "Ivy"};
    for (std::size_t i = 0; i < keys.size(); ++i) {
        INFO(added[i]);
        CHECK(keys[i].at("id").as_int64() > id.as_int64());
        CHECK(People::names_of(t.query().where("id", "=", keys[i].at("id"))) == Names{added[i]});
    }

    // Keys stepping by 7 (concurrent writers, cluster offsets): each row's key is its own, not
    // "first + row number" (MySQL reports only the first key of a multi-row insert).
    {
        auto s = t.db.session();
        const bool mysql = conformance::backend().name == "mysql";
        if (mysql) s.execute("SET SESSION auto_increment_increment = 7");
        const auto stepped = DynamicQuery(s, "people").insert_many({{{"name", "Kit"}, {"active", true}, {"score", 1}},
                                                                   {{"name", "Lu"}, {"active", true}, {"score", 2}}});
        if (mysql) s.execute("SET SESSION auto_increment_increment = 1");
        REQUIRE(stepped.size() == 2);
        CHECK(People::names_of(t.query().where("id", "=", stepped[0].at("id"))) == Names{"Kit"});
        CHECK(People::names_of(t.query().where("id", "=", stepped[1].at("id"))) == Names{"Lu"});
        for (const auto& k : stepped) t.query().where("id", "=", k.at("id")).remove();
    }

    // A key given by the caller comes back as given.
    const auto given = t.query().insert({{"id", 1000}, {"name", "Jo"}, {"active", true}, {"score", 0}});
    CHECK(given == FieldValues{{"id", Value(1000)}});

    CHECK(t.query().where("city", "=", "London").update({{"score", 10}, {"city", "Leeds"}}) == 2);
    CHECK(t.names(filter("city", "=", "Leeds")) == Names{"Ada", "Dan"});
    CHECK(t.query().where("score", "=", 10).count() == 2);
    CHECK(t.query().where("name", "=", "Nobody").update({{"score", 1}}) == 0);

    CHECK(t.query().where("active", "=", false).remove() == 3);  // Bob, Eve, Ivy
    CHECK(t.query().count() == 7);
    CHECK(t.query().where("id", "=", 1000).remove() == 1);
    CHECK(t.query().count() == 6);

    // On a session: inside its transaction, rolled back with it.
    CHECK_THROWS_AS(t.db.transaction([&](Session& s) {
        DynamicQuery(s, "people").insert({{"name", "Kim"}, {"active", true}, {"score", 0}});
        CHECK(DynamicQuery(s, "people").count() == 7);
        throw std::runtime_error("roll back");
    }),
                    std::runtime_error);
    CHECK(t.query().count() == 6);
    CHECK(t.query().update({{"score", 0}}) == 6);  // no filter: every row
    CHECK(t.query().remove() == 6);
    CHECK(t.query().count() == 0);
}

TEST_CASE("dynamic queries: unknown names and unfit values are rejected before any SQL runs", "[dynamic]") {
    if (!conformance::available()) return;
    Kernel kernel(LogLevel::off);
    kernel.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    auto counter = std::make_shared<SqlCounter>();
    kernel.set_logger(counter);
    People t(kernel);
    const auto before = counter->statements;
    const std::string fields = " (fields: id, name, age, active, city, score)";

    CHECK(message_of<NotFoundError>([&] { DynamicQuery(t.db, "peeple"); }) == "unknown entity \"peeple\" (entities: people)");
    CHECK(message_of<NotFoundError>([&] { t.query().select({"id", "nmae"}); }) == "entity \"people\" has no field \"nmae\"" + fields);
    CHECK(message_of<NotFoundError>([&] { t.query().where("agee", ">=", 18); }) == "entity \"people\" has no field \"agee\"" + fields);
    CHECK(message_of<NotFoundError>([&] {
              t.query().where(any_of({filter("name", "=", "x"), negate(filter("cty", "is null"))}));
          }) == "entity \"people\" has no field \"cty\"" + fields);
    CHECK(message_of<NotFoundError>([&] { t.query().order_by("nme"); }) == "entity \"people\" has no field \"nme\"" + fields);
    CHECK(message_of<NotFoundError>([&] { t.query().insert({{"nam", "x"}}); }) == "entity \"people\" has no field \"nam\"" + fields);
    CHECK(message_of<NotFoundError>([&] { t.query().update({{"scor", 1}}); }) == "entity \"people\" has no field \"scor\"" + fields);

    CHECK(message_of<InvalidValue>([&] { t.query().where("age", "~", 1); }) ==
          "unknown filter operator \"~\" (expected one of \"=\", \"!=\", \"<>\", \"<\", \"<=\", \">\", \">=\", \"like\", \"not like\", \"in\", "
          "\"not in\", \"is null\", \"is not null\", \"between\")");
    CHECK(message_of<InvalidValue>([&] { t.query().where("age", ">=", "old"); }) == "people.age is int32; text \"old\" does not fit it");
    CHECK(message_of<InvalidValue>([&] { t.query().where("age", ">=", 1e12); }) ==
          "people.age is int32; float64 1e+12 does not fit it");
    CHECK(message_of<InvalidValue>([&] { t.query().where("age", "between", {1}); }) ==
          "people.age: \"between\" takes two values, {low, high}; got 1");
    CHECK(message_of<InvalidValue>([&] { t.query().where("age", "is null", 1); }) == "people.age: \"is null\" takes no value");
    CHECK(message_of<InvalidValue>([&] { t.query().where("age", "="); }) == "people.age: \"=\" takes one value; got 0");
    CHECK(message_of<InvalidValue>([&] { t.query().where("name", "=", nullptr); }) ==
          "people.name: \"=\" cannot compare with NULL; use \"is null\" or \"is not null\"");
    CHECK(message_of<InvalidValue>([&] { t.query().where("score", "like", "1%"); }) ==
          "people.score is float64; \"like\" needs a string or text field");
    CHECK(message_of<InvalidValue>([&] { t.query().where(Filter{Filter::Kind::negation, {}, FilterOp::eq, {}, {}}); }) ==
          "a negation (not) holds exactly one condition, not 0");
    CHECK(message_of<InvalidValue>([&] { t.query().limit(-1); }) == "people: limit must not be negative (is -1)");

    CHECK(message_of<InvalidValue>([&] { t.query().insert({{"age", 20}}); }) ==
          "people: insert needs a value for name, active, score (not nullable, no default, not generated)");
    CHECK(message_of<InvalidValue>([&] { t.query().insert({{"name", nullptr}}); }) == "people.name cannot be NULL");
    CHECK(message_of<InvalidValue>([&] { t.query().insert({{"name", std::string(101, 'x')}, {"active", true}, {"score", 1}}); }) ==
          "people.name is string(100); the value has 101 characters");
    CHECK(message_of<ValidationError>([&] { t.query().insert({{"name", " "}, {"age", 200}, {"active", true}, {"score", 1}}); }) ==
          "people is not valid: name must not be empty (not_empty); age must be between 0 and 150 (is 200) (range)");
    CHECK(message_of<ValidationError>([&] {
              t.query().insert_many({{{"name", "ok"}, {"active", true}, {"score", 1}}, {{"name", ""}, {"active", true}, {"score", 1}}});
          }) == "people is not valid: [1].name must not be empty (not_empty)");
    CHECK(message_of<InvalidValue>([&] {
              t.query().insert_many({{{"name", "a"}, {"active", true}, {"score", 1}}, {{"name", "b"}, {"active", true}}});
          }) == "people: every row of insert_many must set the same fields (row 1 differs from row 0)");
    CHECK(message_of<ValidationError>([&] { t.query().where("id", "=", 1).update({{"name", ""}}); }) ==
          "people is not valid: name must not be empty (not_empty)");
    CHECK(message_of<InvalidValue>([&] { t.query().update({}); }) == "people: update needs at least one field to set");
    CHECK(message_of<InvalidValue>([&] { t.query().where("id", "=", 1).insert({{"name", "x"}}); }) ==
          "people: insert() takes no where / order_by / limit / offset");
    CHECK(message_of<InvalidValue>([&] { t.query().limit(1).update({{"score", 1}}); }) ==
          "people: update() takes no order_by / limit / offset");
    CHECK(message_of<InvalidValue>([&] { t.query().order_by("id").remove(); }) == "people: remove() takes no order_by / limit / offset");

    CHECK(counter->statements == before);  // nothing reached the database
}

namespace {

// CREATE TABLE for a catalog entity, from its logical types through the dialect.
void create_table(Session& s, const Dialect& d, const EntityInfo& e) {
    std::vector<std::string> columns;
    for (const auto& f : e.fields) {
        auto column = d.quote_identifier(f.column) + " " + d.column_type(f.type);
        if (f.primary_key) column += " PRIMARY KEY";
        if (!f.primary_key && !f.nullable) column += " NOT NULL";
        if (!f.primary_key && f.unique) column += " UNIQUE";
        if (f.default_value) column += " DEFAULT " + *f.default_value;
        columns.push_back(std::move(column));
    }
    std::string ddl = "CREATE TABLE " + d.quote_identifier(e.table) + " (";
    for (std::size_t i = 0; i < columns.size(); ++i) ddl += (i ? ", " : "") + columns[i];
    s.execute(ddl + ")");
}

}  // namespace

TEST_CASE("dynamic queries on entities loaded from a JSON model file", "[dynamic][model-file]") {
    if (!conformance::available()) return;
    auto& kernel = conformance::kernel();
    // The shop fixture with this process's table names.
    std::ifstream in(std::filesystem::path(REX_TEST_SOURCE_DIR) / "tests" / "catalog" / "models" / "shop.json");
    std::ostringstream text;
    text << in.rdbuf();
    const auto file = std::filesystem::temp_directory_path() / ("rex-dyn-shop" + suffix() + ".json");
    std::ofstream(file) << std::regex_replace(text.str(), std::regex(R"~("table": "(\w+)")~"), "\"table\": \"rex_dyn_$1" + suffix() + "\"");
    CHECK(load_model_file(kernel, file) == std::vector<std::string>{"customers", "cards", "orders", "products"});
    std::filesystem::remove(file);

    Database db(kernel, conformance::backend().url);
    const auto& d = db.dialect();
    const auto customers = kernel.catalog().find_entity("customers");
    const auto products = kernel.catalog().find_entity("products");
    REQUIRE(customers);
    REQUIRE(products);
    CHECK(customers->table == "rex_dyn_shop_customers" + suffix());
    auto s = db.session();
    for (const auto& e : {customers, products}) {
        s.execute("DROP TABLE IF EXISTS " + d.quote_identifier(e->table));
        create_table(s, d, *e);
    }
    struct Cleanup {
        Session& s;
        const Dialect& d;
        std::vector<std::string> tables;
        ~Cleanup() {
            for (const auto& t : tables) {
                try {
                    s.execute("DROP TABLE IF EXISTS " + d.quote_identifier(t));
                } catch (...) {
                }
            }
        }
    } cleanup{s, d, {customers->table, products->table}};

    // Every logical type, some given as text and converted.
    const Bytes avatar{0, 1, 2, 0xff};
    const auto ada = DynamicQuery(db, "customers")
                         .insert({{"name", "Ada"},
                                  {"email", "ada@example.com"},
                                  {"age", 36},
                                  {"balance", "1234.50"},
                                  {"joined", "2024-01-02T03:04:05Z"},
                                  {"birthday", "1990-05-17"},
                                  {"wakes", "07:30:00"},
                                  {"token", "123e4567-e89b-12d3-a456-426614174000"},
                                  {"prefs", Json{R"({"theme": "dark"})"}},
                                  {"avatar", avatar},
                                  {"notes", "likes engines"},
                                  {"tier", "gold"},
                                  {"code", "AB12"}});
    REQUIRE(ada.size() == 1);
    CHECK(ada.at("id").as_int64() > 0);
    const auto bob = DynamicQuery(db, "customers").insert({{"name", "Bob"}, {"email", "bob@example.com"}, {"joined", parse_timestamp("2023-06-01T00:00:00Z")}});

    const auto rows = DynamicQuery(db, "customers").where("id", "=", ada.at("id")).rows();
    REQUIRE(rows.size() == 1);
    CHECK(rows.columns.size() == 16);
    CHECK(rows.at(0, "name") == Value("Ada"));
    CHECK(rows.at(0, "age") == Value(36));
    CHECK(rows.at(0, "vip") == Value(false));  // the file's default
    CHECK(std::stod(rows.at(0, "balance").as_decimal().text) == 1234.5);
    CHECK(rows.at(0, "rating") == Value(2.5));
    CHECK(rows.at(0, "joined") == Value(parse_timestamp("2024-01-02T03:04:05Z")));  // column joined_at, named by field
    CHECK(rows.at(0, "birthday") == Value(make_date(1990, 5, 17)));
    CHECK(rows.at(0, "wakes") == Value(make_time(7, 30, 0)));
    CHECK(rows.at(0, "token") == Value(parse_uuid("123e4567-e89b-12d3-a456-426614174000")));
    CHECK(nlohmann::json::parse(rows.at(0, "prefs").as_json().text) == nlohmann::json{{"theme", "dark"}});
    CHECK(rows.at(0, "avatar") == Value(avatar));
    CHECK(rows.at(0, "notes") == Value("likes engines"));
    CHECK(rows.at(0, "tier") == Value("gold"));

    // Aliased columns in SQL, and filters / ordering on them.
    const auto by_join = DynamicQuery(db, "customers").select({"name", "joined"}).where("joined", ">", "2024-01-01T00:00:00Z");
    CHECK(by_join.to_sql().sql.find(d.quote_identifier("joined_at") + " AS " + d.quote_identifier("joined")) != std::string::npos);
    const auto joined = by_join.rows();
    REQUIRE(joined.size() == 1);
    CHECK(joined.columns[1].name == "joined");
    CHECK(joined.at(0, "name") == Value("Ada"));
    CHECK(People::names_of(DynamicQuery(db, "customers").order_by("joined", rex::descending)) == Names{"Ada", "Bob"});
    CHECK(DynamicQuery(db, "customers").where("wakes", "is null").count() == 1);
    CHECK(DynamicQuery(db, "customers").where("id", "=", bob.at("id")).update({{"wakes", make_time(6, 0, 0)}, {"tier", "basic"}}) == 1);
    CHECK(DynamicQuery(db, "customers").where("wakes", "<", "06:30:00").count() == 1);
    CHECK(DynamicQuery(db, "customers").where("token", "=", "123e4567-e89b-12d3-a456-426614174000").count() == 1);

    // The file's validation rules are checked, every failure at once.
    CHECK(message_of<ValidationError>([&] {
              DynamicQuery(db, "customers").insert({{"name", "Cy"}, {"email", "not-an-address"}, {"tier", "platinum"}, {"code", "ab"}});
          }) == "customers is not valid: email must be an email address (email); tier must be one of: basic, gold (one_of); code must match "
                "[A-Z]{2}[0-9]+ (pattern)");
    CHECK(message_of<InvalidValue>([&] { DynamicQuery(db, "customers").insert({{"name", "Cy"}}); }) ==
          "customers: insert needs a value for email (not nullable, no default, not generated)");

    // A primary key that is not generated comes back as given.
    CHECK(DynamicQuery(db, "products").insert({{"sku", "X-1"}, {"title", "Lamp"}, {"price", 19.99}}) == FieldValues{{"sku", Value("X-1")}});
    CHECK(DynamicQuery(db, "products").where("price", "<", "20").count() == 1);
    CHECK(DynamicQuery(db, "customers").where("id", "=", bob.at("id")).remove() == 1);
    CHECK(DynamicQuery(db, "customers").count() == 1);
}
