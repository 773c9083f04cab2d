// What only the MySQL adapter has: implicit DDL commits, upserts, utf8mb4, URL options.
#include <rex/kernel.hpp>
#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

using namespace rex;

namespace {

Kernel& kernel() {
    static Kernel k(LogLevel::off);
    static const bool loaded = [] {
        k.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR) / "rex-mysql.so");
        return true;
    }();
    (void)loaded;
    return k;
}

std::string url() {
    if (const char* u = std::getenv("REX_TEST_MYSQL_URL"); u && *u) return u;
    if (const char* r = std::getenv("REX_REQUIRE_SERVERS"); r && std::string(r) == "1")
        FAIL("REX_TEST_MYSQL_URL is not set but REX_REQUIRE_SERVERS=1");
    WARN("skipped: REX_TEST_MYSQL_URL is not set (start servers with tools/test-servers.sh)");
    return {};
}

}  // namespace

TEST_CASE("the session is UTC, strict and utf8mb4", "[mysql]") {
    const auto u = url();
    if (u.empty()) return;
    auto c = kernel().connect(u);
    const auto r = c->execute("SELECT @@session.time_zone, @@session.sql_mode, @@character_set_connection");
    CHECK(r.rows[0][0] == Value("+00:00"));
    CHECK_THAT(r.rows[0][1].as_text(), Catch::Contains("STRICT_ALL_TABLES"));
    CHECK(r.rows[0][2] == Value("utf8mb4"));
    CHECK_THAT(c->server_version(), Catch::Contains("MariaDB") || Catch::Matches("[0-9]+\\..*"));
}

TEST_CASE("strict mode turns truncation into an error", "[mysql]") {
    const auto u = url();
    if (u.empty()) return;
    auto c = kernel().connect(u);
    c->execute("DROP TABLE IF EXISTS rex_my_strict");
    c->execute("CREATE TABLE rex_my_strict (s VARCHAR(3), n TINYINT)");
    CHECK_THROWS_AS(c->execute("INSERT INTO rex_my_strict (s) VALUES (?)", {Value("toolong")}), InvalidValue);
    CHECK_THROWS_AS(c->execute("INSERT INTO rex_my_strict (n) VALUES (?)", {Value(1000)}), InvalidValue);
    c->execute("DROP TABLE rex_my_strict");
}

TEST_CASE("the upsert clause of the dialect runs as ON DUPLICATE KEY UPDATE", "[mysql]") {
    const auto u = url();
    if (u.empty()) return;
    auto c = kernel().connect(u);
    const auto d = kernel().dialect("mysql");
    c->execute("DROP TABLE IF EXISTS rex_my_upsert");
    c->execute("CREATE TABLE rex_my_upsert (k INT PRIMARY KEY, v VARCHAR(10))");
    const std::string insert = "INSERT INTO rex_my_upsert (k, v) VALUES (?, ?)" + d->upsert_clause({{"k"}, {"v"}});
    c->execute(insert, {Value(1), Value("a")});
    c->execute(insert, {Value(1), Value("b")});
    const auto r = c->execute("SELECT k, v FROM rex_my_upsert");
    REQUIRE(r.rows.size() == 1);
    CHECK(r.rows[0][1] == Value("b"));
    c->execute("DROP TABLE rex_my_upsert");
}

TEST_CASE("DDL commits the open transaction implicitly, as the dialect says", "[mysql]") {
    const auto u = url();
    if (u.empty()) return;
    CHECK_FALSE(kernel().dialect("mysql")->features().transactional_ddl);
    auto c = kernel().connect(u);
    c->execute("DROP TABLE IF EXISTS rex_my_ddl");
    c->execute("CREATE TABLE rex_my_ddl (k INT)");
    c->begin();
    c->execute("INSERT INTO rex_my_ddl VALUES (1)");
    c->execute("CREATE TABLE IF NOT EXISTS rex_my_ddl2 (k INT)");
    CHECK_FALSE(c->in_transaction());  // the CREATE committed the INSERT
    c->execute("DROP TABLE rex_my_ddl2");
    CHECK(c->execute("SELECT COUNT(*) FROM rex_my_ddl").rows[0][0] == Value(1));
    c->execute("DROP TABLE rex_my_ddl");
}

TEST_CASE("mysql URL problems are one-line configuration or connection errors", "[mysql]") {
    CHECK_THROWS_WITH(kernel().connect("mysql://u:pw@h/db?charset=latin1"),
                      "invalid mysql URL 'mysql://u:***@h/db?charset=latin1': option charset=latin1: Rex always uses utf8mb4");
    CHECK_THROWS_WITH(kernel().connect("mysql://u:pw@h/db?ssl=yes"), Catch::Contains("unknown option 'ssl'"));
    try {
        kernel().connect("mysql://rex:not-the-password@127.0.0.1:1/db?connect_timeout=2");
        FAIL("connected to port 1");
    } catch (const ConnectionError& e) {
        CHECK_THAT(e.what(), Catch::StartsWith("mysql: cannot connect to mysql://rex:***@127.0.0.1:1/db"));
        CHECK(std::string(e.what()).find("not-the-password") == std::string::npos);
    }
}

