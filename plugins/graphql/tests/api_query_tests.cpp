// Queries on every backend: the same answer, byte for byte, on SQLite, PostgreSQL and MariaDB.
#include "api_support.hpp"

using namespace rex::graphql::test;

namespace {

// A JSON string literal of `s` (the attacks hold quotes and backslashes).
std::string nlohmann_json_quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace

namespace {

// Runs `query` on every backend and checks each answer is `expected`.
void expect_everywhere(const std::string& query, const std::string& expected, const std::string& variables = "") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        Fixture f(b);
        CHECK(f.post(query, variables) == expected);
    }
}

}  // namespace

TEST_CASE("scalars render alike on every engine", "[graphql][api]") {
    expect_everywhere(
        "{ track(order_by: {track_id: asc}) { track_id name bytes unit_price created released explicit ratio __typename } }",
        R"({"data":{"track":[)"
        R"({"track_id":1,"name":"For Those About To Rock","bytes":11170334,"unit_price":"0.99","created":"2024-01-31T12:00:00Z","released":"2024-01-31","explicit":true,"ratio":0.5,"__typename":"track"},)"
        R"({"track_id":2,"name":"Balls to the Wall","bytes":5510424,"unit_price":"0.99","created":"2024-02-01T08:30:00.25Z","released":null,"explicit":false,"ratio":null,"__typename":"track"},)"
        R"({"track_id":3,"name":"Fast As a Shark","bytes":null,"unit_price":"1.99","created":null,"released":"2023-12-25","explicit":null,"ratio":1.25,"__typename":"track"},)"
        R"({"track_id":4,"name":"Restless and Wild","bytes":4331779,"unit_price":"0.99","created":"2023-06-01T00:00:00Z","released":"2023-06-01","explicit":true,"ratio":2,"__typename":"track"},)"
        R"({"track_id":5,"name":"Put The Finger On You","bytes":6713451,"unit_price":"1.50","created":"2024-03-15T23:59:59.5Z","released":"2024-03-15","explicit":false,"ratio":0.25,"__typename":"track"},)"
        R"({"track_id":6,"name":"Lonely 100%_done","bytes":9007199254740993,"unit_price":"10.00","created":null,"released":null,"explicit":null,"ratio":-1.5,"__typename":"track"}]}})");
}

namespace {

std::string ids(const std::vector<int>& values, const char* key = "track_id") {
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ",{\"" : "{\"") + std::string(key) + "\":" + std::to_string(values[i]) + "}";
    return out + "]";
}

}  // namespace

TEST_CASE("relations: has-many, belongs-to, many-to-many, composite-key by_pk", "[graphql][api]") {
    expect_everywhere(
        "{ artist(order_by: {artist_id: asc}, limit: 2) { name albums(order_by: {album_id: desc}) { title tracks { track_id } } } }",
        R"({"data":{"artist":[{"name":"AC/DC","albums":[{"title":"Let There Be Rock","tracks":[]},{"title":"For Those About To Rock","tracks":[{"track_id":1},{"track_id":5}]}]},)"
        R"({"name":"Accept","albums":[{"title":"Restless and Wild","tracks":[{"track_id":3},{"track_id":4}]},{"title":"Balls to the Wall","tracks":[{"track_id":2}]}]}]}})");
    expect_everywhere(
        "{ track_by_pk(track_id: 3) { name album { title artist { name } } genre { name } playlists { name } }"
        "  playlist_track_by_pk(playlist_id: 1, track_id: 5) { track { name } playlist { name } }"
        "  missing: playlist_track_by_pk(playlist_id: 2, track_id: 5) { track_id } }",
        R"({"data":{"track_by_pk":{"name":"Fast As a Shark","album":{"title":"Restless and Wild","artist":{"name":"Accept"}},"genre":{"name":"Metal"},"playlists":[{"name":"Music"}]},)"
        R"("playlist_track_by_pk":{"track":{"name":"Put The Finger On You"},"playlist":{"name":"Music"}},"missing":null}})");
    expect_everywhere("{ playlist(order_by: {playlist_id: asc}) { name tracks(order_by: {milliseconds: desc}, limit: 2) { track_id } } }",
                      R"({"data":{"playlist":[{"name":"Music","tracks":[{"track_id":1},{"track_id":3}]},{"name":"Empty","tracks":[]}]}})");
    expect_everywhere("{ track(where: {album_id: {_is_null: true}}) { track_id album { title } } }",
                      R"({"data":{"track":[{"track_id":6,"album":null}]}})");
}

