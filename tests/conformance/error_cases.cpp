// Each error category provoked for real, checked by class, category, native code and SQL.
#include "context.hpp"

#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>
#include <worker.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <thread>

using namespace rex;
using namespace rex::conformance;

namespace {

template <class Expected>
void expect_error(Connection& c, const std::string& statement, const Params& params, ErrorCategory category) {
    try {
        c.execute(statement, params);
        FAIL("no error from: " << statement);
    } catch (const Expected& e) {
        INFO(e.what());
        CHECK(e.category() == category);
        CHECK_FALSE(e.native_code().empty());
        CHECK(e.sql() == statement);
        CHECK(std::string(e.what()).find('\n') == std::string::npos);
    }
}

}  // namespace

TEST_CASE("constraint violations map to their categories", "[conformance][errors]") {
    if (!available()) return;
    auto c = connect();
    const auto parent = table("parent"), child = table("child");
    drop_table(*c, child);
    drop_table(*c, parent);
    const auto p = dialect().quote_identifier(parent), ch = dialect().quote_identifier(child);
    c->execute("CREATE TABLE " + p + " (id INTEGER PRIMARY KEY, email VARCHAR(100) NOT NULL UNIQUE, age INTEGER CHECK (age >= 0))");
    c->execute("CREATE TABLE " + ch + " (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL, FOREIGN KEY (parent_id) REFERENCES " + p + " (id))");
    c->execute(sql("INSERT INTO " + p + " (id, email, age) VALUES (?, ?, ?)"), {Value(1), Value("a@example.com"), Value(30)});

    expect_error<UniqueViolation>(*c, sql("INSERT INTO " + p + " (id, email, age) VALUES (?, ?, ?)"),
                                  {Value(2), Value("a@example.com"), Value(1)}, ErrorCategory::unique_violation);
    expect_error<UniqueViolation>(*c, sql("INSERT INTO " + p + " (id, email, age) VALUES (?, ?, ?)"),
                                  {Value(1), Value("b@example.com"), Value(1)}, ErrorCategory::unique_violation);
    expect_error<NotNullViolation>(*c, sql("INSERT INTO " + p + " (id, email, age) VALUES (?, ?, ?)"),
                                   {Value(3), Value(), Value(1)}, ErrorCategory::not_null_violation);
    expect_error<CheckViolation>(*c, sql("INSERT INTO " + p + " (id, email, age) VALUES (?, ?, ?)"),
                                 {Value(4), Value("c@example.com"), Value(-1)}, ErrorCategory::check_violation);
    expect_error<ForeignKeyViolation>(*c, sql("INSERT INTO " + ch + " (id, parent_id) VALUES (?, ?)"),
                                      {Value(1), Value(999)}, ErrorCategory::foreign_key_violation);
    c->execute(sql("INSERT INTO " + ch + " (id, parent_id) VALUES (?, ?)"), {Value(1), Value(1)});
    expect_error<ForeignKeyViolation>(*c, sql("DELETE FROM " + p + " WHERE id = ?"), {Value(1)},
                                      ErrorCategory::foreign_key_violation);
    // All of them are ConstraintViolations, and the connection stays usable.
    CHECK_THROWS_AS(c->execute(sql("INSERT INTO " + p + " (id, email) VALUES (?, ?)"), {Value(1), Value("x")}),
                    ConstraintViolation);
    CHECK(c->execute("SELECT COUNT(*) FROM " + p).rows[0][0].as_int64() == 1);
    drop_table(*c, child);
    drop_table(*c, parent);
}

TEST_CASE("syntax errors and unknown tables are syntax errors", "[conformance][errors]") {
    if (!available()) return;
    auto c = connect();
    expect_error<SyntaxError>(*c, "SELEC 1", {}, ErrorCategory::syntax);
    expect_error<SyntaxError>(*c, "SELECT * FROM rex_no_such_table_anywhere", {}, ErrorCategory::syntax);
    expect_error<SyntaxError>(*c, "SELECT no_such_column FROM " + dialect().quote_identifier(table("none")), {},
                              ErrorCategory::syntax);
    CHECK(c->execute("SELECT 1").rows.size() == 1);
}

TEST_CASE("a wrong number of parameters is an error, not a crash", "[conformance][errors]") {
    if (!available()) return;
    auto c = connect();
    CHECK_THROWS_AS(c->execute(sql("SELECT ?, ?"), {Value(1)}), Error);
    CHECK(c->execute(sql("SELECT ?"), {Value(1)}).rows.size() == 1);
    // Too many values are refused alike (PostgreSQL itself would ignore the extra one); '$9' is a
    // string, not a placeholder.
    CHECK_THROWS_AS(c->execute(sql("SELECT ?, '$9'"), {Value(1), Value(2)}), InvalidValue);
    CHECK_THROWS_WITH(c->execute(sql("SELECT ?, '$9'"), {Value(1), Value(2)}),
                      Catch::Contains("statement has 1 parameters, 2 values given"));
    CHECK_THROWS_AS(c->execute("SELECT 1", {Value(1)}), InvalidValue);
    // Also in a batch inside a transaction, which PostgreSQL pipelines.
    const Params rows{Value(1), Value(2), Value(3), Value(4)};
    c->begin({});
    CHECK_THROWS_AS(c->execute_batch(sql("SELECT ?"), {rows, 2}), InvalidValue);
    c->rollback();
    CHECK(c->execute(sql("SELECT ?"), {Value(1)}).rows.size() == 1);
}

