// Change capture on one backend (the conformance context's): rows written by the engine's own
// client and by Rex reach the change bus in commit order, with positions; rollbacks deliver
// nothing; a late commit is not skipped; readers agree; resume, retention, bursts, cascades.
#include "capture_support.hpp"
#include "context.hpp"

#include <rex/capture.hpp>
#include <rex/schema.hpp>
#include <rex/sdk/capture.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/url.hpp>
#include <rex/value_json.hpp>

#include <catch2/catch.hpp>
#include <subprocess.hpp>
#include <worker.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <future>
#include <mutex>
#include <thread>

#include <unistd.h>

using namespace rex;
using namespace rex::conformance;
using namespace rex::capture_test;
using namespace std::chrono_literals;

namespace {

// Everything published on a kernel's bus, for waiting on.
struct Collector {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<ChangeEvent> events;
    std::unique_ptr<ChangeSubscription> subscription;

    explicit Collector(Kernel& k, std::vector<std::string> entities = {}) {
        subscription = k.changes().subscribe({std::move(entities)}, k.changes().last_sequence(), [this](const ChangeEvent& e) {
            std::lock_guard lock(mutex);
            events.push_back(e);
            changed.notify_all();
        });
    }
    std::vector<ChangeEvent> wait_for(std::size_t n, std::chrono::milliseconds timeout = 30s) {
        std::unique_lock lock(mutex);
        changed.wait_for(lock, timeout, [&] { return events.size() >= n; });
        return events;
    }
};

std::unique_ptr<CapturePump> pump(Kernel& k, std::int64_t after) {
    CapturePumpOptions options;
    options.url = backend().url;
    options.after = after;
    options.wait = 100ms;
    return start_capture_pump(k, std::move(options));
}

std::int64_t int_field(const ChangeEvent& e, const std::string& field) {
    const auto* v = e.value(field);
    REQUIRE(v != nullptr);
    return v->as_int64();
}

// All batches after `after` for `name`, read directly.
std::vector<CaptureBatch> read_all(Connection& c, std::int64_t after) {
    settle();
    std::vector<CaptureBatch> out;
    while (true) {
        auto batches = capture().read(c, after, 100);
        if (batches.empty()) return out;
        after = batches.back().position;
        for (auto& b : batches) out.push_back(std::move(b));
    }
}

// Rows 1..writes inserted one per transaction, 2 ms apart, by a client of its own.
std::unique_ptr<test::Worker> paced_writer(const std::string& name, int writes) {
    return std::make_unique<test::Worker>([name, writes] {
        auto w = connect();
        for (int i = 1; i <= writes; ++i) {
            w->execute(row_insert(name, i, "w"));
            std::this_thread::sleep_for(2ms);
        }
    });
}

}  // namespace

TEST_CASE("capture: install, status and uninstall", "[capture]") {
    if (!available()) return;
    auto c = connect();
    const auto name = make_table(*c, "cap_setup");
    auto s = capture().status(*c);
    CHECK(s.installed);
    CHECK(std::find(s.tables.begin(), s.tables.end(), name) != s.tables.end());
    capture().uninstall(*c, {name});
    s = capture().status(*c);
    CHECK(std::find(s.tables.begin(), s.tables.end(), name) == s.tables.end());
    CHECK(s.installed);
    const auto before = s.last_position;
    c->execute(row_insert(name, 1, "not captured"));
    CHECK(read_all(*c, before).size() == 0);
    CHECK_THROWS_AS(capture().install(*c, {"no_such_table_" + name}), NotFoundError);
    CHECK_THROWS_AS(capture().install(*c, {"bad name"}), ConfigurationError);
    drop_table(*c, name);
}

TEST_CASE("capture: writes from the engine's own client reach the bus in order with their values", "[capture][client]") {
    if (!available()) return;
    auto c = connect();
    const auto name = make_table(*c, "cap_client");
    const auto start = last_position();
    Kernel k(LogLevel::warn);
    k.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    EntityInfo entity;  // the catalog gives the row's values their types
    entity.name = "Item";
    entity.table = name;
    const std::pair<const char*, ColumnType> fields[] = {
        {"id", LogicalType::int64},     {"name", LogicalType::text},   {"price", ColumnType::decimal(10, 2)},
        {"ratio", LogicalType::float64}, {"active", LogicalType::boolean}, {"born", LogicalType::date},
        {"seen", LogicalType::timestamp}, {"data", LogicalType::bytes}};
    for (const auto& [field, type] : fields) {
        FieldInfo f;
        f.name = field;
        f.column = field;
        f.type = type;
        f.primary_key = std::string(field) == "id";
        entity.fields.push_back(f);
    }
    k.register_entity(entity);
    Collector events(k);
    auto p = pump(k, start);

    const auto t = q(name);
    const std::string bytes = engine() == "postgres" ? "'\\x00ff10'::bytea" : "X'00ff10'";
    const std::string yes = engine() == "postgres" ? "true" : "1";
    const std::string seen = engine() == "sqlite" ? "'2024-01-02T03:04:05.250000Z'" : "'2024-01-02 03:04:05.25'";
    client("INSERT INTO " + t + " (id, name, price, ratio, active, born, seen, data) VALUES (1, 'Ann ''A''', 12.50, 0.25, " + yes +
           ", '2001-02-03', " + seen + ", " + bytes + ");\n"
           "INSERT INTO " + t + " (id, name) VALUES (2, 'Bob'), (3, 'Cy'), (4, 'Di');\n"
           "UPDATE " + t + " SET name = 'renamed' WHERE id IN (2, 3);\n"
           "DELETE FROM " + t + " WHERE id = 4;\n");
    const auto got = events.wait_for(7);
    REQUIRE(got.size() == 7);
    const ChangeKind kinds[] = {ChangeKind::insert, ChangeKind::insert, ChangeKind::insert, ChangeKind::insert,
                                ChangeKind::update, ChangeKind::update, ChangeKind::remove};
    const int ids[] = {1, 2, 3, 4, 2, 3, 4};
    for (std::size_t i = 0; i < 7; ++i) {
        INFO("event " << i);
        CHECK(got[i].entity() == "Item");
        CHECK(got[i].kind == kinds[i]);
        CHECK(int_field(got[i], "id") == ids[i]);
        REQUIRE(got[i].key() != nullptr);
        CHECK(got[i].key()->as_int64() == ids[i]);
        CHECK(got[i].position > start);
        if (i) CHECK(got[i].position >= got[i - 1].position);
        if (i) CHECK(got[i].sequence == got[i - 1].sequence + 1);
    }
    const auto& first = got[0];
    CHECK(first.value("name")->as_text() == "Ann 'A'");
    CHECK(std::stod(first.value("price")->as_decimal().text) == 12.5);
    CHECK(first.value("ratio")->as_double() == 0.25);
    CHECK(first.value("active")->as_bool());
    CHECK(first.value("born")->as_date() == make_date(2001, 2, 3));
    CHECK(format_timestamp(first.value("seen")->as_timestamp()) == "2024-01-02T03:04:05.25Z");
    CHECK(first.value("data")->as_bytes() == Bytes{0x00, 0xff, 0x10});
    CHECK(got[1].value("price")->is_null());
    CHECK(got[4].value("name")->as_text() == "renamed");
    CHECK(got[6].value("name")->as_text() == "Di");  // a delete carries the row it removed
    // An update carries the row before it, typed like the row after; others carry none.
    CHECK(got[0].old_values.empty());
    CHECK(got[6].old_values.empty());
    for (const auto i : {4, 5}) {
        REQUIRE(got[i].old_values.size() == got[i].values.size());
        CHECK(got[i].old_values[0].as_int64() == ids[i]);
        CHECK(got[i].old_values[1].as_text() == (i == 4 ? "Bob" : "Cy"));
        CHECK(got[i].old_values[2].is_null());
    }
    p->stop();
    drop_table(*c, name);
}