TEST_CASE("every filter operator, through relations too", "[graphql][api]") {
    const std::vector<std::pair<std::string, std::vector<int>>> cases{
        {R"(eq: track(where: {genre_id: {_eq: 1}}))", {1, 2, 5}},
        {R"(neq: track(where: {genre_id: {_neq: 1}}))", {3, 6}},
        {R"(gt: track(where: {milliseconds: {_gt: 300000}}))", {1, 2}},
        {R"(gte: track(where: {milliseconds: {_gte: 342562}}))", {1, 2}},
        {R"(lt: track(where: {milliseconds: {_lt: 230619}}))", {5, 6}},
        {R"(lte: track(where: {milliseconds: {_lte: 230619}}))", {3, 5, 6}},
        {R"(in: track(where: {track_id: {_in: [2, 4, 99]}}))", {2, 4}},
        {R"(nin: track(where: {track_id: {_nin: [1, 2, 3]}}))", {4, 5, 6}},
        {R"(empty_in: track(where: {track_id: {_in: []}}))", {}},
        {R"(empty_nin: track(where: {track_id: {_nin: []}}))", {1, 2, 3, 4, 5, 6}},
        {R"(is_null: track(where: {genre_id: {_is_null: true}}))", {4}},
        {R"(not_null: track(where: {bytes: {_is_null: false}}))", {1, 2, 4, 5, 6}},
        {R"(like: track(where: {name: {_like: "%Rock%"}}))", {1}},
        {R"(like_case: track(where: {name: {_like: "%rock%"}}))", {}},
        {R"(nlike: track(where: {name: {_nlike: "%a%"}}))", {1, 5, 6}},
        {R"(ilike: track(where: {name: {_ilike: "%WALL%"}}))", {2}},
        {R"(escaped: track(where: {name: {_like: "%100\\%\\_%"}}))", {6}},
        {R"(underscore: track(where: {name: {_like: "Fast As _ Shark"}}))", {3}},
        {R"(or_and: track(where: {_or: [{track_id: {_eq: 1}}, {_and: [{genre_id: {_eq: 1}}, {unit_price: {_gt: "1"}}]}]}))", {1, 5}},
        {R"(not: track(where: {_not: {genre_id: {_eq: 1}}}))", {3, 6}},
        {R"(null_operand: track(where: {genre_id: {_eq: null}}))", {1, 2, 3, 4, 5, 6}},
        {R"(belongs: track(where: {album: {artist: {name: {_eq: "Accept"}}}}))", {2, 3, 4}},
        {R"(m2m: track(where: {playlists: {name: {_eq: "Music"}}}))", {1, 3, 5}},
        {R"(date: track(where: {released: {_gte: "2024-01-01"}}))", {1, 5}},
        {R"(ts: track(where: {created: {_lt: "2024-01-31T12:00:00Z"}}))", {4}},
        {R"(ts_offset: track(where: {created: {_eq: "2024-01-31T13:00:00+01:00"}}))", {1}},
        {R"(bool: track(where: {explicit: {_eq: true}}))", {1, 4}},
        {R"(bigint: track(where: {bytes: {_eq: "9007199254740993"}}))", {6}},
        {R"(float: track(where: {ratio: {_lt: 0}}))", {6}},
        {R"(numeric: track(where: {unit_price: {_eq: 1.5}}))", {5}},
    };
    std::string query = "{";
    std::string expected = R"({"data":{)";
    for (std::size_t i = 0; i < cases.size(); ++i) {
        query += " " + cases[i].first + " { track_id }";
        expected += (i ? "," : "") + ("\"" + cases[i].first.substr(0, cases[i].first.find(':')) + "\":") + ids(cases[i].second);
    }
    query += " has_many: artist(where: {albums: {tracks: {genre_id: {_eq: 3}}}}) { artist_id } }";
    expected += R"(,"has_many":[{"artist_id":2}]}})";
    expect_everywhere(query, expected);
}

