// The ORM on every backend: typed models, CRUD, queries, validation, transactions.
#include "../conformance/context.hpp"
#include "models.hpp"

#include <rex/value_json.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cctype>
#include <filesystem>
#include <regex>
#include <thread>

using namespace rex;
using namespace orm_test;

namespace {

struct Db {
    Database db;
    explicit Db(Kernel& kernel = conformance::kernel()) : db(kernel, conformance::backend().url) {
        db.map(user_mapping()).map(post_mapping()).map(tag_mapping()).map(profile_mapping());
        db.drop_tables();
        db.create_tables();
    }
    ~Db() {
        try {
            db.drop_tables();
        } catch (...) {
        }
    }
    User add(std::string name, std::optional<int> age, bool active = true) {
        User u{0, name, name + "@example.com", age, active, std::nullopt, {}, {}};
        db.insert(u);
        return u;
    }
};

struct CapturingLogger final : Logger {
    LogLevel threshold = LogLevel::debug;
    std::vector<std::pair<LogLevel, std::string>> lines;
    bool enabled(LogLevel level) const noexcept override { return level >= threshold; }
    void write(LogLevel level, std::string_view component, std::string_view message) override {
        if (component == "sql") lines.emplace_back(level, std::string(message));
    }
    std::size_t selects() const {
        return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [](const auto& l) {
            return l.second.find("SELECT") != std::string::npos;
        }));
    }
};

// A kernel of its own whose SQL log the case can read.
struct LoggedKernel {
    Kernel kernel{LogLevel::off};
    std::shared_ptr<CapturingLogger> log = std::make_shared<CapturingLogger>();
    LoggedKernel() {
        kernel.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
        kernel.set_logger(log);
    }
};

std::vector<std::string> names(const std::vector<User>& users) {
    std::vector<std::string> out;
    for (const auto& u : users) out.push_back(u.name);
    return out;
}

}  // namespace

TEST_CASE("insert fills generated keys; find, update, remove", "[orm]") {
    if (!conformance::available()) return;
    Db t;
    User ada{0, "Ada", "ada@example.com", 36, true, parse_timestamp("2024-01-02T03:04:05Z"), {}, {}};
    t.db.insert(ada);
    CHECK(ada.id > 0);
    User bob{0, "Bob", "bob@example.com", std::nullopt, false, std::nullopt, {}, {}};
    t.db.insert(bob);
    CHECK(bob.id > ada.id);

    auto found = t.db.find<User>(ada.id);
    REQUIRE(found);
    CHECK(found->name == "Ada");
    CHECK(found->age == 36);
    CHECK(found->active);
    CHECK(found->joined == parse_timestamp("2024-01-02T03:04:05Z"));
    CHECK_FALSE(t.db.find<User>(bob.id)->age.has_value());
    CHECK_FALSE(t.db.find<User>(999999).has_value());

    ada.age = 37;
    ada.name = "Ada L.";
    t.db.update(ada);
    CHECK(t.db.find<User>(ada.id)->name == "Ada L.");
    CHECK(t.db.count<User>() == 2);

    t.db.remove(bob);
    CHECK(t.db.count<User>() == 1);
    CHECK_THROWS_AS(t.db.remove(bob), NotFoundError);
    CHECK_THROWS_AS(t.db.update(bob), NotFoundError);
}

TEST_CASE("typed queries: where, and/or/not, like, in, between, null, order, limit", "[orm][query]") {
    if (!conformance::available()) return;
    Db t;
    t.add("Ada", 36);
    t.add("Bob", 17);
    t.add("Cy", std::nullopt);
    t.add("Dee", 52, false);
    t.add("Eve", 18);

    CHECK(names(t.db.select<User>().where(col(&User::age) >= 18).order_by(&User::name).all()) ==
          std::vector<std::string>{"Ada", "Dee", "Eve"});
    CHECK(names(t.db.select<User>().where(col(&User::age) >= 18 && col(&User::active) == true).order_by_desc(&User::name).all()) ==
          std::vector<std::string>{"Eve", "Ada"});
    CHECK(names(t.db.select<User>().where(col(&User::age) < 18 || col(&User::age).is_null()).order_by(&User::name).all()) ==
          std::vector<std::string>{"Bob", "Cy"});
    CHECK(names(t.db.select<User>().where(!(col(&User::name) == "Ada")).order_by(&User::name).limit(2).all()) ==
          std::vector<std::string>{"Bob", "Cy"});
    CHECK(names(t.db.select<User>().where(col(&User::name).like("%e%")).order_by(&User::name).all()) ==
          std::vector<std::string>{"Dee", "Eve"});
    CHECK(names(t.db.select<User>().where(col(&User::name).in(std::vector<std::string>{"Cy", "Eve", "Zed"})).order_by(&User::name).all()) ==
          std::vector<std::string>{"Cy", "Eve"});
    // Integer lists (PostgreSQL binds them as one array parameter); NOT IN leaves out NULL ages.
    CHECK(names(t.db.select<User>().where(col(&User::age).in(std::vector<int>{17, 52, 99})).order_by(&User::name).all()) ==
          std::vector<std::string>{"Bob", "Dee"});
    CHECK(names(t.db.select<User>().where(col(&User::age).not_in(std::vector<int>{17, 52})).order_by(&User::name).all()) ==
          std::vector<std::string>{"Ada", "Eve"});
    CHECK(names(t.db.select<User>().where(col(&User::age).in(std::vector<int>{36})).all()) == std::vector<std::string>{"Ada"});
    CHECK(names(t.db.select<User>().where(col(&User::age).between(17, 36)).order_by(&User::age).all()) ==
          std::vector<std::string>{"Bob", "Eve", "Ada"});
    CHECK(names(t.db.select<User>().order_by(&User::name).limit(2).offset(2).all()) == std::vector<std::string>{"Cy", "Dee"});
    CHECK(t.db.select<User>().where(col(&User::age) > 100).first() == std::nullopt);
    CHECK(t.db.select<User>().where(col(&User::age) >= 18).count() == 3);

    // Values are bound, never spliced: the injection attempt is just a name that matches nothing.
    CHECK(t.db.select<User>().where(col(&User::name) == "x' OR '1'='1").count() == 0);
}

TEST_CASE("to_sql shows the compiled SQL with placeholders and the bound values", "[orm][query]") {
    if (!conformance::available()) return;
    Db t;
    const auto q = t.db.select<User>().where(col(&User::age) >= 18 && col(&User::name).like("A%")).order_by(&User::name).limit(10).to_sql();
    const auto& d = conformance::dialect();
    const auto table = d.quote_identifier(user_mapping().model().table);
    CHECK_THAT(q.sql, Catch::StartsWith("SELECT " + table + "." + d.quote_identifier("id") + ", "));
    CHECK_THAT(q.sql, Catch::Contains("WHERE (" + table + "." + d.quote_identifier("age") + " >= " + d.placeholder(1) + ") AND (" +
                                      table + "." + d.quote_identifier("name") + " LIKE " + d.placeholder(2) + ")"));
    CHECK_THAT(q.sql, Catch::EndsWith("ORDER BY " + table + "." + d.quote_identifier("name") + " LIMIT 10"));
    CHECK(q.params == Params{Value(18), Value("A%")});
}

TEST_CASE("joins bring another entity's columns into scope", "[orm][query]") {
    if (!conformance::available()) return;
    Db t;
    const auto ada = t.add("Ada", 36);
    const auto bob = t.add("Bob", 17);
    for (const auto& [user, title, score] : {std::tuple{ada.id, "Notes", 4.5}, std::tuple{ada.id, "Engines", 5.0},
                                             std::tuple{bob.id, "Hello", 1.0}}) {
        Post p{0, user, title, score, std::nullopt, {}};
        t.db.insert(p);
    }
    const auto with_good_posts = t.db.select<User>()
                                     .join<Post>(col(&Post::user_id) == col(&User::id))
                                     .where(col(&Post::score) >= 4.0)
                                     .distinct()
                                     .order_by(&User::name)
                                     .all();
    CHECK(names(with_good_posts) == std::vector<std::string>{"Ada"});
    CHECK(t.db.select<Post>().join<User>(col(&Post::user_id) == col(&User::id)).where(col(&User::age) < 18).count() == 1);
}