TEST_CASE("capture: decimals beyond double precision arrive with every digit", "[capture][client][decimal]") {
    if (!available()) return;
    auto c = connect();
    const Columns columns = {{"id", LogicalType::int64}, {"amount", ColumnType::decimal(38, 9)}};
    const auto name = make_table(*c, "cap_decimal", columns);
    const auto start = last_position();
    Kernel k(LogLevel::warn);
    k.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    EntityInfo entity;
    entity.name = "Amount";
    entity.table = name;
    for (const auto& [column, type] : columns) {
        FieldInfo f;
        f.name = f.column = column;
        f.type = type;
        f.primary_key = column == "id";
        entity.fields.push_back(f);
    }
    k.register_entity(entity);
    Collector events(k);
    auto p = pump(k, start);
    client("INSERT INTO " + q(name) + " (id, amount) VALUES (1, 12345678901234567890.123456789), (2, -0.000000001);\n"
           "UPDATE " + q(name) + " SET amount = 98765432109876543210.987654321 WHERE id = 1;\n");
    const auto got = events.wait_for(3);
    REQUIRE(got.size() == 3);
    const auto amount = [](const ChangeEvent& e) { return e.value("amount")->as_decimal().text; };
    if (engine() == "sqlite") {
        // SQLite keeps a DECIMAL column as REAL (15 digits): capture delivers what is stored.
        const auto stored = c->execute("SELECT amount FROM " + q(name) + " WHERE id = 1").rows.at(0).at(0).as_decimal().text;
        CHECK(std::stod(amount(got[2])) == std::stod(stored));
    } else {
        CHECK(amount(got[0]) == "12345678901234567890.123456789");
        CHECK(amount(got[1]) == "-0.000000001");
        CHECK(amount(got[2]) == "98765432109876543210.987654321");
        CHECK(got[2].old_values[1].as_decimal().text == "12345678901234567890.123456789");
    }
    p->stop();
    drop_table(*c, name);
}

TEST_CASE("capture: a same-process SQLite commit wakes the reader at once, without its polling", "[capture][wakeup]") {
    if (!available() || engine() != "sqlite") return;
    auto c = connect();
    const auto name = make_table(*c, "cap_wakeup");
    // The reader's data_version polling backs off to 10 s: only the commit signal can wake it
    // within the bound below (polls at 1, 3, 7 … 1023, 2047 ms; the write comes at 1100 ms).
    auto reader = kernel().connect(backend().url + "?capture_poll=10000");
    const auto after = capture().status(*reader).last_position;
    auto waited = std::async(std::launch::async, [&] {
        const bool found = capture().wait(*reader, after, 20s);
        return std::make_pair(found, std::chrono::steady_clock::now());
    });
    std::this_thread::sleep_for(1100ms);
    const auto written = std::chrono::steady_clock::now();
    c->execute(row_insert(name, 1, "woken"));
    const auto [found, at] = waited.get();
    CHECK(found);
    CHECK(at - written < 300ms);
    CHECK(read_all(*reader, after).size() == 1);
    drop_table(*c, name);
}

TEST_CASE("capture: a rolled-back transaction delivers nothing", "[capture]") {
    if (!available()) return;
    auto c = connect();
    const auto name = make_table(*c, "cap_rollback");
    const auto start = last_position();
    c->begin();
    c->execute(row_insert(name, 1, "gone"));
    c->execute(row_insert(name, 2, "gone too"));
    c->rollback();
    c->begin();
    c->execute(row_insert(name, 3, "kept"));
    c->savepoint("s1");
    c->execute(row_insert(name, 4, "rolled back to savepoint"));
    c->rollback_to_savepoint("s1");
    c->commit();
    const auto batches = read_all(*c, start);
    std::vector<std::string> keys;
    for (const auto& b : batches)
        for (const auto& ch : b.changes) keys.push_back(ch.key.text);
    REQUIRE(keys.size() == 1);
    CHECK(keys[0].find('3') != std::string::npos);
    drop_table(*c, name);
}

