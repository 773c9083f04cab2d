// The host's plain change stream (apps/rex-host/src/change_streams.cpp, row_filter.cpp) on a real
// kernel's catalog and change bus: names and `where` checked with one clear line, events filtered
// and rendered, resume after a sequence number, refetch when it is gone.
#include "change_streams.hpp"
#include "row_filter.hpp"
#include "update_event.hpp"

#include <rex/kernel.hpp>
#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

using rex::ChangeEvent;
using rex::ChangeKind;
using rex::ChangeShape;
using rex::Value;
using rex::host::HostChangeStreams;
using rex::host::RowFilter;

namespace {

rex::FieldInfo field(const char* name, rex::ColumnType type) {
    rex::FieldInfo f;
    f.name = f.column = name;
    f.type = type;
    return f;
}

rex::EntityInfo album_entity() {
    rex::EntityInfo e;
    e.name = "Album";
    e.table = "Album";
    e.fields = {field("AlbumId", rex::LogicalType::int64), field("Title", rex::LogicalType::text), field("ArtistId", rex::LogicalType::int64),
                field("Price", rex::ColumnType::decimal(10, 2)), field("Released", rex::LogicalType::timestamp)};
    e.fields[0].primary_key = true;
    e.fields[1].nullable = true;
    e.relations.push_back({"Artist", rex::RelationKind::belongs_to, "Artist", "ArtistId", {}, {}, {}});
    return e;
}

rex::EntityInfo artist_entity() {
    rex::EntityInfo e;
    e.name = "Artist";
    e.table = "Artist";
    e.fields = {field("ArtistId", rex::LogicalType::int64), field("Name", rex::LogicalType::text)};
    e.fields[0].primary_key = true;
    return e;
}

std::shared_ptr<const ChangeShape> album_shape() {
    static const auto shape = std::make_shared<const ChangeShape>(
        ChangeShape{"Album", {"AlbumId", "Title", "ArtistId", "Price", "Released"}, 0});
    return shape;
}

std::vector<Value> album(std::int64_t id, Value title, std::int64_t artist = 1, const char* price = "9.99",
                         const char* released = "2024-01-31T12:00:00Z") {
    return {id, std::move(title), artist, rex::Decimal{price}, rex::parse_timestamp(released)};
}

bool where(const std::string& json, std::vector<Value> row) {
    auto filter = RowFilter::parse(json);
    filter.check(album_entity());
    return filter.matches(*album_shape(), row);
}

std::string refusal(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const rex::Error& e) {
        return e.message();
    }
    return "(no error)";
}

struct Sink final : rex::ChangeStreamSink {
    std::mutex mutex;
    std::vector<std::pair<std::uint64_t, std::string>> events;
    std::vector<std::shared_ptr<const std::string>> shared;  // as handed over
    std::vector<rex::ChangeStreamEnd> ends;
    void event(std::uint64_t sequence, std::shared_ptr<const std::string> message) override {
        std::lock_guard lock(mutex);
        events.emplace_back(sequence, *message);
        shared.push_back(std::move(message));
    }
    void end(rex::ChangeStreamEnd why) override {
        std::lock_guard lock(mutex);
        ends.push_back(std::move(why));
    }
    std::vector<std::string> messages() {
        std::lock_guard lock(mutex);
        std::vector<std::string> out;
        for (const auto& [s, m] : events) out.push_back(m);
        return out;
    }
};

struct Fixture {
    rex::Kernel kernel;
    HostChangeStreams streams{kernel.catalog(), kernel.changes(), kernel.logger()};
    std::shared_ptr<Sink> sink = std::make_shared<Sink>();
    Fixture() {
        kernel.register_entity(album_entity());
        kernel.register_entity(artist_entity());
    }
    std::uint64_t publish(ChangeKind kind, std::vector<Value> row) {
        return kernel.changes().publish(ChangeEvent::of(kind, album_shape(), std::move(row)));
    }
    std::uint64_t publish_update(std::vector<Value> before, std::vector<Value> after) {
        return kernel.changes().publish(rex::test::update_event(album_shape(), std::move(before), std::move(after)));
    }
    std::unique_ptr<rex::ChangeSubscription> open(rex::ChangeStreamRequest request) { return streams.open(std::move(request), sink); }
};

}  // namespace

