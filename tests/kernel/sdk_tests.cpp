// SDK plain types: values, text forms, URLs, errors.
#include <rex/sdk/error.hpp>
#include <rex/sdk/json_text.hpp>
#include <rex/sdk/result.hpp>
#include <rex/sdk/url.hpp>
#include <rex/sdk/value.hpp>

#include <catch2/catch.hpp>

#include <limits>

TEST_CASE("values keep their kind", "[sdk][value]") {
    CHECK(rex::Value().is_null());
    CHECK(rex::Value(nullptr).kind() == rex::ValueKind::null);
    CHECK(rex::Value(true).kind() == rex::ValueKind::boolean);
    CHECK(rex::Value(42).as_int64() == 42);
    CHECK(rex::Value(std::numeric_limits<std::int64_t>::min()).as_int64() == std::numeric_limits<std::int64_t>::min());
    CHECK(rex::Value(1.5).as_double() == 1.5);
    CHECK(rex::Value("text").kind() == rex::ValueKind::text);
    CHECK(rex::Value(std::string_view("sv")).as_text() == "sv");
    CHECK(rex::Value(rex::Bytes{}).kind() == rex::ValueKind::bytes);
    CHECK(rex::Value(std::optional<int>()).is_null());
    CHECK(rex::Value(std::optional<int>(3)).as_int64() == 3);
    CHECK_THROWS_WITH(rex::Value("x").as_int64(), "value is text, expected int64");
    CHECK_THROWS_AS(rex::Value().as_text(), rex::InvalidValue);
}

TEST_CASE("dates, times and timestamps have ISO text forms", "[sdk][value]") {
    CHECK(rex::parse_date("1970-01-01").days == 0);
    CHECK(rex::parse_date("2000-03-01").days == 11017);
    CHECK(rex::format_date(rex::parse_date("1969-12-31")) == "1969-12-31");
    CHECK(rex::format_date(rex::make_date(2024, 2, 29)) == "2024-02-29");
    CHECK_THROWS_AS(rex::parse_date("2023-02-29"), rex::InvalidValue);
    CHECK_THROWS_AS(rex::make_date(2023, 13, 1), rex::InvalidValue);

    CHECK(rex::format_time(rex::parse_time("23:59:59.123456")) == "23:59:59.123456");
    CHECK(rex::format_time(rex::make_time(7, 5, 0, 500000)) == "07:05:00.5");
    CHECK_THROWS_AS(rex::parse_time("24:00:00"), rex::InvalidValue);

    const auto ts = rex::parse_timestamp("2024-01-31T12:00:00.25Z");
    CHECK(rex::format_timestamp(ts) == "2024-01-31T12:00:00.25Z");
    CHECK(rex::parse_timestamp("2024-01-31 14:00:00.25+02:00") == ts);
    CHECK(rex::parse_timestamp("2024-01-31T07:00:00.25-0500") == ts);
    CHECK(rex::parse_timestamp("2024-01-31 12:00:00.25") == ts);
    CHECK(rex::format_timestamp(rex::Timestamp{-1}) == "1969-12-31T23:59:59.999999Z");
    CHECK_THROWS_WITH(rex::parse_timestamp("yesterday"), "invalid timestamp 'yesterday'");
}

