// Live queries through GraphqlExecutor::operations(), on every backend: the first result and the
// bus sequence it reflects, updates after inserts, updates and deletes, silence for unrelated
// changes, one shared execution for identical subscriptions, writes racing the subscribe, the
// subscription limit, and stopping. Changes come as the ORM publishes them (in-process events
// after the write) and, in subscription_capture_tests.cpp, from the engines' own clients
// through the capture pump.
#include "operation_support.hpp"

#include "introspection/sdl.hpp"
#include "operations/operations.hpp"

#include <worker.hpp>

#include <atomic>

using namespace rex;
using namespace rex::graphql::test;
using namespace std::chrono_literals;

namespace {

// Publishes changes of one entity's rows as a writer would (the SQL is the test's to run).
class RowEvents {
public:
    RowEvents(ChangeBus& bus, std::string entity, std::vector<std::string> fields) : bus_(bus) {
        auto shape = std::make_shared<ChangeShape>();
        shape->entity = std::move(entity);
        shape->fields = std::move(fields);
        shape->key_field = 0;
        shape_ = shape;
    }
    // `old`: the row before an update, when known.
    std::uint64_t operator()(ChangeKind kind, std::vector<Value> row, std::vector<Value> old = {}) const {
        if (old.empty()) return bus_.publish(ChangeEvent::of(kind, shape_, std::move(row)));
        const auto n = row.size();
        row.insert(row.end(), old.begin(), old.end());
        auto values = std::make_shared<const std::vector<Value>>(std::move(row));
        ChangeEvent e;
        e.kind = kind;
        e.shape = shape_;
        e.values = std::span<const Value>(values->data(), n);
        e.old_values = std::span<const Value>(values->data() + n, n);
        e.storage = values;
        return bus_.publish(std::move(e));
    }

private:
    ChangeBus& bus_;
    std::shared_ptr<const ChangeShape> shape_;
};

// Writes a genre row and publishes its change as the ORM does after a commit.
class GenreWriter {
public:
    explicit GenreWriter(WorkerFixture& f) : f_(f), events_(f.changes(), "genre", {"genre_id", "name"}) {}
    std::uint64_t insert(int id, const std::string& name) {
        f_.sql("INSERT INTO gq_genre (genre_id, name) VALUES (?, ?)", {id, name});
        return events_(ChangeKind::insert, {Value(id), Value(name)});
    }
    std::uint64_t rename(int id, const std::string& old_name, const std::string& name) {
        f_.sql("UPDATE gq_genre SET name = ? WHERE genre_id = ?", {name, id});
        return events_(ChangeKind::update, {Value(id), Value(name)}, {Value(id), Value(old_name)});
    }
    std::uint64_t remove(int id, const std::string& name) {
        f_.sql("DELETE FROM gq_genre WHERE genre_id = ?", {id});
        return events_(ChangeKind::remove, {Value(id), Value(name)});
    }

private:
    WorkerFixture& f_;
    RowEvents events_;
};

constexpr const char* genres_below_10 = "subscription { genre(where: {genre_id: {_lt: 10}}, order_by: {genre_id: asc}) { genre_id name } }";

}  // namespace