TEST_CASE("capture: two transactions committing in the opposite order of their first writes", "[capture][order]") {
    if (!available()) return;
    auto setup = connect();
    const auto name = make_table(*setup, "cap_order");
    const auto start = last_position();
    auto first = connect(), second = connect(), reader = connect();
    first->begin();
    first->execute(row_insert(name, 1, "first writer"));  // T1 writes first
    auto late = std::async(std::launch::async, [&] {
        second->begin();
        second->execute(row_insert(name, 2, "second writer"));
        second->commit();  // T2 commits while T1 is open (where the engine lets it)
    });
    const bool overtook = late.wait_for(1500ms) == std::future_status::ready;
    // PostgreSQL lets T2 commit first; SQLite (one writer) and MariaDB (the capture clock)
    // make T2 wait for T1.
    CHECK(overtook == (engine() == "postgres"));
    std::vector<CaptureBatch> early = read_all(*reader, start);
    first->execute(row_insert(name, 3, "first writer again"));
    first->commit();
    late.get();
    auto later = read_all(*reader, early.empty() ? start : early.back().position);
    std::vector<int> ids;  // in delivery order, both reads
    for (const auto* part : {&early, &later})
        for (const auto& b : *part)
            for (const auto& ch : b.changes) ids.push_back(ch.key.text.find('1') != std::string::npos ? 1 : ch.key.text.find('2') != std::string::npos ? 2 : 3);
    if (overtook) {
        CHECK(early.size() == 1);  // T2, visible before T1 commits
        CHECK(ids == std::vector<int>{2, 1, 3});
    } else {
        CHECK(early.empty());
        CHECK(ids == std::vector<int>{1, 3, 2});
    }
    drop_table(*setup, name);
}

TEST_CASE("capture: readers in two kernels and another process receive the same sequence; resume from a position", "[capture][readers]") {
    if (!available()) return;
    auto c = connect();
    const auto name = make_table(*c, "cap_readers");
    const auto start = last_position();
    Kernel k1(LogLevel::warn), k2(LogLevel::warn);
    k1.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    k2.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    Collector e1(k1), e2(k2);
    auto p1 = pump(k1, start), p2 = pump(k2, start);
    constexpr int per_writer = 60;
    const std::size_t total = 2 * per_writer + 2 * (per_writer / 3);
    // A third reader in another process, started before the writes.
    auto other = std::async(std::launch::async, [&] {
        return test::run_process({std::string(REX_TEST_BIN_DIR) + "/../tests/capture_reader", backend().url, std::to_string(start),
                                  std::to_string(total)});
    });
    std::vector<std::unique_ptr<test::Worker>> writers;  // two writers interleaving their transactions
    for (int w = 0; w < 2; ++w)
        writers.push_back(std::make_unique<test::Worker>([&, w] {
            auto wc = connect();
            for (int i = 0; i < per_writer; ++i) {
                for (int attempt = 0;; ++attempt) {
                    try {
                        wc->begin();
                        wc->execute(row_insert(name, w * 1000 + i, "w"));
                        if (i % 3 == 0) wc->execute("UPDATE " + q(name) + " SET name = 'u' WHERE id = " + std::to_string(w * 1000 + i));
                        wc->commit();
                        break;
                    } catch (const TransactionConflict&) {
                        if (wc->in_transaction()) wc->rollback();
                        if (attempt > 20) throw;
                    }
                }
            }
        }));
    for (auto& w : writers) w->join();
    const auto a = e1.wait_for(total), b = e2.wait_for(total);
    REQUIRE(a.size() == total);
    REQUIRE(b.size() == total);
    for (std::size_t i = 0; i < total; ++i) {
        INFO("event " << i);
        CHECK(a[i].position == b[i].position);
        CHECK(a[i].sequence == b[i].sequence);  // the log's change numbers, not each bus's own
        CHECK(a[i].kind == b[i].kind);
        CHECK(a[i].key()->as_int64() == b[i].key()->as_int64());
        if (i) CHECK(a[i].position >= a[i - 1].position);
        if (i) CHECK(a[i].sequence > a[i - 1].sequence);
        CHECK(a[i].sequence <= static_cast<std::uint64_t>(a[i].position));  // a batch's position is its last change's number
    }
    const auto process = other.get();
    INFO(process.err);
    REQUIRE(process.exit_code == 0);
    std::string expected_lines;
    for (const auto& e : a)
        expected_lines += std::to_string(e.sequence) + " " + std::to_string(e.position) + " " + std::to_string(static_cast<int>(e.kind)) + " " +
                          key_to_json(e).text + "\n";
    CHECK(process.out == expected_lines);
    // Resume: reading after the 10th event's position gives exactly what followed its batch.
    const auto mid = a[10].position;
    std::vector<std::int64_t> tail;
    for (const auto& batch : read_all(*c, mid))
        for (const auto& ch : batch.changes) tail.push_back(batch.position), (void)ch;
    std::vector<std::int64_t> expected;
    for (const auto& e : a)
        if (e.position > mid) expected.push_back(e.position);
    CHECK(tail == expected);
    drop_table(*c, name);
}

TEST_CASE("capture: pruning by count; a position older than the log asks for a refetch", "[capture][retention]") {
    if (!available()) return;
    auto c = connect();
    const auto name = make_table(*c, "cap_prune");
    const auto start = last_position();
    for (int i = 1; i <= 6; ++i) c->execute(row_insert(name, i, "p"));
    settle();
    CaptureRetention keep_two;
    keep_two.max_batches = 2;
    CHECK(capture().prune(*c, keep_two) > 0);
    const auto s = capture().status(*c);
    CHECK(s.pruned_through > start);
    const auto kept = read_all(*c, s.pruned_through);
    CHECK(kept.size() == 2);

    Kernel k(LogLevel::off);
    k.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    Collector events(k);
    auto stale = pump(k, start);
    CHECK(stale->lost_changes());
    CHECK(events.wait_for(2).size() == 2);  // it goes on from what is kept
    auto fresh = pump(k, s.pruned_through);
    CHECK_FALSE(fresh->lost_changes());

    CaptureRetention by_age;
    by_age.max_age = std::chrono::seconds(3600);
    CHECK(capture().prune(*c, by_age) == 0);  // nothing is an hour old
    drop_table(*c, name);
}

TEST_CASE("capture: pruning everything keeps the next positions above the pruned ones", "[capture][retention]") {
    if (!available()) return;
    auto c = connect();
    const auto name = make_table(*c, "cap_prune_all");
    for (int i = 1; i <= 3; ++i) c->execute(row_insert(name, i, "p"));
    const auto last = last_position();
    CaptureRetention none;
    none.max_batches = 0;
    capture().prune(*c, none);
    c->execute(row_insert(name, 4, "after"));
    CHECK(last_position() > last);
    const auto after = read_all(*c, last);
    REQUIRE(after.size() == 1);
    CHECK(after[0].changes.at(0).new_row->text.find("after") != std::string::npos);
    drop_table(*c, name);
}