TEST_CASE("validation reports every failure of an object before any SQL is sent", "[orm][validation]") {
    if (!conformance::available()) return;
    Db t;
    User bad{0, "", "not-an-email", 200, true, std::nullopt, {}, {}};
    const auto errors = t.db.validate(bad);
    REQUIRE(errors.size() == 4);  // not_empty + length on name, email, range
    try {
        t.db.insert(bad);
        FAIL("invalid object inserted");
    } catch (const ValidationError& e) {
        CHECK(e.category() == ErrorCategory::validation);
        CHECK_THAT(e.what(), Catch::StartsWith("users is not valid: name must not be empty (not_empty)"));
        CHECK_THAT(e.what(), Catch::Contains("email must be an email address (email)"));
        CHECK_THAT(e.what(), Catch::Contains("age must be between 0 and 150 (is 200) (range)"));
    }
    CHECK(t.db.count<User>() == 0);
}

TEST_CASE("transactions commit, roll back on exception, and nest as savepoints", "[orm][transactions]") {
    if (!conformance::available()) return;
    Db t;
    t.db.transaction([&](Session& s) {
        User a{0, "A", "a@example.com", 1, true, std::nullopt, {}, {}};
        s.insert(a);
    });
    CHECK(t.db.count<User>() == 1);

    CHECK_THROWS_AS(t.db.transaction([&](Session& s) {
        User b{0, "B", "b@example.com", 2, true, std::nullopt, {}, {}};
        s.insert(b);
        throw std::runtime_error("changed my mind");
    }),
                    std::runtime_error);
    CHECK(t.db.count<User>() == 1);

    const auto kept = t.db.transaction([&](Session& s) {
        User c{0, "C", "c@example.com", 3, true, std::nullopt, {}, {}};
        s.insert(c);
        try {
            s.transaction([&](Session& inner) {
                User dup{0, "Dup", "c@example.com", 4, true, std::nullopt, {}, {}};  // unique email
                inner.insert(dup);
            });
        } catch (const UniqueViolation&) {
            // only the inner savepoint is rolled back
        }
        CHECK(s.transaction_depth() == 1);
        return s.count<User>();
    });
    CHECK(kept == 2);
    CHECK(t.db.count<User>() == 2);
}

TEST_CASE("a COMMIT that fails is rolled back once, and the session goes on at depth 0", "[orm][transactions]") {
    if (!conformance::available()) return;
    if (!conformance::backend().deferred_constraints) {
        WARN("skipped: " << conformance::backend().name << " checks constraints per statement, so COMMIT cannot fail on one");
        return;
    }
    Db t;
    auto s = t.db.session();
    const auto& d = t.db.dialect();
    const auto parent = d.quote_identifier(conformance::table("commit_parent"));
    const auto child = d.quote_identifier(conformance::table("commit_child"));
    s.execute("DROP TABLE IF EXISTS " + child);
    s.execute("DROP TABLE IF EXISTS " + parent);
    s.execute("CREATE TABLE " + parent + " (id INTEGER PRIMARY KEY)");
    s.execute("CREATE TABLE " + child + " (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES " + parent +
              " (id) DEFERRABLE INITIALLY DEFERRED)");
    // The missing parent is only noticed by COMMIT.
    CHECK_THROWS_AS(s.transaction([&](Session& tx) {
        tx.execute("INSERT INTO " + child + " (id, parent_id) VALUES (1, 42)");
        User a{0, "A", "a@example.com", 1, true, std::nullopt, {}, {}};
        tx.insert(a);
    }),
                    ForeignKeyViolation);
    CHECK(s.transaction_depth() == 0);
    CHECK_FALSE(s.connection().in_transaction());
    CHECK(s.count<User>() == 0);
    // The same session: a transaction with a savepoint inside commits as usual.
    s.transaction([&](Session& tx) {
        User b{0, "B", "b@example.com", 2, true, std::nullopt, {}, {}};
        tx.insert(b);
        tx.transaction([&](Session& inner) {
            CHECK(inner.transaction_depth() == 2);
            inner.execute("INSERT INTO " + parent + " (id) VALUES (42)");
            inner.execute("INSERT INTO " + child + " (id, parent_id) VALUES (1, 42)");
        });
    });
    CHECK(s.transaction_depth() == 0);
    CHECK(s.count<User>() == 1);
    CHECK(s.execute("SELECT COUNT(*) FROM " + child).rows[0][0].as_int64() == 1);
    s.execute("DROP TABLE " + child);
    s.execute("DROP TABLE " + parent);
}

TEST_CASE("a RELEASE SAVEPOINT that fails after DDL ended the transaction leaves the depth right", "[orm][transactions]") {
    if (!conformance::available()) return;
    Db t;
    if (t.db.dialect().features().transactional_ddl) {
        WARN("skipped: DDL on " << conformance::backend().name << " is transactional and keeps the savepoint");
        return;
    }
    auto s = t.db.session();
    const auto made = t.db.dialect().quote_identifier(conformance::table("implicit_commit"));
    s.execute("DROP TABLE IF EXISTS " + made);
    // CREATE TABLE commits implicitly (MySQL): the savepoint is gone when the inner scope ends.
    CHECK_THROWS_AS(s.transaction([&](Session& tx) {
        tx.transaction([&](Session& inner) { inner.execute("CREATE TABLE " + made + " (id INTEGER)"); });
    }),
                    Error);
    CHECK(s.transaction_depth() == 0);
    s.transaction([&](Session& tx) {
        User a{0, "A", "a@example.com", 1, true, std::nullopt, {}, {}};
        tx.insert(a);
        tx.transaction([&](Session& inner) { CHECK(inner.transaction_depth() == 2); });
    });
    CHECK(s.transaction_depth() == 0);
    CHECK(s.count<User>() == 1);
    s.execute("DROP TABLE " + made);
}

TEST_CASE("raw SQL maps into structs by column name", "[orm][raw]") {
    if (!conformance::available()) return;
    Db t;
    t.add("Ada", 36);
    t.add("Bob", 17);
    const auto& d = conformance::dialect();
    const auto table = d.quote_identifier(user_mapping().model().table);
    const auto adults = t.db.raw<User>(conformance::sql("SELECT id, name, age FROM " + table + " WHERE age >= ?"), {Value(18)});
    REQUIRE(adults.size() == 1);
    CHECK(adults[0].name == "Ada");
    CHECK(adults[0].email.empty());  // not selected: left as constructed
    CHECK_THROWS_AS(t.db.raw<User>("SELECT 1 AS nope"), NotFoundError);
}

TEST_CASE("insert_many writes rows in few statements and fills every generated key", "[orm][bulk]") {
    if (!conformance::available()) return;
    Db t;
    std::vector<User> many;
    for (int i = 0; i < 1203; ++i)
        many.push_back(User{0, "u" + std::to_string(i), "u" + std::to_string(i) + "@example.com", i % 90, true, std::nullopt, {}, {}});
    t.db.insert_many(many, 500);
    CHECK(t.db.count<User>() == 1203);
    for (std::size_t i = 1; i < many.size(); ++i) REQUIRE(many[i].id == many[i - 1].id + 1);
    const auto back = t.db.find<User>(many[700].id);
    REQUIRE(back);
    CHECK(back->name == "u700");

    // One bad object stops the whole batch before any SQL; every failure names its index.
    std::vector<User> bad{User{0, "ok", "ok@example.com", 1, true, std::nullopt, {}, {}},
                          User{0, "", "not-an-email", 1, true, std::nullopt, {}, {}},
                          User{0, "x", "x@example.com", 200, true, std::nullopt, {}, {}}};
    try {
        t.db.insert_many(bad);
        FAIL("expected a ValidationError");
    } catch (const ValidationError& e) {
        const std::string what = e.what();
        CHECK(what.find("[1].name") != std::string::npos);
        CHECK(what.find("[1].email") != std::string::npos);
        CHECK(what.find("[2].age") != std::string::npos);
        CHECK(what.find("[0]") == std::string::npos);
    }
    CHECK(t.db.count<User>() == 1203);
    CHECK(bad[0].id == 0);
}