TEST_CASE("ordering with null placement, through relations, limit and offset", "[graphql][api]") {
    expect_everywhere(
        "{ a: track(order_by: {genre_id: asc}) { track_id } b: track(order_by: {genre_id: desc}) { track_id }"
        "  c: track(order_by: {genre_id: asc_nulls_first}) { track_id } d: track(order_by: {genre_id: desc_nulls_last}) { track_id }"
        "  e: track(order_by: [{album: {title: asc}}, {track_id: desc}]) { track_id }"
        "  f: track(order_by: {track_id: asc}, limit: 2, offset: 3) { track_id } g: track(offset: 4) { track_id } }",
        R"({"data":{"a":)" + ids({1, 2, 5, 6, 3, 4}) + R"(,"b":)" + ids({4, 3, 6, 1, 2, 5}) + R"(,"c":)" + ids({4, 1, 2, 5, 6, 3}) + R"(,"d":)" +
            ids({3, 6, 1, 2, 5, 4}) + R"(,"e":)" + ids({2, 5, 1, 4, 3, 6}) + R"(,"f":)" + ids({4, 5}) + R"(,"g":)" + ids({5, 6}) + "}}");
}

TEST_CASE("aggregates at the root and through relations", "[graphql][api]") {
    expect_everywhere(
        "{ track_aggregate(where: {genre_id: {_eq: 1}}) { aggregate { count sum { milliseconds unit_price bytes } avg { ratio }"
        "  max { unit_price created name } min { milliseconds released } } nodes { track_id } }"
        "  all: track_aggregate { aggregate { genres: count(columns: [genre_id], distinct: true) with_genre: count(columns: [genre_id]) } }"
        "  page: track_aggregate(order_by: {track_id: desc}, limit: 2) { aggregate { count max { track_id } } nodes { track_id } } }",
        R"({"data":{"track_aggregate":{"aggregate":{"count":3,"sum":{"milliseconds":891943,"unit_price":"3.48","bytes":23394209},"avg":{"ratio":0.375},)"
        R"("max":{"unit_price":"1.50","created":"2024-03-15T23:59:59.5Z","name":"Put The Finger On You"},"min":{"milliseconds":205662,"released":"2024-01-31"}},)"
        R"("nodes":[{"track_id":1},{"track_id":2},{"track_id":5}]},"all":{"aggregate":{"genres":3,"with_genre":5}},)"
        R"("page":{"aggregate":{"count":2,"max":{"track_id":6}},"nodes":[{"track_id":6},{"track_id":5}]}}})");
    expect_everywhere("{ artist(order_by: {artist_id: asc}) { artist_id albums_aggregate { aggregate { count } } } }",
                      R"({"data":{"artist":[{"artist_id":1,"albums_aggregate":{"aggregate":{"count":2}}},{"artist_id":2,"albums_aggregate":{"aggregate":{"count":2}}},)"
                      R"({"artist_id":3,"albums_aggregate":{"aggregate":{"count":0}}},{"artist_id":4,"albums_aggregate":{"aggregate":{"count":0}}}]}})");
}

