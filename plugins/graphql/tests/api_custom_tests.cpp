// Custom root fields: resolvers registered from C++ (the application's, through the kernel) and
// by a plugin loaded from disk, and the config's named SQL queries on every backend.
#include "api_support.hpp"

#include "introspection/sdl.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/json_text.hpp>

#include <chrono>
#include <thread>

using namespace rex;
using namespace rex::graphql::test;

namespace {

Backend sqlite_backend() { return backends().front(); }

Resolver resolver(std::string name, std::string returns, ResolverFunction resolve, std::vector<ResolverArgument> arguments = {},
                  ResolverOperation operation = ResolverOperation::query) {
    Resolver r;
    r.operation = operation;
    r.name = std::move(name);
    r.returns = std::move(returns);
    r.resolve = std::move(resolve);
    r.arguments = std::move(arguments);
    r.description = "a test resolver";
    return r;
}

std::string quoted(const std::string& text) {
    std::string out;
    append_json_string(out, text);
    return out;
}

std::string names_of_artists(Connection& c, const Value* prefix) {
    const auto rows = c.execute("SELECT name FROM gq_artist WHERE name LIKE ? ORDER BY artist_id",
                                {Value((prefix && !prefix->is_null() ? prefix->as_text() : std::string()) + "%")});
    std::string out = "[";
    for (std::size_t i = 0; i < rows.size(); ++i) out += (i ? "," : "") + quoted(rows.rows[i][0].as_text());
    return out + "]";
}

}  // namespace

TEST_CASE("custom resolvers from C++: arguments, the connection, headers, projection, introspection and SDL", "[graphql][api][custom]") {
    Fixture f(sqlite_backend());
    auto& k = f.kernel();
    k.register_resolver(resolver("artist_names", "[String!]!", [](const ResolverCall& call) { return names_of_artists(*call.connection, call.argument("prefix")); },
                                 {{"prefix", "String", "names start with it"}}));
    k.register_resolver(resolver("tenant", "String", [](const ResolverCall& call) {
        const auto* tenant = call.header("X-Tenant");
        // No permissions configured: the requester is there, and the admin.
        return tenant && call.requester && call.requester->admin ? quoted(*tenant) : std::string("null");
    }));
    k.register_resolver(resolver("typed", "jsonb", [](const ResolverCall& call) {
        return object_to_json({{"n", *call.argument("n")}, {"big", *call.argument("big")}, {"when", *call.argument("when")}, {"list", *call.argument("list")}});
    }, {{"n", "Int!", ""}, {"big", "bigint", ""}, {"when", "date", ""}, {"list", "[Int!]", ""}}));
    // An entity result: the callback's object, projected on the selection (aliases, __typename,
    // a nested relation); fields it does not return are null.
    k.register_resolver(resolver("favourite_artist", "artist", [](const ResolverCall&) {
        return std::string(R"({"artist_id":1,"name":"AC/DC","albums":[{"album_id":1,"title":"For Those About To Rock"}],"ignored":true})");
    }));
    k.register_resolver(resolver("refuses", "Int", [](const ResolverCall&) -> std::string {
        raise({ErrorCategory::validation, "not today", {}, {}});
    }));
    k.register_resolver(resolver("not_json", "Int", [](const ResolverCall&) { return std::string("{oops"); }));

    CHECK(f.post("{ artist_names(prefix: \"A\") }") == R"({"data":{"artist_names":["AC/DC","Accept","Aerosmith"]}})");
    CHECK(f.post("{ a: artist_names }") == R"({"data":{"a":["AC/DC","Accept","Aerosmith"]}})");
    CHECK(f.post("query($p: String) { artist_names(prefix: $p) }", R"({"p":"Ac"})") == R"({"data":{"artist_names":["AC/DC","Accept"]}})");
    CHECK(f.request("POST", R"({"query":"{ tenant }"})", {}, {{"Content-Type", "application/json"}, {"x-tenant", "acme"}}).body ==
          R"({"data":{"tenant":"acme"}})");
    CHECK(f.post(R"({ typed(n: 7, big: "9007199254740993", when: "2024-02-29", list: [1, 2]) })") ==
          R"({"data":{"typed":{"n":7,"big":9007199254740993,"when":"2024-02-29","list":[1,2]}}})");
    CHECK(f.post("{ favourite_artist { __typename id: artist_id name albums { title } } }") ==
          R"({"data":{"favourite_artist":{"__typename":"artist","id":1,"name":"AC/DC","albums":[{"title":"For Those About To Rock"}]}}})");
    // A custom field beside a generated one in one request.
    CHECK(f.post("{ artist_by_pk(artist_id: 2) { name } artist_names(prefix: \"Ae\") }") ==
          R"({"data":{"artist_by_pk":{"name":"Accept"},"artist_names":["Aerosmith"]}})");
    // Arguments are checked like any field's.
    CHECK(f.post("{ typed(n: \"seven\") }").find("GRAPHQL_VALIDATION_FAILED") != std::string::npos);
    CHECK(f.post("{ refuses }") ==
          R"({"data":null,"errors":[{"message":"not today","locations":[{"line":1,"column":3}],"path":["refuses"],"extensions":{"code":"resolver-error"}}]})");
    CHECK(f.post("{ not_json }").find(R"("code":"internal")") != std::string::npos);

    // Introspection and SDL show them with their arguments, types and descriptions.
    const auto introspection = f.post(R"({ __type(name: "query_root") { fields { name description args { name type { name kind } } } } })");
    CHECK(introspection.find(R"({"name":"artist_names","description":"a test resolver","args":[{"name":"prefix","type":{"name":"String","kind":"SCALAR"}}]})") !=
          std::string::npos);
    const auto sdl = graphql::print_schema(f.executor().api()->schema);
    CHECK(sdl.find("artist_names(\n") != std::string::npos);
    CHECK(sdl.find("favourite_artist: artist\n") != std::string::npos);
    CHECK(sdl.find("typed(n: Int!, big: bigint, when: date, list: [Int!]): jsonb\n") != std::string::npos);
}

