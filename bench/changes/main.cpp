// rex-bench-changes [writes] [rate]: for each engine whose URL is set (SQLite always, on a temp
// file; REX_TEST_POSTGRES_URL — twice: the trigger mode and the logical mode —, REX_TEST_MYSQL_URL),
// one JSON line with
//  - single-row autocommit insert throughput without and with capture, and their ratio;
//  - commit-to-bus latency (p50, p99): a writer inserts at a steady rate, the kernel's capture
//    pump (its own connection, as another process would be) publishes to the change bus, and
//    each row's arrival is timed against the return of its commit;
//  - the writer thread's CPU per write, plain and captured (on SQLite all of the work);
//  - the server's durability settings and the machine's load average, to label the figures.
// In the logical mode the pump runs through the throughput rounds too, as a host would: its
// feeder decodes on the same server while the writer writes, which is part of that mode's cost
// (the trigger modes' cost is all in the writer's transaction). REX_BENCH_ONLY=engine/mode runs one.
#include <rex/capture.hpp>
#include <rex/kernel.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>
#include <time.h>
#include <unistd.h>

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct Engine {
    std::string name;
    std::string url;
    std::string placeholder1, placeholder2;
    std::string mode = "triggers";
    std::string durability_sql;  // one text column saying whether commits are flushed
};

std::string load_average() {
    std::FILE* f = std::fopen("/proc/loadavg", "r");
    if (!f) return "0";
    char buffer[32] = {};
    const auto n = std::fscanf(f, "%31s", buffer);
    std::fclose(f);
    return n == 1 ? buffer : "0";
}

double thread_cpu_us() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

struct InsertRun {
    double per_s = 0;
    double cpu_us = 0;  // the writer thread's CPU per write: SQLite's whole cost, robust to load
};

InsertRun insert_rate(rex::Connection& c, const std::string& table, const Engine& e, int writes) {
    const auto sql = "INSERT INTO " + table + " (id, name) VALUES (" + e.placeholder1 + ", " + e.placeholder2 + ")";
    const auto start = Clock::now();
    const auto cpu = thread_cpu_us();
    for (int i = 1; i <= writes; ++i) c.execute(sql, {rex::Value(i), rex::Value("row")});
    return {writes / std::chrono::duration<double>(Clock::now() - start).count(), (thread_cpu_us() - cpu) / writes};
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

void run(rex::Kernel& kernel, const Engine& e, int writes, int rate) {
    auto c = kernel.connect(e.url);
    auto* capture = kernel.adapter_for_url(e.url)->capture();
    const auto suffix = std::to_string(::getpid());
    const auto plain = "bench_plain_" + suffix, captured = "bench_captured_" + suffix, live = "bench_live_" + suffix;
    for (const auto& t : {plain, captured, live}) {
        c->execute("DROP TABLE IF EXISTS " + t);
        c->execute("CREATE TABLE " + t + " (id BIGINT PRIMARY KEY, name VARCHAR(40))");
    }
    capture->install(*c, {captured, live});
    capture->set_mode(*c, e.mode);
    const auto durability = c->execute(e.durability_sql).rows.at(0).at(0).as_text();
    std::mutex mutex;
    std::map<std::int64_t, Clock::time_point> committed, arrived;
    auto sub = kernel.changes().subscribe({{live}}, kernel.changes().last_sequence(), [&](const rex::ChangeEvent& ev) {
        const auto now = Clock::now();
        std::lock_guard lock(mutex);
        arrived.emplace(ev.key()->as_int64(), now);
    });
    rex::CapturePumpOptions options;
    options.url = e.url;
    std::unique_ptr<rex::CapturePump> pump;
    if (e.mode != "triggers") pump = rex::start_capture_pump(kernel, options);
    // Interleaved rounds so that a drift of the machine hits both sides alike.
    double plain_rate = 0, captured_rate = 0, plain_cpu = 0, captured_cpu = 0;
    for (int round = 0; round < 3; ++round) {
        c->execute("DELETE FROM " + plain);
        c->execute("DELETE FROM " + captured);
        const auto p = insert_rate(*c, plain, e, writes), k = insert_rate(*c, captured, e, writes);
        plain_rate += p.per_s / 3;
        captured_rate += k.per_s / 3;
        plain_cpu += p.cpu_us / 3;
        captured_cpu += k.cpu_us / 3;
    }
    if (pump) std::this_thread::sleep_for(1s);  // the feeder catches up with the rounds first
    else pump = rex::start_capture_pump(kernel, options);

    const auto samples = std::max(1, rate * 3);  // three seconds at the rate
    const auto sql = "INSERT INTO " + live + " (id, name) VALUES (" + e.placeholder1 + ", " + e.placeholder2 + ")";
    auto next = Clock::now();
    for (int i = 1; i <= samples; ++i) {
        std::this_thread::sleep_until(next);
        next += std::chrono::microseconds(1'000'000 / rate);
        c->execute(sql, {rex::Value(i), rex::Value("live")});
        std::lock_guard lock(mutex);
        committed[i] = Clock::now();  // an arrival before this line (the pump was quicker) counts as 0 ms
    }
    const auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
        {
            std::lock_guard lock(mutex);
            if (arrived.size() >= static_cast<std::size_t>(samples)) break;
        }
        std::this_thread::sleep_for(10ms);
    }
    pump->stop();
    sub.reset();
    std::lock_guard lock(mutex);
    std::vector<double> latencies_ms;
    for (const auto& [id, at] : arrived)
        if (const auto it = committed.find(id); it != committed.end())
            latencies_ms.push_back(std::max(0.0, std::chrono::duration<double, std::milli>(at - it->second).count()));
    std::printf("{\"bench\":\"changes\",\"engine\":\"%s\",\"mode\":\"%s\",\"durability\":\"%s\",\"load\":%s,\"writes\":%d,"
                "\"plain_per_s\":%.0f,\"captured_per_s\":%.0f,\"capture_cost\":%.2f,\"writer_cpu_us\":[%.1f,%.1f],\"rate_per_s\":%d,\"delivered\":%zu,\"of\":%d,"
                "\"latency_p50_ms\":%.2f,\"latency_p99_ms\":%.2f}\n",
                e.name.c_str(), e.mode.c_str(), durability.c_str(), load_average().c_str(), writes, plain_rate, captured_rate,
                plain_rate / captured_rate, plain_cpu, captured_cpu, rate, latencies_ms.size(), samples, percentile(latencies_ms, 0.5),
                percentile(latencies_ms, 0.99));
    std::fflush(stdout);
    if (e.mode != "triggers") capture->set_mode(*c, "triggers");
    capture->uninstall(*c, {captured, live});
    for (const auto& t : {plain, captured, live}) c->execute("DROP TABLE IF EXISTS " + t);
}

}  // namespace