TEST_CASE("capture: pruning by age deletes the older changes and keeps the younger", "[capture][retention]") {
    if (!available()) return;
    auto c = connect();
    const auto name = make_table(*c, "cap_prune_age");
    for (int i = 1; i <= 3; ++i) c->execute(row_insert(name, i, "old"));
    const auto old_end = last_position();
    std::this_thread::sleep_for(2500ms);
    for (int i = 4; i <= 5; ++i) c->execute(row_insert(name, i, "young"));
    settle();
    CaptureRetention by_age;
    by_age.max_age = std::chrono::seconds(2);
    capture().prune(*c, by_age);
    CHECK(capture().status(*c).pruned_through >= old_end);
    CHECK(read_all(*c, old_end).size() == 2);
    drop_table(*c, name);
}

TEST_CASE("capture: MariaDB install drops the committed_at index of an earlier Rex's log", "[capture][upgrade]") {
    if (!available() || engine() != "mysql") return;
    auto c = connect();
    const auto name = make_table(*c, "cap_index");
    c->execute_script("CREATE INDEX IF NOT EXISTS rex_changes_at ON rex_changes (committed_at)");
    capture().install(*c, {name});
    CHECK(c->execute("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
                     "AND TABLE_NAME = 'rex_changes' AND INDEX_NAME = 'rex_changes_at'")
              .rows.at(0).at(0).as_int64() == 0);
    drop_table(*c, name);
}

TEST_CASE("capture: SQLite install converts an earlier Rex's AUTOINCREMENT log, keeping its ids", "[capture][upgrade]") {
    if (!available() || engine() != "sqlite") return;
    const auto file = std::filesystem::temp_directory_path() / ("rex-capture-upgrade-" + std::to_string(::getpid()) + ".db");
    {
        auto c = kernel().connect("sqlite:" + file.string());
        c->execute_script(
            "CREATE TABLE rex_changes (id INTEGER PRIMARY KEY AUTOINCREMENT, table_name TEXT NOT NULL, op TEXT NOT NULL, key TEXT, "
            "old_row TEXT, new_row TEXT, committed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));"
            "CREATE TABLE rex_capture_meta (id INTEGER PRIMARY KEY, pruned_through INTEGER NOT NULL);"
            "INSERT INTO rex_capture_meta VALUES (1, 40);"
            "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);"
            "INSERT INTO rex_changes (id, table_name, op, key, new_row) VALUES (41, 'items', 'I', '{\"id\":1}', '{\"id\":1,\"name\":\"old\"}')");
        capture().install(*c, {"items"});
        CHECK(c->execute("SELECT sql LIKE '%AUTOINCREMENT%' FROM sqlite_master WHERE name = 'rex_changes'").rows.at(0).at(0).as_int64() == 0);
        c->execute("INSERT INTO items VALUES (2, 'new')");
        const auto batches = capture().read(*c, 0, 10);
        REQUIRE(batches.size() == 2);
        CHECK(batches[0].position == 41);
        CHECK(batches[1].position == 42);
        CHECK(capture().status(*c).pruned_through == 40);
    }
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
}

TEST_CASE("capture: a position ahead of the log (a restored database) starts at its newest change", "[capture][retention]") {
    if (!available()) return;
    auto c = connect();
    const auto name = make_table(*c, "cap_ahead");
    const auto start = last_position();
    Kernel k(LogLevel::off);
    k.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    Collector events(k);
    auto p = pump(k, start + 1000000);
    CHECK(p->lost_changes());
    CHECK(p->position() == start);
    client(row_insert(name, 1, "after the restore") + ";\n");
    const auto got = events.wait_for(1);
    REQUIRE(got.size() == 1);
    CHECK(int_field(got[0], "id") == 1);
    drop_table(*c, name);
}

TEST_CASE("capture: the bus says refetch when a sequence fell out of its history", "[capture][bus]") {
    Kernel k(LogLevel::off);
    auto shape = std::make_shared<const ChangeShape>(ChangeShape{"E", {"id"}, 0});
    CHECK(k.changes().first_retained() == 1);
    std::vector<ChangeEvent> events;
    for (int i = 0; i < 5000; ++i) events.push_back(ChangeEvent::of(ChangeKind::insert, shape, {Value(i)}));
    k.changes().publish_all(events);
    CHECK(k.changes().last_sequence() == 5000);
    CHECK(k.changes().first_retained() == 5000 - 4096 + 1);  // resuming after 903 or earlier: refetch
}

TEST_CASE("capture: the bus publishes with given sequence numbers, strictly increasing", "[capture][bus]") {
    Kernel k(LogLevel::off);
    auto& bus = k.changes();
    auto shape = std::make_shared<const ChangeShape>(ChangeShape{"E", {"id"}, 0});
    const auto event = [&](std::uint64_t sequence) {
        auto e = ChangeEvent::of(ChangeKind::insert, shape, {Value(static_cast<std::int64_t>(sequence))});
        e.sequence = sequence;
        return e;
    };
    std::vector<std::uint64_t> seen;
    auto sub = bus.subscribe({}, 0, [&](const ChangeEvent& e) { seen.push_back(e.sequence); });
    CHECK(bus.publish(event(100)) == 100);
    CHECK(bus.first_retained() == 100);  // a bus starting at a log's number never held the ones before
    CHECK(bus.publish(event(0)) == 101);  // unnumbered: the next one
    CHECK_THROWS_AS(bus.publish(event(101)), InvalidValue);
    CHECK(bus.publish(event(105)) == 105);  // gaps are fine (an aborted transaction's numbers)
    CHECK(seen == std::vector<std::uint64_t>{100, 101, 105});
    // A client that saw more on another host: nothing up to its sequence, then what follows.
    std::vector<std::uint64_t> ahead;
    auto later = bus.subscribe({}, 107, [&](const ChangeEvent& e) { ahead.push_back(e.sequence); });
    for (const auto s : {106, 107, 108}) bus.publish(event(static_cast<std::uint64_t>(s)));
    CHECK(ahead == std::vector<std::uint64_t>{108});
    std::vector<std::uint64_t> resumed;  // from its memory, the gap skipped
    auto again = bus.subscribe({}, 101, [&](const ChangeEvent& e) { resumed.push_back(e.sequence); });
    CHECK(resumed == std::vector<std::uint64_t>{105, 106, 107, 108});
}

