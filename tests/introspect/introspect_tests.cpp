// Entities from tables: the naming rules on hand-made schemas, then Chinook on every backend
// (composite keys, belongs_to / has_many / many_to_many), the schema version and the snapshot.
#include "../conformance/chinook_loader.hpp"
#include "../host/http_client.hpp"
#include "subprocess.hpp"

#include <rex/introspect.hpp>
#include <rex/model_file.hpp>
#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace rex;
using namespace rex::chinook_loader;

namespace {

ColumnSchema column(std::string name, LogicalType type, bool pk = false, bool generated = false) {
    ColumnSchema c;
    c.name = std::move(name);
    c.type = ColumnType(type);
    c.nullable = !pk;
    c.primary_key = pk;
    c.generated = generated;
    return c;
}

const EntityInfo& entity(const IntrospectedModels& m, const std::string& name) {
    for (const auto& e : m.entities)
        if (e.name == name) return e;
    FAIL("no entity " << name);
    throw std::logic_error("unreachable");
}

std::string relations_of(const EntityInfo& e) {
    static constexpr const char* kinds[] = {"belongs_to", "has_one", "has_many", "many_to_many"};
    std::string out;
    for (const auto& r : e.relations) {
        out += (out.empty() ? "" : " ") + r.name + ":" + kinds[static_cast<int>(r.kind)] + ">" + r.target;
        if (r.kind == RelationKind::many_to_many) out += "(" + r.through + "." + r.through_source_key + "," + r.through_target_key + ")";
        else out += "[" + r.foreign_key + "]";
    }
    return out;
}

std::vector<std::string> key_of(const EntityInfo& e) {
    std::vector<std::string> out;
    for (const auto& f : e.fields)
        if (f.primary_key) out.push_back(f.name);
    return out;
}

}  // namespace

TEST_CASE("introspection names relations by fixed rules and keeps them unique", "[introspect]") {
    std::vector<TableSchema> tables(5);
    auto& users = tables[0];
    users.name = "users";
    users.columns = {column("id", LogicalType::int64, true, true), column("manager", LogicalType::int64),
                     column("posts", LogicalType::text), column("email", LogicalType::text)};
    users.indexes = {{"users_email_key", {"email"}, true}, {"users_by_name", {"email", "posts"}, false}};
    users.foreign_keys = {{"fk_manager", {"manager"}, "users", {"id"}}};
    auto& posts = tables[1];
    posts.name = "post-items";  // not an identifier: the entity is post_items
    posts.columns = {column("id", LogicalType::int64, true, true), column("author_id", LogicalType::int64),
                     column("editorId", LogicalType::int64), column("category", LogicalType::int32)};
    posts.foreign_keys = {{"a", {"author_id"}, "users", {"id"}}, {"e", {"editorId"}, "users", {"id"}},
                          {"c", {"category"}, "category", {"id"}}};
    auto& profile = tables[2];
    profile.name = "profile";
    profile.columns = {column("user_id", LogicalType::int64, true), column("bio", LogicalType::text)};
    profile.foreign_keys = {{"p", {"user_id"}, "users", {"id"}}};
    auto& follows = tables[3];  // a join table of users with itself
    follows.name = "follows";
    follows.columns = {column("follower_id", LogicalType::int64, true), column("followee_id", LogicalType::int64, true)};
    follows.foreign_keys = {{"f1", {"follower_id"}, "users", {"id"}}, {"f2", {"followee_id"}, "users", {"id"}}};
    auto& pair = tables[4];
    pair.name = "pair";
    pair.columns = {column("a", LogicalType::int64, true), column("b", LogicalType::int64, true)};
    pair.indexes = {{"users_by_name", {"b"}, false}};  // same index name as on users (MySQL, SQLite allow it)
    pair.foreign_keys = {{"ab", {"a", "b"}, "follows", {"follower_id", "followee_id"}}};

    const auto m = entities_from_schema(tables);
    REQUIRE(m.entities.size() == 5);
    CHECK(m.entities[0].name == "follows");  // by table name
    const auto& u = entity(m, "users");
    // "manager" has no _id suffix: named after the table it references; a second relation of the
    // same name takes "_by_<column>" (the join table for many_to_many), then a number.
    CHECK(relations_of(u) ==
          "users:belongs_to>users[manager] follows:has_many>follows[followee_id] "
          "follows_by_follower_id:has_many>follows[follower_id] post_items:has_many>post_items[author_id] "
          "post_items_by_editorId:has_many>post_items[editorId] profile:has_one>profile[user_id] "
          "users_by_manager:has_many>users[manager] "
          "users_by_follows:many_to_many>users(follows.followee_id,follower_id) "
          "users_by_follows2:many_to_many>users(follows.follower_id,followee_id)");
    CHECK(relations_of(entity(m, "post_items")) == "author:belongs_to>users[author_id] editor:belongs_to>users[editorId]");
    CHECK(entity(m, "post_items").table == "post-items");
    CHECK(u.field("email")->unique);
    CHECK(u.field("id")->generated);
    CHECK_FALSE(entity(m, "profile").field("user_id")->generated);  // an assigned key
    CHECK(key_of(entity(m, "follows")) == std::vector<std::string>{"follower_id", "followee_id"});
    CHECK(entity(m, "pair").indexes.at(0).name == "users_by_name");  // tables in name order: pair before users
    CHECK(entity(m, "users").indexes.at(0).name == "users_users_by_name");
    CHECK(std::find(m.notes.begin(), m.notes.end(), "post-items(category) -> category: no relation, the referenced table is not served") !=
          m.notes.end());
    CHECK(std::find(m.notes.begin(), m.notes.end(), "pair(a,b) -> follows: no relation, a relation needs a one-column foreign key") !=
          m.notes.end());

    // What the snapshot writes reads back as the same entities.
    const auto back = parse_models(models_to_json(m.entities), "snapshot");
    REQUIRE(back.size() == m.entities.size());
    for (std::size_t i = 0; i < back.size(); ++i) {
        CHECK(relations_of(back[i]) == relations_of(m.entities[i]));
        CHECK(key_of(back[i]) == key_of(m.entities[i]));
    }
}