TEST_CASE("update_many writes every object by its key in one transaction, with hooks, validation and events", "[orm][bulk]") {
    if (!conformance::available()) return;
    LoggedKernel logged;
    Db t(logged.kernel);
    std::vector<std::string> calls;
    auto mapping = user_mapping();
    mapping.before_update([&](User& u) { calls.push_back("before " + u.name); })
        .after_update([&](User& u) { calls.push_back("after " + u.name); });
    t.db.map(mapping);
    std::vector<User> many;
    for (int i = 0; i < 120; ++i)
        many.push_back(User{0, "u" + std::to_string(i), "u" + std::to_string(i) + "@example.com", i, true, std::nullopt, {}, {}});
    t.db.insert_many(many);
    auto& bus = logged.kernel.changes();
    std::vector<ChangeEvent> seen;
    auto subscription = bus.subscribe({{"users"}}, bus.last_sequence(), [&](const ChangeEvent& e) { seen.push_back(e); });

    for (auto& u : many) {
        u.name = "v" + u.name.substr(1);
        u.age = *u.age + 20;
        u.active = u.id % 2 == 0;
    }
    logged.log->lines.clear();
    t.db.update_many(many);
    for (const auto& u : many) {
        const auto back = t.db.find<User>(u.id);
        REQUIRE(back);
        CHECK(back->name == u.name);
        CHECK(back->age == u.age);
        CHECK(back->active == u.active);
    }
    REQUIRE(calls.size() == 240);  // every before hook runs before any SQL, then every after hook
    CHECK(calls[0] == "before v0");
    CHECK(calls[119] == "before v119");
    CHECK(calls[120] == "after v0");
    REQUIRE(seen.size() == 120);  // one update event per object, in order, after the commit
    CHECK(seen[0].kind == ChangeKind::update);
    CHECK(*seen[0].key() == Value(many[0].id));
    CHECK(*seen[119].value("age") == Value(139));
    for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i].sequence == seen[i - 1].sequence + 1);
    // Logged as one statement: a batch of 120 runs with the first run's parameters.
    const auto batch = std::count_if(logged.log->lines.begin(), logged.log->lines.end(), [](const auto& l) {
        return l.second.find("(batch of 120 runs) UPDATE") != std::string::npos && l.second.find("first run's params: ['v0'") != std::string::npos;
    });
    CHECK(batch == 1);

    // An object without a row fails the call, and the transaction takes the others back too.
    calls.clear();
    seen.clear();
    auto missing = many;
    missing[0].name = "changed";
    missing[1].id = many.back().id + 1000;
    try {
        t.db.update_many(missing);
        FAIL("expected a NotFoundError");
    } catch (const NotFoundError& e) {
        CHECK(std::string(e.what()).find("(object 1)") != std::string::npos);
    }
    CHECK(t.db.find<User>(many[0].id)->name == "v0");
    CHECK(seen.empty());

    // Validation runs for all objects first and names each failure's index; nothing is sent.
    auto invalid = many;
    invalid[3].email = "not-an-email";
    invalid[7].name = "";
    logged.log->lines.clear();
    try {
        t.db.update_many(invalid);
        FAIL("expected a ValidationError");
    } catch (const ValidationError& e) {
        const std::string what = e.what();
        CHECK(what.find("[3].email") != std::string::npos);
        CHECK(what.find("[7].name") != std::string::npos);
    }
    CHECK(std::none_of(logged.log->lines.begin(), logged.log->lines.end(),
                       [](const auto& l) { return l.second.find("UPDATE") != std::string::npos; }));
    std::vector<User> none;
    t.db.update_many(none);  // nothing to do, no error
}

TEST_CASE("upsert inserts, then updates the row with the same unique value and keeps its key", "[orm][upsert]") {
    if (!conformance::available()) return;
    LoggedKernel logged;
    Db t(logged.kernel);
    auto& bus = logged.kernel.changes();
    std::vector<ChangeEvent> seen;
    auto subscription = bus.subscribe({{"users"}}, bus.last_sequence(), [&](const ChangeEvent& e) { seen.push_back(e); });

    User ada{0, "Ada", "ada@example.com", 36, true, std::nullopt, {}, {}};
    t.db.upsert(ada, &User::email);
    REQUIRE(ada.id > 0);
    const auto first_id = ada.id;

    User again{0, "Ada Lovelace", "ada@example.com", 37, false, std::nullopt, {}, {}};
    t.db.upsert(again, &User::email);
    CHECK(again.id == first_id);
    CHECK(t.db.count<User>() == 1);
    const auto row = t.db.find<User>(first_id);
    REQUIRE(row);
    CHECK(row->name == "Ada Lovelace");
    CHECK(row->age == 37);
    CHECK_FALSE(row->active);

    // The same values again: the row exists, so still an update (MySQL reports it as one
    // affected row, like an insert). Inside a transaction the event waits for the commit.
    t.db.transaction([&](Session& s) { s.upsert(again, &User::email); });
    User bob{0, "Bob", "bob@example.com", 17, true, std::nullopt, {}, {}};
    t.db.upsert(bob, &User::email);
    CHECK(bob.id > first_id);

    // Subscribers learn which upserts made a row and which changed one.
    REQUIRE(seen.size() == 4);
    CHECK(seen[0].kind == ChangeKind::insert);
    CHECK(seen[1].kind == ChangeKind::update);
    CHECK(seen[2].kind == ChangeKind::update);
    CHECK(seen[3].kind == ChangeKind::insert);
    for (std::size_t i = 0; i < seen.size(); ++i) {
        REQUIRE(seen[i].key());
        CHECK(*seen[i].key() == Value(i < 3 ? first_id : bob.id));
    }
}

TEST_CASE("retry_transaction runs the body again after a serialization failure, and gives up", "[orm][transactions]") {
    if (!conformance::available()) return;
    Db t;
    int attempts = 0;
    const auto id = t.db.retry_transaction([&](Session& s) {
        ++attempts;
        User u{0, "try" + std::to_string(attempts), "try" + std::to_string(attempts) + "@example.com", 1, true, std::nullopt, {}, {}};
        s.insert(u);
        if (attempts == 1) raise({ErrorCategory::serialization_failure, "could not serialize access", "40001", {}});
        return u.id;
    });
    CHECK(attempts == 2);
    CHECK(t.db.count<User>() == 1);  // the first attempt's insert was rolled back
    CHECK(t.db.find<User>(id)->name == "try2");

    attempts = 0;
    CHECK_THROWS_AS(t.db.retry_transaction(
                        [&](Session&) {
                            ++attempts;
                            raise({ErrorCategory::deadlock, "deadlock detected", "40P01", {}});
                        },
                        3),
                    DeadlockDetected);
    CHECK(attempts == 3);

    attempts = 0;  // other errors are not retried
    CHECK_THROWS_AS(t.db.retry_transaction([&](Session&) {
        ++attempts;
        throw std::runtime_error("bug");
    }),
                    std::runtime_error);
    CHECK(attempts == 1);
}