TEST_CASE("live query: first result with its sequence, then insert, unrelated change, update, delete", "[graphql][subscriptions]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        WorkerFixture f(b, fast_live_options());
        GenreWriter writer(f);
        writer.insert(30, "Before");  // the bus has a history: the first result's sequence is after it
        const auto before = f.changes().last_sequence();
        auto ops = f.executor().operations();
        auto sink = std::make_shared<RecordingSink>();
        auto handle = ops->start(operation(genres_below_10), sink);
        const auto first = sink->text(0);
        CHECK(data_of(first) == R"(next {"data":{"genre":[{"genre_id":1,"name":"Rock"},{"genre_id":2,"name":"Jazz"},{"genre_id":3,"name":"Metal"}]}})");
        CHECK(sequence_of(first) == before);

        const auto s1 = writer.insert(4, "Blues");
        const auto second = sink->text(1);
        CHECK(data_of(second) ==
              R"(next {"data":{"genre":[{"genre_id":1,"name":"Rock"},{"genre_id":2,"name":"Jazz"},{"genre_id":3,"name":"Metal"},{"genre_id":4,"name":"Blues"}]}})");
        CHECK(sequence_of(second) >= s1);

        writer.insert(50, "Outside");    // outside the filter
        writer.rename(30, "Before", "Still outside");
        f.sql("INSERT INTO gq_artist (artist_id, name) VALUES (?, ?)", {77, "Other entity"});
        std::this_thread::sleep_for(200ms);
        CHECK(sink->messages().size() == 2);

        writer.rename(4, "Blues", "Soul");
        CHECK(data_of(sink->text(2)) ==
              R"(next {"data":{"genre":[{"genre_id":1,"name":"Rock"},{"genre_id":2,"name":"Jazz"},{"genre_id":3,"name":"Metal"},{"genre_id":4,"name":"Soul"}]}})");
        writer.remove(4, "Soul");
        CHECK(data_of(sink->text(3)) == R"(next {"data":{"genre":[{"genre_id":1,"name":"Rock"},{"genre_id":2,"name":"Jazz"},{"genre_id":3,"name":"Metal"}]}})");
        CHECK(sequence_of(sink->text(3)) > sequence_of(sink->text(2)));
        // A row moving out of the filter by an update counts (its old values matched).
        writer.insert(5, "Five");
        CHECK(sink->wait(5).size() == 5);
        writer.rename(5, "Five", "Five");  // same values: re-run, same result, nothing sent
        std::this_thread::sleep_for(150ms);
        CHECK(sink->messages().size() == 5);
    }
}

TEST_CASE("live query: _by_pk, _aggregate and relations", "[graphql][subscriptions]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        WorkerFixture f(b, fast_live_options());
        GenreWriter writer(f);
        auto ops = f.executor().operations();
        auto by_pk = std::make_shared<RecordingSink>();
        auto count = std::make_shared<RecordingSink>();
        auto nested = std::make_shared<RecordingSink>();
        auto h1 = ops->start(operation("subscription { genre_by_pk(genre_id: 2) { name } }"), by_pk);
        auto h2 = ops->start(operation("subscription { genre_aggregate { aggregate { count } } }"), count);
        auto h3 = ops->start(operation("subscription { genre(where: {genre_id: {_eq: 1}}) { name tracks(order_by: {track_id: asc}) { track_id } } }"), nested);
        CHECK(data_of(by_pk->text(0)) == R"(next {"data":{"genre_by_pk":{"name":"Jazz"}}})");
        CHECK(data_of(count->text(0)) == R"(next {"data":{"genre_aggregate":{"aggregate":{"count":3}}}})");
        CHECK(data_of(nested->text(0)) == R"(next {"data":{"genre":[{"name":"Rock","tracks":[{"track_id":1},{"track_id":2},{"track_id":5}]}]}})");
        writer.insert(9, "Nine");
        CHECK(data_of(count->text(1)) == R"(next {"data":{"genre_aggregate":{"aggregate":{"count":4}}}})");
        writer.rename(2, "Jazz", "Free Jazz");
        CHECK(data_of(by_pk->text(1)) == R"(next {"data":{"genre_by_pk":{"name":"Free Jazz"}}})");
        // A change of a related entity re-runs the query (no shape for track: published as SQL + event).
        f.sql("UPDATE gq_track SET genre_id = 1 WHERE track_id = 3");
        auto shape = std::make_shared<ChangeShape>();
        shape->entity = "track";
        shape->fields = {"track_id", "genre_id"};
        shape->key_field = 0;
        f.changes().publish(ChangeEvent::of(ChangeKind::update, shape, {Value(3), Value(1)}));
        CHECK(data_of(nested->text(1)) == R"(next {"data":{"genre":[{"name":"Rock","tracks":[{"track_id":1},{"track_id":2},{"track_id":3},{"track_id":5}]}]}})");
        std::this_thread::sleep_for(100ms);
        CHECK(by_pk->messages().size() == 2);  // neither the insert of 9 nor the track touched genre 2
    }
}

