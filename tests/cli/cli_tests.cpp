// The real rex binary, run as a user would.
#include "subprocess.hpp"

#include <rex/sdk/abi.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace fs = std::filesystem;
using rex::test::run_process;

namespace {

const std::string rex_bin = std::string(REX_TEST_BIN_DIR) + "/rex";
const std::string plugin_dir = REX_TEST_PLUGIN_DIR;

rex::test::ProcessResult rex_cli(std::vector<std::string> args, rex::test::ProcessOptions options = {}) {
    args.insert(args.begin(), rex_bin);
    return run_process(args, options);
}

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("rex-cli-" + std::to_string(::getpid()) + "-" + std::to_string(next()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
    static int next() {
        static int n = 0;
        return n++;
    }
};

int line_count(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

}  // namespace

TEST_CASE("rex plugins lists the sqlite plugin with its extensions", "[cli]") {
    const auto r = rex_cli({"plugins", "--plugin-dir", plugin_dir});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("sqlite") && Catch::Contains("adapter:sqlite") &&
                          Catch::Contains("query-dialect:sqlite") && Catch::Contains("rex-sqlite.so"));

    const auto j = rex_cli({"plugins", "--json", "--plugin-dir", plugin_dir});
    REQUIRE(j.exit_code == 0);
    const auto doc = nlohmann::json::parse(j.out);
    bool found = false;
    for (const auto& p : doc["plugins"])
        if (p["name"] == "sqlite") {
            found = true;
            CHECK(p["abi"] == REX_SDK_ABI_VERSION);
            CHECK(p["extensions"].size() == 2);
        }
    CHECK(found);
}

TEST_CASE("rex plugins reports broken files with reasons while good plugins load", "[cli]") {
    TempDir dir;
    fs::copy_file(fs::path(plugin_dir) / "rex-sqlite.so", dir.path / "rex-sqlite.so");
    std::ofstream(dir.path / "rex-junk.so") << "not a library";
    fs::copy_file(fs::path(plugin_dir) / "rex-sqlite.so", dir.path / "rex-cut.so");
    fs::resize_file(dir.path / "rex-cut.so", 4096);
    fs::copy_file(fs::path(REX_TEST_FIXTURE_DIR) / "rex-fixture-wrong-abi.so", dir.path / "rex-fixture-wrong-abi.so");

    const auto r = rex_cli({"plugins", "--json", "--plugin-dir", dir.path.string()});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    REQUIRE(doc["plugins"].size() == 1);
    CHECK(doc["plugins"][0]["name"] == "sqlite");
    REQUIRE(doc["failures"].size() == 3);
    std::map<std::string, std::string> reasons;
    for (const auto& f : doc["failures"]) reasons[fs::path(f["file"].get<std::string>()).filename()] = f["reason"];
    CHECK(reasons["rex-junk.so"] == "not a Rex plugin: not an ELF shared library");
    CHECK_THAT(reasons["rex-cut.so"], Catch::StartsWith("truncated or corrupted file"));
    CHECK_THAT(reasons["rex-fixture-wrong-abi.so"], Catch::StartsWith("ABI version mismatch"));

    const auto table = rex_cli({"plugins", "--plugin-dir", dir.path.string()});
    CHECK_THAT(table.out, Catch::Contains("Not loaded:") && Catch::Contains("rex-junk.so"));
    CHECK(rex_cli({"plugins", "--strict", "--plugin-dir", dir.path.string()}).exit_code == 3);
}

TEST_CASE("rex query creates, inserts with parameters and reads back as table and JSON", "[cli]") {
    TempDir dir;
    const auto url = "sqlite:" + (dir.path / "app.db").string();
    const std::vector<std::string> base{"--plugin-dir", plugin_dir, "query"};
    auto run = [&](std::vector<std::string> args) {
        args.insert(args.begin(), base.begin(), base.end());
        auto r = rex_cli(args);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        return r;
    };
    run({url, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, score REAL, born DATE, active BOOLEAN, note TEXT)"});
    const auto insert = run({url, "INSERT INTO users (name, score, born, active, note) VALUES (?1, ?2, ?3, ?4, ?5)",
                             "Zoë 🎉", "9.5", "2001-02-03", "true", "null"});
    CHECK_THAT(insert.out, Catch::Contains("1 row affected (last insert id 1)"));
    run({url, "INSERT INTO users (name, score) VALUES (?1, ?2)", "it's; -- not SQL", "7"});

    const auto table = run({url, "SELECT id, name, score, born, active, note FROM users ORDER BY id"});
    CHECK_THAT(table.out, Catch::Contains("Zoë 🎉") && Catch::Contains("2001-02-03") && Catch::Contains("NULL") &&
                              Catch::Contains("it's; -- not SQL") && Catch::Contains("(2 rows)"));
    CHECK(line_count(table.out) == 5);  // header, rule, 2 rows, count

    const auto json = run({"--json", url, "SELECT id, name, score, born, active, note FROM users ORDER BY id"});
    const auto rows = nlohmann::json::parse(json.out);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0]["id"] == 1);
    CHECK(rows[0]["name"] == "Zoë 🎉");
    CHECK(rows[0]["score"] == 9.5);
    CHECK(rows[0]["born"] == "2001-02-03");
    CHECK(rows[0]["active"] == true);
    CHECK(rows[0]["note"].is_null());
    CHECK(rows[1]["name"] == "it's; -- not SQL");
    CHECK(rows[1]["score"] == 7.0);

