// The real rex-host binary, driven over real TCP connections.
#include "http_client.hpp"
#include "subprocess.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>
#include <csignal>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using rex::test::BackgroundProcess;
using rex::test::HttpConnection;

namespace {

const std::string host_bin = std::string(REX_TEST_BIN_DIR) + "/rex-host";

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("rex-host-" + std::to_string(::getpid()) + "-" + std::to_string(next()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
    static int next() {
        static int n = 0;
        return n++;
    }
};

const std::string admin_header = "X-Rex-Admin-Secret: s3cret\r\n";

// A host on a free port with the in-tree plugins, the echo transport and the executor fixture
// (which serves /graphql). `extra_http` and `extra` are appended to the "http" object and to the
// config's top level; `url` replaces the SQLite file in the host's folder.
struct HostConfig {
    std::string extra_http;
    std::string extra;
    std::string url;
    std::string launcher;  // e.g. "ulimit -n 64; exec": run through /bin/sh
};

struct RunningHost {
    TempDir dir;
    std::unique_ptr<BackgroundProcess> process;
    int port = 0;

    explicit RunningHost(const std::string& extra_http = "") : RunningHost(HostConfig{extra_http, "", "", ""}) {}
    explicit RunningHost(const HostConfig& c) { start(c); }

    fs::path config_file() const { return dir.path / "rex.json"; }

    void start(const HostConfig& c) {
        const auto url = c.url.empty() ? "sqlite:" + (dir.path / "rex.db").string() : c.url;
        std::ofstream(config_file()) << R"({"database": {"url": ")" << url << R"("},
            "plugins": {"paths": [")" << REX_TEST_PLUGIN_DIR << R"(", ")" << PROJECT_BINARY_DIR_TEST_PLUGINS << R"("]},
            "http": {"port": 0, "body_limit": 1024, "admin_secret": "s3cret")" << c.extra_http << R"(},
            "graphql": {"exporter": "fixture"},
            "log": {"level": "info"})" << c.extra << "}";
        std::vector<std::string> argv{host_bin, "--config", config_file().string()};
        if (!c.launcher.empty()) argv = {"/bin/sh", "-c", c.launcher + " " + host_bin + " --config " + config_file().string()};
        process = std::make_unique<BackgroundProcess>(argv);
        const auto line = process->wait_for_output("rex-host listening on http://");
        INFO(process->output());
        REQUIRE_FALSE(line.empty());
        port = std::stoi(line.substr(line.rfind(':') + 1));
    }
};

}  // namespace

TEST_CASE("rex-host answers /health and /plugins", "[host]") {
    RunningHost host;
    const auto health = rex::test::http_get(host.port, "/health");
    CHECK(health.status == 200);
    CHECK(health.headers.at("content-type") == "application/json");
    const auto h = nlohmann::json::parse(health.body);
    CHECK(h["status"] == "ok");
    CHECK(h["plugins"] >= 2);
    CHECK(h["uptime_ms"].is_number());

    const auto plugins = nlohmann::json::parse(rex::test::http_get(host.port, "/plugins", admin_header).body);
    std::vector<std::string> names;
    for (const auto& p : plugins["plugins"]) names.push_back(p["name"]);
    CHECK(std::find(names.begin(), names.end(), "sqlite") != names.end());
    CHECK(std::find(names.begin(), names.end(), "echo") != names.end());
    CHECK(h["plugins"] == names.size());
    CHECK(plugins["failures"].empty());

    // Requests are logged with method, target, status and duration.
    host.process->wait_for_output("GET /plugins 200");
    CHECK_THAT(host.process->output(), Catch::Contains("GET /health 200"));
}

TEST_CASE("rex-host answers errors with JSON and keeps serving", "[host]") {
    RunningHost host;
    CHECK(rex::test::http_get(host.port, "/nope").status == 404);
    {
        HttpConnection c(host.port);
        const auto r = c.request("POST", "/health", "{}");
        CHECK(r.status == 405);
        CHECK(r.headers.at("allow") == "GET, HEAD");
        CHECK(nlohmann::json::parse(r.body)["error"]["status"] == 405);
    }
    {
        HttpConnection c(host.port);
        const auto r = c.request("POST", "/echo", std::string(2000, 'x'));  // body_limit is 1024
        CHECK(r.status == 413);
        CHECK(c.closed_by_server());
    }
    {
        HttpConnection c(host.port);
        c.send_raw("THIS IS NOT HTTP\r\n\r\n");
        const auto r = c.read_reply();
        CHECK(r.status == 400);
        CHECK_THAT(r.body, Catch::Contains("malformed request"));
        CHECK(c.closed_by_server());
    }
    CHECK(rex::test::http_get(host.port, "/health").status == 200);
}