TEST_CASE("a cached statement follows the columns the server describes at each run", "[mysql][statements]") {
    const auto u = url();
    if (u.empty()) return;
    auto c = kernel().connect(u);
    c->execute("DROP TABLE IF EXISTS rex_my_shape");
    c->execute("CREATE TABLE rex_my_shape (id INT PRIMARY KEY, a INT)");
    c->execute("INSERT INTO rex_my_shape VALUES (1, 10)");
    const std::string all = "SELECT * FROM rex_my_shape";
    CHECK(c->execute(all).columns.size() == 2);
    // The same text after ALTER TABLE: one more column, and one of another type.
    c->execute("ALTER TABLE rex_my_shape ADD COLUMN b VARCHAR(20) DEFAULT 'x', MODIFY a DOUBLE");
    const auto r = c->execute(all);
    REQUIRE(r.columns.size() == 3);
    CHECK(r.columns[1].kind == ValueKind::float64);
    CHECK(r.columns[2].name == "b");
    CHECK(r.rows.at(0) == Row{Value(1), Value(10.0), Value("x")});
    // A write that returns rows is not run twice: the run that met the new columns is an error
    // saying so, and the next run prepares the statement again.
    const std::string insert = "INSERT INTO rex_my_shape (id) VALUES (?) RETURNING *";
    CHECK(c->execute(insert, {Value(2)}).rows.at(0).size() == 3);
    c->execute("ALTER TABLE rex_my_shape ADD COLUMN d INT DEFAULT 4");
    try {
        (void)c->execute(insert, {Value(3)});
        FAIL("a write whose result columns changed was not reported");
    } catch (const DatabaseError& e) {
        CHECK_THAT(e.what(), Catch::Contains("altered"));
        CHECK(e.native_code() == "2057");
    }
    CHECK(c->execute("SELECT COUNT(*) FROM rex_my_shape WHERE id = 3").rows.at(0).at(0).as_int64() == 1);  // it ran once
    CHECK(c->execute(insert, {Value(4)}).rows.at(0) == Row{Value(4), Value(), Value("x"), Value(4)});
    CHECK(c->execute(all).columns.size() == 4);
    // SELECT ? describes its column by the value bound to it.
    const std::string echo = "SELECT ? AS v";
    CHECK(c->execute(echo, {Value(7)}).rows.at(0).at(0) == Value(7));
    CHECK(c->execute(echo, {Value("seven")}).rows.at(0).at(0) == Value("seven"));
    CHECK(c->execute(echo, {Value(7.5)}).rows.at(0).at(0) == Value(7.5));
    CHECK(c->execute(echo, {Value()}).rows.at(0).at(0).is_null());
    c->execute("DROP TABLE rex_my_shape");
}

TEST_CASE("a small statement cache evicts only statements nobody is reading", "[mysql][statements]") {
    const auto u = url();
    if (u.empty()) return;
    auto c = kernel().connect(u + (u.find('?') == std::string::npos ? "?" : "&") + "statement_cache_size=1");
    const std::string plus = "SELECT ? + 1", times = "SELECT ? * 2", minus = "SELECT ? - 1";
    for (int i = 0; i < 3; ++i) {
        CHECK(c->execute(plus, {Value(i)}).rows.at(0).at(0).as_int64() == i + 1);
        CHECK(c->execute(times, {Value(i)}).rows.at(0).at(0).as_int64() == i * 2);
        CHECK(c->execute(minus, {Value(i)}).rows.at(0).at(0).as_int64() == i - 1);
    }
    // While a visitor reads the only cached statement's row, other texts come and go.
    struct Inner {
        Connection* c;
        const std::string *times, *minus;
        std::vector<std::int64_t> seen;
    } inner{c.get(), &times, &minus, {}};
    const RowVisitor visitor{&inner, [](void* context, Cursor& row) {
                                 auto& in = *static_cast<Inner*>(context);
                                 in.seen.push_back(in.c->execute(*in.times, {Value(5)}).rows.at(0).at(0).as_int64());
                                 in.seen.push_back(in.c->execute(*in.minus, {Value(5)}).rows.at(0).at(0).as_int64());
                                 in.seen.push_back(row.int64(0));
                                 return true;
                             }};
    const Value forty(40);
    CHECK(c->visit_rows(plus, std::span<const Value>(&forty, 1), visitor) == 1);
    CHECK(inner.seen == std::vector<std::int64_t>{10, 4, 41});
    CHECK(c->execute(plus, {Value(1)}).rows.at(0).at(0).as_int64() == 2);
}

TEST_CASE("a cursor from query() can be read after its connection is gone", "[mysql][statements]") {
    const auto u = url();
    if (u.empty()) return;
    std::unique_ptr<Cursor> cursor;
    {
        auto c = kernel().connect(u);
        (void)c->execute("SELECT ? AS v", {Value(1)});  // the text is cached, then lent to the cursor
        cursor = c->query("SELECT ? AS v", {Value(2)});
    }
    REQUIRE(cursor->next());
    CHECK(cursor->int64(0) == 2);
    CHECK_FALSE(cursor->next());
    cursor.reset();  // closes the statement its connection no longer has
}