TEST_CASE("live query: a related change outside a nested list's where does not re-run it", "[graphql][subscriptions]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        WorkerFixture f(b, fast_live_options());
        RowEvents track(f.changes(), "track", {"track_id", "genre_id", "milliseconds"});
        auto ops = f.executor().operations();
        auto list = std::make_shared<RecordingSink>();
        auto count = std::make_shared<RecordingSink>();
        auto h1 = ops->start(operation("subscription { genre(where: {genre_id: {_eq: 1}}) { name tracks(where: {milliseconds: {_gt: 300000}}, "
                                       "order_by: {track_id: asc}) { track_id } } }"),
                             list);
        auto h2 = ops->start(operation("subscription { genre_by_pk(genre_id: 1) { name tracks_aggregate(where: {milliseconds: {_gt: 300000}}) { aggregate { count } } } }"),
                             count);
        CHECK(data_of(list->text(0)) == R"(next {"data":{"genre":[{"name":"Rock","tracks":[{"track_id":1},{"track_id":2}]}]}})");
        CHECK(data_of(count->text(0)) == R"(next {"data":{"genre_by_pk":{"name":"Rock","tracks_aggregate":{"aggregate":{"count":2}}}}})");

        // The genre's name changes unpublished: a re-run would show it. A track outside the
        // lists' filter, before and after its change, re-runs neither query.
        f.sql("UPDATE gq_genre SET name = 'Rock!' WHERE genre_id = 1");
        f.sql("UPDATE gq_track SET milliseconds = 200000 WHERE track_id = 5");
        track(ChangeKind::update, {Value(5), Value(1), Value(200000)}, {Value(5), Value(1), Value(205662)});
        track(ChangeKind::insert, {Value(99), Value(2), Value(1000)});
        track(ChangeKind::remove, {Value(98), Value(1), Value(5)});
        std::this_thread::sleep_for(300ms);
        CHECK(list->messages().size() == 1);
        CHECK(count->messages().size() == 1);

        // A track inside the filter re-runs both.
        f.sql("INSERT INTO gq_track (track_id, name, genre_id, milliseconds, unit_price) VALUES (7, 'Long', 1, 400000, 0.99)");
        track(ChangeKind::insert, {Value(7), Value(1), Value(400000)});
        CHECK(data_of(list->text(1)) == R"(next {"data":{"genre":[{"name":"Rock!","tracks":[{"track_id":1},{"track_id":2},{"track_id":7}]}]}})");
        CHECK(data_of(count->text(1)) == R"(next {"data":{"genre_by_pk":{"name":"Rock!","tracks_aggregate":{"aggregate":{"count":3}}}}})");

        // An update that moves a track out of the filter: its old values matched.
        f.sql("UPDATE gq_track SET milliseconds = 100 WHERE track_id = 7");
        track(ChangeKind::update, {Value(7), Value(1), Value(100)}, {Value(7), Value(1), Value(400000)});
        CHECK(data_of(list->text(2)) == R"(next {"data":{"genre":[{"name":"Rock!","tracks":[{"track_id":1},{"track_id":2}]}]}})");
        CHECK(data_of(count->text(2)) == R"(next {"data":{"genre_by_pk":{"name":"Rock!","tracks_aggregate":{"aggregate":{"count":2}}}}})");

        // An update whose old values are unknown counts, though its new row is outside.
        f.sql("UPDATE gq_genre SET name = 'Rock 3' WHERE genre_id = 1");
        track(ChangeKind::update, {Value(5), Value(1), Value(200000)});
        CHECK(data_of(list->text(3)) == R"(next {"data":{"genre":[{"name":"Rock 3","tracks":[{"track_id":1},{"track_id":2}]}]}})");
        CHECK(data_of(count->text(3)) == R"(next {"data":{"genre_by_pk":{"name":"Rock 3","tracks_aggregate":{"aggregate":{"count":2}}}}})");
    }
}

