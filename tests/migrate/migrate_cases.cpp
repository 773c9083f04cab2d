// The migration runner on every backend: order, history, status, roll back, a failure in the
// middle, changed and missing migrations, code migrations, and two real processes racing.
#include "../conformance/context.hpp"
#include "subprocess.hpp"

#include <rex/migrate.hpp>
#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

using namespace rex;
namespace fs = std::filesystem;

namespace {

// A migrations folder and a history table of the case's own; dropped afterwards.
struct Workspace {
    fs::path dir;
    std::string history = conformance::table("hist");
    std::vector<std::string> tables;  // created by the migrations
    Workspace() {
        static int n = 0;
        dir = fs::temp_directory_path() / ("rex-migrate-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~Workspace() {
        try {
            auto c = conformance::connect();
            for (const auto& t : tables) conformance::drop_table(*c, t);
            conformance::drop_table(*c, history);
        } catch (...) {
        }
        fs::remove_all(dir);
    }
    std::string table(const std::string& stem) {
        tables.push_back(conformance::table(stem));
        return conformance::dialect().quote_identifier(tables.back());
    }
    void write(const std::string& id, const std::string& up, const std::string& down = "") const {
        fs::create_directories(dir / id);
        std::ofstream(dir / id / "up.sql") << up;
        if (!down.empty()) std::ofstream(dir / id / "down.sql") << down;
    }
    MigrationRunner runner(std::vector<std::string>* progress = nullptr) const {
        MigrationOptions options;
        options.history_table = history;
        if (progress) options.progress = [progress](const std::string& line) { progress->push_back(line); };
        return MigrationRunner(conformance::kernel(), conformance::backend().url, read_migrations(dir), options);
    }
    std::int64_t rows(const std::string& quoted_table) const {
        return conformance::connect()->execute("SELECT COUNT(*) FROM " + quoted_table).rows.at(0).at(0).as_int64();
    }
    bool exists(const std::string& name) const {
        auto c = conformance::connect();
        for (const auto& row : c->execute(conformance::dialect().list_tables_sql()).rows)
            if (row.at(0).to_display() == name) return true;
        return false;
    }
};

std::vector<std::string> states(const std::vector<MigrationStatus>& all) {
    std::vector<std::string> out;
    for (const auto& s : all) out.push_back(s.id + ":" + std::string(to_string(s.state)));
    return out;
}

bool transactional() { return conformance::dialect().features().transactional_ddl; }

}  // namespace

TEST_CASE("up applies pending migrations in order, once; down rolls back", "[migrate]") {
    if (!conformance::available()) return;
    Workspace w;
    const auto a = w.table("a");
    const auto b = w.table("b");
    w.write("002_b", "CREATE TABLE " + b + " (id INT PRIMARY KEY, a_id INT);\nINSERT INTO " + b + " VALUES (1, 1);",
            "DROP TABLE " + b + ";");
    w.write("001_a", "CREATE TABLE " + a + " (id INT PRIMARY KEY);\nINSERT INTO " + a + " VALUES (1);\n", "DROP TABLE " + a + ";");

    auto runner = w.runner();
    CHECK(states(runner.status()) == std::vector<std::string>{"001_a:pending", "002_b:pending"});
    std::vector<std::string> progress;
    auto again = w.runner(&progress);
    CHECK(again.up() == std::vector<std::string>{"001_a", "002_b"});
    CHECK(progress.at(0) == "applying 001_a (2 statements)");
    CHECK(w.rows(b) == 1);
    const auto status = runner.status();
    CHECK(states(status) == std::vector<std::string>{"001_a:applied", "002_b:applied"});
    REQUIRE(status[0].applied_at);

    progress.clear();
    CHECK(again.up().empty());  // nothing twice
    CHECK(progress.back() == "nothing to apply: the database is up to date");

    w.write("003_c", "INSERT INTO " + a + " VALUES (2);", "DELETE FROM " + a + " WHERE id = 2;");
    auto third = w.runner();
    CHECK(third.up() == std::vector<std::string>{"003_c"});
    CHECK(third.down() == std::vector<std::string>{"003_c"});
    CHECK(w.rows(a) == 1);
    CHECK(third.up() == std::vector<std::string>{"003_c"});
    CHECK(third.down_to("001_a") == std::vector<std::string>{"003_c", "002_b"});
    CHECK_FALSE(w.exists(w.tables[1]));
    CHECK(states(third.status()) == std::vector<std::string>{"001_a:applied", "002_b:pending", "003_c:pending"});
    CHECK(third.down(5) == std::vector<std::string>{"001_a"});
    CHECK_FALSE(w.exists(w.tables[0]));
    CHECK(third.down().empty());
    CHECK_THROWS_WITH(third.down_to("002_b"), Catch::Contains("002_b is not applied"));
}

TEST_CASE("a failing migration names its statement and leaves the database as before it (or resumable)", "[migrate]") {
    if (!conformance::available()) return;
    Workspace w;
    const auto a = w.table("a");
    const auto c = w.table("c");
    w.write("001_a", "CREATE TABLE " + a + " (id INT PRIMARY KEY);");
    w.write("002_broken", "CREATE TABLE " + c + " (id INT PRIMARY KEY);\n\nINSERT INTO " + c + " VALUES (1);\nINSERT INTO " + c +
                              " VALUES (1);\n");
    auto runner = w.runner();
    try {
        runner.up();
        FAIL("expected the second migration to fail");
    } catch (const UniqueViolation& e) {
        const std::string what = e.what();
        CHECK(what.find("migration 002_broken (up) failed at statement 3 of 3") != std::string::npos);
        CHECK(what.find("002_broken/up.sql:4") != std::string::npos);
        if (transactional())
            CHECK(what.find("it was rolled back, the database is as it was before it") != std::string::npos);
        else
            CHECK(what.find("statements 1-2 stay applied") != std::string::npos);
    }
    const auto status = runner.status();
    CHECK(status[0].state == MigrationState::applied);  // the one before the failure is kept
    if (transactional()) {
        CHECK(status[1].state == MigrationState::pending);
        CHECK_FALSE(w.exists(w.tables[1]));
    } else {
        // MySQL: DDL committed; progress recorded, and up resumes at the failed statement.
        CHECK(status[1].state == MigrationState::partial);
        CHECK(status[1].statements_done == 2);
        CHECK(w.rows(c) == 1);
        conformance::connect()->execute("DELETE FROM " + c);  // the operator fixes the data
        std::vector<std::string> progress;
        auto resumed = w.runner(&progress);
        CHECK(resumed.up() == std::vector<std::string>{"002_broken"});
        CHECK(progress.at(0) == "resuming 002_broken (3 statements, from statement 3)");
        CHECK(w.rows(c) == 1);
        CHECK(resumed.status()[1].state == MigrationState::applied);
    }
}

TEST_CASE("a backslash in a string is split as the database reads it", "[migrate][script]") {
    if (!conformance::available()) return;
    Workspace w;
    const auto t = w.table("bs");
    // The text a\ followed by a second statement: PostgreSQL and SQLite write 'a\' (a backslash
    // is an ordinary character), MySQL 'a\\' (a backslash escapes).
    const bool mysql = conformance::backend().name == "mysql";
    const std::string literal = mysql ? "'a\\\\'" : "'a\\'";
    w.write("001_bs", "CREATE TABLE " + t + " (id INT PRIMARY KEY, v VARCHAR(10));\nINSERT INTO " + t + " VALUES (1, " + literal +
                          ");\nINSERT INTO " + t + " VALUES (2, 'b;');\n");
    std::vector<std::string> progress;
    CHECK(w.runner(&progress).up() == std::vector<std::string>{"001_bs"});
    CHECK(progress.at(0) == "applying 001_bs (3 statements)");
    const auto rows = conformance::connect()->execute("SELECT v FROM " + t + " ORDER BY id").rows;
    REQUIRE(rows.size() == 2);
    CHECK(rows[0][0].as_text() == "a\\");
    CHECK(rows[1][0].as_text() == "b;");
}

TEST_CASE("a NUL byte in a migration's failing statement is shown in the error, not cut off", "[migrate]") {
    if (!conformance::available()) return;
    Workspace w;
    w.write("001_nul", std::string("SELECT 'a\0b' FROM rex_no_such_table;\n", 37));
    try {
        w.runner().up();
        FAIL("expected the migration to fail");
    } catch (const Error& e) {
        const std::string what = e.what();  // a C string: it would end at a raw NUL
        CHECK_THAT(what, Catch::Contains("001_nul/up.sql:1: SELECT 'a\\0b' FROM rex_no_such_table)"));
    }
}

TEST_CASE("a migration stopped half-way (MySQL) resumes after its file is fixed", "[migrate]") {
    if (!conformance::available()) return;
    if (transactional()) return;  // elsewhere a failed migration leaves nothing to resume
    Workspace w;
    const auto c = w.table("fix");
    const std::string create = "CREATE TABLE " + c + " (id INT PRIMARY KEY);\n";
    w.write("001_fix", create + "INSERT INTO " + c + " VALUES (1);\nINSERT INTO " + c + " VALUES (1);\nINSERT INTO " + c +
                           " VALUES (3);\n");
    CHECK_THROWS_AS(w.runner().up(), UniqueViolation);
    CHECK(states(w.runner().status()) == std::vector<std::string>{"001_fix:partial"});

    // The operator fixes the failed statement in the file; status still says partial, up resumes.
    w.write("001_fix", create + "INSERT INTO " + c + " VALUES (1);\nINSERT INTO " + c + " VALUES (2);\nINSERT INTO " + c +
                           " VALUES (3);\n");
    CHECK(states(w.runner().status()) == std::vector<std::string>{"001_fix:partial"});
    std::vector<std::string> progress;
    CHECK(w.runner(&progress).up() == std::vector<std::string>{"001_fix"});
    CHECK(progress.at(0) == "resuming 001_fix (4 statements, from statement 3; the file changed since it stopped)");
    CHECK(w.rows(c) == 3);
    CHECK(states(w.runner().status()) == std::vector<std::string>{"001_fix:applied"});  // the fixed file is the one recorded

    // A "fix" that drops statements that already ran cannot be resumed.
    const auto d = w.table("fix_d");
    w.write("002_short", "INSERT INTO " + c + " VALUES (4);\nCREATE TABLE " + d + " (id INT);\nINSERT INTO " + d + " (nope) VALUES (1);\n");
    CHECK_THROWS(w.runner().up());
    w.write("002_short", "SELECT 1;\n");
    CHECK_THROWS_WITH(w.runner().up(), Catch::Contains("migration 002_short stopped after statement 2 but now holds only 1"));
}

TEST_CASE("a migration changed after it was applied is reported and blocks up; a missing one is listed", "[migrate]") {
    if (!conformance::available()) return;
    Workspace w;
    const auto a = w.table("a");
    w.write("001_a", "CREATE TABLE " + a + " (id INT PRIMARY KEY);", "DROP TABLE " + a + ";");
    w.runner().up();
    w.write("001_a", "CREATE TABLE " + a + " (id INT PRIMARY KEY, extra INT);", "DROP TABLE " + a + ";");
    w.write("002_b", "INSERT INTO " + a + " (id) VALUES (1);");
    auto runner = w.runner();
    CHECK(states(runner.status()) == std::vector<std::string>{"001_a:changed", "002_b:pending"});
    CHECK_THROWS_WITH(runner.up(), Catch::Contains("migration 001_a changed after it was applied"));
    CHECK(w.rows(a) == 0);

    fs::remove_all(w.dir / "001_a");
    fs::remove_all(w.dir / "002_b");
    CHECK(states(w.runner().status()) == std::vector<std::string>{"001_a:missing"});
    CHECK_THROWS_WITH(w.runner().down(), Catch::Contains("001_a is applied but unknown here"));
}

TEST_CASE("migrations written in C++ run in the same history", "[migrate]") {
    if (!conformance::available()) return;
    Workspace w;
    const auto a = w.table("a");
    std::vector<Migration> migrations{
        Migration::code("001_code", [&](Connection& c) { c.execute("CREATE TABLE " + a + " (id INT PRIMARY KEY)"); },
                        [&](Connection& c) { c.execute("DROP TABLE " + a); })};
    MigrationOptions options;
    options.history_table = w.history;
    MigrationRunner runner(conformance::kernel(), conformance::backend().url, migrations, options);
    CHECK(runner.up() == std::vector<std::string>{"001_code"});
    CHECK(w.exists(w.tables[0]));
    CHECK(runner.status()[0].state == MigrationState::applied);
    migrations[0] = Migration::code("001_code", [](Connection&) {}, {}, "2");  // a new revision
    MigrationRunner changed(conformance::kernel(), conformance::backend().url, migrations, options);
    CHECK(changed.status()[0].state == MigrationState::changed);
    CHECK(runner.down() == std::vector<std::string>{"001_code"});
    CHECK_FALSE(w.exists(w.tables[0]));
}

TEST_CASE("two rex processes running migrate up at once apply each migration once", "[migrate][race]") {
    if (!conformance::available()) return;
    Workspace w;
    const auto a = w.table("race");
    // Slow enough that the two runs overlap; a second application would fail (no IF NOT EXISTS)
    // or insert a second row.
    const auto& backend = conformance::backend().name;
    const std::string slow = backend == "postgres" ? "SELECT pg_sleep(1);"
                             : backend == "mysql"  ? "SELECT SLEEP(1);"
                                                   : "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 2000000) "
                                                     "SELECT COUNT(*) FROM n;";
    w.write("001_race", "CREATE TABLE " + a + " (id INT PRIMARY KEY, note VARCHAR(20));\n" + slow + "\nINSERT INTO " + a +
                            " VALUES (1, 'once');");
    w.write("002_more", "INSERT INTO " + a + " VALUES (2, 'twice?');");
    std::ofstream(w.dir / "rex.json") << R"({"migrations": {"path": ".", "table": ")" << w.history << R"("}})";

    const std::vector<std::string> argv{std::string(REX_TEST_BIN_DIR) + "/rex", "--config", (w.dir / "rex.json").string(),
                                        "--plugin-dir", REX_TEST_PLUGIN_DIR, "--url", conformance::backend().url,
                                        "migrate", "up"};
    rex::test::ProcessResult first, second;
    std::thread t1([&] { first = rex::test::run_process(argv); });
    std::thread t2([&] { second = rex::test::run_process(argv); });
    t1.join();
    t2.join();
    INFO("first: " << first.out << first.err);
    INFO("second: " << second.out << second.err);
    CHECK(first.exit_code == 0);
    CHECK(second.exit_code == 0);
    CHECK(w.rows(a) == 2);
    const auto both = first.out + second.out;
    // Each migration was applied by exactly one of them; the other waited, then found nothing.
    CHECK(std::count(both.begin(), both.end(), '\n') >= 3);
    CHECK(both.find("applying 001_race") == both.rfind("applying 001_race"));
    CHECK(both.find("applying 002_more") == both.rfind("applying 002_more"));
    CHECK(both.find("nothing to apply") != std::string::npos);
}