TEST_CASE("rex-host keeps connections alive across requests", "[host]") {
    RunningHost host(R"(, "threads": 3)");
    CHECK_THAT(host.process->output(), Catch::Contains("serving with 3 threads"));
    HttpConnection c(host.port);
    for (int i = 0; i < 5; ++i) CHECK(c.request("GET", "/health").status == 200);
    // Two pipelined requests in one write.
    c.send_raw("GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(c.read_reply().status == 200);
    CHECK(c.read_reply().status == 404);
}

TEST_CASE("routes claimed by a transport plugin are served, plain and as a handed-over stream", "[host]") {
    RunningHost host;
    HttpConnection c(host.port);
    const auto plain = c.request("POST", "/echo", "hello");
    CHECK(plain.status == 200);
    CHECK(plain.body == "POST hello");

    HttpConnection s(host.port);
    const auto streamed = s.request("GET", "/echo?stream");
    CHECK(streamed.status == 200);
    CHECK(streamed.body == "streamed /echo");
    CHECK(s.closed_by_server());
    CHECK(rex::test::http_get(host.port, "/health").status == 200);

    // The executor's operations() reach transports, and work it posts runs on another worker.
    HttpConnection o(host.port);
    const auto op = o.request("POST", "/echo-op", "{ x }");
    CHECK(op.status == 200);
    CHECK(op.body == R"({"data":{"query":"{ x }","posted":true}})");
}

TEST_CASE("rex-host shuts down cleanly on SIGTERM and SIGINT", "[host]") {
    for (int signal : {SIGTERM, SIGINT}) {
        RunningHost host;
        CHECK(rex::test::http_get(host.port, "/health").status == 200);
        CHECK(host.process->stop(signal) == 0);
        CHECK_THAT(host.process->output(), Catch::Contains("shutting down") && Catch::Contains("stopped"));
    }
}

TEST_CASE("a bad config stops rex-host with one line naming the file and the path", "[host]") {
    TempDir dir;
    const auto config = dir.path / "bad.json";
    std::ofstream(config) << R"({"http": {"port": "eighty"}})";
    const auto r = rex::test::run_process({host_bin, "--config", config.string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "rex-host: error: " + config.string() + ": /http/port: expected an integer 0-65535, got string\n");

    const auto missing = rex::test::run_process({host_bin, "--config", (dir.path / "none.json").string()});
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.err, Catch::EndsWith("none.json: no such config file\n"));
}

TEST_CASE("a port already in use is reported", "[host]") {
    RunningHost first;
    const auto r = rex::test::run_process({host_bin, "--port", std::to_string(first.port), "--plugin-dir", REX_TEST_PLUGIN_DIR});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("rex-host: error: cannot listen on 127.0.0.1:" + std::to_string(first.port) +
                                        " (bind): Address already in use"));
}

TEST_CASE("plugins that fail to load are reported while the host serves", "[host]") {
    TempDir dir;
    fs::copy_file(fs::path(REX_TEST_PLUGIN_DIR) / "rex-sqlite.so", dir.path / "rex-sqlite.so");
    std::ofstream(dir.path / "rex-broken.so") << "garbage";
    std::ofstream(dir.path / "rex.json") << R"({"http": {"admin_secret": "s3cret"}})";
    BackgroundProcess process({host_bin, "--port", "0", "--plugin-dir", dir.path.string(), "--config", (dir.path / "rex.json").string()});
    const auto line = process.wait_for_output("rex-host listening on http://");
    REQUIRE_FALSE(line.empty());
    const int port = std::stoi(line.substr(line.rfind(':') + 1));
    CHECK_THAT(process.output(), Catch::Contains("rex-broken.so: not a Rex plugin: not an ELF shared library"));
    const auto plugins = nlohmann::json::parse(rex::test::http_get(port, "/plugins", admin_header).body);
    CHECK(plugins["plugins"].size() == 1);
    REQUIRE(plugins["failures"].size() == 1);
    CHECK(plugins["failures"][0]["reason"] == "not a Rex plugin: not an ELF shared library");
}

