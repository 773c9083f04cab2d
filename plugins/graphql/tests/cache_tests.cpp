// The response cache (settings.graphql.cache): hits by query + variables, invalidation exactly for
// the entities an answer read — by this executor's mutations and by the change bus, fed here by
// the real capture pump reading what sqlite3, psql and mariadb wrote — bounds, and the race of an answer
// read before a write but stored after it.
#include "api/api.hpp"
#include "api_support.hpp"
#include "engine_client.hpp"
#include "executor/response_cache.hpp"
#include "language/prepare.hpp"

#include <rex/capture.hpp>
#include <rex/sdk/capture.hpp>
#include <rex/sdk/error.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <unistd.h>

using namespace rex;
using namespace rex::graphql;
using namespace rex::graphql::test;
using rex::test::engine_client;
using namespace std::chrono_literals;

namespace {

ExecutorOptions cached(std::size_t max_entries = 100, std::chrono::milliseconds ttl = 60s) {
    ExecutorOptions o;
    o.cache.enabled = true;
    o.cache.max_entries = max_entries;
    o.cache.ttl = ttl;
    return o;
}

Backend sqlite_backend() {
    const auto file = std::filesystem::temp_directory_path() / ("rex-graphql-cache-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(file);
    return {"sqlite", "sqlite:" + file.string()};
}

const char* artist_query = "{ artist(where: {artist_id: {_eq: 1}}) { name } }";
const char* track_query = "{ track(where: {track_id: {_eq: 1}}) { name album { title } } }";
const char* genre_query = "{ genre(order_by: {genre_id: asc}) { name } }";

// The entities a query reads, by the same walk the executor uses.
std::vector<std::string> read_by(Fixture& f, const std::string& query) {
    GraphqlRequest request;
    request.query = query;
    const auto api = f.executor().api();
    auto prepared = prepare(api->schema, request, Limits{});
    REQUIRE(prepared.operation);
    return entities_of(*api, *prepared.operation);
}

}  // namespace

TEST_CASE("a repeated query is answered from the cache, keyed by its text, variables and operation", "[cache]") {
    Fixture f(sqlite_backend(), cached());
    auto& cache = *f.executor().cache();
    const auto first = f.post(artist_query);
    CHECK(first == R"({"data":{"artist":[{"name":"AC/DC"}]}})");
    CHECK(f.post(artist_query) == first);
    CHECK(cache.stats().hits == 1);

    const char* by_id = "query A($id: Int) { artist(where: {artist_id: {_eq: $id}}) { name } }";
    CHECK(f.post(by_id, R"({"id":2})") == R"({"data":{"artist":[{"name":"Accept"}]}})");
    CHECK(f.post(by_id, R"({"id":3})") == R"({"data":{"artist":[{"name":"Aerosmith"}]}})");
    CHECK(f.post(by_id, R"({"id":2})") == R"({"data":{"artist":[{"name":"Accept"}]}})");
    CHECK(cache.stats().hits == 2);

    // Errors and mutations are never stored.
    f.post("{ artist { nope } }");
    f.post("{ artist { nope } }");
    f.post("mutation { update_genre(where: {genre_id: {_eq: 99}}, _set: {name: \"x\"}) { affected_rows } }");
    f.post("mutation { update_genre(where: {genre_id: {_eq: 99}}, _set: {name: \"x\"}) { affected_rows } }");
    CHECK(cache.stats().hits == 2);
    CHECK(cache.stats().entries == 3);
}

TEST_CASE("an answer remembers every entity it read: relations in the selection and in where, and join entities", "[cache]") {
    Fixture f(sqlite_backend(), cached());
    CHECK(read_by(f, artist_query) == std::vector<std::string>{"artist"});
    CHECK(read_by(f, track_query) == std::vector<std::string>{"album", "track"});
    CHECK(read_by(f, "{ album(where: {tracks: {genre: {name: {_eq: \"Rock\"}}}}) { title } }") == std::vector<std::string>{"album", "genre", "track"});
    CHECK(read_by(f, "{ playlist { tracks_aggregate { aggregate { count } } } }") ==
          std::vector<std::string>{"gq_playlist_track", "playlist", "playlist_track", "track"});
    CHECK(read_by(f, "{ artist(order_by: {albums_aggregate: {count: desc}}) { name } }") == std::vector<std::string>{"album", "artist"});
    CHECK(read_by(f, "{ __schema { queryType { name } } }").empty());
}

TEST_CASE("a GraphQL mutation drops exactly the answers that read its entities", "[cache]") {
    Fixture f(sqlite_backend(), cached());
    auto& cache = *f.executor().cache();
    for (const char* q : {artist_query, track_query, genre_query}) f.post(q);
    REQUIRE(cache.stats().entries == 3);

    CHECK(f.post(R"(mutation { update_album(where: {album_id: {_eq: 1}}, _set: {title: "Renamed"}) { affected_rows } })") ==
          R"({"data":{"update_album":{"affected_rows":1}}})");
    CHECK(cache.stats().entries == 2);  // the track answer read album
    const auto hits = cache.stats().hits;
    CHECK(f.post(track_query) == R"({"data":{"track":[{"name":"For Those About To Rock","album":{"title":"Renamed"}}]}})");
    CHECK(f.post(artist_query) == R"({"data":{"artist":[{"name":"AC/DC"}]}})");
    CHECK(f.post(genre_query) == R"({"data":{"genre":[{"name":"Rock"},{"name":"Jazz"},{"name":"Metal"}]}})");
    CHECK(cache.stats().hits == hits + 2);  // artist and genre were still cached
}

TEST_CASE("an answer read before a write but finished after it is not stored", "[cache]") {
    Fixture f(sqlite_backend(), cached());
    auto& cache = *f.executor().cache();
    const auto api = f.executor().api();
    GraphqlRequest request;
    request.query = artist_query;
    ResponseCache::Miss miss;
    REQUIRE_FALSE(cache.find(request, "", api, miss));
    cache.invalidate({"artist"});  // the write commits while the answer is being read
    cache.store(miss, api, {"artist"}, "stale");
    ResponseCache::Miss again;
    CHECK_FALSE(cache.find(request, "", api, again));
    // A write to another entity does not refuse it.
    cache.invalidate({"genre"});
    cache.store(again, api, {"artist"}, "fresh");
    ResponseCache::Miss third;
    CHECK(cache.find(request, "", api, third) == std::optional<std::string>("fresh"));
    // Another scope (role) is another answer.
    CHECK_FALSE(cache.find(request, "role:editor", api, third));
}

TEST_CASE("writes through GraphQL while readers fill the cache are never followed by a stale answer", "[cache]") {
    Fixture f(sqlite_backend(), cached());
    std::atomic<bool> done{false};
    std::atomic<int> reads{0};
    std::thread reader([&] {
        while (!done) {
            f.post(artist_query);
            ++reads;
        }
    });
    for (int i = 0; i < 40; ++i) {
        // Let the reader fill the cache between writes.
        for (const int start = reads; reads < start + 3;) std::this_thread::yield();
        const auto name = "name " + std::to_string(i);
        f.post("mutation { update_artist(where: {artist_id: {_eq: 1}}, _set: {name: \"" + name + "\"}) { affected_rows } }");
        CHECK(f.post(artist_query) == R"({"data":{"artist":[{"name":")" + name + R"("}]}})");
    }
    done = true;
    reader.join();
    const auto stats = f.executor().cache()->stats();
    CHECK(stats.hits > 0);
}

TEST_CASE("the cache keeps at most max_entries answers and drops them after ttl_ms", "[cache]") {
    Fixture f(sqlite_backend(), cached(2, 150ms));
    auto& cache = *f.executor().cache();
    for (const char* q : {artist_query, track_query, genre_query}) f.post(q);
    CHECK(cache.stats().entries == 2);
    f.post(genre_query);
    CHECK(cache.stats().hits == 1);
    std::this_thread::sleep_for(200ms);
    f.post(genre_query);
    CHECK(cache.stats().hits == 1);
}

TEST_CASE("a write by the engine's own client is served once the capture pump delivered it, never later", "[cache][capture]") {
    for (const auto& backend : backends()) {
        INFO(backend.name);
        Fixture f(backend, cached());
        {
            auto c = f.kernel().connect(backend.url);
            f.kernel().adapter_for_url(backend.url)->capture()->install(*c, {"gq_artist", "gq_album"});
        }
        CapturePumpOptions options;
        options.url = backend.url;
        auto pump = start_capture_pump(f.kernel(), options);

        std::mutex mutex;
        std::condition_variable delivered;
        std::uint64_t artist_events = 0;
        auto watch = f.changes().subscribe(ChangeFilter{{"artist"}}, f.changes().last_sequence(), [&](const ChangeEvent&) {
            std::lock_guard lock(mutex);
            ++artist_events;
            delivered.notify_all();
        });

        for (int round = 0; round < 3; ++round) {
            const auto name = "client " + std::to_string(round);
            REQUIRE(f.post(artist_query) != R"({"data":{"artist":[{"name":")" + name + R"("}]}})");
            f.post(artist_query);  // cached now
            std::uint64_t seen = 0;
            {
                std::lock_guard lock(mutex);
                seen = artist_events;
            }
            const auto written = std::chrono::steady_clock::now();
            // sqlite3, psql or mariadb: another program writing to the database.
            engine_client(backend.name, backend.url, "UPDATE gq_artist SET name = '" + name + "' WHERE artist_id = 1;");
            // Until the pump delivers the write, the cached answer may be served; right after, never.
            {
                std::unique_lock lock(mutex);
                REQUIRE(delivered.wait_for(lock, 5s, [&] { return artist_events > seen; }));
            }
            const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - written);
            CHECK(f.post(artist_query) == R"({"data":{"artist":[{"name":")" + name + R"("}]}})");
            CHECK(delay < 2000ms);  // docs/graphql.md: the client's run plus the capture's delay (250 ms at most)
        }
        // A write to a table no cached answer read leaves the answers alone.
        const auto hits = f.executor().cache()->stats().hits;
        engine_client(backend.name, backend.url, "UPDATE gq_album SET title = 'x' WHERE album_id = 2;");
        std::this_thread::sleep_for(300ms);
        f.post(artist_query);
        CHECK(f.executor().cache()->stats().hits == hits + 1);
        pump.reset();
        auto c = f.kernel().connect(backend.url);
        f.kernel().adapter_for_url(backend.url)->capture()->uninstall(*c, {"gq_artist", "gq_album"});
    }
}

