// ConnectionPool against real databases: SQLite always; PostgreSQL (direct, through PgBouncer,
// and across a server restart) and MariaDB when the test servers are running.
#include <rex/kernel.hpp>
#include <rex/sdk/error.hpp>

#include "subprocess.hpp"
#include "worker.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

rex::Kernel& kernel() {
    static rex::Kernel k(rex::LogLevel::off);  // one per test program; loaded once
    static bool loaded = [] {
        k.load_plugins(fs::path(REX_TEST_PLUGIN_DIR));
        return true;
    }();
    (void)loaded;
    return k;
}

struct SqliteFile {
    fs::path path = fs::temp_directory_path() / ("rex-pool-" + std::to_string(::getpid()) + ".db");
    SqliteFile() { remove(); }
    ~SqliteFile() { remove(); }
    void remove() {
        for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
    }
    std::string url() const { return "sqlite:" + path.string(); }
};

// The URL of a server started by tools/test-servers.sh, or empty (skip; fail when required).
std::string server_url(const char* variable) {
    if (const char* url = std::getenv(variable); url && *url) return url;
    if (const char* required = std::getenv("REX_REQUIRE_SERVERS"); required && std::string(required) == "1")
        FAIL(variable << " is not set but REX_REQUIRE_SERVERS=1");
    WARN("skipped: " << variable << " is not set (start servers with tools/test-servers.sh)");
    return {};
}

rex::PoolOptions small_pool(std::size_t max) {
    rex::PoolOptions options;
    options.max_size = max;
    options.acquire_timeout = 200ms;
    return options;
}

// Many threads borrow, query and return; every operation must succeed, nothing may leak.
void hammer(rex::ConnectionPool& pool, int threads, int iterations) {
    std::atomic<int> failures{0};
    std::string first_failure;
    std::mutex failure_mutex;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < iterations; ++i) {
                try {
                    auto c = pool.acquire();
                    auto r = c->execute("SELECT " + std::string(c->dialect() == "postgresql" ? "$1::bigint" : "?") +
                                            " + 1 AS n",
                                        {rex::Value(t * iterations + i)});
                    if (r.rows.at(0).at(0).as_int64() != t * iterations + i + 1) throw std::runtime_error("wrong answer");
                } catch (const rex::Error& e) {
                    if (failures++ == 0) {
                        std::lock_guard lock(failure_mutex);
                        first_failure = std::string(e.what()) + " [" + e.native_code() + "] in: " + e.sql();
                    }
                } catch (const std::exception& e) {
                    if (failures++ == 0) {
                        std::lock_guard lock(failure_mutex);
                        first_failure = e.what();
                    }
                }
            }
        });
    }
    for (auto& w : workers) w.join();
    INFO("first failure: " << first_failure);
    CHECK(failures == 0);
    const auto stats = pool.stats();
    CHECK(stats.in_use == 0);
    CHECK(stats.open <= pool.options().max_size);
    CHECK(stats.waiting == 0);
}

}  // namespace

TEST_CASE("a returned connection is reused", "[pool]") {
    SqliteFile db;
    auto pool = kernel().make_pool(db.url(), small_pool(4));
    rex::Connection* first = nullptr;
    for (int i = 0; i < 10; ++i) {
        auto c = pool->acquire();
        if (!first) first = c.get();
        CHECK(c.get() == first);
        c->execute("SELECT 1");
    }
    CHECK(pool->stats().created == 1);
    CHECK(pool->stats().idle == 1);
}

TEST_CASE("acquire times out with a clear message when the pool is exhausted", "[pool]") {
    SqliteFile db;
    auto pool = kernel().make_pool(db.url(), small_pool(2));
    auto a = pool->acquire();
    auto b = pool->acquire();
    const auto start = std::chrono::steady_clock::now();
    try {
        pool->acquire();
        FAIL("acquire succeeded beyond max_size");
    } catch (const rex::PoolExhausted& e) {
        CHECK_THAT(e.what(), Catch::Matches(".*: pool exhausted after [0-9]+ ms \\(max 2\\)"));
        CHECK(e.category() == rex::ErrorCategory::pool_exhausted);
    }
    CHECK(std::chrono::steady_clock::now() - start >= 200ms);
    CHECK_THAT(pool->stats().open == 2 ? "ok" : "leak", Catch::Equals("ok"));
}

TEST_CASE("a waiting acquire gets the connection another thread returns", "[pool]") {
    SqliteFile db;
    auto options = small_pool(1);
    options.acquire_timeout = 5s;
    auto pool = kernel().make_pool(db.url(), options);
    auto held = pool->acquire();
    std::thread releaser([&] {
        std::this_thread::sleep_for(50ms);
        held.release();
    });
    const auto start = std::chrono::steady_clock::now();
    auto c = pool->acquire();
    CHECK(c);
    // Woken by the give-back (which may take the lock-free path), not by the timeout.
    CHECK(std::chrono::steady_clock::now() - start < 2s);
    releaser.join();
    CHECK(pool->stats().created == 1);
}

