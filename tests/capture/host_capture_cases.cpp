// rex-host runs the capture pump from its config (realtime.capture). A host stopped in the
// middle of a write stream made by the engine's own client — by SIGTERM, then by kill -9 —
// resumes after the position it kept in its state file: nothing lost, nothing delivered twice
// (after kill -9, at most the batch it was delivering). Two hosts on one database give every
// change the same sequence number. The hosts' trace log names each change they deliver.
#include "capture_support.hpp"
#include "context.hpp"

#include <rex/capture.hpp>

#include <catch2/catch.hpp>
#include <subprocess.hpp>
#include <worker.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace rex;
using namespace rex::conformance;
using namespace rex::capture_test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("rex-capture-host-" + std::to_string(::getpid()) + "-" + std::to_string(next()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
    static int next() {
        static int n = 0;
        return ++n;
    }
};

// One change as a host delivered it.
struct Delivered {
    std::uint64_t sequence = 0;
    std::int64_t position = 0;
    std::string what;  // "update cap_x {"id": 3}"
};

std::vector<Delivered> delivered(const std::string& output) {
    static const std::regex line(R"(delivering sequence (\d+) position (\d+) (.*))");
    std::vector<Delivered> out;
    std::istringstream in(output);
    std::string text;
    std::smatch m;
    while (std::getline(in, text))
        if (std::regex_search(text, m, line)) out.push_back({std::stoull(m[1]), std::stoll(m[2]), m[3]});
    return out;
}

// A rex-host with capture on, loading only the backend's plugin, logging every change.
class CaptureHost {
public:
    // `realtime` adds keys to the config's realtime section, `database` to its database section.
    CaptureHost(const fs::path& dir, const std::string& name, const std::string& realtime = "", const std::string& database = "")
        : config_(dir / (name + ".json")), state_(dir / (name + ".position")) {
        std::ofstream(config_) << R"({"database": {"url": ")" << backend().url << "\"" << database << R"(},
            "plugins": {"paths": [")" << REX_TEST_PLUGIN_DIR << R"("], "load": [")" << engine() << R"("]},
            "http": {"port": 0}, "log": {"level": "trace"},
            "realtime": {"capture": true, "state_file": ")" << state_.string() << "\"" << realtime << "}}";
    }
    void start() {
        process_ = std::make_unique<test::BackgroundProcess>(
            std::vector<std::string>{std::string(REX_TEST_BIN_DIR) + "/rex-host", "--config", config_.string()});
        const auto line = process_->wait_for_output("rex-host listening on http://");
        INFO(process_->output());
        REQUIRE_FALSE(line.empty());
    }
    // Stops it, keeping what it delivered.
    void stop(int signal) {
        process_->stop(signal);
        runs_.push_back(delivered(process_->output()));
        process_.reset();
    }
    // Waits until the running host delivered `sequence`.
    bool wait_for(std::uint64_t sequence) {
        return !process_->wait_for_output("delivering sequence " + std::to_string(sequence) + " ", 60000).empty();
    }
    const std::vector<std::vector<Delivered>>& runs() const { return runs_; }
    std::string state() const {
        std::ifstream in(state_);
        std::string text;
        std::getline(in, text);
        return text;
    }

private:
    fs::path config_, state_;
    std::unique_ptr<test::BackgroundProcess> process_;
    std::vector<std::vector<Delivered>> runs_;

public:
    const std::string& output() const { return process_->output(); }
};

// Every change in the log after `start`, numbered as the pump numbers them.
std::vector<Delivered> logged_after(std::int64_t start) {
    settle();
    auto c = connect();
    CaptureShapes shapes;
    std::vector<Delivered> out;
    while (true) {
        const auto batches = capture().read(*c, start, 100);
        if (batches.empty()) return out;
        for (const auto& batch : batches)
            for (const auto& e : capture_events(batch, kernel().catalog(), shapes)) out.push_back({e.sequence, batch.position, {}});
        start = batches.back().position;
    }
}

// Writes rows through the engine's client until stopped: batches of three statements, every
// third a transaction of an insert and an update.
class ClientWriter {
public:
    explicit ClientWriter(std::string table)
        : table_(std::move(table)), worker_([this] {
              for (int id = 1; !stop_; id += 3) {
                  const auto t = q(table_);
                  client(row_insert(table_, id, "a") + ";\n" + row_insert(table_, id + 1, "b") + ";\nBEGIN;\n" + row_insert(table_, id + 2, "c") +
                         ";\nUPDATE " + t + " SET name = 'u' WHERE id = " + std::to_string(id) + ";\nCOMMIT;\n");
                  ++rounds_;
              }
          }) {}
    ~ClientWriter() { stop_ = true; }  // worker_, destroyed first, joins
    // Stops the writes; rethrows what failed them.
    void finish() {
        stop_ = true;
        worker_.join();
    }
    // Waits for `n` more rounds of writes.
    void wait_rounds(int n) {
        const int until = rounds_ + n;
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        while (rounds_ < until && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    }

private:
    std::string table_;
    std::atomic<bool> stop_{false};
    std::atomic<int> rounds_{0};
    test::Worker worker_;  // last: it starts writing at once
};

}  // namespace

TEST_CASE("capture host: a restarted rex-host resumes after the position it kept, nothing lost or repeated", "[capture][host]") {
    if (!available()) return;
    auto c = connect();
    const auto name = make_table(*c, "cap_host_restart");
    const auto start = last_position();
    TempDir dir;
    CaptureHost host(dir.path, "host");
    host.start();
    ClientWriter writer(name);
    writer.wait_rounds(4);
    host.stop(SIGTERM);  // a clean stop: the last batch delivered is the one kept
    const auto kept = host.state();
    REQUIRE_FALSE(host.runs()[0].empty());
    CHECK(std::stoll(kept) == host.runs()[0].back().position);
    writer.wait_rounds(3);  // written while no host runs
    host.start();
    writer.wait_rounds(4);
    host.stop(SIGKILL);  // no chance to finish anything
    writer.wait_rounds(3);
    host.start();
    writer.wait_rounds(2);
    writer.finish();
    const auto expected = logged_after(start);
    REQUIRE_FALSE(expected.empty());
    REQUIRE(host.wait_for(expected.back().sequence));
    host.stop(SIGTERM);

    const auto& runs = host.runs();
    REQUIRE(runs.size() == 3);
    std::multiset<std::uint64_t> all;
    for (const auto& run : runs)
        for (const auto& d : run) all.insert(d.sequence);
    for (const auto& e : expected) CHECK(all.count(e.sequence) >= 1);  // nothing lost
    // After SIGTERM nothing twice; after kill -9 at most the batch being delivered.
    std::set<std::uint64_t> first, second;
    for (const auto& d : runs[0]) first.insert(d.sequence);
    for (const auto& d : runs[1]) second.insert(d.sequence);
    const auto second_last_position = runs[1].empty() ? 0 : runs[1].back().position;
    for (const auto& d : runs[1]) CHECK_FALSE(first.contains(d.sequence));
    for (const auto& d : runs[2]) {
        CHECK_FALSE(first.contains(d.sequence));
        if (second.contains(d.sequence)) CHECK(d.position == second_last_position);
    }
    CHECK(all.size() <= expected.size() + 3);  // a batch here is at most three changes
    drop_table(*c, name);
}

TEST_CASE("capture host: two rex-hosts on one database give every change the same sequence number", "[capture][host]") {
    if (!available()) return;
    auto c = connect();
    const auto name = make_table(*c, "cap_host_two");
    const auto start = last_position();
    TempDir dir;
    CaptureHost one(dir.path, "one"), two(dir.path, "two");
    one.start();
    two.start();
    {
        ClientWriter a(name);  // two writers at once: their transactions interleave
        auto other = std::async(std::launch::async, [&] {
            for (int i = 0; i < 10; ++i)
                client("BEGIN;\n" + row_insert(name, 100000 + i, "x") + ";\nUPDATE " + q(name) + " SET name = 'y' WHERE id = " +
                       std::to_string(100000 + i) + ";\nCOMMIT;\nDELETE FROM " + q(name) + " WHERE id = " + std::to_string(100000 + i) + ";\n");
        });
        other.get();
        a.wait_rounds(2);
        a.finish();
    }
    const auto expected = logged_after(start);
    REQUIRE(expected.size() >= 30);
    REQUIRE(one.wait_for(expected.back().sequence));
    REQUIRE(two.wait_for(expected.back().sequence));
    one.stop(SIGTERM);
    two.stop(SIGTERM);
    const auto& a = one.runs()[0];
    const auto& b = two.runs()[0];
    REQUIRE(a.size() == expected.size());
    REQUIRE(b.size() == expected.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        INFO("change " << i << ": " << a[i].what << " / " << b[i].what);
        CHECK(a[i].sequence == expected[i].sequence);
        CHECK(b[i].sequence == a[i].sequence);
        CHECK(b[i].what == a[i].what);
        if (i) CHECK(a[i].sequence > a[i - 1].sequence);
    }
    drop_table(*c, name);
}

TEST_CASE("capture host: a bad state file or a database without capture stops the host with one line", "[capture][host]") {
    if (!available()) return;
    TempDir dir;
    const auto config = dir.path / "rex.json";
    std::ofstream(dir.path / "bad.position") << "not a number\n";
    std::ofstream(config) << R"({"database": {"url": ")" << backend().url << R"("},
        "plugins": {"paths": [")" << REX_TEST_PLUGIN_DIR << R"("], "load": [")" << engine() << R"("]},
        "http": {"port": 0}, "realtime": {"capture": true, "state_file": "bad.position"}})";
    const auto r = test::run_process({std::string(REX_TEST_BIN_DIR) + "/rex-host", "--config", config.string()});
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err, Catch::Contains("rex-host: error: realtime.capture: " + (dir.path / "bad.position").string() +
                                      ": not a capture position"));
}