TEST_CASE("an aggregate reads its table directly unless a page or SQLite's node order needs a derived table", "[graphql][api]") {
    // Unpaged nodes keep their order when it moves into the array aggregate (root and relation).
    expect_everywhere(
        "{ track_aggregate(order_by: {track_id: desc}) { aggregate { count } nodes { track_id } }"
        "  album(where: {album_id: {_eq: 1}}) { tracks_aggregate(order_by: {track_id: desc}) { nodes { track_id } } } }",
        R"({"data":{"track_aggregate":{"aggregate":{"count":6},"nodes":)" + ids({6, 5, 4, 3, 2, 1}) +
            R"(},"album":[{"tracks_aggregate":{"nodes":)" + ids({5, 1}) + "}}]}}");
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        Fixture f(b);
        f.log().take("sql");
        // A count needs neither the rows' order nor their columns: no sort, no SELECT *, so
        // PostgreSQL can answer it from an index alone.
        CHECK(f.post("{ track_aggregate(where: {genre_id: {_eq: 1}}) { aggregate { count } } }") ==
              R"({"data":{"track_aggregate":{"aggregate":{"count":3}}}})");
        const auto statements = f.log().take("sql");
        REQUIRE(statements.size() == 1);
        INFO(statements[0]);
        CHECK(statements[0].find("ORDER BY") == std::string::npos);
        CHECK(statements[0].find(".*") == std::string::npos);
        // A page still needs a derived table, which copies only the columns read from it.
        CHECK(f.post("{ track_aggregate(order_by: {track_id: desc}, limit: 2) { aggregate { count } } "
                     "  track(order_by: {album: {title: asc}}, limit: 2, offset: 1) { name album { title } } }") ==
              R"({"data":{"track_aggregate":{"aggregate":{"count":2}},"track":[{"name":"For Those About To Rock","album":{"title":"For Those About To Rock"}},)"
              R"({"name":"Put The Finger On You","album":{"title":"For Those About To Rock"}}]}})");
        for (const auto& statement : f.log().take("sql")) {
            INFO(statement);
            CHECK(statement.find(".*") == std::string::npos);
        }
    }
}

TEST_CASE("PostgreSQL builds the JSON as text, without json_build_object or json_agg", "[graphql][api]") {
    // Concatenated text costs the backend less per row (docs/performance.md, nested); the
    // answers are the same bytes, which the other tests check on every engine.
    for (const auto& b : backends()) {
        if (b.name != "postgres") continue;
        Fixture f(b);
        f.log().take("sql");
        const auto body = f.post("{ artist { __typename name albums { title tracks { name genre { name } } } albums_aggregate { aggregate { count } } } }");
        CHECK(body.starts_with(R"({"data":{"artist":[{"__typename":"artist","name":)"));
        const auto statements = f.log().take("sql");
        REQUIRE(statements.size() == 1);
        INFO(statements[0]);
        CHECK(statements[0].find("json_build_object") == std::string::npos);
        CHECK(statements[0].find("json_agg") == std::string::npos);
        CHECK(statements[0].find("string_agg") != std::string::npos);
    }
}

TEST_CASE("one SQL statement per root field, and answers equal to plain SQL", "[graphql][api]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        Fixture f(b);
        f.log().take("sql");
        const auto body = f.post(
            "{ artist { name albums { title tracks { name genre { name } playlists { name } } } albums_aggregate { aggregate { count } } }"
            "  track_aggregate { aggregate { count } } genre_by_pk(genre_id: 1) { tracks { name } } }");
        CHECK(body.starts_with(R"({"data":{"artist":[)"));
        CHECK(f.log().take("sql").size() == 3);

        for (int threshold : {0, 250000, 343000}) {
            const auto rows = f.sql("SELECT track_id FROM gq_track WHERE milliseconds > ? ORDER BY track_id", {threshold});
            std::vector<int> expected;
            for (const auto& r : rows.rows) expected.push_back(static_cast<int>(r[0].as_int64()));
            CHECK(f.post("query($m: Int) { track(where: {milliseconds: {_gt: $m}}) { track_id } }", "{\"m\":" + std::to_string(threshold) + "}") ==
                  R"({"data":{"track":)" + ids(expected) + "}}");
        }
    }
}

