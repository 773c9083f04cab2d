// Live queries over the capture pump: `rex realtime enable` installs the triggers, the engine's
// own client (sqlite3, psql, mariadb) writes, the pump publishes the committed changes, and the
// live query answers: an insert, silence for a row outside its filter, an update, a delete.
#include "operation_support.hpp"

#include <rex/capture.hpp>
#include <rex/sdk/url.hpp>

#include <subprocess.hpp>

using namespace rex;
using namespace rex::graphql::test;
using namespace std::chrono_literals;

namespace {

// Runs `sql` through the engine's own command-line client, as another program would.
void client(const Backend& b, const std::string& sql) {
    test::ProcessOptions options;
    options.stdin_text = sql;
    options.timeout_seconds = 120;
    std::vector<std::string> argv;
    if (b.name == "sqlite") {
        argv = {"/usr/bin/sqlite3", "-bail", "-cmd", ".timeout 10000", b.url.substr(std::string("sqlite:").size())};
    } else if (b.name == "postgres") {
        argv = {"/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", b.url};
    } else {
        const auto url = parse_url(b.url);
        auto db = url.path;
        if (!db.empty() && db[0] == '/') db.erase(0, 1);
        argv = {"/usr/bin/mariadb", "-h", url.host, "-P", std::to_string(url.port.value_or(3306)), "-u", url.user, "-p" + url.password, db};
    }
    const auto r = test::run_process(argv, options);
    INFO(argv[0] << ": " << r.err);
    REQUIRE(r.exit_code == 0);
}

test::ProcessResult realtime(const Backend& b, const std::string& action) {
    return test::run_process({std::string(REX_TEST_BIN_DIR) + "/rex", "--plugin-dir", REX_TEST_PLUGIN_DIR, "--url", b.url, "realtime", action,
                              "--tables", "gq_genre"});
}

}  // namespace

TEST_CASE("live query: changes by the engine's own client arrive through the capture pump", "[graphql][subscriptions][capture]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        rex::graphql::ExecutorOptions options;
        options.live_debounce = 5ms;
        WorkerFixture f(b, options);
        const auto enabled = realtime(b, "enable");
        INFO(enabled.err);
        REQUIRE(enabled.exit_code == 0);
        CapturePumpOptions pump_options;
        pump_options.url = b.url;
        pump_options.wait = 50ms;
        auto pump = start_capture_pump(f.kernel(), pump_options);

        auto ops = f.executor().operations();
        auto sink = std::make_shared<RecordingSink>();
        auto handle = ops->start(operation("subscription { genre(where: {genre_id: {_lt: 10}}, order_by: {genre_id: asc}) { genre_id name } }"), sink);
        CHECK(data_of(sink->text(0)) == R"(next {"data":{"genre":[{"genre_id":1,"name":"Rock"},{"genre_id":2,"name":"Jazz"},{"genre_id":3,"name":"Metal"}]}})");
        client(b, "INSERT INTO gq_genre (genre_id, name) VALUES (4, 'Blues');\n");
        CHECK(data_of(sink->text(1, 30s)) ==
              R"(next {"data":{"genre":[{"genre_id":1,"name":"Rock"},{"genre_id":2,"name":"Jazz"},{"genre_id":3,"name":"Metal"},{"genre_id":4,"name":"Blues"}]}})");
        const auto seen = f.changes().last_sequence();
        client(b, "INSERT INTO gq_genre (genre_id, name) VALUES (60, 'Outside');\n");
        for (int i = 0; i < 300 && f.changes().last_sequence() == seen; ++i) std::this_thread::sleep_for(10ms);
        CHECK(f.changes().last_sequence() > seen);  // the pump published it ...
        std::this_thread::sleep_for(100ms);
        CHECK(sink->messages().size() == 2);  // ... and the live query stayed silent
        client(b, "UPDATE gq_genre SET name = 'Soul' WHERE genre_id = 4;\n");
        CHECK(data_of(sink->text(2, 30s)) ==
              R"(next {"data":{"genre":[{"genre_id":1,"name":"Rock"},{"genre_id":2,"name":"Jazz"},{"genre_id":3,"name":"Metal"},{"genre_id":4,"name":"Soul"}]}})");
        client(b, "DELETE FROM gq_genre WHERE genre_id = 4;\n");
        CHECK(data_of(sink->text(3, 30s)) == R"(next {"data":{"genre":[{"genre_id":1,"name":"Rock"},{"genre_id":2,"name":"Jazz"},{"genre_id":3,"name":"Metal"}]}})");
        handle.reset();
        pump.reset();
        CHECK(realtime(b, "disable").exit_code == 0);
    }
}