TEST_CASE("where: every comparison operator on a row, as the database decides", "[changes][where]") {
    const auto row = album(3, "Let There Be Rock", 1, "9.99");
    CHECK(where(R"({"AlbumId":{"_eq":3}})", row));
    CHECK_FALSE(where(R"({"AlbumId":{"_eq":4}})", row));
    CHECK(where(R"({"AlbumId":{"_neq":4}})", row));
    CHECK(where(R"({"AlbumId":{"_gt":2,"_lt":4}})", row));
    CHECK_FALSE(where(R"({"AlbumId":{"_gt":3}})", row));
    CHECK(where(R"({"AlbumId":{"_gte":3,"_lte":3}})", row));
    CHECK(where(R"({"AlbumId":{"_in":[1,3,5]}})", row));
    CHECK(where(R"({"AlbumId":{"_in":3}})", row));  // a single value is a list of one
    CHECK_FALSE(where(R"({"AlbumId":{"_in":[]}})", row));
    CHECK(where(R"({"AlbumId":{"_nin":[1,2]}})", row));
    CHECK_FALSE(where(R"({"AlbumId":{"_nin":[3]}})", row));
    CHECK(where(R"({"Title":{"_like":"Let%Rock"}})", row));
    CHECK(where(R"({"Title":{"_like":"Let _here%"}})", row));
    CHECK_FALSE(where(R"({"Title":{"_like":"let%"}})", row));
    CHECK(where(R"({"Title":{"_ilike":"let%ROCK"}})", row));
    CHECK(where(R"({"Title":{"_nlike":"%Jazz%"}})", row));
    CHECK_FALSE(where(R"({"Title":{"_nlike":"%Rock"}})", row));
    CHECK(where(R"({"Title":{"_is_null":false}})", row));
    CHECK_FALSE(where(R"({"Title":{"_is_null":true}})", row));
    // decimals and timestamps compare by value, not as text
    CHECK(where(R"({"Price":{"_gt":9.5,"_lt":10}})", row));
    CHECK(where(R"({"Price":{"_eq":"9.990"}})", row));
    CHECK(where(R"({"Released":{"_gt":"2024-01-31T11:59:59Z","_lt":"2024-01-31T13:00:00+00:30"}})", row));
    CHECK(where(R"({"Released":{"_eq":"2024-01-31 13:00:00+01:00"}})", row));
    // a null operand compares nothing, as in the GraphQL API
    CHECK(where(R"({"AlbumId":{"_eq":null}})", row));
}

TEST_CASE("where: _and, _or, _not and SQL's NULL logic", "[changes][where]") {
    const auto row = album(3, "Rock", 1);
    CHECK(where(R"({"_and":[{"AlbumId":{"_eq":3}},{"ArtistId":{"_eq":1}}]})", row));
    CHECK_FALSE(where(R"({"_and":[{"AlbumId":{"_eq":3}},{"ArtistId":{"_eq":2}}]})", row));
    CHECK(where(R"({"_or":[{"AlbumId":{"_eq":9}},{"ArtistId":{"_eq":1}}]})", row));
    CHECK_FALSE(where(R"({"_or":[]})", row));
    CHECK(where(R"({"_and":[]})", row));
    CHECK(where(R"({"_not":{"AlbumId":{"_eq":4}}})", row));
    CHECK(where(R"({"_and":{"AlbumId":{"_eq":3}}})", row));  // an object is a list of one
    CHECK(where("{}", row));
    CHECK(where("", row));

    // A NULL title: every comparison is unknown, and so is its negation.
    const auto untitled = album(4, Value{});
    CHECK_FALSE(where(R"({"Title":{"_eq":"Rock"}})", untitled));
    CHECK_FALSE(where(R"({"Title":{"_neq":"Rock"}})", untitled));
    CHECK_FALSE(where(R"({"_not":{"Title":{"_eq":"Rock"}}})", untitled));
    CHECK_FALSE(where(R"({"Title":{"_nin":["Rock"]}})", untitled));
    CHECK(where(R"({"Title":{"_is_null":true}})", untitled));
    CHECK(where(R"({"_or":[{"Title":{"_eq":"Rock"}},{"AlbumId":{"_eq":4}}]})", untitled));
    CHECK_FALSE(where(R"({"_and":[{"Title":{"_eq":"Rock"}},{"AlbumId":{"_eq":4}}]})", untitled));
}