TEST_CASE("capture: the bus numbers from the log; a resume from before its memory is read back from the log", "[capture][bus][resume]") {
    if (!available()) return;
    auto c = connect();
    const auto name = make_table(*c, "cap_resume");
    const auto start = last_position();
    Kernel k(LogLevel::warn);
    k.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    Collector live(k);
    auto p = pump(k, start);
    // The bus's memory starts after `start`; before it, the log serves what it keeps.
    CHECK(k.changes().first_retained() == static_cast<std::uint64_t>(capture().status(*c).pruned_through) + 1);
    // More changes than the bus keeps (4096), in transactions of 1000 rows.
    constexpr int total = 5000;
    const auto sql = "INSERT INTO " + q(name) + " (id, name) VALUES (" + dialect().placeholder(1) + ", " + dialect().placeholder(2) + ")";
    std::vector<Value> rows;
    for (int i = 1; i <= total; ++i) {
        rows.push_back(Value(i));
        rows.push_back(Value("row"));
        if (i % 1000 == 0) {
            c->begin();
            c->execute_batch(sql, ValueRows{rows, 2});
            c->commit();
            rows.clear();
        }
    }
    // The ORM writing in this process: published by the pump alone, not twice.
    k.changes().publish(ChangeEvent::of(ChangeKind::insert, std::make_shared<const ChangeShape>(ChangeShape{"x", {"id"}, 0}), {Value(1)}));
    const auto got = live.wait_for(total);
    REQUIRE(got.size() == total);
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("event " << i);
        CHECK(got[i].sequence == static_cast<std::uint64_t>(start) + i + 1);  // one number per change, in commit order
        CHECK(int_field(got[i], "id") == static_cast<std::int64_t>(i) + 1);
    }
    CHECK(k.changes().last_sequence() == got.back().sequence);
    // A client resuming after its 10th event: older than the bus's memory, served from the log
    // (on PostgreSQL from the middle of a transaction), then from memory; complete, in order.
    const auto from = got[9].sequence;
    CHECK(from + 1 >= k.changes().first_retained());  // no refetch needed: the log still has it
    CHECK(from + 1 < got.back().sequence - 4095);     // but the memory does not
    std::vector<std::uint64_t> resumed;
    auto sub = k.changes().subscribe({}, from, [&](const ChangeEvent& e) { resumed.push_back(e.sequence); });
    REQUIRE(resumed.size() == total - 10);
    for (std::size_t i = 0; i < resumed.size(); ++i) CHECK(resumed[i] == got[i + 10].sequence);
    std::size_t fresh = 0;  // no resume point: the memory only, not the whole log
    auto from_memory = k.changes().subscribe({}, 0, [&](const ChangeEvent&) { ++fresh; });
    CHECK(fresh == 4096);
    // Pruned: the bus now says refetch for what the log lost.
    CaptureRetention keep;
    keep.max_batches = 1;
    capture().prune(*c, keep);
    p->note_pruned(capture().status(*c).pruned_through);
    CHECK(k.changes().first_retained() > from + 1);
    p->stop();
    drop_table(*c, name);
}

