// rex-host's operations side (issue 19): /ready, /metrics read by Prometheus's own parser, JSON
// log lines without secrets, the SIGTERM drain, configuration from the environment, --check,
// the serverless profile, and 503 + Retry-After when the pool has no free connection.
#include "http_client.hpp"
#include "subprocess.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using rex::test::BackgroundProcess;
using rex::test::HttpConnection;
using Clock = std::chrono::steady_clock;

namespace {

const std::string host_bin = std::string(REX_TEST_BIN_DIR) + "/rex-host";

fs::path fresh_dir() {
    static int n = 0;
    const auto dir = fs::temp_directory_path() / ("rex-ops-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::create_directories(dir);
    return dir;
}

// A host with the given config text (JSON) and environment; `plugins` adds the fixture executor.
struct OpsHost {
    fs::path dir = fresh_dir();
    std::unique_ptr<BackgroundProcess> process;
    int port = 0;

    OpsHost(const std::string& config_body, std::vector<std::string> env = {}) {
        std::ofstream(dir / "rex.json") << config_body;
        rex::test::ProcessOptions options;
        options.env = std::move(env);
        process = std::make_unique<BackgroundProcess>(std::vector<std::string>{host_bin, "--config", (dir / "rex.json").string()}, options);
        const auto line = process->wait_for_output("rex-host listening on http://");
        INFO(process->output());
        REQUIRE_FALSE(line.empty());
        port = std::stoi(line.substr(line.rfind(':') + 1));
    }
    ~OpsHost() {
        process.reset();
        fs::remove_all(dir);
    }
};

// The usual test config: SQLite in the host's folder, the in-tree plugins and the executor fixture on /graphql.
std::string fixture_config(const std::string& extra_http = "", const std::string& extra = "") {
    return R"({"plugins": {"paths": [")" + std::string(REX_TEST_PLUGIN_DIR) + R"(", ")" + PROJECT_BINARY_DIR_TEST_PLUGINS +
           R"("]}, "http": {"port": 0, "admin_secret": "s3cret-admin")" + extra_http + R"(}, "graphql": {"exporter": "fixture"},
            "log": {"level": "info"})" + extra + "}";
}