TEST_CASE("crossed locks are detected as a deadlock or time out", "[conformance][errors][concurrency]") {
    if (!available()) return;
    if (!backend().deadlocks) {
        SUCCEED("this database serialises writers instead of deadlocking");
        return;
    }
    auto setup = connect();
    const auto name = table("deadlock");
    const auto q = dialect().quote_identifier(name);
    drop_table(*setup, name);
    setup->execute("CREATE TABLE " + q + " (k INTEGER PRIMARY KEY, v INTEGER)");
    setup->execute(sql("INSERT INTO " + q + " (k, v) VALUES (?, ?), (?, ?)"), {Value(1), Value(0), Value(2), Value(0)});

    auto a = connect(), b = connect();
    a->begin();
    b->begin();
    a->execute(sql("UPDATE " + q + " SET v = 1 WHERE k = ?"), {Value(1)});
    b->execute(sql("UPDATE " + q + " SET v = 1 WHERE k = ?"), {Value(2)});
    // Counted here, checked after the join: Catch's macros are not thread-safe.
    std::atomic<int> conflicts{0}, not_retryable{0};
    auto cross = [&](Connection& c, int key) {
        try {
            c.execute(sql("UPDATE " + q + " SET v = 2 WHERE k = ?"), {Value(key)});
            c.commit();
        } catch (const TransactionConflict& e) {
            if (!e.is_retryable()) ++not_retryable;
            ++conflicts;
            c.rollback();
        }
    };
    rex::test::Worker t([&] { cross(*b, 1); });
    cross(*a, 2);
    t.join();
    CHECK(not_retryable == 0);
    CHECK(conflicts == 1);  // exactly one victim; the other transaction committed
    drop_table(*setup, name);
}

TEST_CASE("unknown URL options are configuration errors", "[conformance][errors]") {
    if (!available()) return;
    CHECK_THROWS_AS(kernel().connect(backend().url + (backend().url.find('?') == std::string::npos ? "?" : "&") +
                                     "rex_unknown_option=1"),
                    ConfigurationError);
}

TEST_CASE("a NUL byte in a URL and a connect timeout of 0 are refused, never cut or waited on", "[conformance][errors]") {
    if (!available()) return;
    // After the path (SQLite) or the database name: "c.db%00.bak" must not open c.db.
    auto url = backend().url;
    const auto query = url.find('?');
    url.insert(query == std::string::npos ? url.size() : query, "%00.bak");
    CHECK_THROWS_AS(kernel().connect(url), ConfigurationError);
    CHECK_THROWS_WITH(kernel().connect(url), Catch::Contains("'%00' (a NUL byte) is not allowed"));
    if (backend().name == "sqlite") return;  // no connect timeout: the file is opened at once
    const auto zero = backend().url + (query == std::string::npos ? "?" : "&") + "connect_timeout=0";
    CHECK_THROWS_AS(kernel().connect(zero), ConfigurationError);
    CHECK_THROWS_WITH(kernel().connect(zero), Catch::Contains("connect_timeout=0 must be a whole number of seconds, at least 1"));
}

TEST_CASE("a connection ended by the server gives a connection error and is not reused", "[conformance][errors]") {
    if (!available()) return;
    if (backend().kill_sql.empty()) {
        SUCCEED("an embedded database has no server to lose");
        return;
    }
    auto victim = connect();
    auto killer = connect();
    const auto id = victim->execute(backend().connection_id_sql).rows.at(0).at(0);
    victim->begin();
    killer->execute(backend().kill_sql, {id});
    // The servers end the session asynchronously: wait until it is gone.
    for (int i = 0; i < 500 && killer->execute(backend().alive_sql, {id}).rows.at(0).at(0).as_int64() > 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    // The in-flight transaction fails with a connection error...
    CHECK_THROWS_AS(victim->execute("SELECT 1"), ConnectionError);
    // ...and the connection knows it, without a round trip, so a pool would replace it.
    CHECK_FALSE(victim->is_usable());
    CHECK_FALSE(victim->ping());
    CHECK(killer->execute("SELECT 1").rows.size() == 1);
}

// A cancel that arrives once the statement has finished (a client that hangs up as its answer is
// sent) must not harm what the connection runs next: MariaDB keeps a KILL QUERY for an idle session
// and the next statement's answer never came (rex-host's workers hung in mysql_stmt_execute), so a
// connection asked to cancel is reported lost and the pool lends it no more.
TEST_CASE("a cancel after the statement finished never stalls the connection's next statement", "[conformance][errors][cancel]") {
    if (!available()) return;
    auto c = connect();
    const auto t = table("cancelled");
    drop_table(*c, t);
    const auto q = dialect().quote_identifier(t);
    c->execute("CREATE TABLE " + q + " (id INTEGER PRIMARY KEY, name VARCHAR(20))");
    c->execute(sql("INSERT INTO " + q + " (id, name) VALUES (?, ?)"), {1, std::string("one")});
    const auto select = sql("SELECT name FROM " + q + " WHERE id = ?");
    CHECK(c->execute(select, {1}).rows.size() == 1);
    const bool asked = c->cancel();
    if (backend().name != "sqlite") {
        CHECK(asked);
        CHECK(c->is_lost());  // the pool replaces it
    }
    // Whatever the connection does next ends: it answers or fails, within seconds.
    auto next = std::async(std::launch::async, [&] {
        try {
            return c->execute(select, {1}).rows.size() == 1 ? std::string("answered") : std::string("wrong answer");
        } catch (const std::exception& e) {
            return std::string("failed: ") + e.what();
        }
    });
    const bool ended = next.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    CHECK(ended);
    if (!ended) std::quick_exit(1);  // the stalled call would hold the test for ever
    INFO(next.get());
    auto fresh = connect();
    CHECK(fresh->execute(select, {1}).rows.size() == 1);
    drop_table(*fresh, t);
}