TEST_CASE("plural names for has_many and many_to_many", "[introspect]") {
    std::vector<TableSchema> tables(2);
    tables[0].name = "Category";
    tables[0].columns = {column("CategoryId", LogicalType::int64, true)};
    tables[1].name = "Box";
    tables[1].columns = {column("BoxId", LogicalType::int64, true), column("CategoryId", LogicalType::int64)};
    tables[1].foreign_keys = {{"x", {"CategoryId"}, "Category", {"CategoryId"}}};
    const auto m = entities_from_schema(tables);
    CHECK(relations_of(entity(m, "Category")) == "Boxes:has_many>Box[CategoryId]");
    CHECK(relations_of(entity(m, "Box")) == "Category:belongs_to>Category[CategoryId]");
}

TEST_CASE("Chinook introspected into entities, with its schema version and snapshot, on every backend", "[introspect][chinook]") {
    if (!fs::exists(chinook_dir / "Chinook_Sqlite.sql")) {
        WARN("skipped: the Chinook sample data is not at " << chinook_dir.string());
        return;
    }
    Kernel kernel(LogLevel::off);
    kernel.load_plugins(fs::path(REX_TEST_PLUGIN_DIR));
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        auto c = kernel.connect(b.url);
        const auto dialect = kernel.dialect(c->dialect());
        load_chinook(*c, *dialect, b);
        auto n = [&](const std::string& name) { return b.snake_case ? snake(name) : name; };
        IntrospectOptions options;  // the database is shared with other tests: only Chinook's tables
        for (const auto& t : tables) options.only.push_back(n(t));
        const auto m = introspect_entities(*c, *dialect, options);
        CHECK(m.entities.size() == 11);
        INFO(relations_of(entity(m, n("Album"))));

        const auto& pt = entity(m, n("PlaylistTrack"));
        CHECK(key_of(pt) == std::vector<std::string>{n("PlaylistId"), n("TrackId")});
        for (const auto& f : pt.fields) CHECK_FALSE(f.generated);
        if (b.name != "sqlite") CHECK_FALSE(entity(m, n("Album")).field(n("AlbumId"))->generated);  // assigned keys

        const auto* artist = entity(m, n("Album")).relation(b.snake_case ? "artist" : "Artist");
        REQUIRE(artist);
        CHECK(artist->kind == RelationKind::belongs_to);
        CHECK(artist->target == n("Artist"));
        CHECK(artist->foreign_key == n("ArtistId"));
        const auto* albums = entity(m, n("Artist")).relation(b.snake_case ? "albums" : "Albums");
        REQUIRE(albums);
        CHECK(albums->kind == RelationKind::has_many);
        CHECK(albums->target == n("Album"));
        CHECK(albums->foreign_key == n("ArtistId"));
        const auto* tracks = entity(m, n("Playlist")).relation(b.snake_case ? "tracks" : "Tracks");
        REQUIRE(tracks);
        CHECK(tracks->kind == RelationKind::many_to_many);
        CHECK(tracks->target == n("Track"));
        CHECK(tracks->through == n("PlaylistTrack"));
        CHECK(tracks->through_source_key == n("PlaylistId"));
        CHECK(tracks->through_target_key == n("TrackId"));
        const auto* playlists = entity(m, n("Track")).relation(b.snake_case ? "playlists" : "Playlists");
        REQUIRE(playlists);
        CHECK(playlists->kind == RelationKind::many_to_many);
        CHECK(playlists->target == n("Playlist"));
        // Employee.ReportsTo has no Id suffix: the belongs_to is named after the table.
        CHECK(entity(m, n("Employee")).relation(n("Employee")));
        CHECK(entity(m, n("Customer")).relation(b.snake_case ? "support_rep" : "SupportRep"));

        // The schema version is stable while nothing changes, and changes with the schema.
        const auto version = schema_version(*c, *dialect);
        CHECK_FALSE(version.empty());
        CHECK(schema_version(*c, *dialect) == version);
        const auto probe = "rex_introspect_probe_" + std::to_string(::getpid());
        c->execute("CREATE TABLE " + dialect->quote_identifier(probe) + " (x INTEGER)");
        CHECK(schema_version(*c, *dialect) != version);
        c->execute("DROP TABLE " + dialect->quote_identifier(probe));

        // A snapshot reads back as what was written.
        const auto file = fs::temp_directory_path() / ("rex-snapshot-" + std::to_string(::getpid()) + "-" + b.name + ".json");
        write_catalog_snapshot(file, {version, m.entities});
        const auto back = read_catalog_snapshot(file);
        REQUIRE(back);
        CHECK(back->schema_version == version);
        REQUIRE(back->entities.size() == m.entities.size());
        for (std::size_t i = 0; i < back->entities.size(); ++i) CHECK(relations_of(back->entities[i]) == relations_of(m.entities[i]));
        fs::remove(file);
        CHECK_FALSE(read_catalog_snapshot(file));

        // rex-host pointed at this Chinook serves it by introspection: the executor fixture sees
        // the same catalog through its ExecutorContext.
        const auto config = fs::temp_directory_path() / ("rex-introspect-host-" + std::to_string(::getpid()) + "-" + b.name + ".json");
        nlohmann::json c_json{{"database", {{"url", b.url}}},
                              {"catalog", {{"tables", options.only}}},
                              {"plugins", {{"paths", {REX_TEST_PLUGIN_DIR, PROJECT_BINARY_DIR_TEST_PLUGINS}}}},
                              {"graphql", {{"exporter", "fixture"}}},
                              {"http", {{"port", 0}}}};
        std::ofstream(config) << c_json.dump();
        {
            rex::test::BackgroundProcess host({std::string(REX_TEST_BIN_DIR) + "/rex-host", "--config", config.string()});
            const auto line = host.wait_for_output("rex-host listening on http://");
            INFO(host.output());
            REQUIRE_FALSE(line.empty());
            CHECK_THAT(host.output(), Catch::Contains("catalog: 11 entities by introspecting"));
            const auto reply = rex::test::http_get(std::stoi(line.substr(line.rfind(':') + 1)), "/graphql?catalog");
            REQUIRE(reply.status == 200);
            const auto served = nlohmann::json::parse(reply.body);
            CHECK(served["dialect"] == dialect->name());
            CHECK(served["entities"].size() == 11);
            for (const auto& e : served["entities"]) {
                if (e["name"] != n("Playlist")) continue;
                bool tracks_found = false;
                for (const auto& r : e["relations"])
                    tracks_found = tracks_found || (r["kind"] == "many_to_many" && r["target"] == n("Track"));
                CHECK(tracks_found);
            }
        }
        fs::remove(config);
    }
}