TEST_CASE("where: LIKE escapes and backtracking", "[changes][where]") {
    CHECK(where(R"({"Title":{"_like":"100\\%"}})", album(1, "100%")));
    CHECK_FALSE(where(R"({"Title":{"_like":"100\\%"}})", album(1, "1000")));
    CHECK(where(R"({"Title":{"_like":"a\\_b"}})", album(1, "a_b")));
    CHECK_FALSE(where(R"({"Title":{"_like":"a\\_b"}})", album(1, "axb")));
    CHECK(where(R"({"Title":{"_like":"%a%b%c"}})", album(1, "xxaxxbxxabc")));
    CHECK(where(R"({"Title":{"_like":"_ber"}})", album(1, "über")));  // _ is one character, not one byte
    CHECK_FALSE(where(R"({"Title":{"_like":"%a%a%a%a%a%a%a%b"}})", album(1, std::string(5000, 'a'))));
}

TEST_CASE("where: a bad expression is refused with one line naming where", "[changes][where]") {
    const auto entity = album_entity();
    const auto check = [&](const std::string& json) { return refusal([&] { RowFilter::parse(json).check(entity); }); };
    CHECK(check(R"({"AlbumId":{"_eq":3})").starts_with("where: not valid JSON: parse error"));
    CHECK(check(R"([1])") == "where: expected a boolean expression object, got [1]");
    CHECK(check(R"({"AlbumId":3})") == R"(where: AlbumId: expected a comparison object such as {"_eq": …}, got 3)");
    CHECK(check(R"({"AlbumId":{"_equals":3}})").starts_with("where: AlbumId._equals: unknown comparison operator '_equals' (known: _eq _neq"));
    CHECK(check(R"({"_xor":[]})") == "where: _xor: unknown operator '_xor' (a boolean expression has _and, _or, _not and field names)");
    CHECK(check(R"({"_and":[{"AlbumId":{"_is_null":1}}]})") == "where: _and[0].AlbumId._is_null: expected true or false, got 1");
    CHECK(check(R"({"Title":{"_like":3}})") == "where: Title._like: expected a pattern string, got 3");
    CHECK(check(R"({"Nope":{"_eq":3}})") ==
          "where: Nope: entity Album has no field 'Nope' (fields: AlbumId, Title, ArtistId, Price, Released)");
    CHECK(check(R"({"Artist":{"Name":{"_eq":"AC/DC"}}})") ==
          "where: Artist: 'Artist' is a relation of Album; change streams filter on the row's own fields only (relation filters are not supported)");
    CHECK(check(R"({"AlbumId":{"_like":"3%"}})") == "where: AlbumId._like: pattern operators apply to text fields; Album.AlbumId is int64");
    CHECK(check(R"({"AlbumId":{"_eq":"three"}})") == R"(where: AlbumId._eq: expected an integer, got "three" for Album.AlbumId (int64))");
    CHECK(check(R"({"AlbumId":{"_in":[1,2.5]}})") == "where: AlbumId._in: expected an integer, got 2.5 for Album.AlbumId (int64)");
    CHECK(check(R"({"Title":{"_eq":3}})") == "where: Title._eq: expected a string, got 3 for Album.Title (text)");
    CHECK(check(R"({"Released":{"_gt":"yesterday"}})").starts_with("where: Released._gt: "));
    CHECK(check(R"({"Released":{"_gt":"yesterday"}})").ends_with(" for Album.Released (timestamp)"));
    CHECK(check(R"({"AlbumId":{"_eq":"3"}})") == "(no error)");  // 64-bit integers may come as strings
}