TEST_CASE("query log: statements with parameters, duration and rows; redaction; slow queries", "[orm][log]") {
    if (!conformance::available()) return;
    Db t;  // creates the tables
    Kernel kernel(LogLevel::off);
    kernel.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    auto capture = std::make_shared<CapturingLogger>();
    kernel.set_logger(capture);

    {
        Database db(kernel, conformance::backend().url);
        db.map(user_mapping());
        User u{0, "Logged", "secret-address@example.com", 40, true, std::nullopt, {}, {}};
        db.insert(u);
        (void)db.select<User>().where(col(&User::age) >= 18).all();
        REQUIRE(capture->lines.size() >= 2);
        const auto& insert_line = capture->lines.front();
        CHECK(insert_line.first == LogLevel::debug);
        CHECK(insert_line.second.find("INSERT INTO") != std::string::npos);
        CHECK(insert_line.second.find("'secret-address@example.com'") != std::string::npos);
        CHECK(insert_line.second.find(" ms, 1 rows]") != std::string::npos);
        // Logged at debug level, statements are timed with the precise clock: microseconds shown.
        CHECK(std::regex_search(insert_line.second, std::regex(R"(^\[\d+\.\d{3} ms, 1 rows\])")));
        CHECK(capture->lines.back().second.find("SELECT") != std::string::npos);
        CHECK(capture->lines.back().second.find("1 rows]") != std::string::npos);
    }

    capture->lines.clear();
    {
        DatabaseOptions options;
        options.log.redact_parameters = true;
        Database db(kernel, conformance::backend().url, options);
        db.map(user_mapping());
        (void)db.select<User>().where(col(&User::email) == std::string("secret-address@example.com")).all();
        REQUIRE_FALSE(capture->lines.empty());
        CHECK(capture->lines.back().second.find("secret-address") == std::string::npos);
        CHECK(capture->lines.back().second.find("params: [?]") != std::string::npos);
    }

    capture->lines.clear();
    capture->threshold = LogLevel::warn;  // debug off: only slow statements reach the log
    {
        DatabaseOptions options;
        options.log.slow_threshold = std::chrono::milliseconds(0);
        Database db(kernel, conformance::backend().url, options);
        db.map(user_mapping());
        CHECK(db.count<User>() == 1);
        REQUIRE(capture->lines.size() == 1);
        CHECK(capture->lines[0].first == LogLevel::warn);
        CHECK(capture->lines[0].second.rfind("slow query (", 0) == 0);
        // Not logged at debug level, statements are timed with the coarse clock (a few ms of
        // resolution): whole milliseconds, no made-up microseconds.
        CHECK(std::regex_search(capture->lines[0].second, std::regex(R"(^slow query \(\d+ ms >= 0 ms, 1 rows\): )")));
    }
}

namespace {
// Three users: Ada (two posts, a profile), Bob (one post), Cy (nothing). Tags on the posts.
struct Blog {
    LoggedKernel logged;
    Db t{logged.kernel};
    User ada, bob, cy;
    Post p1, p2, p3;
    Tag red, blue;
    Blog() {
        ada = t.add("Ada", 36);
        bob = t.add("Bob", 17);
        cy = t.add("Cy", std::nullopt);
        p1 = Post{0, ada.id, "first", 1.5, std::nullopt, {}};
        p2 = Post{0, ada.id, "second", 2.5, std::nullopt, {}};
        p3 = Post{0, bob.id, "third", 3.5, std::nullopt, {}};
        for (auto* p : {&p1, &p2, &p3}) t.db.insert(*p);
        red = Tag{0, "red"};
        blue = Tag{0, "blue"};
        t.db.insert(red);
        t.db.insert(blue);
        t.db.link(p1, &Post::tags, red);
        t.db.link(p1, &Post::tags, blue);
        t.db.link(p3, &Post::tags, blue);
        Profile profile{0, ada.id, "mathematician"};
        t.db.insert(profile);
        logged.log->lines.clear();
    }
};

std::vector<std::string> titles(const std::vector<Post>& posts) {
    std::vector<std::string> out;
    for (const auto& p : posts) out.push_back(p.title);
    return out;
}
std::vector<std::string> labels(const std::vector<Tag>& tags) {
    std::vector<std::string> out;
    for (const auto& t : tags) out.push_back(t.label);
    std::sort(out.begin(), out.end());
    return out;
}
}  // namespace

TEST_CASE("eager loading: has_many, has_one and nested many_to_many, one query per level", "[orm][relations]") {
    if (!conformance::available()) return;
    Blog b;
    const auto users = b.t.db.select<User>()
                           .with(&User::posts, &Post::tags)
                           .with(&User::profile)
                           .order_by(&User::name)
                           .all();
    CHECK(b.logged.log->selects() == 4);  // users, posts, tags, profiles
    REQUIRE(users.size() == 3);
    CHECK(titles(users[0].posts) == std::vector<std::string>{"first", "second"});
    CHECK(labels(users[0].posts[0].tags) == std::vector<std::string>{"blue", "red"});
    CHECK(users[0].posts[1].tags.empty());
    REQUIRE(users[0].profile);
    CHECK(users[0].profile->bio == "mathematician");
    CHECK(titles(users[1].posts) == std::vector<std::string>{"third"});
    CHECK(labels(users[1].posts[0].tags) == std::vector<std::string>{"blue"});
    CHECK_FALSE(users[1].profile);
    CHECK(users[2].posts.empty());

    // Without with(), relations stay empty and no extra query runs.
    b.logged.log->lines.clear();
    const auto plain = b.t.db.select<User>().order_by(&User::name).all();
    CHECK(plain[0].posts.empty());
    CHECK(b.logged.log->selects() == 1);
}

TEST_CASE("eager loading: belongs_to shares one parent query among many children", "[orm][relations]") {
    if (!conformance::available()) return;
    Blog b;
    const auto posts = b.t.db.select<Post>().with(&Post::author).order_by(&Post::title).all();
    CHECK(b.logged.log->selects() == 2);
    REQUIRE(posts.size() == 3);
    REQUIRE(posts[0].author);
    CHECK(posts[0].author->name == "Ada");
    CHECK(posts[1].author->name == "Ada");
    CHECK(posts[2].author->name == "Bob");
}

TEST_CASE("eager loading batches many parents into IN lists, not one query per row", "[orm][relations]") {
    if (!conformance::available()) return;
    LoggedKernel logged;
    Db t(logged.kernel);
    std::vector<User> users;
    for (int i = 0; i < 300; ++i)
        users.push_back(User{0, "u" + std::to_string(i), "u" + std::to_string(i) + "@example.com", 20, true, std::nullopt, {}, {}});
    t.db.insert_many(users);
    std::vector<Post> posts;
    for (const auto& u : users)
        for (int k = 0; k < 3; ++k) posts.push_back(Post{0, u.id, u.name + "/" + std::to_string(k), 0, std::nullopt, {}});
    t.db.insert_many(posts);
    logged.log->lines.clear();
    const auto loaded = t.db.select<User>().with(&User::posts).all();
    CHECK(logged.log->selects() == 2);
    REQUIRE(loaded.size() == 300);
    for (const auto& u : loaded) {
        REQUIRE(u.posts.size() == 3);
        CHECK(u.posts[0].title == u.name + "/0");
    }
}

TEST_CASE("eager loading gives each related row to every owner with its key", "[orm][relations]") {
    if (!conformance::available()) return;
    Blog b;
    // The same user twice: the rows are filled into the first copy and copied to the second.
    auto users = b.t.db.select<User>().order_by(&User::name).all();
    users.push_back(users[0]);
    b.t.db.load(users, &User::posts, &Post::author);
    CHECK(titles(users[0].posts) == std::vector<std::string>{"first", "second"});
    CHECK(titles(users.back().posts) == titles(users[0].posts));
    REQUIRE(users.back().posts[1].author);
    CHECK(users.back().posts[1].author->name == "Ada");
    CHECK(users[2].posts.empty());
}