    // --text binds "7" as text, and the URL can come from REX_DATABASE_URL.
    rex::test::ProcessOptions env;
    env.env = {"REX_DATABASE_URL=" + url};
    const auto from_env = rex_cli({"--plugin-dir", plugin_dir, "query", "--json", "--text", "SELECT typeof(?1) AS t", "7"}, env);
    INFO(from_env.err);
    REQUIRE(from_env.exit_code == 0);
    CHECK(nlohmann::json::parse(from_env.out)[0]["t"] == "text");
}

TEST_CASE("rex gives one-line errors and non-zero exit codes", "[cli]") {
    TempDir dir;
    const auto url = "sqlite:" + (dir.path / "e.db").string();
    struct Case {
        std::vector<std::string> args;
        int code;
        std::string message;
    };
    const std::vector<Case> cases{
        {{"query", url, "SELEC 1"}, 1, "rex: error: sqlite: near \"SELEC\": syntax error"},
        {{"query", "oracle://app:hunter2@db/x", "SELECT 1"}, 2,
         "rex: error: no adapter is loaded for URL scheme 'oracle' (schemes loaded: mariadb, mysql, postgres, postgresql, sqlite)"},
        {{"query", "postgres://app:hunter2@127.0.0.1:1/x", "SELECT 1"}, 4,
         "rex: error: postgres: cannot connect to postgres://app:***@127.0.0.1:1/x"},
        {{"query", "sqlite:/nonexistent-dir/x.db?mode=rw", "SELECT 1"}, 4, "rex: error: sqlite: cannot open"},
        {{"query", "sqlite:x.db?bogus=1", "SELECT 1"}, 2, "rex: error: invalid sqlite URL 'sqlite:x.db?bogus=1': unknown option 'bogus'"},
        {{"query", url}, 2, "rex: error: no SQL given"},
        {{"bogus"}, 2, "rex: error: unknown command 'bogus'"},
        {{"query"}, 2, "rex: error: args is required"},
        {{"--config", "/nonexistent.json", "plugins"}, 2, "rex: error: --config: File does not exist"},
    };
    for (const auto& c : cases) {
        auto args = c.args;
        args.insert(args.begin(), {"--plugin-dir", plugin_dir});
        const auto r = rex_cli(args);
        INFO(args[2] << " -> " << r.err);
        CHECK(r.exit_code == c.code);
        CHECK_THAT(r.err, Catch::StartsWith(c.message));
        CHECK(line_count(r.err) == 1);
        CHECK(r.err.find("hunter2") == std::string::npos);
    }
}

TEST_CASE("a bad config file is named with the JSON path", "[cli]") {
    TempDir dir;
    const auto config = dir.path / "rex.json";
    std::ofstream(config) << R"({"plugins": {"paths": 5}})";
    const auto r = rex_cli({"--config", config.string(), "plugins"});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "rex: error: " + config.string() + ": /plugins/paths: expected an array of strings, got number\n");
}

TEST_CASE("every command has --help", "[cli]") {
    for (const auto& args : std::vector<std::vector<std::string>>{{"--help"}, {"plugins", "--help"}, {"query", "--help"}}) {
        const auto r = rex_cli(args);
        INFO(args.front());
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.out, Catch::Contains("Usage:"));
    }
    CHECK_THAT(rex_cli({"--version"}).out, Catch::StartsWith("rex 0.1.0"));
}