int main(int argc, char** argv) {
    const int writes = argc > 1 ? std::atoi(argv[1]) : 2000;
    const int rate = argc > 2 ? std::atoi(argv[2]) : 200;
    const auto file = std::filesystem::temp_directory_path() / ("rex-bench-changes-" + std::to_string(::getpid()) + ".db");
    std::vector<Engine> engines{{"sqlite", "sqlite:" + file.string(), "?", "?", "triggers", "SELECT 'synchronous=' || synchronous FROM pragma_synchronous"}};
    const std::string pg_durability = "SELECT 'fsync=' || current_setting('fsync') || ',synchronous_commit=' || current_setting('synchronous_commit')";
    if (const char* url = std::getenv("REX_TEST_POSTGRES_URL")) {
        engines.push_back({"postgres", url, "$1", "$2", "triggers", pg_durability});
        engines.push_back({"postgres", url, "$1", "$2", "logical", pg_durability});
    }
    if (const char* url = std::getenv("REX_TEST_MYSQL_URL"))
        engines.push_back({"mysql", url, "?", "?", "triggers", "SELECT CONCAT('innodb_flush_log_at_trx_commit=', @@innodb_flush_log_at_trx_commit)"});
    int failures = 0;
    const char* only = std::getenv("REX_BENCH_ONLY");  // "postgres/logical": that engine and mode alone
    for (const auto& e : engines) {
        if (only && *only && e.name + "/" + e.mode != only) continue;
        try {
            // A kernel per engine: a bus takes the sequence numbers of one log.
            rex::Kernel kernel(rex::LogLevel::warn);
            kernel.load_plugins(std::filesystem::path(REX_BENCH_PLUGIN_DIR));
            run(kernel, e, writes, rate);
        } catch (const std::exception& ex) {
            std::cerr << "rex-bench-changes: " << e.name << ": " << ex.what() << '\n';
            ++failures;
        }
    }
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + s);
    return failures ? 1 : 0;
}
