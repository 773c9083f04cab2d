// The real rex-host binary, driven over real TCP connections.
#include "http_client.hpp"
#include "subprocess.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
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

// A host on a free port with the in-tree plugins and the echo transport fixture.
struct RunningHost {
    TempDir dir;
    std::unique_ptr<BackgroundProcess> process;
    int port = 0;

    explicit RunningHost(const std::string& extra_http = "") {
        const auto config = dir.path / "rex.json";
        std::ofstream(config) << R"({"database": {"url": "sqlite:)" << (dir.path / "rex.db").string() << R"("},
            "plugins": {"paths": [")" << REX_TEST_PLUGIN_DIR << R"(", ")" << PROJECT_BINARY_DIR_TEST_PLUGINS << R"("]},
            "http": {"port": 0, "body_limit": 1024)" << extra_http << R"(},
            "log": {"level": "info"}})";
        process = std::make_unique<BackgroundProcess>(std::vector<std::string>{host_bin, "--config", config.string()});
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

    const auto plugins = nlohmann::json::parse(rex::test::http_get(host.port, "/plugins").body);
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
    BackgroundProcess process({host_bin, "--port", "0", "--plugin-dir", dir.path.string()});
    const auto line = process.wait_for_output("rex-host listening on http://");
    REQUIRE_FALSE(line.empty());
    const int port = std::stoi(line.substr(line.rfind(':') + 1));
    CHECK_THAT(process.output(), Catch::Contains("rex-broken.so: not a Rex plugin: not an ELF shared library"));
    const auto plugins = nlohmann::json::parse(rex::test::http_get(port, "/plugins").body);
    CHECK(plugins["plugins"].size() == 1);
    REQUIRE(plugins["failures"].size() == 1);
    CHECK(plugins["failures"][0]["reason"] == "not a Rex plugin: not an ELF shared library");
}