TEST_CASE("with inline_integers, a repeated document's SQL has its integers as literals on PostgreSQL", "[graphql][api][plans]") {
    // PostgreSQL plans a statement with parameters again on every run when the generic plan looks
    // dearer (a filtered page); with the opt-in, the plan cache's SQL for a document sent again
    // has none left; by default every value stays bound.
    for (const bool inline_integers : {false, true}) for (const auto& b : backends()) {
        INFO("backend " << b.name << ", inline_integers " << inline_integers);
        rex::graphql::ExecutorOptions options;
        options.inline_integers = inline_integers;
        Fixture f(b, options);
        const auto twice = [&](const std::string& query, const std::string& answer) {
            f.log().take("sql");
            CHECK(f.post(query) == answer);
            const auto first = f.log().take("sql");
            CHECK(f.post(query) == answer);  // from the plan cache
            const auto second = f.log().take("sql");
            REQUIRE(first.size() == 1);
            REQUIRE(second.size() == 1);
            if (b.name != "postgres") CHECK(second == first);
            return std::pair{first[0], second[0]};
        };
        const auto [sent, kept] = twice("{ track(where: {genre_id: {_eq: 1}, milliseconds: {_gt: -5}}, order_by: [{track_id: asc}], limit: 2, offset: 1) { track_id } }",
                                        R"({"data":{"track":[{"track_id":2},{"track_id":5}]}})");
        const auto [key_sent, key_kept] = twice("{ track_by_pk(track_id: 5) { name } }", R"({"data":{"track_by_pk":{"name":"Put The Finger On You"}}})");
        // A string stays a bound value, beside the integers written out.
        const auto [text_sent, text_kept] = twice(R"({ track(where: {genre_id: {_eq: 2}, name: {_neq: "x' OR 1=1 --"}}, limit: 1) { track_id } })",
                                                  R"({"data":{"track":[{"track_id":6}]}})");
        if (!inline_integers) {
            CHECK(kept == sent);
            CHECK(key_kept == key_sent);
            CHECK(text_kept.find(b.name == "postgres" ? "LIMIT $" : "LIMIT ?") != std::string::npos);
        } else if (b.name == "postgres") {
            CHECK(sent.find("$1") != std::string::npos);  // sent once: bound values, no statement per document
            CHECK(kept.find('$') == std::string::npos);
            CHECK(kept.find(" = 1") != std::string::npos);
            CHECK(kept.find(" > (-5)") != std::string::npos);
            CHECK(kept.find(" LIMIT 2 OFFSET 1") != std::string::npos);
            CHECK(key_sent.find("$1") != std::string::npos);
            CHECK(key_kept.find('$') == std::string::npos);
            CHECK(text_kept.find(" = 2") != std::string::npos);
            CHECK(text_kept.find("<> $1") != std::string::npos);
            CHECK(text_kept.find("OR 1=1") == std::string::npos);
        }
    }
}