TEST_CASE("a malformed snapshot is one clear error", "[introspect]") {
    const auto file = fs::temp_directory_path() / ("rex-bad-snapshot-" + std::to_string(::getpid()) + ".json");
    std::ofstream(file) << R"({"entities": []})";
    CHECK_THROWS_WITH(read_catalog_snapshot(file), file.string() + ": not a catalog snapshot: no \"rex_catalog_snapshot\" header");
    std::ofstream(file) << "{";
    CHECK_THROWS_WITH(read_catalog_snapshot(file), file.string() + ": not a catalog snapshot: malformed JSON");
    fs::remove(file);
}

TEST_CASE("the dialect for a URL comes from the adapter of its scheme, without connecting", "[introspect][kernel]") {
    Kernel kernel(LogLevel::off);
    kernel.load_plugins(fs::path(REX_TEST_PLUGIN_DIR));
    CHECK(kernel.dialect_for_url("sqlite:/nonexistent/dir/x.db")->name() == "sqlite");
    CHECK(kernel.dialect_for_url("postgres://nobody@127.0.0.1:1/none")->name() == "postgresql");
    CHECK(kernel.dialect_for_url("mariadb://nobody@127.0.0.1:1/none")->name() == "mysql");
    CHECK_THROWS_AS(kernel.dialect_for_url("nosuch://x"), NotFoundError);
}