TEST_CASE("rex query works with postgres:// and mysql:// URLs", "[cli][servers]") {
    for (const char* variable : {"REX_TEST_POSTGRES_URL", "REX_TEST_MYSQL_URL"}) {
        const char* url = std::getenv(variable);
        if (!url || !*url) {
            const char* required = std::getenv("REX_REQUIRE_SERVERS");
            if (required && std::string(required) == "1") FAIL(variable << " is not set but REX_REQUIRE_SERVERS=1");
            WARN("skipped: " << variable << " is not set");
            continue;
        }
        INFO(variable);
        const bool pg = std::string(variable).find("POSTGRES") != std::string::npos;
        const std::string table = "rex_cli_" + std::to_string(::getpid());
        const std::string mark1 = pg ? "$1" : "?", mark2 = pg ? "$2" : "?";
        auto run = [&](std::vector<std::string> args) {
            args.insert(args.begin(), {"--plugin-dir", plugin_dir, "query"});
            return rex_cli(args);
        };
        REQUIRE(run({url, "CREATE TABLE " + table + " (id INTEGER PRIMARY KEY, name VARCHAR(50))"}).exit_code == 0);
        CHECK(run({url, "INSERT INTO " + table + " (id, name) VALUES (" + mark1 + ", " + mark2 + ")", "1", "Zoë 🎉"}).exit_code == 0);
        const auto json = run({"--json", url, "SELECT id, name FROM " + table});
        INFO(json.err);
        REQUIRE(json.exit_code == 0);
        const auto rows = nlohmann::json::parse(json.out);
        CHECK(rows == nlohmann::json::parse(R"([{"id": 1, "name": "Zoë 🎉"}])"));
        // nan is text on every database (a float NaN would come back as "NaN"); an int64 overflow is refused.
        const auto nan = run({"--json", url, "SELECT name FROM " + table + " WHERE name <> " + mark1, "nan"});
        INFO(nan.err);
        REQUIRE(nan.exit_code == 0);
        CHECK(nlohmann::json::parse(nan.out) == nlohmann::json::parse(R"([{"name": "Zoë 🎉"}])"));
        CHECK(run({url, "SELECT id FROM " + table + " WHERE id = " + mark1, "99999999999999999999999"}).exit_code == 2);
        CHECK(run({url, "DROP TABLE " + table}).exit_code == 0);

        // A wrong password is one line, exit 4, without the password.
        std::string bad = url;
        bad.replace(bad.find(":rex_pw@"), 8, ":wrong-secret@");
        const auto denied = run({bad, "SELECT 1"});
        CHECK(denied.exit_code == 4);
        CHECK(line_count(denied.err) == 1);
        CHECK(denied.err.find("wrong-secret") == std::string::npos);
    }
}

TEST_CASE("rex init writes a commented config that rex reads; it never overwrites by accident", "[cli][init]") {
    TempDir dir;
    const auto file = (dir.path / "rex.json").string();
    const auto first = rex_cli({"init", file});
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    CHECK(fs::is_directory(dir.path / "migrations"));
    std::ifstream in(file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text.find("// ") != std::string::npos);
    CHECK(text.find("\"sqlite:rex.db\"") != std::string::npos);
    // The commented file is a valid config.
    CHECK(rex_cli({"--config", file, "--plugin-dir", plugin_dir, "plugins"}).exit_code == 0);

    const auto again = rex_cli({"init", file});
    CHECK(again.exit_code == 2);
    CHECK(again.err == "rex: error: " + file + " already exists (use --force to overwrite it)\n");
    CHECK(rex_cli({"init", "--force", file}).exit_code == 0);
}

