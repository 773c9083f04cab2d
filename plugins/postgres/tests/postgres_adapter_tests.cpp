// What only the PostgreSQL adapter has: LISTEN/NOTIFY, serialization failures under
// SERIALIZABLE, unnamed statements for PgBouncer, URL options.
#include <rex/kernel.hpp>
#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <thread>

using namespace rex;
using namespace std::chrono_literals;

namespace {

Kernel& kernel() {
    static Kernel k(LogLevel::off);
    static const bool loaded = [] {
        k.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR) / "rex-postgres.so");
        return true;
    }();
    (void)loaded;
    return k;
}

std::string url(const char* variable = "REX_TEST_POSTGRES_URL") {
    if (const char* u = std::getenv(variable); u && *u) return u;
    if (const char* r = std::getenv("REX_REQUIRE_SERVERS"); r && std::string(r) == "1")
        FAIL(variable << " is not set but REX_REQUIRE_SERVERS=1");
    WARN("skipped: " << variable << " is not set (start servers with tools/test-servers.sh)");
    return {};
}

}  // namespace

TEST_CASE("LISTEN/NOTIFY through the adapter's change feed", "[postgres][changes]") {
    const auto u = url();
    if (u.empty()) return;
    auto listener = kernel().connect(u);
    auto* feed = listener->change_feed();
    REQUIRE(feed);
    CHECK(feed->native_handle() >= 0);
    // A channel of its own: the capture triggers of suites running beside this one notify
    // "rex_changes" on the same database.
    const auto channel = "rex_adapter_test_" + std::to_string(::getpid());
    feed->listen(channel);
    feed->listen("Mixed Case; channel");  // quoted, so any name works and nothing is injected

    CHECK(feed->poll(50ms).empty());
    auto sender = kernel().connect(u);
    sender->execute("SELECT pg_notify($1, $2)", {Value(channel), Value("{\"id\": 1}")});
    sender->execute("SELECT pg_notify($1, $2)", {Value("Mixed Case; channel"), Value("two")});
    std::vector<Notification> got;
    for (int i = 0; i < 20 && got.size() < 2; ++i)
        for (auto& n : feed->poll(200ms)) got.push_back(n);
    REQUIRE(got.size() == 2);
    CHECK(got[0].channel == channel);
    CHECK(got[0].payload == "{\"id\": 1}");
    CHECK(got[1].channel == "Mixed Case; channel");

    // Notifications are delivered on commit only.
    feed->unlisten("Mixed Case; channel");
    sender->begin();
    sender->execute("SELECT pg_notify($1, 'in tx')", {Value(channel)});
    CHECK(feed->poll(100ms).empty());
    sender->commit();
    const auto after = feed->poll(2000ms);
    REQUIRE(after.size() == 1);
    CHECK(after[0].payload == "in tx");
}

TEST_CASE("concurrent SERIALIZABLE transactions fail with a retryable serialization failure", "[postgres]") {
    const auto u = url();
    if (u.empty()) return;
    auto setup = kernel().connect(u);
    setup->execute("DROP TABLE IF EXISTS rex_pg_serial");
    setup->execute("CREATE TABLE rex_pg_serial (k int PRIMARY KEY, v int)");
    setup->execute("INSERT INTO rex_pg_serial VALUES (1, 0), (2, 0)");
    auto a = kernel().connect(u), b = kernel().connect(u);
    a->begin({IsolationLevel::serializable, false});
    b->begin({IsolationLevel::serializable, false});
    // Write skew: each reads what the other writes.
    a->execute("SELECT SUM(v) FROM rex_pg_serial");
    b->execute("SELECT SUM(v) FROM rex_pg_serial");
    a->execute("UPDATE rex_pg_serial SET v = 1 WHERE k = 1");
    b->execute("UPDATE rex_pg_serial SET v = 1 WHERE k = 2");
    a->commit();
    try {
        b->commit();
        FAIL("write skew was allowed under SERIALIZABLE");
    } catch (const SerializationFailure& e) {
        CHECK(e.native_code() == "40001");
        CHECK(e.is_retryable());
    }
    CHECK_FALSE(b->in_transaction());
    setup->execute("DROP TABLE rex_pg_serial");
}