TEST_CASE("/plugins is an operator route: off without a secret, refused with a wrong one", "[host]") {
    RunningHost host;
    CHECK(rex::test::http_get(host.port, "/plugins").status == 403);
    CHECK(rex::test::http_get(host.port, "/plugins", "X-Rex-Admin-Secret: s3cre\r\n").status == 403);
    CHECK(rex::test::http_get(host.port, "/plugins", "X-Rex-Admin-Secret: s3cret!\r\n").status == 403);
    const auto ok = rex::test::http_get(host.port, "/plugins", admin_header);
    CHECK(ok.status == 200);
    CHECK_THAT(ok.body, Catch::Contains("rex-sqlite.so"));

    // No secret configured: the route does not exist, and no file path reaches a client.
    TempDir dir;
    std::ofstream(dir.path / "rex.json") << R"({"plugins": {"paths": [")" << REX_TEST_PLUGIN_DIR << R"("], "load": ["sqlite"]}})";
    BackgroundProcess process({host_bin, "--port", "0", "--config", (dir.path / "rex.json").string()});
    const auto line = process.wait_for_output("rex-host listening on http://");
    REQUIRE_FALSE(line.empty());
    const int port = std::stoi(line.substr(line.rfind(':') + 1));
    const auto off = rex::test::http_get(port, "/plugins", admin_header);
    CHECK(off.status == 404);
    CHECK(off.body.find(".so") == std::string::npos);
}

TEST_CASE("HEAD answers carry no body, so the next answer on a kept-alive connection is intact", "[host]") {
    RunningHost host;
    HttpConnection c(host.port);
    const auto head = c.request("HEAD", "/health");
    CHECK(head.status == 200);
    CHECK(std::stoul(head.headers.at("content-length")) > 0);  // the length the body would have
    CHECK(head.body.empty());
    // Were the body sent, these would read it as the status line of the next response.
    const auto get = c.request("GET", "/health");
    CHECK(get.status == 200);
    CHECK(nlohmann::json::parse(get.body)["status"] == "ok");
    CHECK(c.request("HEAD", "/nope").status == 404);
    CHECK(c.request("GET", "/graphql?sql=fast").status == 200);
}

namespace {

// One slow query (about 2 s) and, while it runs, 100 fast requests on their own connections.
void slow_beside_fast(const std::string& url) {
    const bool postgres = url.starts_with("postgres");
    RunningHost host(HostConfig{R"(, "threads": 1, "workers": 8)", "", url, ""});  // one I/O thread: were it blocked, nothing would answer
    CHECK_THAT(host.process->output(), Catch::Contains("serving /graphql with the executor of exporter fixture"));
    CHECK(nlohmann::json::parse(rex::test::http_get(host.port, "/graphql?sql=fast").body)["value"] == 1);

    // pg_sleep(2 s) on PostgreSQL; on SQLite a recursive count calibrated to take about as long here.
    using Clock = std::chrono::steady_clock;
    long long n = 2000, probe_ms = 0;
    if (!postgres) {
        const long long probe = 200000;
        auto t0 = Clock::now();
        REQUIRE(rex::test::http_get(host.port, "/graphql?sql=slow&n=" + std::to_string(probe)).status == 200);
        probe_ms = std::max<long long>(1, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count());
        n = probe * 2000 / probe_ms;
    }

    HttpConnection slow(host.port);
    const auto slow_sent = Clock::now();
    slow.send_raw("GET /graphql?sql=slow&n=" + std::to_string(n) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the slow query is running

    std::vector<std::unique_ptr<HttpConnection>> fast;
    for (int i = 0; i < 100; ++i) fast.push_back(std::make_unique<HttpConnection>(host.port));
    const auto fast_sent = Clock::now();
    for (auto& c : fast) c->send_raw("GET /graphql?sql=fast HTTP/1.1\r\nHost: x\r\n\r\n");
    for (auto& c : fast) {
        const auto r = c->read_reply();
        CHECK(r.status == 200);
        CHECK(r.body == R"({"value":1})");
    }
    const auto fast_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - fast_sent).count();
    CHECK(fast_ms < 500);
    // ... all while the slow one was still in flight.
    CHECK_FALSE(slow.closed_by_server(0));
    const auto slow_reply = slow.read_reply();
    const auto slow_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - slow_sent).count();
    INFO("probe " << probe_ms << " ms, fast " << fast_ms << " ms, slow " << slow_ms << " ms");
    CHECK(slow_reply.status == 200);
    CHECK(slow_ms > fast_ms + 100);
}

}  // namespace