TEST_CASE("live query: a related change pointing at none of a keyed root's rows does not re-run it", "[graphql][subscriptions]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        WorkerFixture f(b, fast_live_options());
        RowEvents track(f.changes(), "track", {"track_id", "genre_id", "milliseconds"});
        RowEvents playlist_track(f.changes(), "playlist_track", {"playlist_id", "track_id"});
        auto ops = f.executor().operations();
        auto by_pk = std::make_shared<RecordingSink>();
        auto listed = std::make_shared<RecordingSink>();
        auto many = std::make_shared<RecordingSink>();
        auto h1 = ops->start(operation("subscription { genre_by_pk(genre_id: 1) { name tracks(order_by: {track_id: asc}) { track_id } } }"), by_pk);
        auto h2 = ops->start(operation("subscription { genre(where: {genre_id: {_in: [1, 3]}}, order_by: {genre_id: asc}) { name tracks_aggregate { aggregate { count } } } }"),
                             listed);
        auto h3 = ops->start(operation("subscription { playlist_by_pk(playlist_id: 2) { name tracks(order_by: {track_id: asc}) { track_id } } }"), many);
        CHECK(data_of(by_pk->text(0)) == R"(next {"data":{"genre_by_pk":{"name":"Rock","tracks":[{"track_id":1},{"track_id":2},{"track_id":5}]}}})");
        CHECK(data_of(listed->text(0)) ==
              R"(next {"data":{"genre":[{"name":"Rock","tracks_aggregate":{"aggregate":{"count":3}}},{"name":"Metal","tracks_aggregate":{"aggregate":{"count":1}}}]}})");
        CHECK(data_of(many->text(0)) == R"(next {"data":{"playlist_by_pk":{"name":"Empty","tracks":[]}}})");

        // Renamed unpublished: a re-run would show the new names.
        f.sql("UPDATE gq_genre SET name = 'Rock!' WHERE genre_id = 1");
        f.sql("UPDATE gq_genre SET name = 'Metal!' WHERE genre_id = 3");
        f.sql("UPDATE gq_playlist SET name = 'Empty!' WHERE playlist_id = 2");
        // A join row of another playlist: no re-run of the playlist's query.
        playlist_track(ChangeKind::insert, {Value(1), Value(2)});
        std::this_thread::sleep_for(300ms);
        CHECK(by_pk->messages().size() == 1);
        CHECK(listed->messages().size() == 1);
        CHECK(many->messages().size() == 1);
        // Tracks of genre 2, before and after: neither genre query re-runs. A many-to-many
        // target is not narrowed: the playlist's query re-runs.
        track(ChangeKind::insert, {Value(99), Value(2), Value(1000)});
        track(ChangeKind::update, {Value(6), Value(2), Value(2000)}, {Value(6), Value(2), Value(1000)});
        track(ChangeKind::remove, {Value(98), Value(nullptr), Value(5)});
        CHECK(data_of(many->text(1)) == R"(next {"data":{"playlist_by_pk":{"name":"Empty!","tracks":[]}}})");
        std::this_thread::sleep_for(300ms);
        CHECK(by_pk->messages().size() == 1);
        CHECK(listed->messages().size() == 1);

        // A track of genre 3 re-runs the query of genres 1 and 3, not genre 1's.
        f.sql("INSERT INTO gq_track (track_id, name, genre_id, milliseconds, unit_price) VALUES (7, 'Seven', 3, 1000, 0.99)");
        track(ChangeKind::insert, {Value(7), Value(3), Value(1000)});
        CHECK(data_of(listed->text(1)) ==
              R"(next {"data":{"genre":[{"name":"Rock!","tracks_aggregate":{"aggregate":{"count":3}}},{"name":"Metal!","tracks_aggregate":{"aggregate":{"count":2}}}]}})");
        std::this_thread::sleep_for(200ms);
        CHECK(by_pk->messages().size() == 1);
        // A track leaving genre 1: its old row pointed at it.
        f.sql("UPDATE gq_track SET genre_id = 2 WHERE track_id = 2");
        track(ChangeKind::update, {Value(2), Value(2), Value(342562)}, {Value(2), Value(1), Value(342562)});
        CHECK(data_of(by_pk->text(1)) == R"(next {"data":{"genre_by_pk":{"name":"Rock!","tracks":[{"track_id":1},{"track_id":5}]}}})");
        CHECK(data_of(listed->text(2)) ==
              R"(next {"data":{"genre":[{"name":"Rock!","tracks_aggregate":{"aggregate":{"count":2}}},{"name":"Metal!","tracks_aggregate":{"aggregate":{"count":2}}}]}})");
        // A join row of playlist 2 re-runs its query.
        f.sql("INSERT INTO gq_playlist_track (playlist_id, track_id) VALUES (2, 1)");
        playlist_track(ChangeKind::insert, {Value(2), Value(1)});
        CHECK(data_of(many->text(2)) == R"(next {"data":{"playlist_by_pk":{"name":"Empty!","tracks":[{"track_id":1}]}}})");
    }
}