// The listener closes on its strand just after the signal is logged: allow it a moment.
bool connect_refused(int port) {
    const auto until = Clock::now() + std::chrono::milliseconds(500);
    while (Clock::now() < until) {
        try {
            HttpConnection c(port);
        } catch (const std::runtime_error&) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

const std::string python = "/usr/bin/python3";

bool have_prometheus_parser() {
    return fs::exists(python) && rex::test::run_process({python, "-c", "import prometheus_client.parser"}).exit_code == 0;
}

// Every sample as {"name", "labels", "value"}, parsed by prometheus_client (the reference Python client).
nlohmann::json parse_with_prometheus(const std::string& text) {
    const auto r = rex::test::run_process(
        {python, "-c",
         "import sys, json\n"
         "from prometheus_client.parser import text_string_to_metric_families\n"
         "out = []\n"
         "for family in text_string_to_metric_families(sys.stdin.read()):\n"
         "    for s in family.samples:\n"
         "        out.append({'family': family.name, 'type': family.type, 'name': s.name, 'labels': s.labels, 'value': s.value})\n"
         "print(json.dumps(out))\n"},
        {{}, {}, text, 30});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
}

double sample(const nlohmann::json& samples, const std::string& name, const nlohmann::json& labels) {
    for (const auto& s : samples) {
        if (s["name"] != name) continue;
        bool match = true;
        for (const auto& [k, v] : labels.items()) match = match && s["labels"].contains(k) && s["labels"][k] == v;
        if (match) return s["value"];
    }
    FAIL("no sample " << name << " " << labels.dump());
    return -1;
}

}  // namespace

TEST_CASE("GET /metrics is the Prometheus text format: requests by route and operation, latency, pool, plugin gauges",
          "[host][ops][metrics]") {
    if (!have_prometheus_parser()) {
        WARN("skipped: /usr/bin/python3 with prometheus_client is needed (Debian python3-prometheus-client, tools/install-deps.sh --test)");
        return;
    }
    OpsHost host(fixture_config());
    for (int i = 0; i < 3; ++i) REQUIRE(rex::test::http_get(host.port, "/graphql?sql=fast").status == 200);
    REQUIRE(rex::test::http_get(host.port, "/graphql?hold=5").status == 200);
    REQUIRE(rex::test::http_get(host.port, "/graphql?gauge=42.5").body == R"({"metrics":true})");
    REQUIRE(rex::test::http_get(host.port, "/graphql?publish=3").status == 200);
    REQUIRE(rex::test::http_get(host.port, "/health").status == 200);
    REQUIRE(rex::test::http_get(host.port, "/no/such/path/1").status == 404);
    REQUIRE(rex::test::http_get(host.port, "/no/such/path/2").status == 404);

    const auto r = rex::test::http_get(host.port, "/metrics");
    REQUIRE(r.status == 200);
    CHECK(r.headers.at("content-type") == "text/plain; version=0.0.4; charset=utf-8");
    INFO(r.body);
    const auto samples = parse_with_prometheus(r.body);
    CHECK(sample(samples, "rex_http_requests_total", {{"route", "/graphql"}, {"method", "GET"}, {"code", "200"}}) >= 3);
    CHECK(sample(samples, "rex_http_requests_total", {{"route", "/graphql"}, {"operation", "hold"}, {"code", "200"}}) == 1);
    CHECK(sample(samples, "rex_http_requests_total", {{"route", "other"}, {"code", "404"}}) == 2);  // paths do not become labels
    CHECK(sample(samples, "rex_http_requests_total", {{"route", "/health"}}) == 1);
    CHECK(sample(samples, "rex_http_request_duration_seconds_count", {{"route", "/graphql"}, {"operation", "hold"}}) == 1);
    CHECK(sample(samples, "rex_http_request_duration_seconds_bucket", {{"route", "/graphql"}, {"operation", "hold"}, {"le", "0.001"}}) == 0);
    CHECK(sample(samples, "rex_http_request_duration_seconds_bucket", {{"route", "/graphql"}, {"operation", "hold"}, {"le", "+Inf"}}) == 1);
    CHECK(sample(samples, "rex_http_request_duration_seconds_sum", {{"route", "/graphql"}, {"operation", "hold"}}) >= 0.005);
    CHECK(sample(samples, "rex_pool_connections_in_use", {}) == 0);
    CHECK(sample(samples, "rex_pool_connections_idle", {}) >= 1);
    CHECK(sample(samples, "rex_pool_waiting", {}) == 0);
    CHECK(sample(samples, "rex_fixture_value", {{"source", "executor"}}) == 42.5);
    CHECK(sample(samples, "rex_changes_last_sequence", {}) == 3);  // the fixture published three changes
    CHECK(sample(samples, "rex_changes_retained", {}) == 3);  // reported by a plugin through the SDK
    CHECK(sample(samples, "process_resident_memory_bytes", {}) > 1e6);
    CHECK(r.body.find("/no/such") == std::string::npos);
}

TEST_CASE("GET /ready: 200 when the database answers, 503 with the reason when it does not or a plugin failed", "[host][ops][ready]") {
    {
        OpsHost host(fixture_config());
        const auto r = rex::test::http_get(host.port, "/ready");
        CHECK(r.status == 200);
        CHECK(nlohmann::json::parse(r.body)["status"] == "ready");
        HttpConnection c(host.port);
        CHECK(c.request("POST", "/ready").status == 405);
    }
    {
        // Nothing reads the catalog, so the host starts without its database; /ready finds it down.
        OpsHost host(R"({"database": {"url": "postgresql://rex:hunter2@127.0.0.1:1/nowhere"},
                         "plugins": {"paths": [")" + std::string(REX_TEST_PLUGIN_DIR) + R"("], "load": ["postgres"]},
                         "http": {"port": 0}})",
                     {"REX_DATABASE_POOL_ACQUIRE_TIMEOUT_MS=200"});
        const auto r = rex::test::http_get(host.port, "/ready");
        CHECK(r.status == 503);
        CHECK(r.headers.at("retry-after") == "1");
        const auto reason = nlohmann::json::parse(r.body)["reason"].get<std::string>();
        CHECK_THAT(reason, Catch::StartsWith("database postgresql://rex:***@127.0.0.1:1/nowhere is not reachable: "));
        CHECK(r.body.find("hunter2") == std::string::npos);
        CHECK(rex::test::http_get(host.port, "/health").status == 200);  // alive, not ready
    }
    {
        const auto dir = fresh_dir();
        fs::copy_file(fs::path(REX_TEST_PLUGIN_DIR) / "rex-sqlite.so", dir / "rex-sqlite.so");
        std::ofstream(dir / "rex-broken.so") << "garbage";
        OpsHost host(R"({"database": {"url": "sqlite:)" + (dir / "x.db").string() + R"("}, "plugins": {"paths": [")" + dir.string() +
                     R"("]}, "http": {"port": 0}})");
        const auto r = rex::test::http_get(host.port, "/ready");
        CHECK(r.status == 503);
        CHECK(nlohmann::json::parse(r.body)["reason"] == "plugin rex-broken.so did not load: not a Rex plugin: not an ELF shared library");
        fs::remove_all(dir);
    }
}

