// Every logical type stored through bound parameters and read back typed.
#include "context.hpp"

#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <random>

using namespace rex;
using namespace rex::conformance;

namespace {

struct TypedColumn {
    const char* name;
    LogicalType type;
    ColumnType spec() const {
        ColumnType t{type};
        if (type == LogicalType::string) t.length = 200;
        if (type == LogicalType::decimal) {
            t.precision = 18;
            t.scale = 3;
        }
        return t;
    }
};

const std::vector<TypedColumn> all_types{
    {"c_bool", LogicalType::boolean},  {"c_int32", LogicalType::int32},   {"c_int64", LogicalType::int64},
    {"c_float", LogicalType::float64}, {"c_decimal", LogicalType::decimal}, {"c_string", LogicalType::string},
    {"c_text", LogicalType::text},     {"c_bytes", LogicalType::bytes},   {"c_date", LogicalType::date},
    {"c_time", LogicalType::time},     {"c_ts", LogicalType::timestamp},  {"c_uuid", LogicalType::uuid},
    {"c_json", LogicalType::json},
};

// A table with one column of the given logical type, plus an integer key.
std::string one_column_table(Connection& c, const std::string& stem, const ColumnType& type) {
    const auto name = table(stem);
    drop_table(c, name);
    c.execute("CREATE TABLE " + dialect().quote_identifier(name) + " (k INTEGER PRIMARY KEY, v " + dialect().column_type(type) + ")");
    return name;
}

Value round_trip(Connection& c, const std::string& name, int key, const Value& value) {
    const auto q = dialect().quote_identifier(name);
    c.execute(sql("INSERT INTO " + q + " (k, v) VALUES (?, ?)"), {Value(key), value});
    const auto r = c.execute(sql("SELECT v FROM " + q + " WHERE k = ?"), {Value(key)});
    REQUIRE(r.rows.size() == 1);
    return r.rows[0][0];
}

double decimal_value(const Value& v) { return std::stod(v.as_decimal().text); }

}  // namespace

TEST_CASE("every logical type round-trips, and NULL in every column", "[conformance][types]") {
    if (!available()) return;
    auto c = connect();
    const auto name = table("types");
    drop_table(*c, name);
    std::string ddl = "CREATE TABLE " + dialect().quote_identifier(name) + " (k INTEGER PRIMARY KEY";
    std::string columns = "k", marks = "?";
    for (const auto& t : all_types) {
        ddl += std::string(", ") + t.name + " " + dialect().column_type(t.spec());
        columns += std::string(", ") + t.name;
        marks += ", ?";
    }
    c->execute(ddl + ")");

    const auto uuid = parse_uuid("6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b");
    const Params values{Value(1),
                        Value(true),
                        Value(std::int32_t{-2147483647 - 1}),
                        Value(std::numeric_limits<std::int64_t>::max()),
                        Value(-2.5e-3),
                        Value(Decimal{"12345.678"}),
                        Value("varchar ✓"),
                        Value(std::string(5000, 't')),
                        Value(Bytes{0, 1, 2, 0xfe, 0xff}),
                        Value(make_date(2024, 2, 29)),
                        Value(make_time(23, 59, 58, 123456)),
                        Value(parse_timestamp("2024-03-10T01:02:03.456789Z")),
                        Value(uuid),
                        Value(Json{R"({"a": [1, 2, {"b": null}], "c": "ü"})"})};
    const auto q = dialect().quote_identifier(name);
    c->execute(sql("INSERT INTO " + q + " (" + columns + ") VALUES (" + marks + ")"), values);
    Params nulls{Value(2)};
    nulls.resize(values.size());
    c->execute(sql("INSERT INTO " + q + " (" + columns + ") VALUES (" + marks + ")"), nulls);

    const auto r = c->execute("SELECT " + columns + " FROM " + q + " ORDER BY k");
    REQUIRE(r.rows.size() == 2);
    const auto& row = r.rows[0];
    CHECK(row[1] == Value(true));
    CHECK(row[2] == Value(std::int64_t{-2147483647 - 1}));
    CHECK(row[3] == Value(std::numeric_limits<std::int64_t>::max()));
    CHECK(row[4] == Value(-2.5e-3));
    CHECK(decimal_value(row[5]) == Approx(12345.678));
    CHECK(row[6] == Value("varchar ✓"));
    CHECK(row[7] == values[7]);
    CHECK(row[8] == values[8]);
    CHECK(row[9] == values[9]);
    CHECK(row[10] == values[10]);
    CHECK(row[11] == values[11]);
    CHECK(row[12] == Value(uuid));
    REQUIRE(row[13].kind() == ValueKind::json);
    CHECK(nlohmann::json::parse(row[13].as_json().text) == nlohmann::json::parse(values[13].as_json().text));

    for (std::size_t i = 1; i < r.columns.size(); ++i) {
        INFO(r.columns[i].name);
        CHECK(r.rows[1][i].is_null());
    }
    // Declared kinds are reported per column.
    CHECK(r.columns[3].kind == ValueKind::int64);
    CHECK(r.columns[11].kind == ValueKind::timestamp);
    drop_table(*c, name);
}