TEST_CASE("change stream: events of the named entities, operations and rows, rendered as JSON", "[changes][stream]") {
    Fixture f;
    auto sub = f.open({{"Album"}, {ChangeKind::insert, ChangeKind::remove}, R"({"ArtistId":{"_eq":1}})", {}, {}, {}});
    f.publish(ChangeKind::insert, album(1, "A", 1));
    f.publish(ChangeKind::insert, album(2, "B", 2));   // filtered by where
    f.publish(ChangeKind::update, album(1, "A2", 1));  // filtered by op
    f.kernel.changes().publish(ChangeEvent::of(ChangeKind::insert, std::make_shared<const ChangeShape>(ChangeShape{"Artist", {"ArtistId", "Name"}, 0}),
                                               {7, "X"}));  // another entity
    const auto deleted = f.publish(ChangeKind::remove, album(1, "A2", 1));  // a delete: its old row is filtered
    f.publish(ChangeKind::remove, album(2, "B", 2));
    const auto m = f.sink->messages();
    REQUIRE(m.size() == 2);
    CHECK(m[0] ==
          R"({"event":"insert","model":"Album","data":{"AlbumId":1,"Title":"A","ArtistId":1,"Price":"9.99","Released":"2024-01-31T12:00:00Z"},"seq":1})");
    CHECK(m[1] == R"({"event":"delete","model":"Album","data":{"AlbumId":1,"Title":"A2","ArtistId":1,"Price":"9.99","Released":"2024-01-31T12:00:00Z"},"seq":)" +
                      std::to_string(deleted) + "}");
    CHECK(f.sink->events[1].first == deleted);
    sub.reset();  // no more events after the subscription is gone
    f.publish(ChangeKind::insert, album(3, "C", 1));
    CHECK(f.sink->messages().size() == 2);
}

TEST_CASE("change stream: an update carries the old row and shows when a row leaves the filter", "[changes][stream]") {
    Fixture f;
    auto sub = f.open({{"Album"}, {}, R"({"ArtistId":{"_eq":1}})", {}, {}, {}});
    f.publish_update(album(1, "A", 1), album(1, "A", 2));  // leaves: matched before
    f.publish_update(album(2, "B", 2), album(2, "B", 3));  // never matched
    const auto m = f.sink->messages();
    REQUIRE(m.size() == 1);
    CHECK(m[0].starts_with(R"({"event":"update","model":"Album","data":{"AlbumId":1,"Title":"A","ArtistId":2,)"));
    CHECK(m[0].find(R"(,"old":{"AlbumId":1,"Title":"A","ArtistId":1,)") != std::string::npos);
    CHECK(m[0].ends_with(R"(,"seq":1})"));
}