TEST_CASE("lazy loading on request, for one object or many", "[orm][relations]") {
    if (!conformance::available()) return;
    Blog b;
    auto ada = *b.t.db.find<User>(b.ada.id);
    CHECK(ada.posts.empty());
    b.t.db.load(ada, &User::posts);
    CHECK(titles(ada.posts) == std::vector<std::string>{"first", "second"});
    b.t.db.load(ada, &User::posts);  // loading again replaces, never duplicates
    CHECK(ada.posts.size() == 2);

    auto users = b.t.db.select<User>().order_by(&User::name).all();
    b.logged.log->lines.clear();
    b.t.db.load(users, &User::posts, &Post::author);
    CHECK(b.logged.log->selects() == 2);
    REQUIRE(users[0].posts.size() == 2);
    REQUIRE(users[0].posts[0].author);
    CHECK(users[0].posts[0].author->email == "Ada@example.com");
}

TEST_CASE("many-to-many: link and unlink through the join table", "[orm][relations]") {
    if (!conformance::available()) return;
    Blog b;
    b.t.db.link(b.p2, &Post::tags, b.red);
    auto p2 = *b.t.db.find<Post>(b.p2.id);
    b.t.db.load(p2, &Post::tags);
    CHECK(labels(p2.tags) == std::vector<std::string>{"red"});
    CHECK_THROWS_AS(b.t.db.link(b.p2, &Post::tags, b.red), UniqueViolation);  // already linked

    b.t.db.unlink(b.p1, &Post::tags, b.red);
    auto p1 = *b.t.db.find<Post>(b.p1.id);
    b.t.db.load(p1, &Post::tags);
    CHECK(labels(p1.tags) == std::vector<std::string>{"blue"});

    Tag unsaved{0, "green"};
    CHECK_THROWS_AS(b.t.db.link(b.p1, &Post::tags, unsaved), InvalidValue);
    // Deleting a post removes its links (ON DELETE CASCADE on the join table).
    b.t.db.remove(b.p3);
    auto blue_posts = b.t.db.select<Post>().with(&Post::tags).all();
    std::size_t blue_links = 0;
    for (const auto& p : blue_posts)
        for (const auto& tag : p.tags) blue_links += tag.label == "blue" ? 1 : 0;
    CHECK(blue_links == 1);
}

TEST_CASE("grouping: group_by, having, aggregates into typed tuples", "[orm][query][aggregate]") {
    if (!conformance::available()) return;
    Blog b;
    auto& db = b.t.db;
    const auto per_user = db.select<User>()
                              .join<Post>(col(&Post::user_id) == col(&User::id))
                              .group_by(&User::name)
                              .order_by(&User::name)
                              .columns(&User::name, rex::count(), rex::sum(&Post::score), rex::avg(&Post::score), rex::max(&Post::title))
                              .all();
    REQUIRE(per_user.size() == 2);
    const auto& [name, posts, total, mean, last_title] = per_user[0];
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(posts)>, std::int64_t>);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(total)>, std::optional<double>>);
    CHECK(name == "Ada");
    CHECK(posts == 2);
    CHECK(total == Approx(4.0));
    CHECK(mean == Approx(2.0));
    CHECK(last_title == std::optional<std::string>("second"));
    CHECK(std::get<0>(per_user[1]) == "Bob");
    CHECK(std::get<1>(per_user[1]) == 1);

    const auto busy = db.select<User>()
                          .join<Post>(col(&Post::user_id) == col(&User::id))
                          .group_by(&User::id, &User::name)
                          .having(rex::count() >= 2)
                          .columns(&User::name)
                          .all();
    REQUIRE(busy.size() == 1);
    CHECK(std::get<0>(busy[0]) == "Ada");

    // SUM over integers is an int64 on every database (PostgreSQL and MariaDB answer a decimal).
    const auto ages = db.select<User>().columns(rex::sum(&User::age), rex::min(&User::age), rex::count(&User::age)).first();
    REQUIRE(ages);
    CHECK(std::get<0>(*ages) == std::optional<std::int64_t>(53));
    CHECK(std::get<1>(*ages) == std::optional<int>(17));
    CHECK(std::get<2>(*ages) == 2);  // COUNT(age) skips Cy's NULL
    // Over no rows: NULL, not zero.
    const auto none = db.select<User>().where(col(&User::age) > 1000).columns(rex::max(&User::age), rex::count()).first();
    REQUIRE(none);
    CHECK_FALSE(std::get<0>(*none).has_value());
    CHECK(std::get<1>(*none) == 0);
    CHECK(db.select<Post>().columns(rex::count_distinct(&Post::user_id)).first() == std::tuple<std::int64_t>(2));

    // Order by an aggregate.
    const auto most = db.select<User>()
                          .left_join<Post>(col(&Post::user_id) == col(&User::id))
                          .group_by(&User::name)
                          .order_by(rex::count(&Post::id), rex::descending)
                          .columns(&User::name, rex::count(&Post::id))
                          .all();
    REQUIRE(most.size() == 3);
    CHECK(most[0] == std::tuple<std::string, std::int64_t>{"Ada", 2});
    CHECK(most[2] == std::tuple<std::string, std::int64_t>{"Cy", 0});
    CHECK_THROWS_AS(db.select<User>().group_by(&User::name).count(), UnsupportedError);
}

TEST_CASE("subqueries: in, not in, exists, not exists, scalar", "[orm][query][subquery]") {
    if (!conformance::available()) return;
    Blog b;
    auto& db = b.t.db;
    const auto high_scorers = db.select<User>()
                                  .where(col(&User::id).in(db.select<Post>().where(col(&Post::score) > 2.0).columns(&Post::user_id)))
                                  .order_by(&User::name)
                                  .all();
    CHECK(names(high_scorers) == std::vector<std::string>{"Ada", "Bob"});
    CHECK(names(db.select<User>().where(col(&User::id).not_in(db.select<Post>().columns(&Post::user_id))).all()) ==
          std::vector<std::string>{"Cy"});

    const auto authors = db.select<User>()
                             .where(rex::exists(db.select<Post>().outer<User>().where(col(&Post::user_id) == col(&User::id))))
                             .order_by(&User::name)
                             .all();
    CHECK(names(authors) == std::vector<std::string>{"Ada", "Bob"});
    const auto silent = db.select<User>()
                            .where(rex::not_exists(db.select<Post>().outer<User>().where(col(&Post::user_id) == col(&User::id))))
                            .all();
    CHECK(names(silent) == std::vector<std::string>{"Cy"});

    const auto post_counts =
        db.select<User>()
            .order_by(&User::name)
            .columns(&User::name,
                     rex::scalar(db.select<Post>().outer<User>().where(col(&Post::user_id) == col(&User::id)).columns(rex::count())))
            .all();
    REQUIRE(post_counts.size() == 3);
    CHECK(std::get<1>(post_counts[0]) == std::optional<std::int64_t>(2));
    CHECK(std::get<1>(post_counts[2]) == std::optional<std::int64_t>(0));

    // Older than the average (26.5): a scalar subquery compared like a column.
    const auto older = db.select<User>().where(col(&User::age) > rex::scalar(db.select<User>().columns(rex::avg(&User::age)))).all();
    CHECK(names(older) == std::vector<std::string>{"Ada"});
}