TEST_CASE("capture: a burst is delivered complete and in order with bounded reads", "[capture][burst]") {
    if (!available()) return;
    int total = 20000;
    if (const char* n = std::getenv("REX_CAPTURE_BURST")) total = std::atoi(n);
    auto c = connect();
    const auto name = make_table(*c, "cap_burst");
    const auto start = last_position();
    Kernel k(LogLevel::warn);
    k.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    std::atomic<int> seen{0}, out_of_order{0};
    std::atomic<std::int64_t> last_position_seen{0};
    auto sub = k.changes().subscribe({}, k.changes().last_sequence(), [&](const ChangeEvent& e) {
        if (e.key()->as_int64() != seen.load() + 1 || e.position < last_position_seen.load()) ++out_of_order;
        last_position_seen = e.position;
        ++seen;
    });
    CapturePumpOptions options;
    options.url = backend().url;
    options.after = start;
    options.max_batches = 64;
    auto p = start_capture_pump(k, std::move(options));
    const auto sql = "INSERT INTO " + q(name) + " (id, name) VALUES (" + dialect().placeholder(1) + ", " + dialect().placeholder(2) + ")";
    std::vector<Value> rows;
    for (int i = 1; i <= total; ++i) {
        rows.push_back(Value(i));
        rows.push_back(Value("row"));
        if (i % 100 == 0 || i == total) {  // transactions of 100 rows
            c->begin();
            c->execute_batch(sql, ValueRows{rows, 2});
            c->commit();
            rows.clear();
        }
    }
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (seen < total && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
    CHECK(seen == total);
    CHECK(out_of_order == 0);
    p->stop();
    drop_table(*c, name);
}

TEST_CASE("capture: MariaDB foreign-key cascades are reported, three levels deep and more", "[capture][cascade]") {
    if (!available()) return;
    if (engine() != "mysql") return;  // InnoDB cascades fire no triggers; PostgreSQL's and SQLite's do
    auto c = connect();
    const auto a = table("cas_a"), b = table("cas_b"), cc = table("cas_c"), d = table("cas_d"), e = table("cas_e");
    for (const auto* t : {&e, &d, &cc, &b, &a}) drop_table(*c, *t);
    c->execute("CREATE TABLE " + q(a) + " (id INT PRIMARY KEY, name VARCHAR(20)) ENGINE=InnoDB");
    c->execute("CREATE TABLE " + q(b) + " (id INT PRIMARY KEY, a_id INT, FOREIGN KEY (a_id) REFERENCES " + q(a) +
               " (id) ON DELETE CASCADE ON UPDATE CASCADE) ENGINE=InnoDB");
    c->execute("CREATE TABLE " + q(cc) + " (id INT PRIMARY KEY, b_id INT, FOREIGN KEY (b_id) REFERENCES " + q(b) +
               " (id) ON DELETE CASCADE) ENGINE=InnoDB");
    c->execute("CREATE TABLE " + q(d) + " (id INT PRIMARY KEY, c_id INT, FOREIGN KEY (c_id) REFERENCES " + q(cc) +
               " (id) ON DELETE CASCADE) ENGINE=InnoDB");
    c->execute("CREATE TABLE " + q(e) + " (id INT PRIMARY KEY, a_id INT, FOREIGN KEY (a_id) REFERENCES " + q(a) +
               " (id) ON DELETE SET NULL ON UPDATE CASCADE) ENGINE=InnoDB");
    capture().install(*c, {a, b, cc, d, e});
    client("INSERT INTO " + q(a) + " VALUES (1, 'one'), (2, 'two');\n"
           "INSERT INTO " + q(b) + " VALUES (10, 1), (11, 1), (12, 2);\n"
           "INSERT INTO " + q(cc) + " VALUES (100, 10), (101, 11), (102, 12);\n"
           "INSERT INTO " + q(d) + " VALUES (1000, 100), (1001, 100), (1002, 102);\n"
           "INSERT INTO " + q(e) + " VALUES (7, 1), (8, 2);\n");
    const auto start = last_position();
    client("DELETE FROM " + q(a) + " WHERE id = 1;\nUPDATE " + q(a) + " SET id = 20 WHERE id = 2;\n");
    std::map<std::string, std::vector<std::string>> seen;  // table -> "op key new_row"
    for (const auto& batch : read_all(*c, start))
        for (const auto& ch : batch.changes)
            seen[ch.table].push_back(std::string(ch.kind == ChangeKind::remove ? "D " : ch.kind == ChangeKind::update ? "U " : "I ") +
                                     ch.key.text + (ch.new_row ? " " + ch.new_row->text : ""));
    INFO("a: " << seen[a].size() << " b: " << seen[b].size() << " c: " << seen[cc].size() << " d: " << seen[d].size());
    CHECK(seen[a] == std::vector<std::string>{"D {\"id\": 1}", "U {\"id\": 20} {\"id\": 20, \"name\": \"two\"}"});
    // b: 10 and 11 deleted with a 1; 12 follows a 2's new key.
    REQUIRE(seen[b].size() == 3);
    CHECK(seen[b][0] == "D {\"id\": 10}");
    CHECK(seen[b][1] == "D {\"id\": 11}");
    CHECK(seen[b][2].find("\"a_id\": 20") != std::string::npos);
    CHECK(seen[cc] == std::vector<std::string>{"D {\"id\": 100}", "D {\"id\": 101}"});
    CHECK(seen[d] == std::vector<std::string>{"D {\"id\": 1000}", "D {\"id\": 1001}"});  // three levels below a
    REQUIRE(seen[e].size() == 2);  // ON DELETE SET NULL: an update; ON UPDATE CASCADE: another
    CHECK(seen[e][0].rfind("U {\"id\": 7}", 0) == 0);
    CHECK(seen[e][0].find("\"a_id\": null") != std::string::npos);
    CHECK(seen[e][1].rfind("U {\"id\": 8}", 0) == 0);
    CHECK(seen[e][1].find("\"a_id\": 20") != std::string::npos);
    // The database agrees: the rows reported gone are gone.
    CHECK(c->execute("SELECT COUNT(*) FROM " + q(d)).rows[0][0].as_int64() == 1);
    for (const auto* t : {&e, &d, &cc, &b, &a}) drop_table(*c, *t);
}

TEST_CASE("capture: a PostgreSQL restart in the middle of a write stream loses nothing and repeats nothing", "[capture][restart]") {
    if (!available()) return;
    if (engine() != "postgres") return;
    auto c = connect();
    const auto name = make_table(*c, "cap_restart");
    const auto start = last_position();
    Kernel k(LogLevel::off);
    k.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    std::mutex mutex;
    std::vector<std::int64_t> delivered;
    std::int64_t last_position_seen = 0;
    int backwards = 0;
    auto sub = k.changes().subscribe({}, k.changes().last_sequence(), [&](const ChangeEvent& e) {
        std::lock_guard lock(mutex);
        if (e.position <= last_position_seen) ++backwards;  // one change per transaction here
        last_position_seen = e.position;
        delivered.push_back(e.key()->as_int64());
    });
    auto p = pump(k, start);
    std::atomic<bool> stop{false};
    std::vector<std::int64_t> confirmed;  // commits that returned: these must all arrive
    std::atomic<bool> restarted{false};
    std::atomic<int> after_restart{0};
    test::StoppableWorkers writer(stop);
    writer.add([&] {
        std::shared_ptr<Connection> w;
        for (int id = 1; !stop; ++id) {
            try {
                if (!w) w = connect();
                w->execute(row_insert(name, id, "r"));
                confirmed.push_back(id);
                if (restarted) ++after_restart;
            } catch (const Error&) {
                w.reset();  // the server is away: the outcome of this one is unknown
                std::this_thread::sleep_for(50ms);
            }
        }
    });
    std::this_thread::sleep_for(500ms);
    test::ProcessOptions restart_options;
    restart_options.timeout_seconds = 120;
    const auto restart = test::run_process({"/bin/bash", std::string(REX_TEST_SOURCE_DIR) + "/tools/test-servers.sh", "restart-postgres"},
                                           restart_options);
    INFO("restart: " << restart.err);
    CHECK(restart.exit_code == 0);  // not REQUIRE: the writers still run, and must be joined
    restarted = true;
    std::this_thread::sleep_for(1500ms);
    writer.stop_and_join();
    REQUIRE(!confirmed.empty());
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    std::int64_t expected_last = 0;
    {
        settle();
        auto check = connect();
        expected_last = capture().status(*check).last_position;
    }
    while (p->position() < expected_last && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
    std::lock_guard lock(mutex);
    CHECK(backwards == 0);
    std::set<std::int64_t> unique(delivered.begin(), delivered.end());
    CHECK(unique.size() == delivered.size());  // nothing twice
    for (const auto id : confirmed) CHECK(unique.contains(id));  // nothing lost
    CHECK(after_restart > 0);
    c = connect();
    drop_table(*c, name);
}

TEST_CASE("capture: the logical feeder's session ends and another reader takes over, nothing lost or doubled", "[capture][failover]") {
    if (!available()) return;
    if (engine() != "postgres" || capture_mode() != "logical") return;
    auto c = connect();
    const auto name = make_table(*c, "cap_failover");
    const auto start = last_position();
    Kernel k1(LogLevel::off), k2(LogLevel::off);
    k1.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    k2.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    Collector e1(k1), e2(k2);
    auto p1 = pump(k1, start), p2 = pump(k2, start);
    constexpr int writes = 400;
    const auto writer = paced_writer(name, writes);
    // End the feeder's session (whichever reader holds the lock: a pump or this program's
    // feeder thread) three times during the stream; the next reader to ask takes over.
    std::int64_t ended = 0;
    for (int round = 0; round < 3; ++round) {
        std::this_thread::sleep_for(300ms);
        ended += c->execute("SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND classid = 5928 "
                            "AND objid = 174406 AND objsubid = 2 AND granted AND database = "
                            "(SELECT oid FROM pg_database WHERE datname = current_database())")
                     .rows.at(0).at(0).as_int64();
    }
    writer->join();
    CHECK(ended == 3);
    const auto a = e1.wait_for(writes), b = e2.wait_for(writes);
    REQUIRE(a.size() == writes);
    REQUIRE(b.size() == writes);
    for (std::size_t i = 0; i < a.size(); ++i) {
        INFO("event " << i);
        CHECK(int_field(a[i], "id") == static_cast<std::int64_t>(i + 1));  // commit order, none lost, none twice
        CHECK(a[i].sequence == b[i].sequence);
        // A feed ended before its commit took numbers it never used (a gap, as in the trigger mode).
        if (i) CHECK(a[i].sequence > a[i - 1].sequence);
    }
    drop_table(*c, name);
}

TEST_CASE("capture: the logical feeder streams its slot; its replication connection ended during writes resumes, nothing lost or doubled",
          "[capture][failover][stream]") {
    if (!available()) return;
    if (engine() != "postgres" || capture_mode() != "logical") return;
    auto c = connect();
    const auto name = make_table(*c, "cap_stream");
    const auto start = last_position();
    Kernel k(LogLevel::off);
    k.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    Collector events(k);
    auto p = pump(k, start);
    const auto slot_active = [&] {
        return c->execute("SELECT active FROM pg_replication_slots WHERE slot_name = (SELECT slot FROM rex_capture_meta WHERE id = 1)")
            .rows.at(0).at(0).as_bool();
    };
    // A feeder streams the slot (a walsender holds it all along), rather than peeking at it now
    // and then: on a quiet database it is active at every look.
    settle();
    int active = 0;
    for (int i = 0; i < 20; ++i, std::this_thread::sleep_for(10ms)) active += slot_active() ? 1 : 0;
    CHECK(active == 20);
    constexpr int writes = 400;
    const auto writer = paced_writer(name, writes);
    // End the walsender streaming the slot three times while rows are written: the feeder
    // starts the stream again from what the log has stored (the server resends the rest).
    std::int64_t ended = 0;
    for (int round = 0; round < 3; ++round) {
        std::this_thread::sleep_for(250ms);
        for (int i = 0; i < 200 && !slot_active(); ++i) std::this_thread::sleep_for(10ms);
        ended += c->execute("SELECT count(pg_terminate_backend(active_pid)) FROM pg_replication_slots WHERE active AND slot_name = "
                            "(SELECT slot FROM rex_capture_meta WHERE id = 1)")
                     .rows.at(0).at(0).as_int64();
    }
    writer->join();
    CHECK(ended == 3);
    const auto got = events.wait_for(writes);
    REQUIRE(got.size() == writes);
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("event " << i);
        CHECK(int_field(got[i], "id") == static_cast<std::int64_t>(i + 1));  // commit order, none lost, none twice
        if (i) CHECK(got[i].sequence == got[i - 1].sequence + 1);            // no gap: nothing was numbered twice
    }
    std::this_thread::sleep_for(200ms);
    CHECK(events.wait_for(writes).size() == writes);  // and nothing more
    drop_table(*c, name);
}

TEST_CASE("capture: the logical slot moves on while only other databases write", "[capture][stream]") {
    if (!available()) return;
    if (engine() != "postgres" || capture_mode() != "logical") return;
    auto c = connect();
    settle();
    // WAL of another database: this database's slot decodes no transaction from it, but the
    // server's keepalives carry its position, which the feeder confirms when it holds nothing.
    auto url = backend().url;
    url = url.substr(0, url.rfind('/')) + "/postgres";
    Kernel k(LogLevel::off);
    k.load_plugins(std::filesystem::path(REX_TEST_PLUGIN_DIR));
    auto other = k.connect(url);
    std::string mark;
    for (int i = 0; i < 3; ++i) mark = other->execute("SELECT pg_logical_emit_message(false, 'rex_test', 'elsewhere')::text").rows.at(0).at(0).as_text();
    bool moved = false;
    for (int i = 0; i < 300 && !moved; ++i, std::this_thread::sleep_for(10ms))
        moved = c->execute("SELECT confirmed_flush_lsn >= $1::pg_lsn FROM pg_replication_slots WHERE slot_name = (SELECT slot FROM rex_capture_meta WHERE id = 1)",
                           {Value(mark)})
                    .rows.at(0).at(0).as_bool();
    CHECK(moved);
}

TEST_CASE("capture: a captured table dropped by the transaction that wrote it does not stop the logical feeder", "[capture][drop]") {
    if (!available()) return;
    if (engine() != "postgres" || capture_mode() != "logical") return;
    auto c = connect();
    const auto gone = make_table(*c, "cap_gone");
    const auto name = make_table(*c, "cap_after");
    const auto start = last_position();
    // Decoded at its commit with the catalog of its WAL; stored when the table no longer exists.
    c->begin();
    c->execute(row_insert(gone, 1, "g"));
    c->execute("DROP TABLE " + q(gone));
    c->commit();
    c->execute(row_insert(name, 2, "a"));
    const auto batches = read_all(*c, start);
    REQUIRE(batches.size() == 2);
    CHECK(batches[0].changes.at(0).table == gone);
    CHECK(batches[0].changes.at(0).new_row->text.find("\"id\"") != std::string::npos);
    CHECK(batches[1].changes.at(0).table == name);
    capture().uninstall(*c, {gone});
    drop_table(*c, name);
}

TEST_CASE("capture: setting capture up for another table while a captured table is written loses none of its changes", "[capture][install]") {
    if (!available()) return;
    auto c = connect();
    const auto name = make_table(*c, "cap_busy");
    const auto other = make_table(*c, "cap_other");
    const auto start = last_position();
    // On MariaDB an install rewrites the triggers of every captured table (a parent's cascade
    // logging depends on its captured children); a write between a DROP and a CREATE of one
    // of them went unlogged.
    std::atomic<bool> done{false};
    int written = 0;
    test::Worker writer([&] {
        auto w = connect();
        for (int i = 1; i <= 300; ++i, ++written) {
            w->execute(row_insert(name, i, "w"));
            std::this_thread::sleep_for(1ms);
        }
        done = true;
    });
    // At most 10 (which also ends them when the writer fails): in PostgreSQL's logical mode each
    // one restarts the slot's stream, which decodes again from the slot's restart point
    // (docs/realtime.md).
    int rounds = 0;
    for (; rounds < 10 && (!done || rounds < 2); ++rounds) {
        capture().uninstall(*c, {other});
        capture().install(*c, {other});
    }
    writer.join();
    INFO(rounds << " rounds of uninstall and install");
    settle();
    std::size_t logged = 0;
    for (const auto& batch : read_all(*c, start))
        for (const auto& change : batch.changes) logged += change.table == name ? 1 : 0;
    CHECK(logged == static_cast<std::size_t>(written));
    capture().uninstall(*c, {other});
    drop_table(*c, other);
    drop_table(*c, name);
}

TEST_CASE("capture: a captured table dropped with DROP TABLE is forgotten; the logical mode enables again", "[capture][drop]") {
    if (!available()) return;
    if (engine() != "postgres" || capture_mode() != "logical") return;
    auto c = connect();
    const auto name = make_table(*c, "cap_dropped");
    const auto listed = [&] {
        const auto tables = capture().status(*c).tables;
        return std::find(tables.begin(), tables.end(), name) != tables.end();
    };
    CHECK(listed());
    c->execute("DROP TABLE " + q(name));  // by another program: Rex is not asked
    CHECK_FALSE(listed());
    // Enabling altered every listed table, so one dropped since failed it ("relation … does not exist").
    CHECK_NOTHROW(capture().set_mode(*c, "logical"));
    // Forgotten, not only hidden: a table created later under the name is not captured unasked.
    c->execute("CREATE TABLE " + q(name) + " (id INT PRIMARY KEY)");
    CHECK_FALSE(listed());
    drop_table(*c, name);
}

TEST_CASE("capture: rex realtime enable, status, prune and disable", "[capture][cli]") {
    if (!available()) return;
    auto c = connect();
    const auto name = table("cap_cli");
    drop_table(*c, name);
    c->execute("CREATE TABLE " + q(name) + " (id INT PRIMARY KEY, name VARCHAR(20))");
    const auto rex = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {std::string(REX_TEST_BIN_DIR) + "/rex", "--plugin-dir", REX_TEST_PLUGIN_DIR, "--url", backend().url,
                                   "realtime"});
        return test::run_process(args);
    };
    auto r = rex({"enable", "--tables", name});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "capturing changes of " + name + " (" + capture_mode() + ")\n");
    client(row_insert(name, 1, "a") + ";\n" + row_insert(name, 2, "b") + ";\n");
    r = rex({"status", "--json"});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("\"" + name + "\"") != std::string::npos);
    CHECK(r.out.find("\"installed\":true") != std::string::npos);
    settle();
    const auto before = capture().status(*c).last_position;
    r = rex({"prune"});
    CHECK(r.exit_code != 0);
    CHECK(r.err == "rex: error: prune needs --max-age <seconds> or --max-batches <n>\n");
    r = rex({"enable", "--tables", "no_such_" + name});
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("no table 'no_such_" + name + "'") != std::string::npos);
    r = rex({"disable", "--tables", name});
    REQUIRE(r.exit_code == 0);
    client(row_insert(name, 3, "c") + ";\n");
    settle();
    CHECK(capture().status(*c).last_position == before);  // no longer captured
    drop_table(*c, name);
}

