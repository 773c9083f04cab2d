// Mutations on every backend: insert (many, one, on_conflict), update (_set, _inc, by pk), delete
// (where, by pk), one transaction per request, model rules, constraint errors without SQL text.
#include "api_support.hpp"

#include <rex/sdk/json_text.hpp>

using namespace rex::graphql::test;

namespace {

std::int64_t count(Fixture& f, const std::string& sql, const rex::Params& params = {}) { return f.sql(sql, params).rows.at(0).at(0).as_int64(); }

}  // namespace

TEST_CASE("insert many, insert one, with returning and relations", "[graphql][api][mutation]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        Fixture f(b);
        CHECK(f.post(R"(mutation { insert_artist(objects: [{artist_id: 10, name: "New One"}, {artist_id: 11, name: "New Two"}]) {
                       affected_rows returning { artist_id name albums { title } } } })") ==
              R"({"data":{"insert_artist":{"affected_rows":2,"returning":[{"artist_id":10,"name":"New One","albums":[]},{"artist_id":11,"name":"New Two","albums":[]}]}}})");
        CHECK(count(f, "SELECT count(*) FROM gq_artist WHERE artist_id IN (10, 11)") == 2);
        CHECK(f.post(R"(mutation { insert_track_one(object: {track_id: 20, name: "T", album_id: 1, milliseconds: 5, unit_price: "2.50",
                       created: "2024-05-01T12:00:00+02:00", released: "2024-05-01", explicit: true, bytes: "9007199254740993", ratio: 1.5}) {
                       track_id unit_price created released explicit bytes ratio album { title } } })") ==
              R"({"data":{"insert_track_one":{"track_id":20,"unit_price":"2.50","created":"2024-05-01T10:00:00Z","released":"2024-05-01","explicit":true,)"
              R"("bytes":9007199254740993,"ratio":1.5,"album":{"title":"For Those About To Rock"}}}})");
        CHECK(count(f, "SELECT milliseconds FROM gq_track WHERE track_id = ?", {20}) == 5);
    }
}

TEST_CASE("on_conflict: upsert and do-nothing", "[graphql][api][mutation]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        Fixture f(b);
        CHECK(f.post(R"(mutation { insert_genre(objects: [{genre_id: 1, name: "Hard Rock"}, {genre_id: 9, name: "Blues"}],
                       on_conflict: {constraint: genre_pkey, update_columns: [name]}) { affected_rows returning { genre_id name } } })") ==
              R"({"data":{"insert_genre":{"affected_rows":2,"returning":[{"genre_id":1,"name":"Hard Rock"},{"genre_id":9,"name":"Blues"}]}}})");
        CHECK(f.post(R"(mutation { insert_genre(objects: [{genre_id: 2, name: "Not Jazz"}], on_conflict: {constraint: genre_pkey, update_columns: []}) {
                       affected_rows } })") == R"({"data":{"insert_genre":{"affected_rows":0}}})");
        CHECK(f.sql("SELECT name FROM gq_genre WHERE genre_id = ?", {2}).rows.at(0).at(0).as_text() == "Jazz");
        CHECK(f.sql("SELECT name FROM gq_genre WHERE genre_id = ?", {1}).rows.at(0).at(0).as_text() == "Hard Rock");
    }
}

TEST_CASE("update with _set and _inc, by where and by composite key", "[graphql][api][mutation]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        Fixture f(b);
        CHECK(f.post(R"(mutation { update_track(where: {genre_id: {_eq: 1}}, _inc: {milliseconds: 1000}, _set: {explicit: true}) {
                       affected_rows returning { track_id milliseconds explicit } } })") ==
              R"({"data":{"update_track":{"affected_rows":3,"returning":[{"track_id":1,"milliseconds":344719,"explicit":true},)"
              R"({"track_id":2,"milliseconds":343562,"explicit":true},{"track_id":5,"milliseconds":206662,"explicit":true}]}}})");
        CHECK(count(f, "SELECT milliseconds FROM gq_track WHERE track_id = ?", {3}) == 230619);
        CHECK(f.post(R"(mutation { update_playlist_track_by_pk(pk_columns: {playlist_id: 1, track_id: 5}, _set: {track_id: 6}) {
                       playlist_id track_id track { name } } missing: update_track_by_pk(pk_columns: {track_id: 99}, _set: {name: "x"}) { track_id } })") ==
              R"({"data":{"update_playlist_track_by_pk":{"playlist_id":1,"track_id":6,"track":{"name":"Lonely 100%_done"}},"missing":null}})");
        CHECK(count(f, "SELECT count(*) FROM gq_playlist_track WHERE playlist_id = 1 AND track_id = 6") == 1);
        CHECK(f.post(R"(mutation { update_artist(where: {artist_id: {_gt: 100}}, _set: {name: "nobody"}) { affected_rows returning { name } } })") ==
              R"({"data":{"update_artist":{"affected_rows":0,"returning":[]}}})");
    }
}