TEST_CASE("a request with variables reuses its plan only for the same values", "[graphql][api][plans]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        Fixture f(b);
        auto& plans = f.executor().plans();
        const auto before = plans.size();
        // Values that change the SQL itself: a null operand drops its comparison, _is_null flips.
        const std::string query = "query($g: Int, $n: Boolean!) { track(where: {genre_id: {_eq: $g}, bytes: {_is_null: $n}}) { track_id } }";
        const std::vector<std::pair<std::string, std::string>> cases = {
            {R"({"g":1,"n":false})", R"({"data":{"track":[{"track_id":1},{"track_id":2},{"track_id":5}]}})"},
            {R"({"g":null,"n":true})", R"({"data":{"track":[{"track_id":3}]}})"},
            {R"({"g":3,"n":true})", R"({"data":{"track":[{"track_id":3}]}})"},
            {R"({"g":3,"n":false})", R"({"data":{"track":[]}})"},
        };
        for (int round = 0; round < 3; ++round)
            for (const auto& [variables, answer] : cases) CHECK(f.post(query, variables) == answer);
        CHECK(plans.size() == before + cases.size());  // each kept from its second sending
        // Values sent once are not kept; `{}` is no variables, kept at once.
        CHECK(f.post(query, R"({"g":2,"n":false})") == R"({"data":{"track":[{"track_id":6}]}})");
        CHECK(plans.size() == before + cases.size());
        CHECK(f.post("{ track_by_pk(track_id: 4) { track_id } }", "{}") == R"({"data":{"track_by_pk":{"track_id":4}}})");
        CHECK(plans.size() == before + cases.size() + 1);
    }
}

TEST_CASE("hostile input stays bound values or becomes a clean error", "[graphql][api]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        Fixture f(b);
        for (const char* attack : {"x' OR '1'='1", "'; DROP TABLE track; --", "\\' OR 1=1 --", "\") OR 1=1 --", "%' OR '1'='1"}) {
            const std::string vars = std::string("{\"s\":") + nlohmann_json_quote(attack) + "}";
            CHECK(f.post("query($s: String) { track(where: {name: {_eq: $s}}) { track_id } }", vars) == R"({"data":{"track":[]}})");
            CHECK(f.post("query($s: String) { track(where: {name: {_like: $s}}) { track_id } }", vars) == R"({"data":{"track":[]}})");
            CHECK(f.post("query($s: String!) { track(where: {name: {_in: [$s]}}) { track_id } }", vars) == R"({"data":{"track":[]}})");
            CHECK(f.post("query($s: String) { artist(where: {albums: {title: {_ilike: $s}}}) { artist_id } }", vars) == R"({"data":{"artist":[]}})");
        }
        CHECK(f.sql("SELECT count(*) FROM gq_track").rows.at(0).at(0).as_int64() == 6);
        const auto unknown = f.post("{ track { nope } }");
        INFO(unknown);
        CHECK(unknown.find("\"errors\"") != std::string::npos);
        CHECK(unknown.find("nope") != std::string::npos);
        CHECK(unknown.find("SELECT") == std::string::npos);
        const auto bad_date = f.post("{ track(where: {released: {_eq: \"not a date\"}}) { track_id } }");
        CHECK(bad_date.find("BAD_USER_INPUT") != std::string::npos);
        CHECK(bad_date.find("SELECT") == std::string::npos);
        const auto bad_big = f.post("{ track(where: {bytes: {_eq: \"1 OR 1=1\"}}) { track_id } }");
        CHECK(bad_big.find("BAD_USER_INPUT") != std::string::npos);
    }
}

TEST_CASE("the statement timeout cancels a query stuck behind a lock", "[graphql][api][timeout]") {
    for (const auto& b : backends()) {
        if (b.name == "sqlite") continue;  // no server-side timeout (documented)
        INFO("backend " << b.name);
        rex::graphql::ExecutorOptions options;
        options.statement_timeout = std::chrono::milliseconds(300);
        Fixture f(b, options);
        auto locker = f.kernel().connect(b.url);
        if (b.name == "postgres") {
            locker->begin();
            locker->execute("LOCK TABLE gq_track IN ACCESS EXCLUSIVE MODE");
        } else {
            locker->execute("LOCK TABLES gq_track WRITE");
        }
        const auto start = std::chrono::steady_clock::now();
        const auto body = f.post("{ track { track_id } }");
        const auto took = std::chrono::steady_clock::now() - start;
        if (b.name == "postgres") locker->rollback();
        else locker->execute("UNLOCK TABLES");
        INFO(body);
        CHECK(body.find(R"("code":"timeout")") != std::string::npos);
        CHECK(took < std::chrono::seconds(5));
        CHECK(f.post("{ track_by_pk(track_id: 1) { track_id } }") == R"({"data":{"track_by_pk":{"track_id":1}}})");
    }
}

