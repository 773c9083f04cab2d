// What only the PostgreSQL adapter has: LISTEN/NOTIFY, serialization failures under
// SERIALIZABLE, unnamed statements for PgBouncer, URL options.
#include <rex/kernel.hpp>
#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>

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
    feed->listen("rex_changes");
    feed->listen("Mixed Case; channel");  // quoted, so any name works and nothing is injected

    CHECK(feed->poll(50ms).empty());
    auto sender = kernel().connect(u);
    sender->execute("SELECT pg_notify($1, $2)", {Value("rex_changes"), Value("{\"id\": 1}")});
    sender->execute("SELECT pg_notify($1, $2)", {Value("Mixed Case; channel"), Value("two")});
    std::vector<Notification> got;
    for (int i = 0; i < 20 && got.size() < 2; ++i)
        for (auto& n : feed->poll(200ms)) got.push_back(n);
    REQUIRE(got.size() == 2);
    CHECK(got[0].channel == "rex_changes");
    CHECK(got[0].payload == "{\"id\": 1}");
    CHECK(got[1].channel == "Mixed Case; channel");

    // Notifications are delivered on commit only.
    feed->unlisten("Mixed Case; channel");
    sender->begin();
    sender->execute("SELECT pg_notify('rex_changes', 'in tx')");
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
