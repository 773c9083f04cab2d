// The ORM on every backend: typed models, CRUD, queries, validation, transactions.
#include "../conformance/context.hpp"
#include "models.hpp"

#include <catch2/catch.hpp>

using namespace rex;
using namespace orm_test;

namespace {

struct Db {
    Database db{conformance::kernel(), conformance::backend().url};
    Db() {
        db.map(user_mapping()).map(post_mapping());
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
        User u{0, name, name + "@example.com", age, active, std::nullopt};
        db.insert(u);
        return u;
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
    User ada{0, "Ada", "ada@example.com", 36, true, parse_timestamp("2024-01-02T03:04:05Z")};
    t.db.insert(ada);
    CHECK(ada.id > 0);
    User bob{0, "Bob", "bob@example.com", std::nullopt, false, std::nullopt};
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
        Post p{0, user, title, score};
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
    User bad{0, "", "not-an-email", 200, true, std::nullopt};
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
        User a{0, "A", "a@example.com", 1, true, std::nullopt};
        s.insert(a);
    });
    CHECK(t.db.count<User>() == 1);

    CHECK_THROWS_AS(t.db.transaction([&](Session& s) {
        User b{0, "B", "b@example.com", 2, true, std::nullopt};
        s.insert(b);
        throw std::runtime_error("changed my mind");
    }),
                    std::runtime_error);
    CHECK(t.db.count<User>() == 1);

    const auto kept = t.db.transaction([&](Session& s) {
        User c{0, "C", "c@example.com", 3, true, std::nullopt};
        s.insert(c);
        try {
            s.transaction([&](Session& inner) {
                User dup{0, "Dup", "c@example.com", 4, true, std::nullopt};  // unique email
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
