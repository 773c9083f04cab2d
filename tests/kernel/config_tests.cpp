#include <rex/config.hpp>
#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>

#include <fstream>

namespace {

std::string config_error(const std::string& text) {
    try {
        rex::parse_config(text, "/etc/rex/rex.json");
    } catch (const rex::ConfigurationError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("a full config is read, relative plugin paths taken from the file's folder", "[config]") {
    const auto config = rex::parse_config(R"({
        "database": {"url": "sqlite:data/app.db"},
        "plugins": {"paths": ["plugins", "/opt/rex/plugins"], "load": ["sqlite"]},
        "http": {"address": "0.0.0.0", "port": 9000, "body_limit": 4096, "request_timeout_ms": 1500, "threads": 6},
        "log": {"level": "debug"}
    })", "/etc/rex/rex.json");
    CHECK(config.database_url == "sqlite:data/app.db");
    CHECK(config.plugins.paths == std::vector<std::filesystem::path>{"/etc/rex/plugins", "/opt/rex/plugins"});
    CHECK(config.plugins.load == std::vector<std::string>{"sqlite"});
    CHECK(config.http.address == "0.0.0.0");
    CHECK(config.http.port == 9000);
    CHECK(config.http.body_limit == 4096);
    CHECK(config.http.request_timeout == std::chrono::milliseconds(1500));
    CHECK(config.http.threads == 6);
    CHECK(config.log_level == rex::LogLevel::debug);
}

TEST_CASE("an empty config gives the embedded defaults", "[config]") {
    const auto config = rex::parse_config("{}", "rex.json");
    CHECK(config.database_url == "sqlite:rex.db");
    CHECK(config.http.port == 8080);
    CHECK(config.http.threads == 0);  // one per core
    CHECK(config.plugins.paths.empty());
}

TEST_CASE("config errors name the file, the JSON path and what is wrong", "[config]") {
    CHECK(config_error(R"({"http": {"port": "80"}})") ==
          "/etc/rex/rex.json: /http/port: expected an integer 0-65535, got string");
    CHECK(config_error(R"({"http": {"port": 70000}})") ==
          "/etc/rex/rex.json: /http/port: expected an integer 0-65535, got 70000");
    CHECK(config_error(R"({"http": {"prot": 80}})") ==
          "/etc/rex/rex.json: /http/prot: unknown key (expected one of: address, port, body_limit, request_timeout_ms, threads, workers, "
          "admin_secret)");
    CHECK(config_error(R"({"http": {"threads": 1000}})") == "/etc/rex/rex.json: /http/threads: expected an integer 0-256, got 1000");
    CHECK(config_error(R"({"plugins": {"load": ["sqlite", 3]}})") ==
          "/etc/rex/rex.json: /plugins/load/1: expected a string, got number");
    CHECK(config_error(R"({"log": {"level": "loud"}})") ==
          "/etc/rex/rex.json: /log/level: unknown level 'loud' (trace, debug, info, warn, error, off)");
    CHECK(config_error("[]") == "/etc/rex/rex.json: /: expected an object, got array");
    CHECK_THAT(config_error("{\n  \"http\": {,}\n}"),
               Catch::StartsWith("/etc/rex/rex.json: malformed JSON at line 2, column 12: parse error"));
}

TEST_CASE("a missing config file is named", "[config]") {
    CHECK_THROWS_WITH(rex::load_config("/nonexistent/rex.json"), "/nonexistent/rex.json: no such config file");
}

TEST_CASE("REX_PLUGIN_PATH entries come first in the default plugin directories", "[config]") {
    ::setenv("REX_PLUGIN_PATH", "/a/plugins::/b/plugins", 1);
    const auto dirs = rex::default_plugin_directories();
    ::unsetenv("REX_PLUGIN_PATH");
    REQUIRE(dirs.size() >= 2);
    CHECK(dirs[0] == "/a/plugins");
    CHECK(dirs[1] == "/b/plugins");
}

TEST_CASE("the host's serving keys: workers, admin secret, catalog, graphql, migrations on start", "[config]") {
    const auto config = rex::parse_config(R"({
        "http": {"workers": 32, "admin_secret": "s3cret"},
        "catalog": {"snapshot": "state/catalog.json", "tables": ["Album", "Artist"]},
        "graphql": {"exporter": "graphql"},
        "migrations": {"apply_on_start": true}})",
                                          "/etc/rex/rex.json");
    CHECK(config.http.workers == 32);
    CHECK(config.http.admin_secret == "s3cret");
    CHECK(config.catalog.snapshot == std::filesystem::path("/etc/rex/state/catalog.json"));
    CHECK(config.catalog.tables == std::vector<std::string>{"Album", "Artist"});
    CHECK(config.graphql.exporter == "graphql");
    CHECK(config.migrations.apply_on_start);

    const auto defaults = rex::parse_config("{}", "/etc/rex/rex.json");
    CHECK(defaults.http.workers == 0);
    CHECK(defaults.http.admin_secret.empty());  // /plugins off
    CHECK(defaults.catalog.snapshot.empty());
    CHECK_FALSE(defaults.migrations.apply_on_start);

    CHECK(config_error(R"({"http": {"workers": 5000}})") == "/etc/rex/rex.json: /http/workers: expected an integer 0-1024, got 5000");
    CHECK(config_error(R"({"migrations": {"apply_on_start": "yes"}})") ==
          "/etc/rex/rex.json: /migrations/apply_on_start: expected true or false, got string");
    CHECK(config_error(R"({"catalog": {"snapshot": ""}})") == "/etc/rex/rex.json: /catalog/snapshot: must not be empty");
    CHECK(config_error(R"({"graphql": {"exporter": 1}})") == "/etc/rex/rex.json: /graphql/exporter: expected a string, got number");
}
