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