TEST_CASE("user code that throws while holding a connection leaks nothing", "[pool]") {
    SqliteFile db;
    auto pool = kernel().make_pool(db.url(), small_pool(1));
    for (int i = 0; i < 5; ++i) {
        CHECK_THROWS_AS(([&] {
                            auto c = pool->acquire();
                            c->execute("SELECT * FROM no_such_table");
                        }()),
                        rex::SyntaxError);
    }
    CHECK(pool->stats().in_use == 0);
    CHECK_NOTHROW(pool->acquire());
}

TEST_CASE("an open transaction is rolled back when the connection is returned", "[pool]") {
    SqliteFile db;
    auto pool = kernel().make_pool(db.url(), small_pool(1));
    pool->acquire()->execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
    {
        auto c = pool->acquire();
        c->begin();
        c->execute("INSERT INTO t VALUES (1)");
    }  // returned without commit
    auto c = pool->acquire();
    CHECK_FALSE(c->in_transaction());
    CHECK(c->execute("SELECT COUNT(*) FROM t").rows[0][0].as_int64() == 0);
}

TEST_CASE("connections past max_lifetime or idle_timeout are closed", "[pool]") {
    SqliteFile db;
    auto options = small_pool(4);
    options.max_lifetime = 50ms;
    auto pool = kernel().make_pool(db.url(), options);
    pool->acquire()->execute("SELECT 1");
    std::this_thread::sleep_for(80ms);
    pool->acquire()->execute("SELECT 1");
    CHECK(pool->stats().created == 2);
    CHECK(pool->stats().closed >= 1);

    auto idle_options = small_pool(4);
    idle_options.min_size = 1;
    idle_options.idle_timeout = 50ms;
    auto idle_pool = kernel().make_pool(db.url(), idle_options);
    {
        auto a = idle_pool->acquire();
        auto b = idle_pool->acquire();
        auto c = idle_pool->acquire();
    }
    CHECK(idle_pool->stats().idle == 3);
    std::this_thread::sleep_for(80ms);
    idle_pool->acquire();  // reaps lazily
    CHECK(idle_pool->stats().open == 1);  // min_size kept
    CHECK(idle_pool->stats().closed == 2);
}

TEST_CASE("warm_up opens min_size connections; discard closes instead of returning", "[pool]") {
    SqliteFile db;
    auto options = small_pool(4);
    options.min_size = 3;
    auto pool = kernel().make_pool(db.url(), options);
    CHECK(pool->stats().open == 0);  // lazy by default
    pool->warm_up();
    CHECK(pool->stats().idle == 3);
    auto c = pool->acquire();
    c.discard();
    CHECK(pool->stats().open == 2);
    CHECK(pool->stats().closed == 1);
}

TEST_CASE("a connection that cannot be opened fails acquire and frees its slot", "[pool]") {
    auto pool = kernel().make_pool("sqlite:/nonexistent-dir/x.db?mode=rw", small_pool(1));
    CHECK_THROWS_AS(pool->acquire(), rex::ConnectionError);
    CHECK(pool->stats().open == 0);
    CHECK_THROWS_AS(pool->acquire(), rex::ConnectionError);  // not PoolExhausted: the slot came back
}

TEST_CASE("invalid pool sizes are configuration errors", "[pool]") {
    auto options = small_pool(2);
    options.min_size = 3;
    CHECK_THROWS_AS(kernel().make_pool("sqlite::memory:", options), rex::ConfigurationError);
    CHECK_THROWS_AS(kernel().make_pool("sqlite::memory:", small_pool(0)), rex::ConfigurationError);
}

TEST_CASE("32 threads x 1000 acquire/query/release on SQLite", "[pool][concurrency]") {
    SqliteFile db;
    auto options = small_pool(8);
    options.acquire_timeout = 10s;
    auto pool = kernel().make_pool(db.url(), options);
    hammer(*pool, 32, 1000);
}

TEST_CASE("32 threads x 1000 acquire/query/release on PostgreSQL and MariaDB", "[pool][concurrency][servers]") {
    for (const char* variable : {"REX_TEST_POSTGRES_URL", "REX_TEST_MYSQL_URL"}) {
        const auto url = server_url(variable);
        if (url.empty()) continue;
        INFO(variable);
        auto options = small_pool(8);
        options.acquire_timeout = 10s;
        auto pool = kernel().make_pool(url, options);
        hammer(*pool, 32, 1000);
    }
}