TEST_CASE("rex migrate: create, up, status, down through the real binary", "[cli][migrate]") {
    TempDir dir;
    const auto db = "sqlite:" + (dir.path / "app.db").string();
    const auto migrations = (dir.path / "migrations").string();
    auto migrate = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"--plugin-dir", plugin_dir, "--url", db, "migrate"});
        args.insert(args.end(), {"--dir", migrations});
        return rex_cli(args);
    };
    const auto created = migrate({"create", "add_notes"});
    INFO(created.err);
    REQUIRE(created.exit_code == 0);
    const auto folder = fs::directory_iterator(migrations)->path();
    CHECK(created.out.find(folder.filename().string()) != std::string::npos);
    std::ofstream(folder / "up.sql") << "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n";
    std::ofstream(folder / "down.sql") << "DROP TABLE notes;\n";

    const auto pending = migrate({"status"});
    CHECK(pending.exit_code == 0);
    CHECK(pending.out.find("pending") != std::string::npos);
    CHECK(pending.out.find("\x1b[") == std::string::npos);  // no colour when not on a terminal

    const auto up = migrate({"up"});
    INFO(up.err);
    CHECK(up.exit_code == 0);
    CHECK(up.out.find("applying " + folder.filename().string() + " (1 statements)") != std::string::npos);
    const auto json = migrate({"status", "--json"});
    REQUIRE(json.exit_code == 0);
    const auto states = nlohmann::json::parse(json.out);
    CHECK(states.at(0)["state"] == "applied");

    // Changing an applied migration: status says so with exit code 5, up refuses (exit 2).
    std::ofstream(folder / "up.sql") << "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, extra INT);\n";
    const auto changed = migrate({"status"});
    CHECK(changed.exit_code == 5);
    CHECK(changed.out.find("changed") != std::string::npos);
    const auto refused = migrate({"up"});
    CHECK(refused.exit_code == 2);
    CHECK(line_count(refused.err) == 1);
    CHECK(refused.err.find("changed after it was applied") != std::string::npos);
    std::ofstream(folder / "up.sql") << "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n";

    const auto down = migrate({"down"});
    CHECK(down.exit_code == 0);
    CHECK(down.out.find("rolled back 1 migration(s)") != std::string::npos);

    CHECK(migrate({"create", "no spaces"}).exit_code == 2);
    const auto no_action = rex_cli({"migrate"});
    CHECK(no_action.exit_code == 2);
    CHECK(line_count(no_action.err) == 1);
    const auto no_dir = rex_cli({"--plugin-dir", plugin_dir, "--url", db, "migrate", "up", "--dir", (dir.path / "nope").string()});
    CHECK(no_dir.exit_code == 2);
    CHECK(no_dir.err.find("no such migrations folder") != std::string::npos);
}

TEST_CASE("rex migrate diff writes the models' difference; the second diff is empty; schema export prints DDL", "[cli][migrate]") {
    TempDir dir;
    const auto db = "sqlite:" + (dir.path / "app.db").string();
    const auto models = (dir.path / "models.json").string();
    std::ofstream(models) << R"json({"entities": [
      {"name": "authors", "table": "authors", "fields": [
        {"name": "id", "type": "int64", "primary_key": true, "generated": true},
        {"name": "name", "type": "string(80)", "unique": true}]},
      {"name": "posts", "table": "posts", "fields": [
        {"name": "id", "type": "int64", "primary_key": true, "generated": true},
        {"name": "author_id", "type": "int64"},
        {"name": "title", "type": "string(200)", "default": "untitled"}],
       "relations": [{"name": "author", "kind": "belongs_to", "target": "authors", "foreign_key": "author_id"}]}]})json";
    auto rex = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"--plugin-dir", plugin_dir, "--url", db});
        return rex_cli(args);
    };
    const auto migrations = (dir.path / "migrations").string();
    const auto first = rex({"migrate", "diff", "--models", models, "--dir", migrations, "--name", "initial"});
    INFO(first.out << first.err);
    REQUIRE(first.exit_code == 0);
    CHECK(first.out.find("+ create table authors") != std::string::npos);
    CHECK(first.out.find("+ create table posts") != std::string::npos);
    CHECK(rex({"migrate", "up", "--dir", migrations}).exit_code == 0);
    const auto second = rex({"migrate", "diff", "--models", models, "--dir", migrations});
    CHECK(second.exit_code == 0);
    CHECK(second.out == "no changes to write: the database matches the models\n");

    const auto ddl = rex({"schema", "export", "--models", models});
    REQUIRE(ddl.exit_code == 0);
    CHECK(ddl.out.find("CREATE TABLE \"authors\"") < ddl.out.find("CREATE TABLE \"posts\""));
    CHECK(ddl.out.find("FOREIGN KEY (\"author_id\") REFERENCES \"authors\" (\"id\")") != std::string::npos);
    const auto unknown = rex({"schema", "export", "--models", models, "--format", "nope"});
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.err.find("no exporter for format 'nope'") != std::string::npos);

    std::ofstream(models) << R"({"entities": [{"name": "x", "fields": [{"name": "id", "type": "strng"}]}]})";
    const auto bad = rex({"migrate", "diff", "--models", models, "--dir", migrations});
    CHECK(bad.exit_code == 2);
    CHECK(line_count(bad.err) == 1);
    CHECK(bad.err.find("models.json") != std::string::npos);
    const auto none = rex({"migrate", "diff", "--dir", migrations});
    CHECK(none.exit_code == 2);
    CHECK(none.err.find("no model files") != std::string::npos);
}