TEST_CASE("prepared_statements=off works through PgBouncer in transaction mode", "[postgres][pgbouncer]") {
    const auto u = url("REX_TEST_PGBOUNCER_URL");
    if (u.empty()) return;
    auto c = kernel().connect(u + "?prepared_statements=off");
    // The same statement many times: with named statements these would collide or vanish as
    // PgBouncer moves the client between server connections.
    for (int i = 0; i < 200; ++i) CHECK(c->execute("SELECT $1::int + 1", {Value(i)}).rows[0][0] == Value(i + 1));
}

TEST_CASE("the statement cache evicts and keeps working", "[postgres]") {
    const auto u = url();
    if (u.empty()) return;
    auto c = kernel().connect(u + "?statement_cache_size=3");
    for (int round = 0; round < 3; ++round)
        for (int i = 0; i < 10; ++i)
            CHECK(c->execute("SELECT $1::int + " + std::to_string(i), {Value(1)}).rows[0][0] == Value(1 + i));
    CHECK(c->execute("SELECT count(*) FROM pg_prepared_statements").rows[0][0] == Value(3));
}

TEST_CASE("a named statement whose result columns changed inside a transaction is prepared anew after it", "[postgres]") {
    // Outside a transaction the run is made again on a new statement (the conformance case
    // "a statement run before and after ALTER TABLE ..."); inside one PostgreSQL's error ends
    // the transaction, and the next run must not meet the stale statement again.
    const auto u = url();
    if (u.empty()) return;
    auto c = kernel().connect(u);
    c->execute("DROP TABLE IF EXISTS rex_pg_shape");
    c->execute("CREATE TABLE rex_pg_shape (id int PRIMARY KEY, a int, b text DEFAULT 'x')");
    c->execute("INSERT INTO rex_pg_shape VALUES (1, 10)");
    const std::string all = "SELECT * FROM rex_pg_shape WHERE id = $1";
    for (int i = 0; i < 2; ++i) CHECK(c->execute(all, {Value(1)}).columns.size() == 3);
    c->begin();
    c->execute("ALTER TABLE rex_pg_shape DROP COLUMN a");
    CHECK_THROWS_WITH(c->execute(all, {Value(1)}), Catch::Contains("cached plan must not change result type"));
    c->rollback();
    c->execute("ALTER TABLE rex_pg_shape DROP COLUMN a");
    for (int i = 0; i < 2; ++i) CHECK(c->execute(all, {Value(1)}).rows.at(0) == Row{Value(1), Value("x")});
    c->execute("DROP TABLE rex_pg_shape");
}

namespace {

// Every type with a binary decoder, with edge values; one row per case.
const char* const typed_rows_sql =
    "SELECT * FROM (VALUES "
    "(1, true, 32767::int2, '-2147483648'::int4, '-9223372036854775808'::int8, 4000000000::oid, 1.1::float4, "
    " 0.1::float8, 12.50::numeric(10,2), 'x'::\"char\", 'a name'::name, 'héllo'::text, 'vc'::varchar(10), "
    " 'pad'::char(5), '\\x00ff10'::bytea, '1969-07-20'::date, '23:59:59.999999'::time, '12:34:56.5+05'::timetz, "
    " '1999-12-31 23:59:59.123456'::timestamp, '2024-02-29 12:00:00+05:30'::timestamptz, "
    " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '{\"a\": [1, 2]}'::json, '{\"b\": null}'::jsonb), "
    "(2, false, -1::int2, 0::int4, 9223372036854775807::int8, 0::oid, 'NaN'::float4, "
    " '-Infinity'::float8, -0.0001::numeric, ' '::\"char\", ''::name, ''::text, ''::varchar(10), "
    " ''::char(5), ''::bytea, '2000-01-01'::date, '00:00:00'::time, '00:00:00-08'::timetz, "
    " '2000-01-01 00:00:00'::timestamp, '1970-01-01 00:00:00+00'::timestamptz, "
    " '00000000-0000-0000-0000-000000000000'::uuid, '[]'::json, '{}'::jsonb), "
    "(3, NULL, NULL, NULL, NULL, NULL, NULL, 1e300::float8, 123456789012345678.000000001::numeric, NULL, NULL, NULL, NULL, "
    " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
    "(4, NULL, NULL, NULL, NULL, NULL, '-3.4e38'::float4, NULL, 'NaN'::numeric, NULL, NULL, NULL, NULL, "
    " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
    "(5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0::numeric, NULL, NULL, NULL, NULL, "
    " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
    "(6, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 10000::numeric(12,3), NULL, NULL, NULL, NULL, "
    " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
    ") AS t(k, b, i2, i4, i8, o, f4, f8, n, c, nm, t, vc, bp, by, d, tm, tz, ts, tstz, u, j, jb) WHERE k >= $1 ORDER BY k";

// Equal values, NaN included.
bool same(const Value& a, const Value& b) {
    if (a.kind() == ValueKind::float64 && b.kind() == ValueKind::float64 && std::isnan(a.as_double())) return std::isnan(b.as_double());
    return a == b;
}

bool same_rows(const std::vector<Row>& a, const std::vector<Row>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t r = 0; r < a.size(); ++r) {
        if (a[r].size() != b[r].size()) return false;
        for (std::size_t c = 0; c < a[r].size(); ++c)
            if (!same(a[r][c], b[r][c])) return false;
    }
    return true;
}

}  // namespace