TEST_CASE("an object wider than the engines' function argument limits", "[graphql][api]") {
    std::string selection, expected;
    for (int i = 0; i < 70; ++i) {
        selection += " f" + std::to_string(i) + (i % 2 ? ": name" : ": track_id");
        expected += (i ? ",\"f" : "\"f") + std::to_string(i) + "\":" + (i % 2 ? "\"Balls to the Wall\"" : "2");
    }
    expect_everywhere("{ track_by_pk(track_id: 2) {" + selection + " album { title } } }",
                      R"({"data":{"track_by_pk":{)" + expected + R"(,"album":{"title":"Balls to the Wall"}}}})");
}

TEST_CASE("ordering by an array relation's aggregate", "[graphql][api]") {
    // Albums per artist: 1 -> 2, 2 -> 2, 3 -> 0, 4 -> 0; their largest titles: 1 "Let There Be Rock", 2 "Restless and Wild".
    expect_everywhere(
        "{ a: artist(order_by: [{albums_aggregate: {count: desc}}, {artist_id: desc}]) { artist_id }"
        "  b: artist(order_by: {albums_aggregate: {max: {title: desc}}}) { artist_id }"
        "  c: album(order_by: {artist: {albums_aggregate: {count: asc}}, album_id: desc}) { album_id } }",
        R"({"data":{"a":[{"artist_id":2},{"artist_id":1},{"artist_id":4},{"artist_id":3}],)"
        R"("b":[{"artist_id":3},{"artist_id":4},{"artist_id":2},{"artist_id":1}],)"
        R"("c":[{"album_id":4},{"album_id":3},{"album_id":2},{"album_id":1}]}})");
}

TEST_CASE("filtering by an array relation's aggregate count", "[graphql][api]") {
    // Albums per artist: 1 -> 2 (both titles with "Rock"), 2 -> 2, 3 -> 0, 4 -> 0; playlist 1 has three
    // tracks, playlist 2 none; genre 1's tracks are on albums 1, 2, 1, genre 3's on album 3.
    expect_everywhere(
        "{ a: artist(where: {albums_aggregate: {count: {predicate: {_gt: 1}}}}, order_by: {artist_id: asc}) { artist_id }"
        "  b: artist(where: {albums_aggregate: {count: {predicate: {_eq: 0}}}}, order_by: {artist_id: asc}) { artist_id }"
        "  c: artist(where: {albums_aggregate: {count: {filter: {title: {_like: \"%Rock%\"}}, predicate: {_gte: 2}}}}) { artist_id }"
        "  d: genre(where: {tracks_aggregate: {count: {arguments: [album_id], distinct: true, predicate: {_eq: 2}}}}) { genre_id }"
        "  e: playlist(where: {tracks_aggregate: {count: {predicate: {_gt: 0}}}}) { playlist_id }"
        "  f: artist(where: {_or: [{albums_aggregate: {count: {predicate: {_eq: 0}}}}, {artist_id: {_eq: 1}}]}, order_by: {artist_id: asc}) { artist_id }"
        "  g: album(where: {artist: {albums_aggregate: {count: {predicate: {_eq: 2}}}}, tracks_aggregate: {count: {predicate: {_lt: 2}}}},"
        "           order_by: {album_id: asc}) { album_id } }",
        R"({"data":{"a":[{"artist_id":1},{"artist_id":2}],"b":[{"artist_id":3},{"artist_id":4}],"c":[{"artist_id":1}],)"
        R"("d":[{"genre_id":1}],"e":[{"playlist_id":1}],"f":[{"artist_id":1},{"artist_id":3},{"artist_id":4}],)"
        R"("g":[{"album_id":2},{"album_id":4}]}})");
}
