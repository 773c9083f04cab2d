// Transactions, savepoints and rollback on exception.
#include "context.hpp"

#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>

using namespace rex;
using namespace rex::conformance;

namespace {

struct Fixture {
    std::shared_ptr<Connection> c = connect();
    std::string name = table("tx");
    std::string q = dialect().quote_identifier(name);

    Fixture() {
        drop_table(*c, name);
        c->execute("CREATE TABLE " + q + " (k INTEGER PRIMARY KEY)");
    }
    ~Fixture() {
        try {
            if (c->in_transaction()) c->rollback();
            drop_table(*c, name);
        } catch (...) {
        }
    }
    void insert(int k) { c->execute(sql("INSERT INTO " + q + " (k) VALUES (?)"), {Value(k)}); }
    std::int64_t count() { return c->execute("SELECT COUNT(*) FROM " + q).rows[0][0].as_int64(); }
    std::vector<std::int64_t> keys() {
        std::vector<std::int64_t> out;
        for (const auto& row : c->execute("SELECT k FROM " + q + " ORDER BY k").rows) out.push_back(row[0].as_int64());
        return out;
    }
};

// The shape of the scoped transactions the ORM will offer: commit on success, roll back on throw.
template <class F>
void in_transaction(Connection& c, F&& body) {
    c.begin();
    try {
        body();
        c.commit();
    } catch (...) {
        c.rollback();
        throw;
    }
}

}  // namespace

TEST_CASE("commit makes changes visible to other connections; rollback discards them", "[conformance][transactions]") {
    if (!available()) return;
    Fixture f;
    auto other = connect();
    f.c->begin();
    CHECK(f.c->in_transaction());
    f.insert(1);
    f.c->commit();
    CHECK_FALSE(f.c->in_transaction());
    CHECK(other->execute("SELECT COUNT(*) FROM " + f.q).rows[0][0].as_int64() == 1);

    f.c->begin();
    f.insert(2);
    CHECK(f.count() == 2);
    f.c->rollback();
    CHECK_FALSE(f.c->in_transaction());
    CHECK(f.keys() == std::vector<std::int64_t>{1});
}

TEST_CASE("an exception inside a transaction rolls it back", "[conformance][transactions]") {
    if (!available()) return;
    Fixture f;
    CHECK_THROWS_AS(in_transaction(*f.c,
                                   [&] {
                                       f.insert(1);
                                       f.insert(1);  // duplicate key
                                   }),
                    UniqueViolation);
    CHECK_FALSE(f.c->in_transaction());
    CHECK(f.count() == 0);

    CHECK_THROWS_AS(in_transaction(*f.c,
                                   [&] {
                                       f.insert(5);
                                       throw std::runtime_error("application error");
                                   }),
                    std::runtime_error);
    CHECK(f.count() == 0);
    in_transaction(*f.c, [&] { f.insert(7); });
    CHECK(f.keys() == std::vector<std::int64_t>{7});
}

TEST_CASE("nested savepoints roll back and release independently", "[conformance][transactions]") {
    if (!available()) return;
    Fixture f;
    f.c->begin();
    f.insert(1);
    f.c->savepoint("outer");
    f.insert(2);
    f.c->savepoint("inner");
    f.insert(3);
    f.c->rollback_to_savepoint("inner");
    CHECK(f.keys() == std::vector<std::int64_t>{1, 2});
    f.insert(4);
    f.c->release_savepoint("inner");
    f.c->rollback_to_savepoint("outer");
    CHECK(f.keys() == std::vector<std::int64_t>{1});
    f.insert(5);
    f.c->release_savepoint("outer");
    f.c->commit();
    CHECK(f.keys() == std::vector<std::int64_t>{1, 5});
}

TEST_CASE("a savepoint rolled back after an error lets the transaction go on", "[conformance][transactions]") {
    if (!available()) return;
    Fixture f;
    f.c->begin();
    f.insert(1);
    f.c->savepoint("attempt");
    CHECK_THROWS_AS(f.insert(1), UniqueViolation);
    f.c->rollback_to_savepoint("attempt");
    f.insert(2);
    f.c->commit();
    CHECK(f.keys() == std::vector<std::int64_t>{1, 2});
}

TEST_CASE("savepoint names must be plain identifiers", "[conformance][transactions][security]") {
    if (!available()) return;
    Fixture f;
    f.c->begin();
    CHECK_THROWS_AS(f.c->savepoint("x; DROP TABLE y"), ConfigurationError);
    f.c->rollback();
}

TEST_CASE("isolation levels and read-only transactions are accepted", "[conformance][transactions]") {
    if (!available()) return;
    Fixture f;
    for (auto level : {IsolationLevel::read_committed, IsolationLevel::repeatable_read, IsolationLevel::serializable}) {
        f.c->begin({level, false});
        f.insert(static_cast<int>(level) + 10);
        f.c->commit();
    }
    CHECK(f.count() == 3);
    f.c->begin({IsolationLevel::database_default, true});
    CHECK(f.count() == 3);
    CHECK_THROWS_AS(f.insert(99), Error);
    f.c->rollback();
    f.insert(100);  // writable again after the read-only transaction
    CHECK(f.count() == 4);
}