TEST_CASE("binary results read the same values as text results, type by type", "[postgres][types]") {
    const auto u = url();
    if (u.empty()) return;
    auto text = kernel().connect(u + "?binary_results=off");
    auto binary = kernel().connect(u);
    // A session time zone far from UTC: timestamptz must come back in UTC either way.
    for (auto* c : {text.get(), binary.get()}) c->execute("SET TIME ZONE 'Asia/Kolkata'");
    const auto expected = text->execute(typed_rows_sql, {Value(0)});
    REQUIRE(expected.rows.size() == 6);
    CHECK(same_rows(text->execute(typed_rows_sql, {Value(0)}).rows, expected.rows));  // text stays text
    CHECK(expected.rows[0][19] == Value(parse_timestamp("2024-02-29 06:30:00")));
    CHECK(expected.rows[0][6] == Value(1.1));  // float4 as its shortest decimal

    // The first run of a statement tells its columns (text); the runs after it read binary.
    for (int run = 0; run < 3; ++run) {
        auto cursor = binary->query(typed_rows_sql, {Value(0)});
        const bool is_binary = run > 0;
        std::size_t r = 0;
        while (cursor->next()) {
            REQUIRE(r < expected.rows.size());
            const auto& want = expected.rows[r];
            for (std::size_t c = 0; c < want.size(); ++c) {
                INFO("run " << run << ", row " << r << ", column " << expected.columns[c].name);
                const auto got = cursor->value(c);
                CHECK(same(got, want[c]));
                CHECK(cursor->is_null(c) == want[c].is_null());
                if (want[c].kind() == ValueKind::int64) CHECK(cursor->int64(c) == want[c].as_int64());
                if (want[c].kind() == ValueKind::float64) CHECK(same(Value(cursor->float64(c)), want[c]));
                if (want[c].kind() == ValueKind::text) CHECK(cursor->text(c) == want[c].as_text());
            }
            // read_row decodes the same cells in one call.
            const std::vector<ValueKind> kinds{ValueKind::int64, ValueKind::boolean, ValueKind::int64, ValueKind::int64, ValueKind::int64,
                                               ValueKind::int64, ValueKind::float64, ValueKind::float64, ValueKind::decimal, ValueKind::text,
                                               ValueKind::text, ValueKind::text};
            std::vector<Cell> cells(kinds.size());
            cursor->read_row(kinds, cells);
            for (std::size_t c = 0; c < cells.size(); ++c) {
                INFO("read_row: run " << run << ", row " << r << ", column " << expected.columns[c].name);
                if (want[c].is_null()) {
                    CHECK(cells[c].state == CellState::null);
                } else if (kinds[c] == ValueKind::int64) {
                    REQUIRE(cells[c].state == CellState::ready);
                    CHECK(cells[c].integer == want[c].as_int64());
                } else if (kinds[c] == ValueKind::text) {
                    REQUIRE(cells[c].state == CellState::ready);
                    CHECK(cells[c].text == want[c].as_text());
                } else if (kinds[c] == ValueKind::float64 && cells[c].state == CellState::ready) {
                    CHECK((cells[c].real == want[c].as_double() || std::isnan(want[c].as_double())));
                }
            }
            // bytea's text() is the server's hex escape in text results and the bytes themselves in binary ones.
            if (r == 0) CHECK(cursor->text(14) == (is_binary ? std::string("\x00\xff\x10", 3) : std::string("\\x00ff10")));
            ++r;
        }
        CHECK(r == expected.rows.size());
    }
    // Numbers in the text of binary cells, for callers that ask text() of any column.
    auto cursor = binary->query(typed_rows_sql, {Value(0)});
    REQUIRE(cursor->next());
    CHECK(cursor->text(4) == "-9223372036854775808");
    CHECK(cursor->text(8) == "12.50");

    // A statement with a column of a type without a binary decoder stays in text.
    for (int run = 0; run < 2; ++run) {
        const auto r = binary->execute("SELECT ARRAY[1, 2] AS a, interval '1 day' AS i, $1::int8 AS n", {Value(7)});
        CHECK(r.rows.at(0).at(0) == Value("{1,2}"));
        CHECK(r.rows.at(0).at(1) == Value("1 day"));
        CHECK(r.rows.at(0).at(2) == Value(7));
    }
    CHECK_THROWS_WITH(kernel().connect(u + "?binary_results=maybe"), Catch::Contains("binary_results=maybe must be on or off"));

    // Infinite dates and timestamps have no Rex value: the same clear error in either format.
    for (int run = 0; run < 3; ++run) {
        CHECK_THROWS_WITH(binary->execute("SELECT 'infinity'::timestamptz AS t, $1::int8 AS n", {Value(1)}),
                          Catch::Contains("an infinite timestamp has no Rex value"));
        CHECK_THROWS_WITH(binary->execute("SELECT '-infinity'::date AS d, $1::int8 AS n", {Value(1)}),
                          Catch::Contains("an infinite date has no Rex value"));
    }
}