TEST_CASE("a custom mutation runs in the request's transaction", "[graphql][api][custom]") {
    Fixture f(sqlite_backend());
    f.kernel().register_resolver(resolver("rename_artist", "artist!", [](const ResolverCall& call) {
        const auto id = call.argument("id")->as_int64();
        call.connection->execute("UPDATE gq_artist SET name = ? WHERE artist_id = ?", {*call.argument("name"), Value(id)});
        if (!call.connection->in_transaction()) throw std::runtime_error("no transaction");
        return object_to_json({{"artist_id", Value(id)}, {"name", *call.argument("name")}});
    }, {{"id", "Int!", ""}, {"name", "String!", ""}}, ResolverOperation::mutation));
    CHECK(f.post(R"(mutation { rename_artist(id: 1, name: "AC-DC") { artist_id name } })") ==
          R"({"data":{"rename_artist":{"artist_id":1,"name":"AC-DC"}}})");
    CHECK(f.sql("SELECT name FROM gq_artist WHERE artist_id = 1").rows.at(0).at(0).as_text() == "AC-DC");
    // A later field of the same request fails (a validation rule): the rename is rolled back too.
    const auto failed = f.post(R"(mutation { rename_artist(id: 1, name: "Again") { name } insert_artist_one(object: {name: ""}) { artist_id } })");
    CHECK(failed.find("validation-failed") != std::string::npos);
    CHECK(f.sql("SELECT name FROM gq_artist WHERE artist_id = 1").rows.at(0).at(0).as_text() == "AC-DC");
    // Queries cannot reach a mutation field.
    CHECK(f.post(R"({ rename_artist(id: 1, name: "x") { name } })").find("GRAPHQL_VALIDATION_FAILED") != std::string::npos);
}