TEST_CASE("SIGTERM drains: new connections are refused, idle ones close, the request in flight is answered, exit 0",
          "[host][ops][drain]") {
    OpsHost host(fixture_config(R"(, "threads": 2, "shutdown_grace_ms": 5000)"));
    HttpConnection idle(host.port);
    REQUIRE(idle.request("GET", "/health").status == 200);  // kept alive, then idle
    HttpConnection slow(host.port);
    const auto sent = Clock::now();
    slow.send_raw("GET /graphql?hold=1500 HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the request is in flight

    REQUIRE(::kill(host.process->pid(), SIGTERM) == 0);
    REQUIRE_FALSE(host.process->wait_for_output("shutting down", 5000).empty());
    CHECK(connect_refused(host.port));
    CHECK(idle.closed_by_server(1000));

    const auto reply = slow.read_reply();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sent).count();
    CHECK(reply.status == 200);
    CHECK(reply.body == R"({"held":true})");
    CHECK(reply.headers.at("connection") == "close");
    CHECK(ms >= 1400);
    CHECK(host.process->stop(0, 5000) == 0);  // signal 0: only wait (a second SIGTERM would skip the drain)
    CHECK_THAT(host.process->output(), Catch::Contains("drained: every request in flight was answered") && Catch::Contains("stopped"));
}

TEST_CASE("a request longer than the grace period is cut and the host still exits 0 at the end of the period", "[host][ops][drain]") {
    OpsHost host(fixture_config(R"(, "shutdown_grace_ms": 300)"));
    HttpConnection slow(host.port);
    slow.send_raw("GET /graphql?hold=5000 HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto signalled = Clock::now();
    REQUIRE(::kill(host.process->pid(), SIGTERM) == 0);
    REQUIRE_FALSE(host.process->wait_for_output("still open; their requests are cut", 3000).empty());
    CHECK(host.process->stop(0, 3000) == 0);  // signal 0: only wait
    CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - signalled).count() < 2500);
}