TEST_CASE("integers at the int64 extremes", "[conformance][types]") {
    if (!available()) return;
    auto c = connect();
    const auto name = one_column_table(*c, "int64", {LogicalType::int64});
    int k = 0;
    for (std::int64_t v : {std::numeric_limits<std::int64_t>::min(), std::int64_t{-1}, std::int64_t{0},
                           std::numeric_limits<std::int64_t>::max()}) {
        INFO(v);
        CHECK(round_trip(*c, name, ++k, Value(v)) == Value(v));
    }
    drop_table(*c, name);
}

TEST_CASE("floating point edge values", "[conformance][types]") {
    if (!available()) return;
    auto c = connect();
    const auto name = one_column_table(*c, "float", {LogicalType::float64});
    int k = 0;
    for (double v : {0.0, 1.0 / 3.0, -1e-300, 1e300, std::numeric_limits<double>::max(),
                     std::numeric_limits<double>::lowest(), std::numeric_limits<double>::min(),
                     std::numeric_limits<double>::epsilon()}) {
        INFO(v);
        CHECK(round_trip(*c, name, ++k, Value(v)).as_double() == v);
    }
    if (backend().float_nan_inf) {
        CHECK(std::isnan(round_trip(*c, name, ++k, Value(std::nan(""))).as_double()));
        CHECK(round_trip(*c, name, ++k, Value(std::numeric_limits<double>::infinity())).as_double() ==
              std::numeric_limits<double>::infinity());
        CHECK(round_trip(*c, name, ++k, Value(-std::numeric_limits<double>::infinity())).as_double() ==
              -std::numeric_limits<double>::infinity());
    }
    drop_table(*c, name);
}

TEST_CASE("a statement run again reads each run's values as they are, whatever kind the first run bound", "[conformance][types]") {
    if (!available()) return;
    auto c = connect();
    const auto name = one_column_table(*c, "kinds", {LogicalType::float64});
    // One INSERT text, first run with an integer, then with a fraction and a NULL.
    CHECK(round_trip(*c, name, 1, Value(1)).as_double() == 1.0);
    CHECK(round_trip(*c, name, 2, Value(2.5)).as_double() == 2.5);
    CHECK(round_trip(*c, name, 3, Value()).is_null());
    CHECK(round_trip(*c, name, 4, Value(10)).as_double() == 10.0);
    // One comparison, run with an integer, a fraction, a NULL, numeric text and an integer again.
    const auto count = sql("SELECT COUNT(*) FROM " + dialect().quote_identifier(name) + " WHERE v > ?");
    auto above = [&](const Value& v) { return c->execute(count, {v}).rows.at(0).at(0).as_int64(); };
    CHECK(above(Value(2)) == 2);
    CHECK(above(Value(2.25)) == 2);
    CHECK(above(Value(2.5)) == 1);
    CHECK(above(Value()) == 0);
    CHECK(above(Value("0.5")) == 3);
    CHECK(above(Value(1)) == 2);
    // A batch in a transaction (PostgreSQL: one pipeline, prepared once) whose rows mix kinds.
    const auto insert = sql("INSERT INTO " + dialect().quote_identifier(name) + " (k, v) VALUES (?, ?)");
    const std::vector<Value> rows{Value(5), Value(3), Value(6), Value(), Value(7), Value(3.5), Value(8), Value("4.5")};
    c->begin();
    const auto outcomes = c->execute_batch(insert, {rows, 2});
    c->commit();
    CHECK(outcomes.size() == 4);
    CHECK(above(Value(3)) == 3);  // 3.5, 4.5 and 10
    CHECK(above(Value(2.75)) == 4);
    drop_table(*c, name);
}

TEST_CASE("unicode text including 4-byte UTF-8", "[conformance][types]") {
    if (!available()) return;
    auto c = connect();
    const auto name = one_column_table(*c, "unicode", {LogicalType::text});
    int k = 0;
    for (const char* s : {"", "plain ascii", "Zoë Ångström ñ", "日本語のテキスト", "emoji 🎉👩‍💻 and 𝄞 music",
                          "mixed: a\u00e9\u4e2d\U0001F600z"}) {
        INFO(s);
        CHECK(round_trip(*c, name, ++k, Value(s)) == Value(s));
    }
    drop_table(*c, name);
}