TEST_CASE("change stream: streams asking the same share one rendered message per event; others are decided on their own",
          "[changes][stream][shared]") {
    Fixture f;
    std::vector<std::shared_ptr<Sink>> sinks;
    std::vector<std::unique_ptr<rex::ChangeSubscription>> subs;
    const auto open = [&](rex::ChangeStreamRequest request) {
        sinks.push_back(std::make_shared<Sink>());
        subs.push_back(f.streams.open(std::move(request), sinks.back()));
    };
    for (int i = 0; i < 3; ++i) open({{"Album"}, {ChangeKind::insert}, R"({"ArtistId":{"_eq":1}})", {}, {}, {}});
    open({{"Album"}, {ChangeKind::insert}, R"({"ArtistId":{"_eq":2}})", {}, {}, {}});  // another filter
    open({{"Album"}, {}, R"({"ArtistId":{"_eq":1}})", {}, {}, {}});                    // other operations
    f.publish(ChangeKind::insert, album(1, "A", 1));
    f.publish(ChangeKind::insert, album(2, "B", 2));
    f.publish(ChangeKind::update, album(1, "A2", 1));
    for (int i = 0; i < 3; ++i) REQUIRE(sinks[i]->shared.size() == 1);
    CHECK(sinks[1]->shared[0] == sinks[0]->shared[0]);  // the same string, not an equal copy
    CHECK(sinks[2]->shared[0] == sinks[0]->shared[0]);
    REQUIRE(sinks[3]->messages().size() == 1);
    CHECK(sinks[3]->events[0].first == 2);
    REQUIRE(sinks[4]->messages().size() == 2);  // the insert and the update
    CHECK(*sinks[4]->shared[0] == *sinks[0]->shared[0]);
    // A stream opened later with the same request resumes through the same view: the retained
    // event it is sent again is the same message, decided once.
    open({{"Album"}, {ChangeKind::insert}, R"({"ArtistId":{"_eq":1}})", 0, {}, {}});
    REQUIRE(sinks[5]->shared.size() == 1);
    CHECK(*sinks[5]->shared[0] == *sinks[0]->shared[0]);
    // When every stream of a view is gone, a new one starts a fresh view.
    subs.clear();
    open({{"Album"}, {ChangeKind::insert}, R"({"ArtistId":{"_eq":1}})", {}, {}, {}});
    f.publish(ChangeKind::insert, album(4, "D", 1));
    REQUIRE(sinks[6]->messages().size() == 1);
    CHECK(sinks[6]->events[0].first == 4);
}

TEST_CASE("change stream: a where without entities applies to every entity that has its fields", "[changes][stream]") {
    Fixture f;
    auto sub = f.open({{}, {}, R"({"Name":{"_eq":"X"}})", {}, {}, {}});
    f.publish(ChangeKind::insert, album(1, "X", 1));  // Album has no Name: not delivered
    f.kernel.changes().publish(
        ChangeEvent::of(ChangeKind::insert, std::make_shared<const ChangeShape>(ChangeShape{"Artist", {"ArtistId", "Name"}, 0}), {7, "X"}));
    REQUIRE(f.sink->messages() == std::vector<std::string>{R"({"event":"insert","model":"Artist","data":{"ArtistId":7,"Name":"X"},"seq":2})"});
    CHECK(refusal([&] { f.open({{}, {}, R"({"Nope":{"_eq":1}})", {}, {}, {}}); }).ends_with("(and no other entity fits it either)"));
}

TEST_CASE("change stream: unknown entities and bad filters are refused before anything is sent", "[changes][stream]") {
    Fixture f;
    CHECK(refusal([&] { f.open({{"Albm"}, {}, {}, {}, {}, {}}); }) == "entity: no entity named 'Albm' (entities: Album, Artist)");
    CHECK(refusal([&] { f.open({{"Artist"}, {}, R"({"Title":{"_eq":"x"}})", {}, {}, {}}); })
              .starts_with("where: Title: entity Artist has no field 'Title'"));
    CHECK(f.sink->events.empty());
    CHECK(f.sink->ends.empty());
}