TEST_CASE("rex schema export without model files reads rex-host's catalog: the snapshot, else the database", "[cli][schema]") {
    TempDir dir;
    const auto db = "sqlite:" + (dir.path / "app.db").string();
    REQUIRE(rex_cli({"--plugin-dir", plugin_dir, "query", db, "CREATE TABLE band (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"}).exit_code == 0);
    const auto config = (dir.path / "rex.json").string();
    std::ofstream(config) << R"({"database": {"url": ")" << db << R"("}, "catalog": {"snapshot": "catalog.json"}})";
    const auto sdl = [&] { return rex_cli({"--plugin-dir", plugin_dir, "--config", config, "schema", "export", "--format", "graphql-sdl"}); };

    // No snapshot yet: the database is introspected (and no file is written by an export).
    const auto introspected = sdl();
    INFO(introspected.err);
    REQUIRE(introspected.exit_code == 0);
    CHECK(introspected.out.find("type band {") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.path / "catalog.json"));

    // A snapshot that matches the database is what rex-host serves, so the export prints it.
    REQUIRE(rex_cli({"--plugin-dir", plugin_dir, "--config", config, "schema", "snapshot"}).exit_code == 0);
    std::string text;
    {
        std::ifstream in(dir.path / "catalog.json");
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    const auto at = text.find("\"band\"");
    REQUIRE(at != std::string::npos);
    text.replace(at, 6, "\"group\"");  // the entity's name, not its table
    std::ofstream(dir.path / "catalog.json") << text;
    CHECK(sdl().out.find("type group {") != std::string::npos);

    // The schema changes: the stale snapshot is passed over, as rex-host does.
    REQUIRE(rex_cli({"--plugin-dir", plugin_dir, "query", db, "CREATE TABLE venue (id INTEGER PRIMARY KEY)"}).exit_code == 0);
    const auto fresh = sdl().out;
    CHECK(fresh.find("type band {") != std::string::npos);
    CHECK(fresh.find("type venue {") != std::string::npos);

    // Neither models nor a database: one line saying what to give.
    const auto none = rex_cli({"--plugin-dir", plugin_dir, "schema", "export", "--format", "graphql-sdl"},
                              rex::test::ProcessOptions{});
    CHECK(none.exit_code == 2);
    CHECK(none.err.find("no models: give --models FILE") != std::string::npos);
}

namespace {

// rex query on a private SQLite file, returning the JSON rows (or the failed result).
rex::test::ProcessResult sqlite_query(const TempDir& dir, std::vector<std::string> args, rex::test::ProcessOptions options = {}) {
    args.insert(args.begin(), {"--plugin-dir", plugin_dir, "query", "--json", "sqlite:" + (dir.path / "q.db").string()});
    return rex_cli(args, options);
}

}  // namespace

TEST_CASE("rex query parameters: integers out of range and nan/inf are never silently floats", "[cli][params]") {
    TempDir dir;
    const auto typed = sqlite_query(dir, {"SELECT typeof(?1) AS a, typeof(?2) AS b, typeof(?3) AS c, typeof(?4) AS d, typeof(?5) AS e, "
                                          "typeof(?6) AS f, ?6 AS g",
                                          "nan", "inf", "Infinity", "9223372036854775807", "1.5e3", "+42"});
    INFO(typed.err);
    REQUIRE(typed.exit_code == 0);
    const auto row = nlohmann::json::parse(typed.out).at(0);
    CHECK(row["a"] == "text");
    CHECK(row["b"] == "text");
    CHECK(row["c"] == "text");
    CHECK(row["d"] == "integer");
    CHECK(row["e"] == "real");
    CHECK(row["f"] == "integer");
    CHECK(row["g"] == 42);

    for (const std::string big : {"99999999999999999999999", "-9223372036854775809"}) {
        const auto r = sqlite_query(dir, {"SELECT ?1, ?2", "1", big});
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err == "rex: error: parameter 2: " + big +
                           " is outside the 64-bit integer range (-9223372036854775808 to 9223372036854775807); use --text and "
                           "CAST it in SQL to bind it as a decimal\n");
    }
    const auto huge = sqlite_query(dir, {"SELECT ?1", "1e400"});
    CHECK(huge.exit_code == 2);
    CHECK(huge.err == "rex: error: parameter 1: 1e400 is outside the range of a 64-bit floating-point number\n");
    // The documented way to bind it exactly.
    const auto text = sqlite_query(dir, {"--text", "SELECT typeof(?1) AS t, ?1 AS v", "99999999999999999999999"});
    REQUIRE(text.exit_code == 0);
    CHECK(nlohmann::json::parse(text.out).at(0)["v"] == "99999999999999999999999");
}