TEST_CASE("a custom mutation's reported writes are published after its commit, on every backend", "[graphql][api][custom][changes]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        Fixture f(b);
        // Inserts genre `id`, renames genre 1, deletes genre 3 (reported before the DELETE, as its
        // row must still be there to be read), and reports a row that does not exist.
        // The resolver's own SQL, in its engine's placeholders.
        const auto sql = [postgres = b.name == "postgres"](std::string text) {
            for (int n = 1; postgres && text.find('?') != std::string::npos; ++n) text.replace(text.find('?'), 1, "$" + std::to_string(n));
            return text;
        };
        f.kernel().register_resolver(resolver("shuffle_genres", "Int!", [sql](const ResolverCall& call) {
            const auto id = *call.argument("id");
            call.connection->execute(sql("INSERT INTO gq_genre (genre_id, name) VALUES (?, ?)"), {id, Value("New " + std::to_string(id.as_int64()))});
            call.wrote("genre", ChangeKind::insert, {id});
            call.connection->execute(sql("UPDATE gq_genre SET name = ? WHERE genre_id = ?"), {Value("Rock 2"), Value(1)});
            call.wrote("genre", ChangeKind::update, {Value(1)});
            call.wrote("genre", ChangeKind::remove, {Value(3)});
            call.connection->execute(sql("DELETE FROM gq_genre WHERE genre_id = ?"), {Value(3)});
            call.wrote("genre", ChangeKind::update, {Value(404)});
            if (const auto* bad = call.argument("bad")) {
                const auto how = bad->as_text();
                if (how == "entity") call.wrote("nope", ChangeKind::insert, {id});
                if (how == "key") call.wrote("playlist_track", ChangeKind::insert, {Value(1)});
            }
            return std::string("3");
        }, {{"id", "Int!", ""}, {"bad", "String", ""}}, ResolverOperation::mutation));
        f.kernel().register_resolver(resolver("reads_only", "Int!", [](const ResolverCall& call) {
            call.wrote("genre", ChangeKind::insert, {Value(1)});
            return std::string("0");
        }));
        std::vector<std::string> seen;
        auto& bus = f.kernel().changes();
        auto subscription = bus.subscribe({}, bus.last_sequence(), [&](const ChangeEvent& e) {
            std::string line = e.kind == ChangeKind::insert ? "insert " : e.kind == ChangeKind::update ? "update " : "delete ";
            seen.push_back(line + e.entity() + " " + row_to_json(e).text + (e.old_values.empty() ? "" : " with old values"));
        });
        CHECK(f.post("mutation { shuffle_genres(id: 20) }") == R"({"data":{"shuffle_genres":3}})");
        const std::vector<std::string> expected{R"(insert genre {"genre_id":20,"name":"New 20"})", R"(update genre {"genre_id":1,"name":"Rock 2"})",
                                                R"(delete genre {"genre_id":3,"name":"Metal"})"};
        CHECK(seen == expected);

        // A bad report fails the field, with its reason, and the request rolls back: nothing published.
        seen.clear();
        auto failed = f.post(R"(mutation { shuffle_genres(id: 21, bad: "entity") })");
        CHECK_THAT(failed, Catch::Contains("resolver-error"));
        CHECK_THAT(failed, Catch::Contains("custom field 'shuffle_genres' reported a write: no entity named 'nope'"));
        failed = f.post(R"(mutation { shuffle_genres(id: 21, bad: "key") })");
        CHECK_THAT(failed, Catch::Contains("entity 'playlist_track' has a key of 2 field(s), 1 value(s) given"));
        // So does a later field that fails.
        failed = f.post(R"(mutation { shuffle_genres(id: 22) insert_artist_one(object: {name: ""}) { artist_id } })");
        CHECK_THAT(failed, Catch::Contains("validation-failed"));
        CHECK(f.sql("SELECT COUNT(*) FROM gq_genre WHERE genre_id IN (21, 22)").rows.at(0).at(0).as_int64() == 0);
        // A query resolver has nothing to report.
        CHECK_THAT(f.post("{ reads_only }"), Catch::Contains("only a mutation resolver reports the rows it wrote"));
        CHECK(seen.empty());
    }
}