TEST_CASE("capture: rex realtime enable --migration writes a migration that rex migrate applies and rolls back", "[capture][cli][migration]") {
    if (!available()) return;
    auto c = connect();
    (void)capture();  // the database in the program's capture mode before the migration is written
    const auto name = table("cap_migration");
    drop_table(*c, name);
    c->execute("CREATE TABLE " + q(name) + " (id INT PRIMARY KEY, name VARCHAR(20))");
    const auto dir = std::filesystem::temp_directory_path() / ("rex-capture-migration-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    const auto config = dir / "rex.json";
    std::filesystem::create_directories(dir);
    std::ofstream(config) << R"({"database": {"url": ")" << backend().url << R"("}, "migrations": {"table": "rex_capture_migrations"}})";
    const auto rex = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {std::string(REX_TEST_BIN_DIR) + "/rex", "--plugin-dir", REX_TEST_PLUGIN_DIR, "--config", config.string()});
        return test::run_process(args);
    };
    c->execute_script("DROP TABLE IF EXISTS rex_capture_migrations");
    auto r = rex({"realtime", "enable", "--tables", name, "--migration", "--dir", (dir / "migrations").string()});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("capturing " + name) != std::string::npos);
    const auto before = capture().status(*c);
    CHECK(std::find(before.tables.begin(), before.tables.end(), name) == before.tables.end());  // written, not run
    r = rex({"migrate", "--dir", (dir / "migrations").string(), "up"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto enabled = capture().status(*c);
    CHECK(std::find(enabled.tables.begin(), enabled.tables.end(), name) != enabled.tables.end());
    client(row_insert(name, 1, "a") + ";\n");
    settle();
    CHECK(capture().status(*c).last_position > enabled.last_position);  // captured
    r = rex({"migrate", "--dir", (dir / "migrations").string(), "down"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto disabled = capture().status(*c);
    CHECK(std::find(disabled.tables.begin(), disabled.tables.end(), name) == disabled.tables.end());
    client(row_insert(name, 2, "b") + ";\n");
    settle();
    CHECK(capture().status(*c).last_position == disabled.last_position);  // no longer captured
    r = rex({"realtime", "status", "--dir", "x"});
    CHECK(r.exit_code != 0);
    c->execute_script("DROP TABLE IF EXISTS rex_capture_migrations");
    std::filesystem::remove_all(dir);
    drop_table(*c, name);
}