TEST_CASE("uuids parse and format in canonical form", "[sdk][value]") {
    const auto u = rex::parse_uuid("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11");
    CHECK(rex::format_uuid(u) == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    CHECK(rex::parse_uuid("{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}") == u);
    CHECK_THROWS_AS(rex::parse_uuid("a0eebc99"), rex::InvalidValue);
}

TEST_CASE("values display readably", "[sdk][value]") {
    CHECK(rex::Value().to_display() == "NULL");
    CHECK(rex::Value(rex::Bytes{0x0a, 0xff}).to_display() == "\\x0aff");
    CHECK(rex::Value(rex::make_date(2020, 1, 2)).to_display() == "2020-01-02");
    CHECK(rex::Value(0.1).to_display() == "0.1");
    CHECK(rex::Value(rex::Json{"{\"a\":1}"}).to_display() == "{\"a\":1}");
}

TEST_CASE("URLs parse into parts and never show passwords", "[sdk][url]") {
    const auto url = rex::parse_url("postgres://app:s%40cret@db.example:5433/shop?sslmode=require&application_name=x");
    CHECK(url.scheme == "postgres");
    CHECK(url.user == "app");
    CHECK(url.password == "s@cret");
    CHECK(url.host == "db.example");
    CHECK(url.port == 5433);
    CHECK(url.path == "/shop");
    CHECK(url.option("sslmode") == "require");
    CHECK(url.redacted() == "postgres://app:***@db.example:5433/shop?application_name=x&sslmode=require");
    CHECK(rex::redact_url("mysql://u:pw@h/db") == "mysql://u:***@h/db");
    CHECK(rex::redact_url("postgres://h/db?password=pw&x=1") == "postgres://h/db?password=***&x=1");

    const auto v6 = rex::parse_url("postgresql://[::1]:6000/db");
    CHECK(v6.host == "::1");
    CHECK(v6.port == 6000);

    const auto memory = rex::parse_url("sqlite::memory:");
    CHECK(memory.scheme == "sqlite");
    CHECK(memory.path == ":memory:");
    CHECK_FALSE(memory.has_authority);
    CHECK(rex::parse_url("sqlite:///tmp/a.db?busy_timeout=10").path == "/tmp/a.db");
    CHECK(rex::url_scheme("SQLite:x.db") == "sqlite");
}

TEST_CASE("malformed URLs get one clear line", "[sdk][url]") {
    CHECK_THROWS_WITH(rex::parse_url("localhost/db"),
                      "invalid database URL 'localhost/db': missing scheme (expected e.g. sqlite:, postgres://)");
    CHECK_THROWS_WITH(rex::parse_url("postgres://u:pw@h:99999/db"),
                      "invalid database URL 'postgres://u:***@h:99999/db': port '99999' is not a number from 1 to 65535");
    CHECK_THROWS_AS(rex::parse_url("postgres://h/db%zz"), rex::ConfigurationError);
}

TEST_CASE("raise throws the class of the category, carrying code and SQL", "[sdk][error]") {
    try {
        rex::raise({rex::ErrorCategory::unique_violation, "duplicate key", "23505", "INSERT INTO t VALUES ($1)"});
        FAIL("raise returned");
    } catch (const rex::ConstraintViolation& e) {
        CHECK(dynamic_cast<const rex::UniqueViolation*>(&e) != nullptr);
        CHECK(e.category() == rex::ErrorCategory::unique_violation);
        CHECK(e.native_code() == "23505");
        CHECK(e.sql() == "INSERT INTO t VALUES ($1)");
        CHECK_FALSE(e.is_retryable());
    }
    CHECK_THROWS_AS(rex::raise({rex::ErrorCategory::deadlock, "d", "40P01", ""}), rex::DeadlockDetected);
    CHECK_THROWS_AS(rex::raise({rex::ErrorCategory::serialization_failure, "s", "40001", ""}), rex::TransactionConflict);
    CHECK_THROWS_AS(rex::raise({rex::ErrorCategory::pool_exhausted, "p", "", ""}), rex::PoolExhausted);
    CHECK_THROWS_AS(rex::raise({rex::ErrorCategory::plugin_load, "p", "", ""}), rex::PluginLoadError);
    CHECK(rex::to_string(rex::ErrorCategory::foreign_key_violation) == "foreign key violation");
}

namespace {

// A cursor of a third-party adapter that implements only what it must: read_row's default goes
// through value() and text().
class RowsCursor final : public rex::Cursor {
public:
    explicit RowsCursor(std::vector<rex::Row> rows) : rows_(std::move(rows)) {}
    const std::vector<rex::Column>& columns() const override { return columns_; }
    bool next() override { return ++row_ < rows_.size(); }
    rex::Value value(std::size_t column) const override { return rows_.at(row_).at(column); }
    std::string_view text(std::size_t column) const override {
        const auto& v = rows_.at(row_).at(column);
        return v.kind() == rex::ValueKind::text ? std::string_view(v.as_text()) : std::string_view();
    }
    std::int64_t affected_rows() const override { return 0; }

private:
    std::vector<rex::Column> columns_;
    std::vector<rex::Row> rows_;
    std::size_t row_ = static_cast<std::size_t>(-1);
};

}  // namespace

TEST_CASE("read_row's default decodes through the typed getters", "[sdk][cursor]") {
    RowsCursor cursor({{rex::Value(5), rex::Value("five"), rex::Value(2.5), rex::Value(), rex::Value("x"), rex::Value(true)}});
    REQUIRE(cursor.next());
    const std::vector<rex::ValueKind> kinds{rex::ValueKind::int64, rex::ValueKind::text,  rex::ValueKind::float64,
                                            rex::ValueKind::int64, rex::ValueKind::int64, rex::ValueKind::boolean};
    std::vector<rex::Cell> cells(kinds.size());
    cursor.read_row(kinds, cells);
    CHECK(cells[0].state == rex::CellState::ready);
    CHECK(cells[0].integer == 5);
    CHECK(cells[1].state == rex::CellState::ready);
    CHECK(cells[1].text == "five");
    CHECK(cells[2].state == rex::CellState::ready);
    CHECK(cells[2].real == 2.5);
    CHECK(cells[3].state == rex::CellState::null);
    CHECK(cells[4].state == rex::CellState::fallback);  // "x" is no integer: value() has it
    CHECK(cells[5].state == rex::CellState::fallback);  // booleans are not decoded
}

TEST_CASE("values render as JSON text from the SDK", "[sdk][json]") {
    using rex::Value;
    using rex::value_to_json;
    CHECK(value_to_json(Value()) == "null");
    CHECK(value_to_json(Value(true)) == "true");
    CHECK(value_to_json(Value(std::numeric_limits<std::int64_t>::min())) == "-9223372036854775808");
    CHECK(value_to_json(Value(0.1)) == "0.1");
    CHECK(value_to_json(Value(std::numeric_limits<double>::infinity())) == "\"Infinity\"");
    CHECK(value_to_json(Value("a\"b\\c\n\x01 é")) == "\"a\\\"b\\\\c\\n\\u0001 é\"");
    CHECK(value_to_json(Value(std::string("\xff\x41"))) == "\"\\\\xff41\"");  // not UTF-8: shown as bytes
    CHECK(value_to_json(Value(std::string("\xed\xa0\x80"))) == "\"\\\\xeda080\"");  // a UTF-8 encoded surrogate
    CHECK(value_to_json(Value(rex::Decimal{"12.50"})) == "\"12.50\"");
    CHECK(value_to_json(Value(rex::parse_date("2024-02-29"))) == "\"2024-02-29\"");
    CHECK(value_to_json(Value(rex::Bytes{0x00, 0xab})) == "\"\\\\x00ab\"");
    CHECK(rex::object_to_json({{"id", Value(7)}, {"name", Value("Ada")}}) == R"({"id":7,"name":"Ada"})");
}

TEST_CASE("embedded JSON documents are checked and compacted without a JSON library", "[sdk][json]") {
    using rex::Json;
    using rex::Value;
    auto render = [](const std::string& text) { return rex::value_to_json(Value(Json{text})); };
    CHECK(render(R"( { "a" : [1, -2.5e+3, true, null, {}, [] ], "b\u00e9" : "x y\"" } )") ==
          R"({"a":[1,-2.5e+3,true,null,{},[]],"b\u00e9":"x y\""})");
    CHECK(render("42") == "42");
    CHECK(render("\"s\"") == "\"s\"");
    // Not JSON: embedded as a string instead.
    for (const std::string bad : {"{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "[1] x", "{\"a\":1,}", "\"\x01\"", "\"\\q\"",
                                  "{1:2}", "", "[}", "\"\xff\""}) {
        INFO(bad);
        std::string out;
        CHECK_FALSE(rex::append_json_document(out, bad));
        CHECK(out.empty());
    }
    CHECK(render("[1,]") == "\"[1,]\"");
    // Deep nesting needs no stack.
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    std::string out;
    CHECK(rex::append_json_document(out, deep));
    CHECK(out == deep);
}