TEST_CASE("the pool works through PgBouncer in transaction mode without named statements", "[pool][servers]") {
    auto url = server_url("REX_TEST_PGBOUNCER_URL");
    if (url.empty()) return;
    url += (url.find('?') == std::string::npos ? "?" : "&") + std::string("prepared_statements=off");
    auto options = small_pool(8);
    options.acquire_timeout = 10s;
    auto pool = kernel().make_pool(url, options);
    hammer(*pool, 16, 300);
    // A transaction holds one server connection throughout.
    auto c = pool->acquire();
    c->begin();
    c->execute("CREATE TEMP TABLE bounce (n int) ON COMMIT DROP");
    c->execute("INSERT INTO bounce VALUES ($1)", {rex::Value(5)});
    CHECK(c->execute("SELECT n FROM bounce").rows.at(0).at(0).as_int64() == 5);
    c->commit();
}

TEST_CASE("a connection lost while borrowed is closed on return, even within the alive-bypass window", "[pool][servers]") {
    struct Server {
        const char* variable;
        const char* id_sql;
        const char* kill_sql;
        const char* alive_sql;  // counts the server sessions with the given id
    };
    for (const auto& server :
         {Server{"REX_TEST_POSTGRES_URL", "SELECT pg_backend_pid()", "SELECT pg_terminate_backend($1::int)",
                 "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = $1::int"},
          Server{"REX_TEST_MYSQL_URL", "SELECT CONNECTION_ID()", "KILL CONNECTION ?",
                 "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ?"}}) {
        const auto url = server_url(server.variable);
        if (url.empty()) continue;
        INFO(server.variable);
        auto options = small_pool(2);
        options.alive_bypass_window = 60s;  // nothing here is older than the window
        auto pool = kernel().make_pool(url, options);
        rex::Value victim_id;
        {
            auto victim = pool->acquire();
            victim_id = victim->execute(server.id_sql).rows.at(0).at(0);
            {
                auto killer = pool->acquire();
                killer->execute(server.kill_sql, {victim_id});
                // Both servers end the session asynchronously: wait until it is gone.
                for (int i = 0; i < 500 && killer->execute(server.alive_sql, {victim_id}).rows.at(0).at(0).as_int64() > 0; ++i)
                    std::this_thread::sleep_for(10ms);
            }
            CHECK_THROWS_AS(victim->execute("SELECT 1"), rex::ConnectionError);
        }  // given back knowing it is lost: closed, not kept
        CHECK(pool->stats().closed == 1);
        // Every connection handed out now works, and none is the killed one.
        for (int i = 0; i < 3; ++i) {
            auto c = pool->acquire();
            CHECK(c->execute(server.id_sql).rows.at(0).at(0) != victim_id);
        }
        CHECK(pool->stats().in_use == 0);
    }
}

TEST_CASE("the pool survives a PostgreSQL restart in the middle of a concurrent run", "[pool][servers][restart]") {
    const auto url = server_url("REX_TEST_POSTGRES_URL");
    if (url.empty()) return;
    auto options = small_pool(8);
    options.acquire_timeout = 30s;
    options.validation_interval = 0ms;  // validate every reuse: only in-flight work may fail
    options.alive_bypass_window = 0ms;
    auto pool = kernel().make_pool(url, options);
    pool->acquire()->execute("SELECT 1");

    std::atomic<bool> stop{false};
    std::atomic<bool> restarted{false};
    std::atomic<int> ok{0}, connection_errors{0}, other_errors{0}, ok_after_restart{0};
    std::string other_error;
    std::mutex other_error_mutex;
    rex::test::StoppableWorkers workers(stop);
    for (int t = 0; t < 8; ++t) {
        workers.add([&] {
            while (!stop) {
                try {
                    auto c = pool->acquire();
                    c->execute("SELECT pg_sleep(0.002)");
                    ++ok;
                    if (restarted) ++ok_after_restart;
                } catch (const rex::ConnectionError&) {
                    ++connection_errors;
                } catch (const std::exception& e) {
                    ++other_errors;
                    std::lock_guard lock(other_error_mutex);
                    other_error = e.what();
                }
            }
        });
    }
    std::this_thread::sleep_for(500ms);
    rex::test::ProcessOptions restart_options;
    restart_options.timeout_seconds = 120;
    const auto restart = rex::test::run_process(
        {"/bin/bash", std::string(REX_TEST_SOURCE_DIR) + "/tools/test-servers.sh", "restart-postgres"}, restart_options);
    INFO("restart: " << restart.err);
    CHECK(restart.exit_code == 0);  // not REQUIRE: the writers still run, and must be joined
    restarted = true;
    const int errors_at_restart = connection_errors;
    std::this_thread::sleep_for(1500ms);
    workers.stop_and_join();

    INFO("ok " << ok << ", connection errors " << connection_errors << ", other: " << other_error);
    CHECK(other_errors == 0);
    CHECK(ok_after_restart > 100);
    // Only operations in flight when the server went down fail: at most one per worker,
    // and none once the server is back.
    CHECK(connection_errors <= 8);
    CHECK(connection_errors == errors_at_restart);
    CHECK(pool->stats().in_use == 0);
}