TEST_CASE("delete by where and by key", "[graphql][api][mutation]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        Fixture f(b);
        CHECK(f.post(R"(mutation { delete_playlist_track(where: {track_id: {_in: [1, 3]}}) { affected_rows returning { track_id playlist { name } } } })") ==
              R"({"data":{"delete_playlist_track":{"affected_rows":2,"returning":[{"track_id":1,"playlist":{"name":"Music"}},{"track_id":3,"playlist":{"name":"Music"}}]}}})");
        CHECK(count(f, "SELECT count(*) FROM gq_playlist_track") == 1);
        CHECK(f.post(R"(mutation { delete_track_by_pk(track_id: 6) { name } again: delete_track_by_pk(track_id: 6) { name } })") ==
              R"({"data":{"delete_track_by_pk":{"name":"Lonely 100%_done"},"again":null}})");
        CHECK(count(f, "SELECT count(*) FROM gq_track WHERE track_id = ?", {6}) == 0);
    }
}

TEST_CASE("a request's mutations share one transaction; constraint errors carry no SQL", "[graphql][api][mutation]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        Fixture f(b);
        const auto body = f.post(R"(mutation { a: insert_artist_one(object: {artist_id: 12, name: "Kept?"}) { artist_id }
                                     b: insert_artist_one(object: {artist_id: 1, name: "Duplicate"}) { artist_id } })");
        INFO(body);
        CHECK(body.find(R"("data":null)") != std::string::npos);
        CHECK(body.find(R"("code":"constraint-violation")") != std::string::npos);
        CHECK(body.find(R"("path":["b"])") != std::string::npos);
        CHECK(body.find("INSERT") == std::string::npos);
        CHECK(body.find("artist_pkey") == std::string::npos);
        CHECK(count(f, "SELECT count(*) FROM gq_artist WHERE artist_id = ?", {12}) == 0);
    }
}

TEST_CASE("model rules fail inserts and updates with validation-failed naming each field", "[graphql][api][mutation]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        Fixture f(b);
        auto body = f.post(R"(mutation { insert_track_one(object: {track_id: 30, name: "x", milliseconds: -5, unit_price: 1}) { track_id }
                                 insert_artist(objects: [{artist_id: 13, name: ""}]) { affected_rows } })");
        INFO(body);
        CHECK(body.find(R"("code":"validation-failed","field":"milliseconds")") != std::string::npos);
        CHECK(count(f, "SELECT count(*) FROM gq_track WHERE track_id = ?", {30}) == 0);
        body = f.post(R"(mutation { insert_artist(objects: [{artist_id: 13, name: ""}]) { affected_rows } })");
        CHECK(body.find(R"("code":"validation-failed","field":"name")") != std::string::npos);
        body = f.post(R"(mutation { update_genre(where: {genre_id: {_eq: 1}}, _set: {name: "  "}) { affected_rows } })");
        CHECK(body.find(R"("code":"validation-failed","field":"name")") != std::string::npos);
        CHECK(f.sql("SELECT name FROM gq_genre WHERE genre_id = ?", {1}).rows.at(0).at(0).as_text() == "Rock");
        CHECK(count(f, "SELECT count(*) FROM gq_artist WHERE artist_id = ?", {13}) == 0);
    }
}

TEST_CASE("the seed's simple names: getX, listXs, createX, updateX, deleteX", "[graphql][api][mutation]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        rex::graphql::ExecutorOptions options;
        options.api.simple_names = true;
        Fixture f(b, options);
        CHECK(f.post("{ getArtist(artist_id: 2) { name } listArtists(limit: 2, order_by: {artist_id: desc}) { artist_id } listPlaylistTracks { track_id } }") ==
              R"({"data":{"getArtist":{"name":"Accept"},"listArtists":[{"artist_id":4},{"artist_id":3}],"listPlaylistTracks":[{"track_id":1},{"track_id":3},{"track_id":5}]}})");
        CHECK(f.post(R"(mutation { createArtist(input: {artist_id: 50, name: "A"}) { artist_id name }
                                   updateArtist(artist_id: 50, input: {name: "B"}) { name } })") ==
              R"({"data":{"createArtist":{"artist_id":50,"name":"A"},"updateArtist":{"name":"B"}}})");
        CHECK(f.post("mutation { deleteArtist(artist_id: 50) { name } }") == R"({"data":{"deleteArtist":{"name":"B"}}})");
        CHECK(count(f, "SELECT count(*) FROM gq_artist WHERE artist_id = ?", {50}) == 0);
        // Hasura's names stay.
        CHECK(f.post("{ artist_by_pk(artist_id: 1) { name } }") == R"({"data":{"artist_by_pk":{"name":"AC/DC"}}})");
    }
}