TEST_CASE("live query: identical subscriptions share one execution; different variables do not", "[graphql][subscriptions]") {
    const auto b = backends().front();
    WorkerFixture f(b, fast_live_options());
    GenreWriter writer(f);
    auto ops = f.executor().operations();
    auto& graphql_ops = dynamic_cast<rex::graphql::GraphqlOperations&>(*ops);
    const std::string q = "subscription($id: Int!) { genre_by_pk(genre_id: $id) { name } }";
    std::vector<std::shared_ptr<RecordingSink>> sinks;
    std::vector<std::unique_ptr<OperationHandle>> handles;
    for (const char* variables : {R"({"id": 1})", R"({ "id" : 1 })", R"({"id": 2})"}) {
        sinks.push_back(std::make_shared<RecordingSink>());
        handles.push_back(ops->start(operation(q, variables), sinks.back()));
        sinks.back()->text(0);
    }
    CHECK(graphql_ops.live_executions() == 2);
    CHECK(graphql_ops.subscriptions() == 3);
    CHECK(data_of(sinks[0]->text(0)) == data_of(sinks[1]->text(0)));
    CHECK(data_of(sinks[2]->text(0)) == R"(next {"data":{"genre_by_pk":{"name":"Jazz"}}})");
    writer.rename(1, "Rock", "Hard Rock");
    CHECK(data_of(sinks[0]->text(1)) == R"(next {"data":{"genre_by_pk":{"name":"Hard Rock"}}})");
    CHECK(sinks[1]->text(1) == sinks[0]->text(1));
    handles[0].reset();
    CHECK(graphql_ops.live_executions() == 2);
    handles[1].reset();
    CHECK(graphql_ops.live_executions() == 1);
    handles.clear();
    CHECK(graphql_ops.live_executions() == 0);
    CHECK(graphql_ops.subscriptions() == 0);
}

TEST_CASE("live query: writes racing the subscribe are neither lost nor doubled", "[graphql][subscriptions]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        WorkerFixture f(b, fast_live_options());
        GenreWriter writer(f);
        auto ops = f.executor().operations();
        constexpr int rows = 40;
        rex::test::Worker writes([&] {
            for (int i = 0; i < rows; ++i) {
                writer.insert(100 + i, "g" + std::to_string(i));
                std::this_thread::sleep_for(2ms);
            }
        });
        std::vector<std::shared_ptr<RecordingSink>> sinks;
        std::vector<std::unique_ptr<OperationHandle>> handles;
        // Different documents (aliases), so each subscription has its own execution.
        for (int i = 0; i < 8; ++i) {
            sinks.push_back(std::make_shared<RecordingSink>());
            handles.push_back(ops->start(operation("subscription { g" + std::to_string(i) + ": genre_aggregate { aggregate { count } } }"), sinks.back()));
            std::this_thread::sleep_for(std::chrono::milliseconds(3 * i));
        }
        writes.join();
        for (int i = 0; i < 8; ++i) {
            INFO("subscription " << i);
            const auto want = R"({"aggregate":{"count":)" + std::to_string(3 + rows) + "}}";
            auto deadline = std::chrono::steady_clock::now() + 10s;
            std::vector<RecordingSink::Message> all;
            do {
                all = sinks[i]->messages();
                if (!all.empty() && all.back().text.find(want) != std::string::npos) break;
                std::this_thread::sleep_for(10ms);
            } while (std::chrono::steady_clock::now() < deadline);
            REQUIRE(!all.empty());
            CHECK(all.back().text.find(want) != std::string::npos);  // nothing lost
            for (std::size_t m = 1; m < all.size(); ++m) {
                CHECK(data_of(all[m].text) != data_of(all[m - 1].text));  // nothing sent twice
                CHECK(sequence_of(all[m].text) > sequence_of(all[m - 1].text));
            }
        }
        for (int i = 0; i < rows; ++i) f.sql("DELETE FROM gq_genre WHERE genre_id = ?", {100 + i});
    }
}