TEST_CASE("not like, nulls first/last, right join, raw SQL fragments", "[orm][query]") {
    if (!conformance::available()) return;
    Blog b;
    auto& db = b.t.db;
    CHECK(names(db.select<User>().where(col(&User::name).not_like("A%")).order_by(&User::name).all()) ==
          std::vector<std::string>{"Bob", "Cy"});
    CHECK(names(db.select<User>().order_by(&User::age, false, Nulls::last).all()) == std::vector<std::string>{"Bob", "Ada", "Cy"});
    CHECK(names(db.select<User>().order_by(&User::age, true, Nulls::first).all()) == std::vector<std::string>{"Cy", "Ada", "Bob"});
    CHECK(names(db.select<User>().order_by(&User::age, false, Nulls::first).all()) == std::vector<std::string>{"Cy", "Bob", "Ada"});

    // Every post with its author, through a right join from users.
    const auto rows = db.select<User>()
                          .right_join<Post>(col(&Post::user_id) == col(&User::id))
                          .order_by(&Post::title)
                          .columns(&Post::title, &User::name)
                          .all();
    REQUIRE(rows.size() == 3);
    CHECK(rows[0] == std::tuple<std::string, std::string>{"first", "Ada"});

    const auto ada = db.select<User>().where(rex::raw_sql("lower(name) = lower(?)", {Value("ADA")}) && col(&User::age) > 1).all();
    CHECK(names(ada) == std::vector<std::string>{"Ada"});
    const auto compiled = db.select<User>().where(rex::raw_sql("lower(name) = lower(?)", {Value("ADA")})).to_sql();
    REQUIRE(compiled.params.size() == 1);
    CHECK(compiled.params[0] == Value("ADA"));
}

TEST_CASE("update writes only what changed: tracked objects and named members", "[orm][update]") {
    if (!conformance::available()) return;
    LoggedKernel logged;
    Db t(logged.kernel);
    auto ada = t.add("Ada", 36);
    auto tracked = t.db.find_tracked<User>(ada.id);
    REQUIRE(tracked);
    logged.log->lines.clear();
    CHECK_FALSE(t.db.update(*tracked));  // nothing changed: no SQL at all
    CHECK(logged.log->lines.empty());

    (*tracked)->age = 37;
    CHECK(t.db.update(*tracked));
    REQUIRE(logged.log->lines.size() == 1);
    const auto& line = logged.log->lines[0].second;
    CHECK(line.find("UPDATE") != std::string::npos);
    CHECK(line.find("age") != std::string::npos);
    CHECK(line.find("name") == std::string::npos);
    CHECK(line.find("email") == std::string::npos);
    CHECK(t.db.find<User>(ada.id)->age == 37);
    logged.log->lines.clear();
    CHECK_FALSE(t.db.update(*tracked));  // saved: the snapshot moved on
    CHECK(logged.log->lines.empty());

    // Another writer's change to a column this object did not touch survives.
    t.db.session().execute(conformance::sql("UPDATE " + conformance::dialect().quote_identifier(user_mapping().model().table) +
                                            " SET name = ? WHERE id = ?"),
                           {Value("Ada Lovelace"), Value(ada.id)});
    (*tracked)->active = false;
    CHECK(t.db.update(*tracked));
    const auto row = t.db.find<User>(ada.id);
    CHECK(row->name == "Ada Lovelace");
    CHECK_FALSE(row->active);

    // Named members only.
    auto copy = *row;
    copy.name = "ignored";
    copy.age = 40;
    logged.log->lines.clear();
    t.db.update(copy, &User::age);
    CHECK(logged.log->lines.at(0).second.find("name") == std::string::npos);
    CHECK(t.db.find<User>(ada.id)->name == "Ada Lovelace");
    CHECK(t.db.find<User>(ada.id)->age == 40);

    auto fresh = t.db.track(User{0, "New", "new@example.com", 1, true, std::nullopt, {}, {}});
    t.db.insert(*fresh);
}

TEST_CASE("the update event of a tracked object carries the row it replaced; an untracked one has none", "[orm][update][changes]") {
    if (!conformance::available()) return;
    Kernel kernel(LogLevel::warn);
    kernel.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    Db t(kernel);
    auto ada = t.add("Ada", 36);
    auto& bus = kernel.changes();
    std::vector<ChangeEvent> seen;
    auto subscription = bus.subscribe({{"users"}}, bus.last_sequence(), [&](const ChangeEvent& e) { seen.push_back(e); });
    auto tracked = t.db.find_tracked<User>(ada.id);
    REQUIRE(tracked);
    (*tracked)->age = 37;
    CHECK(t.db.update(*tracked));
    auto plain = *t.db.find<User>(ada.id);
    plain.age = 38;
    t.db.update(plain);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].kind == ChangeKind::update);
    REQUIRE(seen[0].old_values.size() == seen[0].values.size());
    const auto age = static_cast<std::size_t>(std::find(seen[0].shape->fields.begin(), seen[0].shape->fields.end(), "age") -
                                              seen[0].shape->fields.begin());
    REQUIRE(age < seen[0].values.size());
    CHECK(seen[0].old_values[age].as_int64() == 36);
    CHECK(seen[0].values[age].as_int64() == 37);
    CHECK(seen[1].old_values.empty());  // not tracked: the row before is unknown
}

TEST_CASE("lifecycle hooks run around create, update and remove", "[orm][hooks]") {
    if (!conformance::available()) return;
    Db t;
    std::vector<std::string> calls;
    auto mapping = user_mapping();
    mapping
        .before_create([&](User& u) {
            calls.push_back("before_create " + u.name);
            for (auto& c : u.email) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        })
        .after_create([&](User& u) { calls.push_back("after_create " + std::to_string(u.id > 0)); })
        .before_update([&](User& u) {
            calls.push_back("before_update " + u.name);
            u.age = u.age.value_or(0) + 1;
        })
        .after_update([&](User& u) { calls.push_back("after_update " + u.name); })
        .before_remove([&](const User& u) {
            calls.push_back("before_remove " + u.name);
            if (u.name == "Keep") throw std::runtime_error("Keep is protected");
        })
        .after_remove([&](const User& u) { calls.push_back("after_remove " + u.name); });
    t.db.map(mapping);

    User ada{0, "Ada", "ADA@Example.COM", 36, true, std::nullopt, {}, {}};
    t.db.insert(ada);
    CHECK(t.db.find<User>(ada.id)->email == "ada@example.com");
    t.db.update(ada);
    CHECK(t.db.find<User>(ada.id)->age == 37);
    t.db.remove(ada);
    CHECK(calls == std::vector<std::string>{"before_create Ada", "after_create 1", "before_update Ada", "after_update Ada",
                                            "before_remove Ada", "after_remove Ada"});

    // Bulk writes run every object's hooks, each in order, the after hooks with the keys filled.
    calls.clear();
    std::vector<User> pair{{0, "Bo", "BO@example.com", 20, true, std::nullopt, {}, {}},
                           {0, "Cy", "CY@example.com", 30, true, std::nullopt, {}, {}}};
    t.db.insert_many(pair);
    CHECK(pair[0].id > 0);
    CHECK(pair[1].id > pair[0].id);
    CHECK(t.db.find<User>(pair[1].id)->email == "cy@example.com");
    t.db.update_many(pair);
    CHECK(t.db.find<User>(pair[0].id)->age == 21);
    CHECK(calls == std::vector<std::string>{"before_create Bo", "before_create Cy", "after_create 1", "after_create 1",
                                            "before_update Bo", "before_update Cy", "after_update Bo", "after_update Cy"});
    for (auto& u : pair) t.db.remove(u);

    User keep{0, "Keep", "keep@example.com", 1, true, std::nullopt, {}, {}};
    t.db.insert(keep);
    CHECK_THROWS_WITH(t.db.remove(keep), "Keep is protected");
    CHECK(t.db.find<User>(keep.id).has_value());

    // An after hook that throws rolls the enclosing transaction back.
    auto strict = user_mapping();
    strict.after_create([](User&) { throw std::runtime_error("audit log unavailable"); });
    t.db.map(strict);
    CHECK_THROWS_WITH(t.db.transaction([&](Session& s) {
        User x{0, "X", "x@example.com", 1, true, std::nullopt, {}, {}};
        s.insert(x);
    }),
                      "audit log unavailable");
    CHECK(t.db.count<User>() == 1);
}

namespace {
struct Reading {
    std::int64_t id{};
    std::string name;
    std::optional<std::string> nick;
    double price{};
    std::optional<std::int32_t> qty;
};
}  // namespace