TEST_CASE("hostile strings are stored unchanged: values are never spliced into SQL", "[conformance][types][security]") {
    if (!available()) return;
    auto c = connect();
    const auto name = one_column_table(*c, "hostile", {LogicalType::text});
    std::vector<std::string> hostile{"'", "''", "\"", "`", "\\", "\\'", "'; DROP TABLE " + name + "; --",
                                     "/* comment */", "-- comment", "a'b\"c`d", "$1", "?", "%s %d", "\r\n\t",
                                     "' OR '1'='1", "Robert'); DROP TABLE Students;--"};
    if (backend().text_keeps_nul) hostile.push_back(std::string("nul\0inside", 10));
    int k = 0;
    for (const auto& s : hostile) {
        INFO(s);
        CHECK(round_trip(*c, name, ++k, Value(s)) == Value(s));
    }
    // Comparisons bind too: the injection attempt matches nothing.
    const auto r = c->execute(sql("SELECT COUNT(*) FROM " + dialect().quote_identifier(name) + " WHERE v = ?"),
                              {Value("' OR '1'='1")});
    CHECK(r.rows[0][0].as_int64() == 1);
    drop_table(*c, name);
}

TEST_CASE("text with NUL bytes is stored whole or refused naming the parameter, never cut", "[conformance][types]") {
    if (!available()) return;
    auto c = connect();
    const std::string nul("a\0b\0c", 5);
    for (const auto& type : {ColumnType{LogicalType::text}, ColumnType{LogicalType::string, 20}}) {
        const auto name = one_column_table(*c, "nul", type);
        const auto q = dialect().quote_identifier(name);
        const auto insert = sql("INSERT INTO " + q + " (k, v) VALUES (?, ?)");
        if (backend().text_keeps_nul) {
            CHECK(round_trip(*c, name, 1, Value(nul)) == Value(nul));
        } else {
            CHECK_THROWS_WITH(c->execute(insert, {Value(1), Value(nul)}),
                              Catch::Contains("parameter $2 holds a NUL byte (at offset 1)"));
            CHECK_THROWS_AS(c->execute(insert, {Value(1), Value(nul)}), InvalidValue);
            // In a batch inside a transaction (PostgreSQL pipelines it): the row is named, the rows
            // sent before it ran, and the connection goes on.
            const Params rows{Value(1), Value("fine"), Value(2), Value(nul), Value(3), Value("never sent")};
            c->begin({});
            CHECK_THROWS_WITH(c->execute_batch(insert, {rows, 2}), Catch::StartsWith("parameter row 1: postgres: parameter $2"));
            CHECK(c->execute("SELECT COUNT(*) FROM " + q).rows[0][0].as_int64() == 1);
            c->rollback();
        }
        // Bytes keep every byte on every database.
        const auto bytes = one_column_table(*c, "nul_bytes", {LogicalType::bytes});
        const Bytes raw{'a', 0, 'b', 0, 'c'};
        CHECK(round_trip(*c, bytes, 1, Value(raw)) == Value(raw));
        drop_table(*c, bytes);
        CHECK(c->execute("SELECT COUNT(*) FROM " + q).rows[0][0].as_int64() == (backend().text_keeps_nul ? 1 : 0));
        drop_table(*c, name);
    }
}

TEST_CASE("empty and 1 MiB blobs", "[conformance][types]") {
    if (!available()) return;
    auto c = connect();
    const auto name = one_column_table(*c, "blobs", {LogicalType::bytes});
    std::mt19937 random(42);
    Bytes big(1 << 20);
    for (auto& b : big) b = static_cast<std::uint8_t>(random());
    CHECK(round_trip(*c, name, 1, Value(Bytes{})) == Value(Bytes{}));
    CHECK(round_trip(*c, name, 2, Value(big)) == Value(big));
    CHECK(round_trip(*c, name, 3, Value(Bytes{0, 0, 0})) == Value(Bytes{0, 0, 0}));
    drop_table(*c, name);
}

TEST_CASE("timestamps are normalised to UTC", "[conformance][types]") {
    if (!available()) return;
    auto c = connect();
    const auto name = one_column_table(*c, "ts", {LogicalType::timestamp});
    // The same instant written with different offsets reads back as one UTC value.
    const auto utc = parse_timestamp("2024-06-30T22:30:00Z");
    CHECK(round_trip(*c, name, 1, Value(parse_timestamp("2024-07-01T00:30:00+02:00"))) == Value(utc));
    CHECK(round_trip(*c, name, 2, Value(parse_timestamp("2024-06-30T17:30:00-05:00"))) == Value(utc));
    CHECK(round_trip(*c, name, 3, Value(parse_timestamp("1970-01-01T00:00:00Z"))) == Value(Timestamp{0}));
    CHECK(round_trip(*c, name, 4, Value(parse_timestamp("2038-01-19T03:14:08.5Z"))) ==
          Value(parse_timestamp("2038-01-19T03:14:08.5Z")));
    drop_table(*c, name);
}