TEST_CASE("an exhausted pool answers 503 with Retry-After after the acquire timeout", "[host][ops][pool]") {
    OpsHost host(fixture_config(R"(, "workers": 4)", R"(, "database": {"pool": {"max_size": 1, "acquire_timeout_ms": 150}})"));
    HttpConnection holder(host.port);
    holder.send_raw("GET /graphql?hold=1500 HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto t0 = Clock::now();
    const auto r = rex::test::http_get(host.port, "/graphql?sql=fast");
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    CHECK(r.status == 503);
    CHECK(r.headers.at("retry-after") == "1");
    CHECK(nlohmann::json::parse(r.body)["error"]["message"] == "no database connection is free: try again");
    CHECK(waited >= 140);
    CHECK(waited < 1200);
    CHECK(holder.read_reply().status == 200);
    CHECK(rex::test::http_get(host.port, "/graphql?sql=fast").status == 200);  // the connection came back
}

TEST_CASE("JSON log lines: every line an object, request targets and URLs without credentials", "[host][ops][log]") {
    OpsHost host(fixture_config(), {"REX_LOG_FORMAT=json"});
    CHECK(rex::test::http_get(host.port, "/graphql?sql=fast&access_token=tok-123&x=1").status == 200);
    CHECK(rex::test::http_get(host.port, "/plugins", "X-Rex-Admin-Secret: s3cret-admin\r\n").status == 200);
    CHECK(rex::test::http_get(host.port, "/%ff%fe?\xff=1").status == 404);
    REQUIRE(host.process->stop(SIGTERM) == 0);
    const auto& out = host.process->output();
    CHECK(out.find("tok-123") == std::string::npos);
    CHECK(out.find("s3cret-admin") == std::string::npos);
    std::istringstream lines(out);
    std::string line;
    int json_lines = 0;
    bool saw_request = false;
    while (std::getline(lines, line)) {
        if (line.starts_with("rex-host listening on")) continue;  // stdout: the address for scripts
        INFO(line);
        const auto j = nlohmann::json::parse(line);  // throws on anything that is not JSON
        CHECK(j["time"].get<std::string>().ends_with("Z"));
        CHECK(j["level"].is_string());
        CHECK(j["component"].is_string());
        CHECK(j["message"].is_string());
        saw_request = saw_request || j["message"].get<std::string>().find("GET /graphql?sql=fast&access_token=REDACTED&x=1 200") != std::string::npos;
        ++json_lines;
    }
    CHECK(json_lines >= 5);
    CHECK(saw_request);
}

TEST_CASE("configuration from the environment: REX_<SECTION>_<KEY>, PORT, precedence and one line per mistake", "[host][ops][env]") {
    const auto dir = fresh_dir();
    const auto config = (dir / "rex.json").string();
    std::ofstream(config) << R"({"http": {"port": 1, "workers": 3}, "plugins": {"paths": [")" << REX_TEST_PLUGIN_DIR << R"("]}})";
    const auto check = [&](std::vector<std::string> env) {
        rex::test::ProcessOptions options;
        options.env = std::move(env);
        return rex::test::run_process({host_bin, "--config", config, "--check"}, options);
    };
    {
        const auto r = check({"REX_HTTP_PORT=8", "REX_DATABASE_URL=sqlite:" + (dir / "env.db").string()});
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.out, Catch::Contains("database sqlite:" + (dir / "env.db").string()) && Catch::EndsWith("listening on 127.0.0.1:8\n"));
    }
    // PORT as platforms set it: every interface, below REX_HTTP_PORT.
    CHECK_THAT(check({"PORT=9090"}).out, Catch::EndsWith("listening on 0.0.0.0:9090\n"));
    CHECK_THAT(check({"PORT=9090", "REX_HTTP_PORT=7070", "REX_HTTP_ADDRESS=127.0.0.2"}).out, Catch::EndsWith("listening on 127.0.0.2:7070\n"));

    const auto error = [&](std::vector<std::string> env) {
        const auto r = check(std::move(env));
        CHECK(r.exit_code == 2);
        return r.err;
    };
    CHECK(error({"REX_HTTP_PORT=eighty"}) == "rex-host: error: REX_HTTP_PORT (environment): expected an integer, got 'eighty'\n");
    CHECK(error({"REX_HTTP_PORT=70000"}) == "rex-host: error: REX_HTTP_PORT (environment): expected an integer 0-65535, got 70000\n");
    CHECK(error({"PORT=x"}) == "rex-host: error: PORT (environment): expected an integer, got 'x'\n");
    CHECK(error({"REX_LOG_FORMAT=xml"}) == "rex-host: error: REX_LOG_FORMAT (environment): unknown format 'xml' (text, json)\n");
    CHECK_THAT(error({"REX_HTTP_PROT=1"}), Catch::StartsWith("rex-host: error: REX_HTTP_PROT (environment): unknown key (expected one of: address, port,"));
    CHECK(error({"REX_DATABASE_POOL_MAX_SIZE=-1"}) ==
          "rex-host: error: REX_DATABASE_POOL_MAX_SIZE (environment): expected an integer 0-10000, got -1\n");
    CHECK(error({"REX_SETTINGS_GRAPHQL=[1]"}) == "rex-host: error: REX_SETTINGS_GRAPHQL (environment): expected a JSON object\n");
    CHECK(error({"REX_PROFILE=tiny"}) == "rex-host: error: REX_PROFILE (environment): unknown profile 'tiny' (default, serverless)\n");
    // Variables that are not config keys are left alone.
    CHECK(check({"REX_PLUGIN_PATH=/nowhere", "REX_SOMETHING_ELSE=1"}).exit_code == 0);

    // A real start from the environment alone: no config file at all.
    {
        rex::test::ProcessOptions options;
        options.env = {"REX_DATABASE_URL=sqlite:" + (dir / "env.db").string(), "REX_HTTP_PORT=0", "REX_PLUGINS_PATHS=" + std::string(REX_TEST_PLUGIN_DIR),
                       "REX_PLUGINS_LOAD=sqlite", "REX_PROFILE=serverless", "REX_LOG_LEVEL=info"};
        BackgroundProcess process({host_bin}, options);
        const auto line = process.wait_for_output("rex-host listening on http://");
        INFO(process.output());
        REQUIRE_FALSE(line.empty());
        const int port = std::stoi(line.substr(line.rfind(':') + 1));
        // The serverless profile: one I/O thread, four workers, JSON logs.
        CHECK_THAT(process.output(), Catch::Contains(R"("message":"serving with 1 thread and 4 workers")"));
        CHECK(rex::test::http_get(port, "/ready").status == 200);
        CHECK(process.stop(SIGTERM) == 0);
    }
    fs::remove_all(dir);
}