TEST_CASE("change stream: resumes after a sequence number, also one ahead of this host; refetch when it is gone", "[changes][stream][resume]") {
    Fixture f;
    for (int i = 1; i <= 3; ++i) f.publish(ChangeKind::insert, album(i, "T", 1));
    {
        auto sub = f.open({{"Album"}, {}, {}, 1, {}, {}});
        f.publish(ChangeKind::insert, album(4, "T", 1));
        std::vector<std::uint64_t> seqs;
        for (const auto& [s, m] : f.sink->events) seqs.push_back(s);
        CHECK(seqs == std::vector<std::uint64_t>{2, 3, 4});
        CHECK(f.sink->ends.empty());
    }
    {
        // Without `after`: only what comes next.
        auto sink = std::make_shared<Sink>();
        auto sub = f.streams.open({{"Album"}, {}, {}, {}, {}, {}}, sink);
        CHECK(sink->events.empty());
    }
    {
        // A position ahead of this host's newest (a client from a host further on): the stream
        // starts after it.
        auto sink = std::make_shared<Sink>();
        auto sub = f.streams.open({{"Album"}, {}, {}, 6, {}, {}}, sink);
        for (int i = 5; i <= 8; ++i) f.publish(ChangeKind::insert, album(i, "T", 1));
        CHECK(sink->ends.empty());
        std::vector<std::uint64_t> seqs;
        for (const auto& [s, m] : sink->events) seqs.push_back(s);
        CHECK(seqs == std::vector<std::uint64_t>{7, 8});
    }
    // Push the first events out of the bus's history.
    while (f.kernel.changes().first_retained() <= 2) f.publish(ChangeKind::insert, album(9, "T", 1));
    auto sink = std::make_shared<Sink>();
    auto sub = f.streams.open({{"Album"}, {}, {}, 0, {}, {}}, sink);
    REQUIRE(sink->ends.size() == 1);
    CHECK(sink->ends[0].refetch);
    CHECK(sink->ends[0].reason.starts_with("resume position 0 is no longer retained (the oldest kept is "));
    CHECK(sink->events.empty());
    // The oldest retained position itself resumes.
    auto ok = std::make_shared<Sink>();
    const auto first = f.kernel.changes().first_retained();
    auto sub2 = f.streams.open({{"Album"}, {}, {}, first - 1, {}, {}}, ok);
    CHECK(ok->ends.empty());
    CHECK(ok->events.front().first == first);
}

TEST_CASE("change stream: a write during open is neither lost nor doubled", "[changes][stream][race]") {
    Fixture f;
    constexpr int writes = 3000;
    std::atomic<bool> go{false};
    std::atomic<int> opens{0};
    std::thread writer([&] {
        while (!go) std::this_thread::yield();
        for (int i = 1; i <= writes; ++i) {
            // Every 500 writes, wait for one more open: on a loaded machine the writer could
            // otherwise finish before a few streams opened against it.
            while (i % 500 == 0 && opens < i / 500) std::this_thread::yield();
            f.publish(ChangeKind::insert, album(i, "T", 1));
        }
    });
    struct Opened {
        std::uint64_t last_before;
        std::shared_ptr<Sink> sink;
        std::unique_ptr<rex::ChangeSubscription> sub;
    };
    std::vector<Opened> opened;
    go = true;
    while (f.kernel.changes().last_sequence() < writes) {
        auto sink = std::make_shared<Sink>();
        const auto before = f.kernel.changes().last_sequence();
        auto sub = f.streams.open({{"Album"}, {}, {}, {}, {}, {}}, sink);
        opened.push_back({before, sink, std::move(sub)});
        ++opens;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    writer.join();
    REQUIRE(opened.size() > 2);
    for (auto& o : opened) {
        std::lock_guard lock(o.sink->mutex);
        if (o.sink->events.empty()) continue;  // opened after the last write
        // Nothing from before it began opening; from its first event on every sequence comes
        // once, in order, up to the last write.
        CHECK(o.sink->events.front().first > o.last_before);
        std::size_t breaks = 0;  // a gap or a repeat
        for (std::size_t i = 1; i < o.sink->events.size(); ++i) breaks += o.sink->events[i].first != o.sink->events[i - 1].first + 1;
        CHECK(breaks == 0);
        CHECK(o.sink->events.back().first == writes);
    }
}