TEST_CASE("custom resolvers that cannot be served are refused in one line", "[graphql][api][custom]") {
    Fixture f(sqlite_backend());
    auto& k = f.kernel();
    const auto one = [](const ResolverCall&) { return std::string("1"); };
    k.register_resolver(resolver("answer", "Int", one));
    REQUIRE_THROWS_WITH(k.register_resolver(resolver("answer", "Int", one)),
                        "duplicate custom query field 'answer' (already registered by the application)");
    // The same name as a mutation is another field.
    k.register_resolver(resolver("answer", "Int", one, {}, ResolverOperation::mutation));
    REQUIRE_THROWS_WITH(k.register_resolver(resolver("", "Int", one)), "custom query field: it has no name");
    REQUIRE_THROWS_WITH(k.register_resolver(resolver("no_callback", "Int", {})), "custom query field 'no_callback': it has no callback");

    const auto refusal = [&](Resolver r) {
        Fixture g(sqlite_backend());
        g.kernel().register_resolver(std::move(r));
        try {
            graphql::GraphqlExecutor executor(g, {});
        } catch (const ConfigurationError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(refusal(resolver("artist", "Int", one)) == "custom query field 'artist': its name clashes with a generated field of query_root");
    CHECK(refusal(resolver("insert_artist", "Int", one, {}, ResolverOperation::mutation)) ==
          "custom mutation field 'insert_artist': its name clashes with a generated field of mutation_root");
    CHECK(refusal(resolver("x", "Nope", one)) == "custom query field 'x': unknown type 'Nope'");
    CHECK(refusal(resolver("x", "[Int", one)) == "custom query field 'x': type '[Int' is not a GraphQL type");
    CHECK(refusal(resolver("x", "artist_bool_exp", one)) == "custom query field 'x': result type 'artist_bool_exp' is an input type");
    CHECK(refusal(resolver("x", "Int", one, {{"a", "artist", ""}})) == "custom query field 'x': argument type 'artist' is not an input type");
    CHECK(refusal(resolver("bad-name", "Int", one)) == "custom query field 'bad-name': the name is not a GraphQL name");
    // An entity named by its catalog name or its PascalCase type, a filter as an argument.
    CHECK(refusal(resolver("x", "[Artist!]!", one, {{"where", "artist_bool_exp", ""}})) == "accepted");
}

TEST_CASE("a plugin loaded from disk registers custom fields through the SDK", "[graphql][api][custom]") {
    Fixture f(sqlite_backend());
    const auto report = f.kernel().load_plugins(std::filesystem::path(REX_TEST_FIXTURE_DIR) / "resolvers");
    REQUIRE(report.loaded.size() == 1);
    CHECK(report.loaded[0].extensions.size() == 2);
    CHECK(report.loaded[0].extensions[0].point == "resolver");
    REQUIRE(f.kernel().catalog().resolvers().size() == 2);
    CHECK(f.post("{ fixture_artist_count }") == R"({"data":{"fixture_artist_count":4}})");
    CHECK(f.post(R"(mutation { fixture_greet(name: "Rex") })") == R"({"data":{"fixture_greet":"hello Rex"}})");
    CHECK(graphql::print_schema(f.executor().api()->schema).find("fixture_artist_count: Int!") != std::string::npos);

    // A name the application took first: the plugin is refused, with the reason.
    Fixture g(sqlite_backend());
    g.kernel().register_resolver(resolver("fixture_artist_count", "Int", [](const ResolverCall&) { return std::string("0"); }));
    const auto refused = g.kernel().load_plugins(std::filesystem::path(REX_TEST_FIXTURE_DIR) / "resolvers");
    REQUIRE(refused.failures.size() == 1);
    CHECK(refused.failures[0].reason ==
          "initialisation failed: duplicate custom query field 'fixture_artist_count' (already registered by the application)");
    CHECK(g.kernel().catalog().resolvers().size() == 1);  // nothing of the refused plugin stayed
}

namespace {

graphql::ExecutorOptions with_queries(std::vector<std::pair<std::string, std::string>> keys) {
    PluginSettings settings("rex.json: /settings/graphql");
    for (auto& [k, v] : keys) settings.set(std::move(k), std::move(v));
    return graphql::ExecutorOptions::from_settings(settings);
}

// `q` quotes an identifier the engine's way (MariaDB's backticks: ANSI_QUOTES is off).
std::vector<std::pair<std::string, std::string>> config_queries(char q) {
    const std::string explicit_column = q + std::string("explicit") + q;
    return {
        // A missing optional argument is bound as NULL: COALESCE gives PostgreSQL its type.
        {"queries.longest_tracks.sql", "SELECT * FROM gq_track WHERE milliseconds >= COALESCE(:min, 0) ORDER BY milliseconds DESC LIMIT :limit"},
        {"queries.longest_tracks.args.limit", "Int!"},
        {"queries.longest_tracks.args.min", "Int"},
        {"queries.longest_tracks.returns", "[track!]!"},
        {"queries.longest_tracks.description", "the longest tracks first"},
        {"queries.track_named.sql", "SELECT * FROM gq_track WHERE name = :name"},
        {"queries.track_named.args.name", "String!"},
        {"queries.track_named.returns", "track"},
        {"queries.track_count.sql", "SELECT count(*) FROM gq_track WHERE COALESCE(genre_id, -1) = COALESCE(:genre, genre_id, -1)"},
        {"queries.track_count.args.genre", "Int"},
        {"queries.track_count.returns", "Int!"},
        {"queries.genre_names.sql", "SELECT name FROM gq_genre ORDER BY genre_id"},
        {"queries.genre_names.returns", "[String!]!"},
        {"queries.has_explicit.sql", "SELECT count(*) > 0 FROM gq_track WHERE " + explicit_column + " = :flag"},
        {"queries.has_explicit.args.flag", "Boolean!"},
        {"queries.has_explicit.returns", "Boolean!"},
    };
}

}  // namespace

TEST_CASE("config SQL queries as root fields, on every engine", "[graphql][api][custom]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        Fixture f(b, with_queries(config_queries(b.name == "mysql" ? '`' : '"')));
        CHECK(f.post("{ longest_tracks(limit: 2) { name album { title } } }") ==
              R"({"data":{"longest_tracks":[{"name":"For Those About To Rock","album":{"title":"For Those About To Rock"}},{"name":"Balls to the Wall","album":{"title":"Balls to the Wall"}}]}})");
        CHECK(f.post("{ longest_tracks(limit: 5, min: 250000) { track_id } }") == R"({"data":{"longest_tracks":[{"track_id":1},{"track_id":2},{"track_id":4}]}})");
        CHECK(f.post(R"({ track_named(name: "Fast As a Shark") { track_id unit_price genre { name } } })") ==
              R"({"data":{"track_named":{"track_id":3,"unit_price":"1.99","genre":{"name":"Metal"}}}})");
        CHECK(f.post(R"({ track_named(name: "nothing") { track_id } })") == R"({"data":{"track_named":null}})");
        CHECK(f.post("{ all: track_count one: track_count(genre: 1) }") == R"({"data":{"all":6,"one":3}})");
        CHECK(f.post("{ genre_names }") == R"({"data":{"genre_names":["Rock","Jazz","Metal"]}})");
        CHECK(f.post("{ has_explicit(flag: true) }") == R"({"data":{"has_explicit":true}})");
        // Values are bound: an injection attempt is a name nobody has.
        CHECK(f.post(R"({ track_named(name: "x' OR '1'='1") { track_id } })") == R"({"data":{"track_named":null}})");
        CHECK(f.post(R"({ track_named(name: "x'; DROP TABLE gq_track; --") { track_id } })") == R"({"data":{"track_named":null}})");
        CHECK(f.post("{ track_count }") == R"({"data":{"track_count":6}})");
        // One statement per field, as for generated fields.
        f.log().take("sql");
        f.post("{ longest_tracks(limit: 2) { name album { title } genre { name } } }");
        CHECK(f.log().take("sql").size() == 1);
        const auto sdl = graphql::print_schema(f.executor().api()->schema);
        CHECK(sdl.find("\"\"\"the longest tracks first\"\"\"\n  longest_tracks(limit: Int!, min: Int): [track!]!") != std::string::npos);
    }
}

TEST_CASE("a bad config query is refused in one line naming its config path", "[graphql][api][custom]") {
    const auto refusal = [](std::vector<std::pair<std::string, std::string>> keys) {
        try {
            auto options = with_queries(std::move(keys));
            Fixture f(sqlite_backend(), options);
        } catch (const ConfigurationError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(refusal({{"queries.q.sql", "SELECT 1"}}) == "rex.json: /settings/graphql/queries/q/returns: missing: the GraphQL type of the result");
    CHECK(refusal({{"queries.q.returns", "Int"}}) == "rex.json: /settings/graphql/queries/q/sql: missing: the SQL text of the query");
    CHECK(refusal({{"queries.q.sql", "SELECT 1"}, {"queries.q.returns", "Int"}, {"queries.q.arg", "x"}}) ==
          "rex.json: /settings/graphql/queries/q/arg: unknown member (known: sql, args, returns, description, roles)");
    CHECK(refusal({{"queries.q.sql", "SELECT 1"}, {"queries.q.returns", "Int"}, {"queries.q.roles", "user"}}) ==
          "rex.json: /settings/graphql/queries/q/roles: expected an array of role names");
    CHECK(refusal({{"queries", "x"}}) == R"(rex.json: /settings/graphql/queries: expected an object {"sql": ..., "args": {...}, "returns": ...})");
    CHECK(refusal({{"queries.q.sql", "SELECT :n + :m"}, {"queries.q.args.n", "Int"}, {"queries.q.returns", "Int"}}) ==
          "custom query field 'q' (rex.json: /settings/graphql/queries/q): the SQL names :m, which is no argument of the query");
    CHECK(refusal({{"queries.q.sql", "SELECT 1"}, {"queries.q.returns", "artist_aggregate"}}) ==
          "custom query field 'q' (rex.json: /settings/graphql/queries/q): result type 'artist_aggregate' is neither a scalar nor an entity's type");
    CHECK(refusal({{"queries.artist.sql", "SELECT 1"}, {"queries.artist.returns", "Int"}}) ==
          "custom query field 'artist' (rex.json: /settings/graphql/queries/artist): its name clashes with a generated field of query_root");
    CHECK(refusal({{"queries.q.sql", "SELECT '::x', ':y' -- :z\n, 1::int"}, {"queries.q.returns", "Int"}}) == "accepted");
}

TEST_CASE("a request abandoned by its client cancels its running statement, on every engine", "[graphql][api][cancel]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        const std::string slow = b.name == "postgres" ? "SELECT 1 FROM pg_sleep(20)"
                                 : b.name == "mysql"  ? "SELECT count(*) FROM gq_genre WHERE SLEEP(20) = 0"  // SLEEP alone returns 1 when killed
                                                      : "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000000000) SELECT count(*) FROM c";
        Fixture f(b, with_queries({{"queries.slow.sql", slow}, {"queries.slow.returns", "Int"}}));
        HttpRequest r;
        r.method = "POST";
        r.path = r.target = "/graphql";
        r.body = R"({"query":"{ slow }"})";
        r.headers = {{"Content-Type", "application/json"}};
        r.abandon = std::make_shared<RequestAbandon>();
        using Clock = std::chrono::steady_clock;
        const auto start = Clock::now();
        std::thread hang_up([abandon = r.abandon] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            abandon->abandon();
        });
        const auto response = f.executor().execute(r);
        hang_up.join();
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
        CHECK(ms < 1300);
        CHECK(response.body.find(R"("data":null)") != std::string::npos);
        // The database runs no such statement any more.
        if (b.name == "postgres")
            CHECK(f.sql("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()")
                      .rows.at(0).at(0).as_int64() == 0);
        if (b.name == "mysql")
            CHECK(f.sql("SELECT count(*) FROM information_schema.processlist WHERE info LIKE '%SLEEP(20)%' AND id <> CONNECTION_ID()")
                      .rows.at(0).at(0).as_int64() == 0);
        // The connection went back to the pool usable.
        CHECK(f.post("{ artist_by_pk(artist_id: 1) { name } }") == R"({"data":{"artist_by_pk":{"name":"AC/DC"}}})");
        // Abandoned before it ran: nothing runs at all.
        r.abandon = std::make_shared<RequestAbandon>();
        r.abandon->abandon();
        const auto before = Clock::now();
        CHECK(f.executor().execute(r).body.find(R"("code":"cancelled")") != std::string::npos);
        CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - before).count() < 300);
    }
}