TEST_CASE("rex-host --check validates plugins, the database URL, models and settings with one line per problem", "[host][ops][check]") {
    const auto dir = fresh_dir();
    std::ofstream(dir / "models.json") << R"({"entities": [{"name": "x"}]})";
    std::ofstream(dir / "rex.json") << R"({"database": {"url": "nosuch://x"},
        "plugins": {"paths": [")" << REX_TEST_PLUGIN_DIR << R"("], "load": ["sqlite", "graphql", "nosuchplugin"]},
        "models": ["models.json"], "settings": {"graphq": {"naming": "camel"}}})";
    const auto r = rex::test::run_process({host_bin, "--config", (dir / "rex.json").string(), "--check"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    std::vector<std::string> lines;
    std::istringstream in(r.err);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    REQUIRE(lines.size() == 4);
    CHECK_THAT(lines[0], Catch::StartsWith("rex-host: check: plugin rex-nosuchplugin.so: plugin 'nosuchplugin' was requested but not found in: "));
    CHECK_THAT(lines[1], Catch::StartsWith("rex-host: check: database.url: ") && Catch::Contains("no adapter is loaded for URL scheme 'nosuch'"));
    CHECK_THAT(lines[2], Catch::StartsWith("rex-host: check: ") && Catch::Contains("models.json"));
    CHECK_THAT(lines[3], Catch::EndsWith("/settings/graphq: no loaded schema-exporter or transport is named 'graphq'"));

    std::ofstream(dir / "ok.json") << R"({"database": {"url": "sqlite:ok.db"}, "plugins": {"paths": [")" << REX_TEST_PLUGIN_DIR
                                   << R"("], "load": ["sqlite", "graphql"]}, "settings": {"graphql": {"naming": "camel"}}})";
    const auto ok = rex::test::run_process({host_bin, "--config", (dir / "ok.json").string(), "--check"});
    INFO(ok.err);
    CHECK(ok.exit_code == 0);
    CHECK_THAT(ok.out, Catch::StartsWith("rex-host: config OK: 2 plugins, database sqlite:"));
    CHECK_FALSE(fs::exists(dir / "ok.db"));  // nothing connected
    fs::remove_all(dir);
}