TEST_CASE("hydration reads cells straight or through values with the same results and errors", "[orm][hydration]") {
    if (!conformance::available()) return;
    Db t;
    auto s = t.db.session();
    const auto table = conformance::table("readings");
    const auto& d = conformance::dialect();
    const auto q = d.quote_identifier(table);
    s.execute("CREATE TABLE " + q + " (id BIGINT NOT NULL, name VARCHAR(50), nick VARCHAR(50), price DOUBLE PRECISION, qty BIGINT)");
    s.execute(conformance::sql("INSERT INTO " + q + " VALUES (1, 'Ada', '', 2.5, 7), (2, 'Bob', NULL, -0.25, NULL), (3, NULL, 'x', 0, 3000000000)"));
    t.db.map(rex::entity<Reading>(table).field(&Reading::id, "id").field(&Reading::name, "name").field(&Reading::nick, "nick")
                 .field(&Reading::price, "price").field(&Reading::qty, "qty"));

    const auto ok = t.db.raw<Reading>("SELECT id, name, nick, price, qty FROM " + q + " WHERE id < 3 ORDER BY id");
    REQUIRE(ok.size() == 2);
    CHECK(ok[0].name == "Ada");
    REQUIRE(ok[0].nick);
    CHECK(ok[0].nick->empty());  // '' is not NULL
    CHECK(ok[0].price == 2.5);
    CHECK(ok[0].qty == 7);
    CHECK_FALSE(ok[1].nick);  // NULL
    CHECK(ok[1].price == -0.25);
    CHECK_FALSE(ok[1].qty);
    // The same columns as expressions of another declared kind take the general path.
    const auto cast = t.db.raw<Reading>(conformance::sql("SELECT id, name, nick, CAST(price AS DECIMAL(10,2)) AS price, qty FROM " + q +
                                                         " WHERE id = 1"));
    REQUIRE(cast.size() == 1);
    CHECK(cast[0].price == 2.5);
    // A NULL for a member that cannot hold one, and a number too large for its member, are errors.
    CHECK_THROWS_WITH(t.db.raw<Reading>("SELECT id, name FROM " + q + " WHERE id = 3"),
                      Catch::Contains("column 'name' into field 'name': NULL read for a member that is not a std::optional"));
    CHECK_THROWS_WITH(t.db.raw<Reading>("SELECT id, qty FROM " + q + " WHERE id = 3"),
                      Catch::Contains("column 'qty' into field 'qty'") && Catch::Contains("does not fit"));
    CHECK_THROWS_WITH(t.db.raw<Reading>("SELECT qty AS id FROM " + q + " WHERE id = 2"),
                      Catch::Contains("column 'id' into field 'id': NULL read for a member that is not a std::optional"));
    s.execute("DROP TABLE " + q);
}

TEST_CASE("after-commit change events reach the kernel change bus, in order, only when committed", "[orm][events]") {
    if (!conformance::available()) return;
    LoggedKernel logged;
    Db t(logged.kernel);
    auto& bus = logged.kernel.changes();
    std::vector<ChangeEvent> seen;
    auto subscription = bus.subscribe({{"users"}}, bus.last_sequence(), [&](const ChangeEvent& e) { seen.push_back(e); });

    auto ada = t.add("Ada", 36);  // no transaction: published at once
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].kind == ChangeKind::insert);
    CHECK(seen[0].entity() == "users");
    REQUIRE(seen[0].key());
    CHECK(*seen[0].key() == Value(ada.id));  // the generated key, filled before publishing
    CHECK(key_to_json(seen[0]).text == "{\"id\":" + std::to_string(ada.id) + "}");
    CHECK(row_to_json(seen[0]).text.find("\"name\":\"Ada\"") != std::string::npos);
    CHECK(row_to_json(seen[0]).text.find("\"age\":36") != std::string::npos);
    REQUIRE(seen[0].value("email"));
    CHECK(*seen[0].value("email") == Value("Ada@example.com"));
    CHECK(seen[0].value("no_such_field") == nullptr);

    const auto before_commit = std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch()).count();
    t.db.transaction([&](Session& s) {
        User b{0, "Bea", "bea@example.com", 20, true, std::nullopt, {}, {}};
        s.insert(b);
        CHECK(seen.size() == 1);  // not before the commit
        try {
            s.transaction([&](Session& inner) {
                User c{0, "Cid", "cid@example.com", 20, true, std::nullopt, {}, {}};
                inner.insert(c);
                throw std::runtime_error("undo the savepoint");
            });
        } catch (const std::runtime_error&) {
        }
        s.transaction([&](Session& inner) {
            User d{0, "Dee", "dee@example.com", 20, true, std::nullopt, {}, {}};
            inner.insert(d);
        });
        CHECK(seen.size() == 1);
    });
    REQUIRE(seen.size() == 3);  // Bea and Dee; Cid went with its savepoint
    CHECK(*seen[1].value("name") == Value("Bea"));
    CHECK(*seen[2].value("name") == Value("Dee"));
    CHECK(seen[1].sequence < seen[2].sequence);
    // Stamped when the commit made them visible: one time for the whole transaction.
    CHECK(seen[1].at == seen[2].at);
    CHECK(seen[1].at.micros >= before_commit);
    CHECK(seen[0].at.micros <= seen[1].at.micros);

    CHECK_THROWS(t.db.transaction([&](Session& s) {
        User e{0, "Eve", "eve@example.com", 20, true, std::nullopt, {}, {}};
        s.insert(e);
        throw std::runtime_error("roll back");
    }));
    CHECK(seen.size() == 3);

    ada.age = 37;
    t.db.update(ada);
    t.db.remove(ada);
    REQUIRE(seen.size() == 5);
    CHECK(seen[3].kind == ChangeKind::update);
    CHECK(*seen[3].value("age") == Value(37));
    CHECK(row_to_json(seen[3]).text.find("\"age\":37") != std::string::npos);
    CHECK(seen[4].kind == ChangeKind::remove);

    // Other entities are filtered out by the subscription.
    Tag tag{0, "x"};
    t.db.insert(tag);
    CHECK(seen.size() == 5);
}

TEST_CASE("repositories: get, exists, save, pages with totals", "[orm][repository]") {
    if (!conformance::available()) return;
    Db t;
    Repository<User> users(t.db);
    for (int i = 0; i < 23; ++i) t.add("u" + std::to_string(i), i);
    CHECK(users.count() == 23);

    const auto third = users.page(3, 10);
    CHECK(third.total == 23);
    CHECK(third.pages() == 3);
    REQUIRE(third.items.size() == 3);
    CHECK(third.items[0].name == "u20");
    const auto adults = users.page(1, 5, col(&User::age) >= 18);
    CHECK(adults.total == 5);
    CHECK(names(adults.items) == std::vector<std::string>{"u18", "u19", "u20", "u21", "u22"});
    CHECK_THROWS_AS(users.page(0, 10), InvalidValue);

    User fresh{0, "Fresh", "fresh@example.com", 30, true, std::nullopt, {}, {}};
    users.save(fresh);  // no key yet: insert
    CHECK(fresh.id > 0);
    fresh.age = 31;
    users.save(fresh);  // has a key: update
    CHECK(users.get(fresh.id).age == 31);
    CHECK(users.exists(fresh.id));
    users.remove(fresh);
    CHECK_FALSE(users.exists(fresh.id));
    CHECK_THROWS_AS(users.get(fresh.id), NotFoundError);
}