TEST_CASE("the executor's SQL runs on workers: a slow query does not hold up fast requests", "[host][executor]") {
    SECTION("sqlite") { slow_beside_fast(""); }
    SECTION("postgres") {
        const char* url = std::getenv("REX_TEST_POSTGRES_URL");
        if (url && *url) slow_beside_fast(url);
        else if (const char* r = std::getenv("REX_REQUIRE_SERVERS"); r && std::string(r) == "1") FAIL("REX_TEST_POSTGRES_URL is not set");
        else WARN("PostgreSQL part skipped: REX_TEST_POSTGRES_URL is not set");
    }
}

namespace {

// A slow query whose client hangs up after 300 ms: the statement is cancelled in the database.
// One worker, so the next request can only be answered once the cancelled one has stopped.
void hangup_cancels(const std::string& url) {
    const bool postgres = url.starts_with("postgres");
    RunningHost host(HostConfig{R"(, "workers": 1)", "", url, ""});
    using Clock = std::chrono::steady_clock;
    {
        HttpConnection slow(host.port);
        // 20 s of pg_sleep, or a recursive count far longer than the test waits.
        slow.send_raw(std::string("GET /graphql?sql=slow&n=") + (postgres ? "20000" : "5000000000") + " HTTP/1.1\r\nHost: x\r\n\r\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }  // closed
    const auto closed = Clock::now();
    HttpConnection next(host.port);
    const auto r = next.request("GET", postgres ? "/graphql?sql=sleeping" : "/graphql?sql=fast");
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - closed).count();
    INFO(host.process->output());
    CHECK(r.status == 200);
    // PostgreSQL: no pg_sleep left running in any session; SQLite: the one worker is free again.
    CHECK(r.body == (postgres ? R"({"value":0})" : R"({"value":1})"));
    CHECK(ms < 1000);
}

}  // namespace

TEST_CASE("a client that hangs up cancels its running query in the database", "[host][executor]") {
    SECTION("sqlite") { hangup_cancels(""); }
    SECTION("postgres") {
        const char* url = std::getenv("REX_TEST_POSTGRES_URL");
        if (url && *url) hangup_cancels(url);
        else if (const char* r = std::getenv("REX_REQUIRE_SERVERS"); r && std::string(r) == "1") FAIL("REX_TEST_POSTGRES_URL is not set");
        else WARN("PostgreSQL part skipped: REX_TEST_POSTGRES_URL is not set");
    }
}

TEST_CASE("an executor that throws anything answers 500 with one log line and the host keeps serving", "[host][executor]") {
    RunningHost host;
    for (const std::string kind : {"runtime", "int"}) {
        HttpConnection c(host.port);
        const auto r = c.request("GET", "/graphql?throw=" + kind);
        CHECK(r.status == 500);
        CHECK(nlohmann::json::parse(r.body)["error"]["status"] == 500);
        CHECK(r.body.find("fixture failure") == std::string::npos);  // details go to the log only
        CHECK(c.request("GET", "/graphql?sql=fast").status == 200);  // same connection, still served
    }
    host.process->wait_for_output("an exception of type int");
    CHECK_THAT(host.process->output(),
               Catch::Contains("GET /graphql: exporter fixture threw std::runtime_error: fixture failure on purpose") &&
                   Catch::Contains("GET /graphql: exporter fixture threw an exception of type int"));
    CHECK(rex::test::http_get(host.port, "/health").status == 200);
    CHECK(rex::test::http_get(host.port, "/graphql", "").status == 200);
    HttpConnection c(host.port);
    CHECK(c.request("DELETE", "/graphql").status == 405);  // every method reaches the executor
}

TEST_CASE("out of file descriptors, the accept loop backs off and logs once per burst", "[host]") {
    RunningHost host(HostConfig{R"(, "threads": 1)", "", "", "ulimit -n 64; exec"});
    std::vector<std::unique_ptr<HttpConnection>> held;
    for (int i = 0; i < 80; ++i) held.push_back(std::make_unique<HttpConnection>(host.port));  // the backlog takes them
    REQUIRE_FALSE(host.process->wait_for_output("accept failed: Too many open files; retrying every 100 ms", 5000).empty());

    // Spinning would burn a whole core; backing off uses almost nothing.
    auto cpu_ticks = [&] {
        std::ifstream stat("/proc/" + std::to_string(host.process->pid()) + "/stat");
        std::string text((std::istreambuf_iterator<char>(stat)), {});
        std::istringstream fields(text.substr(text.rfind(')') + 2));
        std::string field;
        long long ticks = 0;
        for (int i = 3; i <= 15 && fields >> field; ++i)
            if (i == 14 || i == 15) ticks += std::stoll(field);  // utime + stime
        return ticks;
    };
    const auto before = cpu_ticks();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const auto used = cpu_ticks() - before;
    CHECK(used < 20);  // of 100 ticks a second
    const auto& out = host.process->output();
    std::size_t lines = 0;
    for (auto at = out.find("accept failed"); at != std::string::npos; at = out.find("accept failed", at + 1)) ++lines;
    CHECK(lines == 1);

    held.clear();  // descriptors come back: the waiting connections are served
    REQUIRE_FALSE(host.process->wait_for_output("accepting connections again", 5000).empty());
    CHECK(rex::test::http_get(host.port, "/health").status == 200);
}

namespace {

// The catalog as the executor fixture sees it through its ExecutorContext.
nlohmann::json catalog_of(const RunningHost& host) {
    const auto r = rex::test::http_get(host.port, "/graphql?catalog");
    INFO(r.body);
    REQUIRE(r.status == 200);
    return nlohmann::json::parse(r.body);
}

nlohmann::json entity_in(const nlohmann::json& catalog, const std::string& name) {
    for (const auto& e : catalog["entities"])
        if (e["name"] == name) return e;
    FAIL("no entity " << name << " in " << catalog.dump());
    return {};
}

bool has_relation(const nlohmann::json& entity, const std::string& name, const std::string& kind, const std::string& target) {
    for (const auto& r : entity["relations"])
        if (r["name"] == name && r["kind"] == kind && r["target"] == target) return true;
    return false;
}

const std::string demo_migrations = std::string(REX_TEST_SOURCE_DIR) + "/apps/rex-host/demo/migrations";

}  // namespace

TEST_CASE("the demo: migrations applied on first start, introspected, snapshot used on restart until the schema changes",
          "[host][catalog]") {
    TempDir work;
    fs::copy(demo_migrations, work.path / "migrations", fs::copy_options::recursive);
    const std::string extra = R"(, "migrations": {"path": ")" + (work.path / "migrations").string() +
                              R"(", "apply_on_start": true}, "catalog": {"snapshot": "catalog.json"})";
    const std::string url = "sqlite:" + (work.path / "demo.db").string();
    {
        RunningHost host(HostConfig{"", extra, url, ""});
        const auto& out = host.process->output();
        CHECK_THAT(out, Catch::Contains("migrations: applied 1 from"));
        CHECK_THAT(out, Catch::Contains("catalog: 4 entities by introspecting"));
        CHECK_THAT(out, Catch::Contains("catalog: wrote the snapshot"));
        CHECK(fs::exists(host.dir.path / "catalog.json"));
        const auto catalog = catalog_of(host);
        CHECK(catalog["dialect"] == "sqlite");
        CHECK(catalog["entities"].size() == 4);
        CHECK(has_relation(entity_in(catalog, "books"), "author", "belongs_to", "authors"));
        CHECK(has_relation(entity_in(catalog, "authors"), "books", "has_many", "books"));
        CHECK(has_relation(entity_in(catalog, "books"), "tags", "many_to_many", "tags"));
        CHECK(has_relation(entity_in(catalog, "tags"), "books", "many_to_many", "books"));
        CHECK(entity_in(catalog, "book_tags")["key"] == nlohmann::json::array({"book_id", "tag_id"}));
        fs::copy_file(host.dir.path / "catalog.json", work.path / "catalog.json");

        // A restart starts from the snapshot.
        host.process->stop(SIGTERM);
        host.start(HostConfig{"", extra, url, ""});
        CHECK_THAT(host.process->output(), Catch::Contains("catalog: 4 entities from the snapshot"));
        CHECK(catalog_of(host)["entities"].size() == 4);

        // A new migration changes the schema: the snapshot is stale and the database introspected again.
        host.process->stop(SIGTERM);
        fs::create_directories(work.path / "migrations" / "20261205000000_reviews");
        std::ofstream(work.path / "migrations" / "20261205000000_reviews" / "up.sql")
            << "CREATE TABLE reviews (id INTEGER PRIMARY KEY, book_id INTEGER NOT NULL REFERENCES books (id), stars INTEGER);\n";
        host.start(HostConfig{"", extra, url, ""});
        CHECK_THAT(host.process->output(), Catch::Contains("is stale (the database schema, or catalog.tables, changed since it was written); introspecting"));
        CHECK_THAT(host.process->output(), Catch::Contains("catalog: 5 entities by introspecting"));
        const auto catalog2 = catalog_of(host);
        CHECK(has_relation(entity_in(catalog2, "books"), "reviews", "has_many", "reviews"));

        // A snapshot made for other tables is not taken either.
        host.process->stop(SIGTERM);
        const std::string two_tables = R"(, "migrations": {"path": ")" + (work.path / "migrations").string() +
                                       R"(", "apply_on_start": true}, "catalog": {"snapshot": "catalog.json", "tables": ["authors", "books"]})";
        host.start(HostConfig{"", two_tables, url, ""});
        CHECK_THAT(host.process->output(), Catch::Contains("is stale") && Catch::Contains("catalog: 2 entities by introspecting"));
    }
    // Model files named in the config win over introspection.
    {
        std::ofstream(work.path / "models.json") << R"J({"entities": [{"name": "tags", "fields": [
            {"name": "id", "type": "int64", "primary_key": true}, {"name": "name", "type": "string(50)"}]}]})J";
        RunningHost host(HostConfig{"", R"(, "models": [")" + (work.path / "models.json").string() + R"("])", url, ""});
        CHECK_THAT(host.process->output(), Catch::Contains("catalog: 1 entities from 1 model file"));
        CHECK(catalog_of(host)["entities"].size() == 1);
    }
    // rex schema snapshot writes the same file.
    std::ofstream(work.path / "cli.json") << R"({"database": {"url": ")" << url << R"("}, "catalog": {"snapshot": "cli-snapshot.json"}})";
    const auto r = rex::test::run_process({std::string(REX_TEST_BIN_DIR) + "/rex", "--plugin-dir", REX_TEST_PLUGIN_DIR, "--config",
                                           (work.path / "cli.json").string(), "schema", "snapshot"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "wrote " + (work.path / "cli-snapshot.json").string() + " (5 entities)\n");  // not the migrations history
}

TEST_CASE("a host serving transports without realtime.capture warns that subscribers miss other writers' changes", "[host][capture]") {
    const std::string warning = "realtime.capture is off: subscriptions and change streams get only this host's own GraphQL mutations";
    {
        RunningHost host;  // the transports of the plugin folders, capture off
        CHECK_THAT(host.process->output(), Catch::Contains(warning));
    }
    // With capture on, not a word of it.
    TempDir work;
    const auto url = "sqlite:" + (work.path / "captured.db").string();
    const auto rex = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {std::string(REX_TEST_BIN_DIR) + "/rex", "--plugin-dir", REX_TEST_PLUGIN_DIR, "--url", url});
        const auto r = rex::test::run_process(args);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
    };
    rex({"query", "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)"});
    rex({"realtime", "enable", "--tables", "item"});
    HostConfig config;
    config.url = url;
    config.extra = R"(, "realtime": {"capture": true, "state_file": ")" + (work.path / "position").string() + R"("})";
    RunningHost host(config);
    INFO(host.process->output());
    CHECK_THAT(host.process->output(), Catch::Contains("ready in") && !Catch::Contains(warning));
}

TEST_CASE("a database that cannot be introspected stops rex-host with one line", "[host][catalog]") {
    TempDir dir;
    std::ofstream(dir.path / "rex.json") << R"({"database": {"url": "nosuch://x"}, "plugins": {"paths": [")" << REX_TEST_PLUGIN_DIR
                                         << R"(", ")" << PROJECT_BINARY_DIR_TEST_PLUGINS << R"("]}, "http": {"port": 0}})";
    const auto r = rex::test::run_process({host_bin, "--config", (dir.path / "rex.json").string()});
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err, Catch::EndsWith("\nrex-host: error: filling the catalog: no adapter is loaded for URL scheme 'nosuch' "
                                      "(schemes loaded: mariadb, mysql, postgres, postgresql, sqlite)\n"));
}