TEST_CASE("insert with a key the database generates", "[graphql][api][mutation]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        Fixture f(b);
        CHECK(f.post(R"(mutation { insert_artist_one(object: {name: "Generated"}) { artist_id name }
                                   insert_artist(objects: [{name: "G2"}, {name: "G3"}]) { affected_rows returning { artist_id } } })") ==
              R"({"data":{"insert_artist_one":{"artist_id":5,"name":"Generated"},"insert_artist":{"affected_rows":2,"returning":[{"artist_id":6},{"artist_id":7}]}}})");
        CHECK(count(f, "SELECT count(*) FROM gq_artist") == 7);
    }
}

// Without change capture the host's live queries and change streams learn of its own mutations
// from the events the executor publishes once the request committed: whole rows, the row before
// an update, nothing of a request rolled back.
TEST_CASE("mutations publish the rows they wrote on the change bus after the commit", "[graphql][api][mutation][changes]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        Fixture f(b);
        std::vector<std::string> seen;
        auto& bus = f.kernel().changes();
        auto subscription = bus.subscribe({}, bus.last_sequence(), [&](const rex::ChangeEvent& e) {
            std::string line = e.kind == rex::ChangeKind::insert ? "insert " : e.kind == rex::ChangeKind::update ? "update " : "delete ";
            line += e.entity() + " " + rex::key_to_json(e).text + " " + rex::row_to_json(e).text;
            if (!e.old_values.empty()) {
                auto old = e;
                old.values = e.old_values;
                line += " was " + rex::row_to_json(old).text;
            }
            seen.push_back(line);
        });
        CHECK(f.post(R"(mutation { insert_genre(objects: [{genre_id: 9, name: "Blues"}]) { affected_rows } })") ==
              R"({"data":{"insert_genre":{"affected_rows":1}}})");
        // An upsert that meets a row updates it.
        f.post(R"(mutation { insert_genre(objects: [{genre_id: 1, name: "Hard Rock"}, {genre_id: 10, name: "Soul"}],
                   on_conflict: {constraint: genre_pkey, update_columns: [name]}) { affected_rows } })");
        f.post(R"(mutation { update_genre(where: {genre_id: {_eq: 9}}, _set: {name: "Blues Rock"}) { affected_rows } })");
        f.post(R"(mutation { update_playlist_track_by_pk(pk_columns: {playlist_id: 1, track_id: 5}, _set: {track_id: 6}) { track_id } })");
        f.post(R"(mutation { delete_genre_by_pk(genre_id: 9) { name } })");
        const std::vector<std::string> expected{
            R"(insert genre {"genre_id":9} {"genre_id":9,"name":"Blues"})",
            R"(update genre {"genre_id":1} {"genre_id":1,"name":"Hard Rock"} was {"genre_id":1,"name":"Rock"})",
            R"(insert genre {"genre_id":10} {"genre_id":10,"name":"Soul"})",
            R"(update genre {"genre_id":9} {"genre_id":9,"name":"Blues Rock"} was {"genre_id":9,"name":"Blues"})",
            R"(update playlist_track {"playlist_id":1} {"playlist_id":1,"track_id":6} was {"playlist_id":1,"track_id":5})",
            R"(delete genre {"genre_id":9} {"genre_id":9,"name":"Blues Rock"})"};
        CHECK(seen == expected);

        // A bulk insert is read back in chunks: every row, whatever the engine's parameter limit.
        seen.clear();
        std::string objects;
        for (int id = 1000; id < 2200; ++id) objects += (objects.empty() ? "" : ", ") + std::string("{genre_id: ") + std::to_string(id) + ", name: \"g" + std::to_string(id) + "\"}";
        CHECK(f.post("mutation { insert_genre(objects: [" + objects + "]) { affected_rows } }") == R"({"data":{"insert_genre":{"affected_rows":1200}}})");
        REQUIRE(seen.size() == 1200);
        CHECK(seen.front() == R"(insert genre {"genre_id":1000} {"genre_id":1000,"name":"g1000"})");
        CHECK(seen.back() == R"(insert genre {"genre_id":2199} {"genre_id":2199,"name":"g2199"})");

        // A request that fails rolls back, and publishes nothing; nor does a query.
        seen.clear();
        const auto failed = f.post(R"(mutation { a: insert_genre(objects: [{genre_id: 11, name: "Funk"}]) { affected_rows }
                                              b: insert_genre(objects: [{genre_id: 11, name: "Funk again"}]) { affected_rows } })");
        CHECK_THAT(failed, Catch::Contains(R"("errors")"));
        f.post("{ genre { name } }");
        CHECK(seen.empty());
    }
}