TEST_CASE("indexes from the mapping are created and unique ones enforced", "[orm][schema]") {
    if (!conformance::available()) return;
    Db t;
    Tag a{0, "same"};
    t.db.insert(a);
    Tag b{0, "same"};
    CHECK_THROWS_AS(t.db.insert(b), UniqueViolation);
    const auto info = conformance::kernel().catalog().find_entity("tags");
    REQUIRE(info);
    REQUIRE(info->indexes.size() == 1);
    CHECK(info->indexes[0].unique);
    CHECK(info->indexes[0].fields == std::vector<std::string>{"label"});
    const auto posts = conformance::kernel().catalog().find_entity("posts");
    REQUIRE(posts);
    CHECK(posts->indexes.at(0).fields == std::vector<std::string>{"user_id", "score"});
    REQUIRE(posts->relation("tags"));
    CHECK(posts->relation("tags")->target == "tags");
    CHECK(posts->relation("author")->foreign_key == "user_id");
}

namespace {
// A narrower view of the users table, mapped on the same Database.
struct UserName {
    std::int64_t id{};
    std::string name;
};
}  // namespace

TEST_CASE("two classes mapped onto one table keep their own statements", "[orm]") {
    if (!conformance::available()) return;
    Db t;
    t.db.map(entity<UserName>(user_mapping().model().table).named("user_names").id(&UserName::id).field(&UserName::name, "name"));
    const auto ada = t.add("Ada", 36);
    const auto narrow = t.db.find<UserName>(ada.id);  // its two-column statement is cached first
    const auto full = t.db.find<User>(ada.id);
    REQUIRE(full);
    REQUIRE(narrow);
    CHECK(full->email == "Ada@example.com");
    CHECK(narrow->name == "Ada");
    UserName renamed{ada.id, "Ada L."};
    t.db.update(renamed);
    CHECK(t.db.find<User>(ada.id)->name == "Ada L.");
    CHECK(t.db.find<User>(ada.id)->age == 36);  // the narrow update did not touch other columns
}

TEST_CASE("offset without a limit works on every database", "[orm][query]") {
    if (!conformance::available()) return;
    Db t;
    t.add("Ada", 36);
    t.add("Bob", 17);
    t.add("Cy", 5);
    CHECK(names(t.db.select<User>().order_by(&User::name).offset(1).all()) == std::vector<std::string>{"Bob", "Cy"});
}

TEST_CASE("a negative limit or offset is one clear error on every database", "[orm][query]") {
    if (!conformance::available()) return;
    Db t;
    t.add("Ada", 36);
    t.add("Bob", 17);
    // SQLite alone would read LIMIT -1 as "every row".
    CHECK_THROWS_AS(t.db.select<User>().limit(-1).all(), InvalidValue);
    CHECK_THROWS_WITH(t.db.select<User>().limit(-1).all(), "limit must not be negative (is -1)");
    CHECK_THROWS_WITH(t.db.select<User>().limit(1).offset(-2).all(), "offset must not be negative (is -2)");
    CHECK_THROWS_WITH(DynamicQuery(t.db, "users").limit(-1), Catch::Contains("limit must not be negative (is -1)"));
    CHECK(t.db.select<User>().limit(0).all().empty());
}

TEST_CASE("typed writes check string(n) lengths as DynamicQuery does, before any SQL", "[orm][validation]") {
    if (!conformance::available()) return;
    Db t;
    const std::string too_long(51, 'x');
    const auto message = "tags.label is string(50); the value has 51 characters";
    Tag tag{0, too_long};
    CHECK_THROWS_AS(t.db.insert(tag), InvalidValue);
    CHECK_THROWS_WITH(t.db.insert(tag), message);
    CHECK_THROWS_WITH(DynamicQuery(t.db, "tags").insert({{"label", Value(too_long)}}), message);
    // Characters, not bytes: 50 two-byte letters fit.
    std::string accents;
    for (int i = 0; i < 50; ++i) accents += "\xc3\xa9";
    Tag fits{0, accents};
    t.db.insert(fits);
    fits.label = too_long;
    CHECK_THROWS_WITH(t.db.update(fits), message);
    CHECK_THROWS_WITH(t.db.update(fits, &Tag::label), message);
    CHECK_THROWS_WITH(t.db.upsert(fits, &Tag::label), message);
    std::vector<Tag> many{{0, "short"}, {0, too_long}};
    CHECK_THROWS_WITH(t.db.insert_many(many), "tags[1].label is string(50); the value has 51 characters");
    auto stored = t.db.select<Tag>().all();
    REQUIRE(stored.size() == 1);
    CHECK(stored[0].label == accents);
    stored[0].label = too_long;
    CHECK_THROWS_WITH(t.db.update_many(stored), "tags[0].label is string(50); the value has 51 characters");
}

TEST_CASE("mapping classes while other threads query: readers keep a consistent model", "[orm][concurrency]") {
    if (!conformance::available()) return;
    Db t;
    t.add("Ada", 36);
    std::atomic<bool> stop{false};
    std::atomic<int> reads{0}, failures{0};
    std::vector<std::thread> readers;
    for (int i = 0; i < 3; ++i)
        readers.emplace_back([&] {
            while (!stop) {
                try {
                    auto found = t.db.select<User>().where(col(&User::name) == std::string("Ada")).all();
                    if (found.size() != 1 || found[0].age != 36 || found[0].email != "Ada@example.com") ++failures;
                    ++reads;
                } catch (...) {
                    ++failures;
                }
            }
        });
    // Mapping the same classes again replaces their models (and the model set) under the readers,
    // once they are reading.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (reads == 0 && failures == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    for (int maps = 0; maps < 300 && (maps < 50 || reads < 200) && std::chrono::steady_clock::now() < until; ++maps)
        t.db.map(user_mapping()).map(post_mapping());
    stop = true;
    for (auto& r : readers) r.join();
    CHECK(reads > 0);
    CHECK(failures == 0);
    CHECK(t.db.select<Post>().all().empty());
}

TEST_CASE("the query log cuts huge SQL and parameter lists, saying how much it left out", "[orm][log]") {
    if (!conformance::available()) return;
    Db t;
    LoggedKernel k;
    Database db(k.kernel, conformance::backend().url);
    db.map(user_mapping());
    std::vector<std::string> many;
    for (int i = 0; i < 900; ++i) many.push_back("name " + std::to_string(i));  // one parameter each (up to 1000)
    CHECK(db.select<User>().where(col(&User::name).in(many)).all().empty());
    REQUIRE_FALSE(k.log->lines.empty());
    const auto& line = k.log->lines.back().second;
    CHECK(line.size() < 3000);
    CHECK(line.find("'name 19', ... (880 more)]") != std::string::npos);
    CHECK(line.find(" more bytes) -- params: ['name 0', ") != std::string::npos);
}

TEST_CASE("in() with 100 000 integers or texts is one statement on every database", "[orm][query]") {
    if (!conformance::available()) return;
    Db t;
    const auto ada = t.add("Ada", 36);
    const auto bob = t.add("Bob", 17);
    t.add("Cy", 5);
    std::vector<std::int64_t> ids;
    std::vector<std::string> texts;
    for (std::int64_t i = 0; i < 100'000; ++i) {
        ids.push_back(i == 50'000 ? ada.id : -i - 1);
        texts.push_back(i == 70'000 ? "Bob" : "nobody \"" + std::to_string(i) + "\\ \xc3\xa9");  // quotes and escapes travel too
    }
    ids.push_back(bob.id);
    CHECK(names(t.db.select<User>().where(col(&User::id).in(ids)).order_by(&User::name).all()) == std::vector<std::string>{"Ada", "Bob"});
    CHECK(names(t.db.select<User>().where(col(&User::id).not_in(ids)).all()) == std::vector<std::string>{"Cy"});
    CHECK(names(t.db.select<User>().where(col(&User::name).in(texts)).all()) == std::vector<std::string>{"Bob"});
    CHECK(names(t.db.select<User>().where(col(&User::name).not_in(texts)).order_by(&User::name).all()) ==
          std::vector<std::string>{"Ada", "Cy"});
    // DynamicQuery compiles its in filter the same way.
    std::vector<Value> values(texts.begin(), texts.end());
    CHECK(DynamicQuery(t.db, "users").where("name", "in", values).count() == 1);
}