TEST_CASE("capture host: the host prunes the log by its retention", "[capture][host][retention]") {
    if (!available()) return;
    auto c = connect();
    const auto name = make_table(*c, "cap_host_prune");
    const auto start = last_position();
    TempDir dir;
    CaptureHost host(dir.path, "host", R"(, "retention": {"max_batches": 2, "interval_s": 1})");
    host.start();
    std::string sql;
    for (int i = 1; i <= 6; ++i) sql += row_insert(name, i, "p") + ";\n";
    client(sql);
    settle();
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    auto status = capture().status(*c);
    while (status.pruned_through < status.last_position - 2 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(100ms);
        status = capture().status(*c);
    }
    CHECK(status.pruned_through > start);
    std::size_t kept = 0;
    for (auto after = status.pruned_through;;) {
        const auto batches = capture().read(*c, after, 100);
        if (batches.empty()) break;
        kept += batches.size();
        after = batches.back().position;
    }
    CHECK(kept == 2);
    CHECK(host.wait_for(static_cast<std::uint64_t>(status.last_position)));  // delivered all the same
    host.stop(SIGTERM);
    drop_table(*c, name);
}

TEST_CASE("capture host: behind PgBouncer the pump reads on database.direct_url", "[capture][host]") {
    if (!available()) return;
    if (engine() != "postgres") return;
    const char* bouncer = std::getenv("REX_TEST_PGBOUNCER_URL");
    if (!bouncer || !*bouncer) {
        WARN("REX_TEST_PGBOUNCER_URL is not set: skipped");
        return;
    }
    auto c = connect();
    const auto name = make_table(*c, "cap_host_direct");
    TempDir dir;
    // database.url goes through PgBouncer (transaction pooling loses LISTEN); the pump does not.
    CaptureHost host(dir.path, "host", "", std::string(R"(, "direct_url": ")") + backend().url + "\"");
    {
        std::string config;
        std::ifstream in(dir.path / "host.json");
        std::getline(in, config, '\0');
        const auto at = config.find(backend().url);
        REQUIRE(at != std::string::npos);
        config.replace(at, backend().url.size(), bouncer);  // the first one is database.url
        std::ofstream(dir.path / "host.json") << config;
    }
    host.start();
    const auto port = backend().url.substr(backend().url.rfind(':'));
    CHECK_THAT(host.output(), Catch::Contains("reading the change log of postgres://rex:***@127.0.0.1" + port.substr(0, port.find('/'))));
    const auto start = last_position();
    client(row_insert(name, 1, "direct") + ";\n");
    CHECK(host.wait_for(static_cast<std::uint64_t>(start) + 1));
    host.stop(SIGTERM);
    drop_table(*c, name);
}
