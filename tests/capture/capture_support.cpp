#include "capture_support.hpp"

#include "context.hpp"

#include <rex/schema.hpp>
#include <rex/sdk/url.hpp>

#include <catch2/catch.hpp>
#include <subprocess.hpp>

#include <atomic>
#include <cstdlib>
#include <limits>
#include <memory>
#include <stdexcept>
#include <thread>

namespace rex::capture_test {

using namespace rex::conformance;
using namespace std::chrono_literals;

namespace {

// In the logical mode something must feed the log, as a host's pump does: a thread of this
// program that reconnects when its session dies (the restart and failover cases end it). At
// exit it puts the database back in the trigger mode, for the other programs sharing it.
class BackgroundFeeder {
public:
    explicit BackgroundFeeder(ChangeCapture& capture) : capture_(capture), thread_([this] { run(); }) {}
    ~BackgroundFeeder() {
        stop_ = true;
        thread_.join();
        try {
            capture_.set_mode(*kernel().connect(backend().url), "triggers");
        } catch (const std::exception&) {  // the server is gone: nothing to put back
        }
    }

private:
    void run() {
        while (!stop_) {
            try {
                auto c = kernel().connect(backend().url);
                while (!stop_) capture_.wait(*c, std::numeric_limits<std::int64_t>::max(), 50ms);
            } catch (const std::exception&) {
                std::this_thread::sleep_for(50ms);
            }
        }
    }
    ChangeCapture& capture_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace

std::string capture_mode() {
    const char* mode = std::getenv("REX_TEST_CAPTURE_MODE");
    return mode && *mode ? mode : "triggers";
}

ChangeCapture& capture() {
    auto* c = kernel().adapter_for_url(backend().url)->capture();
    if (!c) throw std::runtime_error("the " + engine() + " adapter has no capture");
    static const bool mode_set = [c] {
        c->set_mode(*connect(), capture_mode());
        return true;
    }();
    (void)mode_set;
    static const auto feeder = capture_mode() == "logical" ? std::make_unique<BackgroundFeeder>(*c) : nullptr;
    return *c;
}

void settle() {
    if (capture_mode() != "logical") return;
    capture();
    auto c = connect();
    // A transactional message commits after everything before it: once the feeder is past its
    // commit, it has logged (or passed over) every earlier commit.
    const auto mark = c->execute("SELECT pg_logical_emit_message(true, 'rex_test', '')::text").rows.at(0).at(0).as_text();
    for (int i = 0; i < 3000; ++i) {
        const auto rs = c->execute(
            "SELECT greatest(fed_lsn, (SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = m.slot)) > $1::pg_lsn "
            "FROM rex_capture_meta AS m WHERE id = 1",
            {Value(mark)});
        if (rs.rows.at(0).at(0).as_bool()) return;
        std::this_thread::sleep_for(10ms);
    }
    FAIL("the logical feeder did not catch up within 30 s");
}

const std::string& engine() { return backend().name; }

void client(const std::string& sql) {
    test::ProcessOptions options;
    options.stdin_text = sql;
    options.timeout_seconds = 120;
    std::vector<std::string> argv;
    if (engine() == "sqlite") {
        argv = {"/usr/bin/sqlite3", "-bail", "-cmd", ".timeout 10000", backend().url.substr(std::string("sqlite:").size())};
    } else if (engine() == "postgres") {
        argv = {"/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", backend().url};
    } else {
        const auto url = parse_url(backend().url);
        auto db = url.path;
        if (!db.empty() && db[0] == '/') db.erase(0, 1);
        argv = {"/usr/bin/mariadb", "-h", url.host, "-P", std::to_string(url.port.value_or(3306)), "-u", url.user,
                "-p" + url.password, db};
    }
    const auto r = test::run_process(argv, options);
    if (r.exit_code != 0) throw std::runtime_error(argv[0] + " exited with " + std::to_string(r.exit_code) + ": " + r.err);
}

std::string q(const std::string& identifier) { return dialect().quote_identifier(identifier); }

std::string make_table(Connection& c, const std::string& stem, const Columns& columns) {
    const auto name = table(stem);
    drop_table(c, name);
    TableSchema t;
    t.name = name;
    const Columns every_type = {
        {"id", LogicalType::int64},     {"name", ColumnType(LogicalType::string, 80)}, {"price", ColumnType::decimal(10, 2)},
        {"ratio", LogicalType::float64}, {"active", LogicalType::boolean}, {"born", LogicalType::date},
        {"seen", LogicalType::timestamp}, {"data", LogicalType::bytes}};
    for (const auto& [column, type] : columns.empty() ? every_type : columns) {
        ColumnSchema col;
        col.name = column;
        col.type = type;
        col.primary_key = column == "id";
        col.nullable = !col.primary_key;
        t.columns.push_back(col);
    }
    for (const auto& sql : create_table_sql(t, dialect())) c.execute(sql);
    capture().install(c, {name});
    return name;
}

std::int64_t last_position() {
    settle();
    auto c = connect();
    return capture().status(*c).last_position;
}

std::string row_insert(const std::string& name, int id, const std::string& text) {
    return "INSERT INTO " + q(name) + " (id, name) VALUES (" + std::to_string(id) + ", '" + text + "')";
}

}  // namespace rex::capture_test