TEST_CASE("subscriptions: the limit, request errors, and stopping", "[graphql][subscriptions]") {
    const auto b = backends().front();
    auto options = fast_live_options();
    options.max_subscriptions = 2;
    WorkerFixture f(b, options);
    GenreWriter writer(f);
    auto ops = f.executor().operations();
    auto s1 = std::make_shared<RecordingSink>();
    auto s2 = std::make_shared<RecordingSink>();
    auto s3 = std::make_shared<RecordingSink>();
    auto h1 = ops->start(operation(genres_below_10), s1);
    auto h2 = ops->start(operation("subscription { genre_by_pk(genre_id: 1) { name } }"), s2);
    s1->text(0);
    s2->text(0);
    auto h3 = ops->start(operation(genres_below_10), s3);
    CHECK(s3->text(0) == R"x(error [{"message":"Too many subscriptions: at most 2 run at once (max_subscriptions)","extensions":{"code":"limit-exceeded"}}])x");
    {
        auto bad = std::make_shared<RecordingSink>();
        auto h = ops->start(operation("subscription { genre { name } genre_by_pk(genre_id: 1) { name } }"), bad);
        CHECK(bad->text(0).starts_with(R"(error [{"message":"Anonymous Subscription must select only one top level field.")"));
    }
    // Stopped: nothing more, even with changes; a handle destroyed inside the sink's call works too.
    h1.reset();
    writer.insert(6, "Six");
    std::this_thread::sleep_for(100ms);
    CHECK(s1->messages().size() == 1);
    h3.reset();
    auto s4 = std::make_shared<RecordingSink>();
    auto h4 = ops->start(operation(genres_below_10), s4);  // the freed places count again
    CHECK(s4->text(0).starts_with("next "));

    struct StopsItself : OperationSink {
        std::unique_ptr<OperationHandle> handle;
        std::mutex mutex;
        std::atomic<int> calls{0};
        void next(std::string) override {
            ++calls;
            std::lock_guard lock(mutex);
            handle.reset();
        }
        void error(std::string) override { ++calls; }
        void complete() override { ++calls; }
    };
    h4.reset();
    auto self = std::make_shared<StopsItself>();
    {
        std::lock_guard lock(self->mutex);
        self->handle = ops->start(operation("subscription { genre_by_pk(genre_id: 6) { name } }"), self);
    }
    for (int i = 0; i < 200 && self->calls == 0; ++i) std::this_thread::sleep_for(5ms);
    writer.rename(6, "Six", "Sechs");
    std::this_thread::sleep_for(100ms);
    CHECK(self->calls == 1);
}

TEST_CASE("subscription_root in introspection and the SDL", "[graphql][subscriptions]") {
    const auto b = backends().front();
    Fixture f(b);
    CHECK(f.post("{ __schema { subscriptionType { name } } __type(name: \"subscription_root\") { fields { name } } }").starts_with(
        R"({"data":{"__schema":{"subscriptionType":{"name":"subscription_root"}},"__type":{"fields":[{"name":"album"},{"name":"album_aggregate"},{"name":"album_by_pk"},)"));
    const auto sdl = rex::graphql::print_schema(rex::graphql::build_api(f.catalog())->schema);
    CHECK(sdl.find("  subscription: subscription_root\n") != std::string::npos);
    CHECK(sdl.find("  genre_stream(\n    \"\"\"maximum number of rows returned in a single batch\"\"\"\n    batch_size: Int!\n") != std::string::npos);
    CHECK(sdl.find("    cursor: [genre_stream_cursor_input]!\n") != std::string::npos);
    CHECK(sdl.find("input genre_stream_cursor_input {\n") != std::string::npos);
    CHECK(sdl.find("  after_sequence: bigint\n") != std::string::npos);
    CHECK(sdl.find("enum cursor_ordering {\n") != std::string::npos);
    rex::graphql::ApiOptions camel;
    camel.naming = rex::graphql::Naming::camel;
    const auto camel_sdl = rex::graphql::print_schema(rex::graphql::build_api(f.catalog(), camel)->schema);
    CHECK(camel_sdl.find("    batchSize: Int!\n") != std::string::npos);
    CHECK(camel_sdl.find("  genreStream(\n") != std::string::npos);
    CHECK(camel_sdl.find("input GenreStreamCursorInput {\n") != std::string::npos);
    CHECK(camel_sdl.find("enum CursorOrdering {\n") != std::string::npos);
}
