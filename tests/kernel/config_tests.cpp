#include "../../kernel/src/stderr_logger.hpp"

#include <rex/config.hpp>
#include <rex/model_file.hpp>
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
    CHECK(config.database_url == "sqlite:/etc/rex/data/app.db");
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
          "admin_secret, shutdown_grace_ms)");
    CHECK(config_error(R"({"http": {"threads": 1000}})") == "/etc/rex/rex.json: /http/threads: expected an integer 0-256, got 1000");
    CHECK(config_error(R"({"plugins": {"load": ["sqlite", 3]}})") ==
          "/etc/rex/rex.json: /plugins/load/1: expected a string, got number");
    CHECK(config_error(R"({"log": {"level": "loud"}})") ==
          "/etc/rex/rex.json: /log/level: unknown level 'loud' (trace, debug, info, warn, error, off)");
    CHECK(config_error("[]") == "/etc/rex/rex.json: /: expected an object, got array");
    CHECK_THAT(config_error("{\n  \"http\": {,}\n}"),
               Catch::StartsWith("/etc/rex/rex.json: malformed JSON at line 2, column 12: parse error"));
}

TEST_CASE("the pool, the shutdown grace, the log format and the serverless profile", "[config]") {
    const auto config = rex::parse_config(R"({"database": {"pool": {"max_size": 3, "min_size": 1, "acquire_timeout_ms": 250,
        "idle_timeout_ms": 1000, "max_lifetime_ms": 0}}, "http": {"shutdown_grace_ms": 0}, "log": {"format": "json"}})", "rex.json");
    CHECK(config.pool.max_size == 3);
    CHECK(config.pool.min_size == 1);
    CHECK(config.pool.acquire_timeout == std::chrono::milliseconds(250));
    CHECK(config.pool.idle_timeout == std::chrono::milliseconds(1000));
    CHECK(config.pool.max_lifetime == std::chrono::milliseconds(0));
    CHECK(config.http.shutdown_grace == std::chrono::milliseconds(0));
    CHECK(config.log_json);

    // The profile's defaults, under the keys the file sets.
    const auto serverless = rex::parse_config(R"({"profile": "serverless", "http": {"workers": 6}, "log": {"format": "text"}})", "rex.json");
    CHECK(serverless.http.threads == 1);
    CHECK(serverless.http.workers == 6);
    CHECK(serverless.pool.max_size == 4);
    CHECK(serverless.pool.idle_timeout == std::chrono::milliseconds(10'000));
    CHECK_FALSE(serverless.log_json);
    CHECK_FALSE(rex::parse_config("{}", "rex.json").log_json);

    CHECK(config_error(R"({"profile": "lambda"})") == "/etc/rex/rex.json: /profile: unknown profile 'lambda' (default, serverless)");
    CHECK(config_error(R"({"log": {"format": "xml"}})") == "/etc/rex/rex.json: /log/format: unknown format 'xml' (text, json)");
    CHECK(config_error(R"({"database": {"pool": {"max_size": 2, "min_size": 3}}})") ==
          "/etc/rex/rex.json: /database/pool/min_size: is larger than max_size");
    CHECK(config_error(R"({"database": {"pool": {"size": 2}}})") ==
          "/etc/rex/rex.json: /database/pool/size: unknown key (expected one of: max_size, min_size, acquire_timeout_ms, idle_timeout_ms, "
          "max_lifetime_ms)");
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

TEST_CASE("a relative SQLite path in a config is taken from the config's folder", "[config]") {
    auto url = [](const std::string& text, const std::filesystem::path& file = "/etc/rex/rex.json") {
        return rex::parse_config(R"({"database": {"url": ")" + text + R"("}})", file).database_url;
    };
    CHECK(url("sqlite:app.db") == "sqlite:/etc/rex/app.db");
    CHECK(url("sqlite:data/app.db?mode=ro") == "sqlite:/etc/rex/data/app.db?mode=ro");
    CHECK(url("sqlite:/var/lib/app.db") == "sqlite:/var/lib/app.db");
    CHECK(url("sqlite:///var/lib/app.db") == "sqlite:///var/lib/app.db");
    CHECK(url("sqlite::memory:") == "sqlite::memory:");
    CHECK(url("postgres://u@h/db") == "postgres://u@h/db");
    CHECK(url("sqlite:app.db", "conf/rex.json") == "sqlite:conf/app.db");
    CHECK(url("sqlite:app.db", "rex.json") == "sqlite:app.db");  // already the working directory
    // The default database is the config's too.
    CHECK(rex::parse_config("{}", "/srv/app/rex.json").database_url == "sqlite:/srv/app/rex.db");
}

TEST_CASE("a key repeated in a config object is refused with its JSON pointer", "[config]") {
    CHECK(config_error(R"({"database": {"url": "sqlite:a.db", "url": "sqlite:b.db"}})") ==
          "/etc/rex/rex.json: /database/url: repeated key (each key may appear once in an object)");
    CHECK(config_error(R"({"models": ["a.json"], "plugins": {"load": ["x"]}, "models": []})") ==
          "/etc/rex/rex.json: /models: repeated key (each key may appear once in an object)");
    CHECK(config_error("{\"http\": {\"port\": 1}, // a comment\n \"http\": {}}") ==
          "/etc/rex/rex.json: /http: repeated key (each key may appear once in an object)");
    CHECK(config_error(R"({"plugins": {"replace_builtins": "yes"}})") ==
          "/etc/rex/rex.json: /plugins/replace_builtins: expected true or false, got string");
    CHECK(rex::parse_config(R"({"plugins": {"replace_builtins": true}})", "rex.json").plugins.replace_builtins);
}

TEST_CASE("log timestamps always have three fraction digits", "[config][log]") {
    CHECK(rex::log_timestamp(rex::Timestamp{0}) == "1970-01-01T00:00:00.000Z");
    CHECK(rex::log_timestamp(rex::Timestamp{1'700'000'000'100'000}) == "2023-11-14T22:13:20.100Z");
    CHECK(rex::log_timestamp(rex::Timestamp{1'700'000'000'120'999}) == "2023-11-14T22:13:20.120Z");
    CHECK(rex::log_timestamp(rex::Timestamp{1'700'000'000'999'999}) == "2023-11-14T22:13:20.999Z");
}

TEST_CASE("the built-in plugin directories include the kernel library's rex/plugins folder", "[config]") {
    // In the build tree the kernel library is in <build>/lib (or similar) and the plugins in
    // <build>/plugins; either way every directory listed exists and none is repeated.
    const auto dirs = rex::builtin_plugin_directories();
    REQUIRE_FALSE(dirs.empty());
    for (std::size_t i = 0; i < dirs.size(); ++i) {
        CHECK(std::filesystem::is_directory(dirs[i]));
        for (std::size_t k = 0; k < i; ++k) CHECK(dirs[k] != dirs[i]);
    }
    CHECK(std::find(dirs.begin(), dirs.end(), std::filesystem::canonical(REX_TEST_PLUGIN_DIR)) != dirs.end());
}

TEST_CASE("a NUL read from a model file is shown in the error, not the end of what()", "[config][model]") {
    try {
        rex::parse_models(R"({"entities": [{"name": "x", "fields": [{"name": "id", "type": "str\u0000ng"}]}]})", "models.json");
        FAIL("expected the unknown type to be refused");
    } catch (const rex::ConfigurationError& e) {
        const std::string what = e.what();
        CHECK_THAT(what, Catch::StartsWith("models.json: /entities/0/fields/0/type: ") && Catch::Contains("\"str\\0ng\""));
    }
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

TEST_CASE("the realtime keys: capture, its state file, retention, a direct database URL", "[config][realtime]") {
    const auto config = rex::parse_config(R"({
        "database": {"url": "postgres://app@pgbouncer:6432/app", "direct_url": "postgres://app@db:5432/app"},
        "realtime": {"capture": true, "state_file": "state/capture.position",
                     "retention": {"max_age_s": 86400, "max_batches": 1000, "interval_s": 5}}})",
                                          "/etc/rex/rex.json");
    CHECK(config.database_direct_url == "postgres://app@db:5432/app");
    CHECK(config.realtime.capture);
    CHECK(config.realtime.state_file == std::filesystem::path("/etc/rex/state/capture.position"));
    CHECK(config.realtime.retention_max_age_s == 86400);
    CHECK(config.realtime.retention_max_batches == 1000);
    CHECK(config.realtime.retention_interval == std::chrono::seconds(5));

    const auto defaults = rex::parse_config("{}", "/etc/rex/rex.json");
    CHECK_FALSE(defaults.realtime.capture);
    CHECK(defaults.database_direct_url.empty());  // the pump uses database.url
    CHECK(defaults.realtime.state_file == std::filesystem::path("/etc/rex/rex-capture.position"));
    CHECK_FALSE(defaults.realtime.retention_max_age_s);
    CHECK_FALSE(defaults.realtime.retention_max_batches);
    CHECK(rex::parse_config(R"({"database": {"direct_url": "sqlite:data/app.db"}})", "/etc/rex/rex.json").database_direct_url ==
          "sqlite:/etc/rex/data/app.db");

    CHECK(config_error(R"({"realtime": {"capture": "on"}})") == "/etc/rex/rex.json: /realtime/capture: expected true or false, got string");
    CHECK(config_error(R"({"realtime": {"retention": {"max_age": 10}}})") ==
          "/etc/rex/rex.json: /realtime/retention/max_age: unknown key (expected one of: max_age_s, max_batches, interval_s)");
    CHECK(config_error(R"({"realtime": {"retention": {"max_batches": 0}}})") ==
          "/etc/rex/rex.json: /realtime/retention/max_batches: expected an integer 1-1099511627776, got 0");
    CHECK(config_error(R"({"realtime": {"state_file": ""}})") == "/etc/rex/rex.json: /realtime/state_file: must not be empty");
    CHECK(config_error(R"({"database": {"direct_url": ""}})") ==
          "/etc/rex/rex.json: /database/direct_url: must not be empty (leave it out to use url)");
}

TEST_CASE("database.replicas: a list of URLs, none by default", "[config]") {
    const auto config = rex::parse_config(R"({"database": {"url": "postgres://app@db/app",
        "replicas": ["postgres://app@replica-1/app", "postgres://app@replica-2/app"]}})",
                                          "/etc/rex/rex.json");
    CHECK(config.database_replicas == std::vector<std::string>{"postgres://app@replica-1/app", "postgres://app@replica-2/app"});
    CHECK(rex::parse_config("{}", "/etc/rex/rex.json").database_replicas.empty());
    CHECK(config_error(R"({"database": {"replicas": "postgres://r/app"}})").starts_with("/etc/rex/rex.json: /database/replicas: expected"));
    CHECK(config_error(R"({"database": {"replicas": ["postgres://r/app", ""]}})") == "/etc/rex/rex.json: /database/replicas/1: must not be empty");
}

TEST_CASE("each plugin's settings section is kept as dotted keys of text", "[config][settings]") {
    const auto config = rex::parse_config(R"({"settings": {
        "graphql": {"naming": "camel", "limits": {"max_depth": 12, "introspection": false}, "allow": ["a", "b"]},
        "sse": {}}})",
                                          "/etc/rex/rex.json");
    REQUIRE(config.settings.size() == 2);
    const auto& g = config.settings.at("graphql");
    CHECK(g.text("naming", "") == "camel");
    CHECK(g.integer("limits.max_depth", 0) == 12);
    CHECK_FALSE(g.boolean("limits.introspection", true));
    CHECK(g.text("allow", "") == R"(["a","b"])");
    CHECK(g.origin() == "/etc/rex/rex.json: /settings/graphql");
    CHECK_THROWS_WITH(g.check_known({"naming", "allow"}), "/etc/rex/rex.json: /settings/graphql/limits/introspection: unknown setting (known: naming, allow)");
    CHECK(config.settings.at("sse").empty());
    CHECK(config_error(R"({"settings": {"graphql": 1}})") == "/etc/rex/rex.json: /settings/graphql: expected an object, got number");
    CHECK(config_error(R"({"settings": []})") == "/etc/rex/rex.json: /settings: expected an object, got array");
}