TEST_CASE("postgres URL problems are one-line configuration or connection errors", "[postgres]") {
    CHECK_THROWS_WITH(kernel().connect("postgres://u:pw@h/db?sslmod=require"),
                      Catch::StartsWith("invalid postgres URL 'postgres://u:***@h/db?sslmod=require': unknown option 'sslmod'"));
    CHECK_THROWS_WITH(kernel().connect("postgres://u:pw@h/db?prepared_statements=maybe"),
                      Catch::Contains("prepared_statements=maybe must be on or off"));
    try {
        kernel().connect("postgres://rex:not-the-password@127.0.0.1:1/db?connect_timeout=2");
        FAIL("connected to port 1");
    } catch (const ConnectionError& e) {
        CHECK_THAT(e.what(), Catch::StartsWith("postgres: cannot connect to postgres://rex:***@127.0.0.1:1/db"));
        CHECK(std::string(e.what()).find("not-the-password") == std::string::npos);
    }
}

namespace {

// A logger that fails on every line, as one whose disk is full might.
struct ThrowingLogger final : Logger {
    bool enabled(LogLevel) const noexcept override { return true; }
    void write(LogLevel, std::string_view, std::string_view) override { throw std::runtime_error("log is full"); }
};

}  // namespace

TEST_CASE("a logger that throws on a server notice does not unwind through libpq", "[postgres]") {
    const auto u = url();
    if (u.empty()) return;
    Kernel k(LogLevel::off);
    k.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR) / "rex-postgres.so");
    k.set_logger(std::make_shared<ThrowingLogger>());
    auto c = k.connect(u);
    // DROP ... IF EXISTS of a missing table sends a notice, which goes to the logger.
    CHECK_NOTHROW(c->execute("DROP TABLE IF EXISTS rex_no_such_table_for_notice"));
    CHECK(c->execute("SELECT $1::int8 + 1", {Value(41)}).rows[0][0] == Value(42));
}
