// Splitting migration scripts, reading migration folders, checksums: no database needed.
#include <rex/migrate.hpp>
#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace rex;

namespace {
std::vector<std::string> sqls(std::string_view script, ScriptSyntax syntax = ScriptSyntax::standard) {
    std::vector<std::string> out;
    for (const auto& s : split_sql_script(script, syntax)) out.push_back(s.sql);
    return out;
}
}  // namespace

TEST_CASE("backslashes escape quotes only in MySQL strings and PostgreSQL E'' strings", "[migrate][script]") {
    // PostgreSQL and SQLite: 'a\' is a whole literal.
    const std::string script = "INSERT INTO t VALUES ('a\\');\nINSERT INTO t VALUES ('b;');";
    CHECK(sqls(script) == std::vector<std::string>{"INSERT INTO t VALUES ('a\\')", "INSERT INTO t VALUES ('b;')"});
    // MySQL reads \' as an escaped quote: the literal goes on to the next quote.
    CHECK(sqls("INSERT INTO t VALUES ('a\\');\nSELECT 'x';", ScriptSyntax::mysql) ==
          std::vector<std::string>{"INSERT INTO t VALUES ('a\\');\nSELECT 'x';"});
    CHECK(sqls("INSERT INTO t VALUES (\"a\\\";\");SELECT 1", ScriptSyntax::mysql) ==
          std::vector<std::string>{"INSERT INTO t VALUES (\"a\\\";\")", "SELECT 1"});
    CHECK(sqls("SELECT E'it\\'s;', e'\\\\'; SELECT 'x\\'; SELECT 2") ==
          std::vector<std::string>{"SELECT E'it\\'s;', e'\\\\'", "SELECT 'x\\'", "SELECT 2"});
    CHECK(sqls("SELECT name'x\\'; SELECT 2") == std::vector<std::string>{"SELECT name'x\\'", "SELECT 2"});
    CHECK(script_syntax_for("mysql") == ScriptSyntax::mysql);
    CHECK(script_syntax_for("postgres") == ScriptSyntax::standard);
    CHECK(script_syntax_for("sqlite") == ScriptSyntax::standard);
}

TEST_CASE("scripts split on ';' outside quotes, comments, dollar quotes and trigger bodies", "[migrate][script]") {
    CHECK(sqls("CREATE TABLE a (x INT);\nINSERT INTO a VALUES (1);") ==
          std::vector<std::string>{"CREATE TABLE a (x INT)", "INSERT INTO a VALUES (1)"});
    CHECK(sqls("INSERT INTO a VALUES ('x;y', 'it''s; fine', \"q;\");  ;  ") ==
          std::vector<std::string>{"INSERT INTO a VALUES ('x;y', 'it''s; fine', \"q;\")"});
    CHECK(sqls("-- one; two\nSELECT 1; /* three; four */ SELECT 2 -- five;\n") ==
          std::vector<std::string>{"SELECT 1", "SELECT 2 -- five;"});
    CHECK(sqls("CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql; SELECT $1") ==
          std::vector<std::string>{"CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql",
                                   "SELECT $1"});
    CHECK(sqls("CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = CASE WHEN n > 0 THEN n + 1 ELSE 1 END; DELETE FROM c; END;\n"
               "SELECT 1;") ==
          std::vector<std::string>{
              "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = CASE WHEN n > 0 THEN n + 1 ELSE 1 END; DELETE FROM c; END",
              "SELECT 1"});
    CHECK(sqls("INSERT INTO a VALUES ('back\\'slash;')", ScriptSyntax::mysql) ==
          std::vector<std::string>{"INSERT INTO a VALUES ('back\\'slash;')"});
    CHECK(sqls("  \n -- only a comment\n").empty());
    CHECK(sqls("  \n ;; \n").empty());

    const auto lines = split_sql_script("-- header\n\nCREATE TABLE a (x INT);\n\n  INSERT INTO a\n  VALUES (1);");
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].line == 3);  // the line of its first token
    CHECK(lines[1].line == 5);
}

TEST_CASE("checksums ignore CRLF line endings and see every other change", "[migrate][files]") {
    CHECK(migration_checksum("SELECT 1;\nSELECT 2;\n") == migration_checksum("SELECT 1;\r\nSELECT 2;\r\n"));
    CHECK(migration_checksum("SELECT 1;") != migration_checksum("SELECT 2;"));
    CHECK(migration_checksum("x").rfind("fnv1a64:", 0) == 0);
    CHECK(migration_checksum("x").size() == 8 + 16);
}

TEST_CASE("migration folders: read in id order, created with a timestamp, bad ones named", "[migrate][files]") {
    const auto dir = std::filesystem::temp_directory_path() / ("rex-migrations-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    CHECK_THROWS_WITH(read_migrations(dir), Catch::Contains("no such migrations folder"));
    std::filesystem::create_directories(dir / "002_b");
    std::filesystem::create_directories(dir / "001_a");
    std::filesystem::create_directories(dir / "notes");  // not a migration: ignored
    std::ofstream(dir / "002_b" / "up.sql") << "CREATE TABLE b (x INT);";
    std::ofstream(dir / "001_a" / "up.sql") << "CREATE TABLE a (x INT);";
    std::ofstream(dir / "001_a" / "down.sql") << "DROP TABLE a;";
    auto read = read_migrations(dir);
    REQUIRE(read.size() == 2);
    CHECK(read[0].id == "001_a");
    CHECK(read[0].reversible());
    CHECK_FALSE(read[1].reversible());
    CHECK(read[0].checksum == migration_checksum("CREATE TABLE a (x INT);"));

    std::filesystem::create_directories(dir / "003_c");
    CHECK_THROWS_WITH(read_migrations(dir), Catch::Contains("003_c") && Catch::Contains("has no up.sql"));
    std::ofstream(dir / "003_c" / "up.sql") << "-- nothing yet\n";
    CHECK_THROWS_WITH(read_migrations(dir), Catch::Contains("003_c") && Catch::Contains("holds no statement"));
    std::filesystem::remove_all(dir / "003_c");

    const auto made = create_migration(dir, "add_users");
    CHECK(made.filename().string().size() == 14 + 1 + 9);
    CHECK(std::filesystem::exists(made / "up.sql"));
    CHECK(std::filesystem::exists(made / "down.sql"));
    CHECK_THROWS_AS(create_migration(dir, "bad name!"), ConfigurationError);
    std::filesystem::remove_all(dir);
}