TEST_CASE("rex query reads a parameter from a file (@file) or standard input (-)", "[cli][params]") {
    TempDir dir;
    const std::string big(300'000, 'x');  // more than one argument may hold (MAX_ARG_STRLEN is 128 KiB)
    std::ofstream(dir.path / "big.txt") << big;
    const auto from_file = sqlite_query(dir, {"SELECT length(?1) AS n, typeof(?1) AS t", "@" + (dir.path / "big.txt").string()});
    INFO(from_file.err);
    REQUIRE(from_file.exit_code == 0);
    CHECK(nlohmann::json::parse(from_file.out).at(0)["n"] == 300'000);
    CHECK(nlohmann::json::parse(from_file.out).at(0)["t"] == "text");

    rex::test::ProcessOptions input;
    input.stdin_text = "from stdin\n";
    const auto from_stdin = sqlite_query(dir, {"SELECT ?1 AS v, ?2 AS w", "-", "@@handle"}, input);
    INFO(from_stdin.err);
    REQUIRE(from_stdin.exit_code == 0);
    CHECK(nlohmann::json::parse(from_stdin.out).at(0)["v"] == "from stdin\n");
    CHECK(nlohmann::json::parse(from_stdin.out).at(0)["w"] == "@handle");

    const auto missing = sqlite_query(dir, {"SELECT ?1", "@" + (dir.path / "nope.txt").string()});
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.err, Catch::StartsWith("rex: error: parameter 1: cannot read " + (dir.path / "nope.txt").string()));
}

TEST_CASE("rex query --json keeps column order, repeated names and invalid UTF-8", "[cli][json]") {
    TempDir dir;
    const auto r = sqlite_query(dir, {"SELECT 1 AS z, 2 AS a, 3 AS a, 4 AS m, CAST(x'61ff62' AS TEXT) AS bad"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // The raw text: keys in the columns' order, none lost.
    CHECK(r.out.find("\"z\": 1") < r.out.find("\"a\": 2"));
    CHECK(r.out.find("\"a\": 2") < r.out.find("\"a:2\": 3"));
    CHECK(r.out.find("\"a:2\": 3") < r.out.find("\"m\": 4"));
    const auto row = nlohmann::json::parse(r.out).at(0);
    CHECK(row.size() == 5);
    CHECK(row["bad"] == "a\xef\xbf\xbd" "b");  // U+FFFD for the invalid byte
}

TEST_CASE("rex migrate down --steps 0 is refused in one short line", "[cli][migrate]") {
    const auto r = rex_cli({"--url", "sqlite::memory:", "migrate", "down", "--steps", "0"});
    CHECK(r.exit_code == 2);
    CHECK(line_count(r.err) == 1);
    CHECK(r.err.size() < 200);
    CHECK_THAT(r.err, Catch::Contains("at least 1 (got 0)"));
}

TEST_CASE("a NUL byte in a file is shown in the error, not cut off", "[cli]") {
    TempDir dir;
    const auto models = dir.path / "models.json";
    // Valid JSON (an escaped U+0000) whose value the model reader refuses, quoting it.
    std::ofstream(models) << R"({"entities": [{"name": "x", "fields": [{"name": "id", "type": "str\u0000ng"}]}]})";
    const auto r = rex_cli({"--plugin-dir", plugin_dir, "--url", "sqlite::memory:", "schema", "export", "--models", models.string()});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find('\0') == std::string::npos);
    CHECK_THAT(r.err, Catch::Contains("\\0"));
    CHECK(line_count(r.err) == 1);

    const auto migrations = dir.path / "migrations";
    fs::create_directories(migrations / "001_nul");
    std::ofstream(migrations / "001_nul" / "up.sql", std::ios::binary) << std::string("SELECT 'a\0b' FROM nowhere;", 26);
    const auto up = rex_cli({"--plugin-dir", plugin_dir, "--url", "sqlite:" + (dir.path / "m.db").string(), "migrate", "up", "--dir",
                             migrations.string()});
    INFO(up.err);
    CHECK(up.exit_code != 0);
    CHECK(up.err.find('\0') == std::string::npos);
    CHECK_THAT(up.err, Catch::Contains("'a\\0b' FROM nowhere"));
}

TEST_CASE("a config file: relative SQLite paths start at its folder, REX_DATABASE_URL overrides it, repeated keys are refused",
          "[cli][config]") {
    TempDir dir;
    fs::create_directories(dir.path / "app" / "migrations");
    const auto config = dir.path / "app" / "rex.json";
    std::ofstream(config) << R"({"database": {"url": "sqlite:data.db"}, "migrations": {"path": "migrations"}})";
    TempDir elsewhere;
    rex::test::ProcessOptions in_elsewhere;
    in_elsewhere.working_directory = elsewhere.path.string();
    const auto made = rex_cli({"--config", config.string(), "--plugin-dir", plugin_dir, "query", "CREATE TABLE t (x INT)"}, in_elsewhere);
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    CHECK(fs::exists(dir.path / "app" / "data.db"));
    CHECK_FALSE(fs::exists(elsewhere.path / "data.db"));

    // REX_DATABASE_URL takes the config's place (--url would take both's).
    rex::test::ProcessOptions with_env = in_elsewhere;
    with_env.env = {"REX_DATABASE_URL=sqlite:" + (elsewhere.path / "env.db").string()};
    const auto from_env =
        rex_cli({"--config", config.string(), "--plugin-dir", plugin_dir, "query", "CREATE TABLE from_env (x INT)"}, with_env);
    INFO(from_env.err);
    REQUIRE(from_env.exit_code == 0);
    CHECK(fs::exists(elsewhere.path / "env.db"));

    std::ofstream(config) << R"({"database": {"url": "sqlite:a.db"}, "http": {"port": 1, "port": 2}})";
    const auto repeated = rex_cli({"--config", config.string(), "plugins"});
    CHECK(repeated.exit_code == 2);
    CHECK(repeated.err == "rex: error: " + config.string() + ": /http/port: repeated key (each key may appear once in an object)\n");
}

TEST_CASE("a plugin that crashes or calls exit() while loading is named; --isolate probes each file", "[cli][plugins]") {
    const fs::path fatal = fs::path(REX_TEST_FIXTURE_DIR) / "fatal";
    const auto crash = rex_cli({"--plugin-dir", (fatal / "rex-fixture-crash.so").string(), "plugins"});
    CHECK(crash.exit_code == 128 + SIGSEGV);
    CHECK(crash.err == "rex: fatal signal SIGSEGV while loading plugin " + (fatal / "rex-fixture-crash.so").string() + "\n");

    const auto exits = rex_cli({"--plugin-dir", (fatal / "rex-fixture-exit.so").string(), "plugins"});
    CHECK(exits.exit_code == 7);
    CHECK(exits.err == "rex: plugin " + (fatal / "rex-fixture-exit.so").string() +
                           " called exit() while loading; the process ends here\n");

    TempDir dir;
    for (const auto* name : {"rex-fixture-crash.so", "rex-fixture-exit.so"}) fs::copy_file(fatal / name, dir.path / name);
    fs::copy_file(fs::path(plugin_dir) / "rex-sqlite.so", dir.path / "rex-sqlite.so");
    fs::copy_file(fs::path(REX_TEST_FIXTURE_DIR) / "rex-fixture-wrong-abi.so", dir.path / "rex-fixture-wrong-abi.so");
    const auto isolated = rex_cli({"--plugin-dir", dir.path.string(), "plugins", "--isolate", "--json"});
    INFO(isolated.out << isolated.err);
    CHECK(isolated.exit_code == 3);
    std::map<std::string, std::pair<std::string, std::string>> results;
    const auto isolated_doc = nlohmann::json::parse(isolated.out);
    for (const auto& f : isolated_doc["files"])
        results[fs::path(f["file"].get<std::string>()).filename()] = {f["result"], f["detail"]};
    REQUIRE(results.size() == 4);
    CHECK(results["rex-fixture-crash.so"] == std::pair<std::string, std::string>{"crashed", "signal 11 (SIGSEGV) while loading"});
    CHECK(results["rex-fixture-exit.so"].first == "exited");
    CHECK_THAT(results["rex-fixture-exit.so"].second, Catch::StartsWith("ended the process with exit status 7"));
    CHECK(results["rex-sqlite.so"].first == "loaded");
    CHECK(results["rex-fixture-wrong-abi.so"].first == "refused");
    // rex-host loads through the same kernel: it names the file too, before serving anything.
    const std::string host = std::string(REX_TEST_BIN_DIR) + "/rex-host";
    const auto host_crash = run_process({host, "--port", "0", "--plugin-dir", (fatal / "rex-fixture-crash.so").string()});
    CHECK(host_crash.exit_code == 128 + SIGSEGV);
    CHECK_THAT(host_crash.err, Catch::EndsWith("rex: fatal signal SIGSEGV while loading plugin " + (fatal / "rex-fixture-crash.so").string() + "\n"));
    const auto host_exit = run_process({host, "--port", "0", "--plugin-dir", (fatal / "rex-fixture-exit.so").string()});
    CHECK(host_exit.exit_code == 7);
    CHECK_THAT(host_exit.err, Catch::Contains("rex: plugin " + (fatal / "rex-fixture-exit.so").string() + " called exit() while loading"));

    const auto table = rex_cli({"--plugin-dir", dir.path.string(), "plugins", "--isolate"});
    CHECK_THAT(table.out, Catch::Contains("crashed") && Catch::Contains("SIGSEGV") && Catch::Contains("rex-sqlite.so"));
}

TEST_CASE("a plugin's exception that is not a rex::Error names the plugin and the type", "[cli][plugins]") {
    const auto foreign = (fs::path(REX_TEST_FIXTURE_DIR) / "rex-fixture-foreign.so").string();
    const auto r = rex_cli({"--plugin-dir", foreign, "query", "foreign:x", "SELECT 1"});
    CHECK(r.exit_code == 1);
    CHECK(r.err == "rex: error: plugin 'fixture-foreign' (" + fs::canonical(foreign).string() +
                       ") threw std::invalid_argument: stoll (plugins should throw rex::Error)\n");
}

TEST_CASE("a plugin shadowing a built-in is refused with a warning naming both files, unless replacing is asked for",
          "[cli][plugins]") {
    TempDir dir;
    // A user's plugin named "sqlite", found through REX_PLUGIN_PATH before the built-in folder.
    fs::copy_file(fs::path(REX_TEST_FIXTURE_DIR) / "shadowing" / "rex-fixture-named-sqlite.so", dir.path / "rex-sqlite.so");
    rex::test::ProcessOptions env;
    env.env = {"REX_PLUGIN_PATH=" + dir.path.string()};
    const auto builtin = fs::canonical(fs::path(plugin_dir) / "rex-sqlite.so").string();
    const auto user = fs::canonical(dir.path / "rex-sqlite.so").string();
    const auto r = rex_cli({"plugins", "--json"}, env);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("warn [loader] refused " + user) && Catch::Contains(builtin) &&
                          Catch::Contains("it would shadow a built-in plugin"));
    const auto doc = nlohmann::json::parse(r.out);
    for (const auto& p : doc["plugins"])
        if (p["name"] == "sqlite") CHECK(p["version"] != "9.9.9");

    // The explicit choice: the user's plugin replaces the built-in, which is reported too.
    const auto replaced = rex_cli({"--replace-builtins", "plugins", "--json"}, env);
    INFO(replaced.err);
    REQUIRE(replaced.exit_code == 0);
    CHECK_THAT(replaced.err, Catch::Contains("warn [loader] refused " + builtin) && Catch::Contains(user) &&
                                 Catch::Contains("this built-in plugin is replaced"));
    bool user_loaded = false;
    const auto replaced_doc = nlohmann::json::parse(replaced.out);
    for (const auto& p : replaced_doc["plugins"]) user_loaded = user_loaded || p["version"] == "9.9.9";
    CHECK(user_loaded);
}