TEST_CASE("cache settings: a boolean or an object, unknown keys refused with their place", "[cache]") {
    PluginSettings on("rex.json: /settings/graphql");
    on.set("cache", "true");
    CHECK(ExecutorOptions::from_settings(on).cache.enabled);
    CHECK_FALSE(ExecutorOptions::from_settings(PluginSettings()).cache.enabled);

    PluginSettings object("rex.json: /settings/graphql");
    object.set("cache.max_entries", "10");
    object.set("cache.ttl_ms", "500");
    const auto o = ExecutorOptions::from_settings(object).cache;
    CHECK(o.enabled);
    CHECK(o.max_entries == 10);
    CHECK(o.ttl == 500ms);

    PluginSettings bad("rex.json: /settings/graphql");
    bad.set("cache.ttl", "5");
    CHECK_THROWS_WITH(ExecutorOptions::from_settings(bad),
                      "rex.json: /settings/graphql/cache/ttl: unknown setting (known: enabled, max_entries, max_bytes, ttl_ms)");
}

// Not run by default: `graphql_cache_tests "[.bench]"` prints the hit speed-up (docs/graphql.md).
TEST_CASE("benchmark: a nested query answered by the database and by the cache", "[.bench]") {
    const char* query = "{ artist(order_by: {artist_id: asc}) { name albums { title tracks { name genre { name } playlists { name } } } } }";
    const auto per_request = [&](bool cache) {
        auto options = cached();
        options.cache.enabled = cache;
        Fixture f(sqlite_backend(), options);
        constexpr int n = 2000;
        for (int i = 0; i < 50; ++i) f.post(query);
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < n; ++i) f.post(query);
        return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / n;
    };
    const double miss = per_request(false), hit = per_request(true);
    std::printf("graphql cache (SQLite, nested query, POST through the executor): %.1f us uncached, %.1f us cached: %.1fx\n", miss, hit, miss / hit);
}
