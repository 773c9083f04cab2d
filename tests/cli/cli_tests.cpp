// The real rex binary, run as a user would.
#include "subprocess.hpp"

#include <rex/sdk/abi.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <cstdlib>
#include <fstream>

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
