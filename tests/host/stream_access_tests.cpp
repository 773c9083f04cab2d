// The plain change stream under role rules (apps/rex-host/src/stream_access.cpp, wired into
// HostChangeStreams): on a real kernel's catalog and change bus, a role gets only the events of
// rows its select rule's filter allows, only its columns, a row leaving its filter as a delete of
// the old row, and clear refusals for entities, columns and identities it may not have.
// tests/e2e/permissions-streams.test.mjs does the same with JWTs over SSE and WebSocket.
#include "change_streams.hpp"
#include "update_event.hpp"

#include <rex/kernel.hpp>
#include <rex/sdk/error.hpp>

#include <catch2/catch.hpp>

#include <mutex>

using rex::ChangeEvent;
using rex::ChangeKind;
using rex::ChangeShape;
using rex::Value;
using rex::host::HostChangeStreams;

namespace {

rex::FieldInfo field(const char* name, rex::LogicalType type, bool key = false) {
    rex::FieldInfo f;
    f.name = f.column = name;
    f.type = rex::ColumnType(type);
    f.primary_key = key;
    return f;
}

rex::EntityInfo entity(const char* name, std::vector<rex::FieldInfo> fields) {
    rex::EntityInfo e;
    e.name = e.table = name;
    e.fields = std::move(fields);
    return e;
}

// Album(AlbumId, Title, ArtistId, Secret) belongs to Artist(ArtistId, Name).
rex::EntityInfo album_entity() {
    auto e = entity("Album", {field("AlbumId", rex::LogicalType::int64, true), field("Title", rex::LogicalType::text),
                              field("ArtistId", rex::LogicalType::int64), field("Secret", rex::LogicalType::text)});
    e.relations.push_back({"Artist", rex::RelationKind::belongs_to, "Artist", "ArtistId", {}, {}, {}});
    return e;
}

const std::shared_ptr<const ChangeShape>& album_shape() {
    static const auto shape = std::make_shared<const ChangeShape>(ChangeShape{"Album", {"AlbumId", "Title", "ArtistId", "Secret"}, 0});
    return shape;
}

std::vector<Value> album(std::int64_t id, const char* title, std::int64_t artist) { return {id, title, artist, "hidden"}; }

// The roles: "fan" reads Album rows of its own artist (x-rex-user-id), without Secret, and no
// Artist; "curious" reads Album through the Artist relation (which the stream refuses); the
// admin reads everything. The X-Test-Role header picks one; "refused" is a bad token.
std::shared_ptr<const rex::RoleRules> rules_of(const std::string& role) {
    auto rules = std::make_shared<rex::RoleRules>();
    rules->role = role;
    rex::EntityRules album_rules;
    if (role == "fan") album_rules.select = rex::SelectRule{{"AlbumId", "Title", "ArtistId"}, R"({"ArtistId":{"_eq":"x-rex-user-id"}})", false, {}};
    else album_rules.select = rex::SelectRule{{"*"}, R"({"Artist":{"Name":{"_eq":"x-rex-user-id"}}})", false, {}};
    rules->entities["Album"] = album_rules;
    return rules;
}

rex::IdentifyResult identify(const rex::IdentityRequest& request) {
    std::string role, user = "1";
    for (const auto& h : *request.headers) {
        if (h.name == "X-Test-Role") role = h.value;
        if (h.name == "X-Test-User") user = h.value;
    }
    if (role.empty()) return {rex::Identity::administrator(), {}};
    if (role == "refused") return {nullptr, "the token has expired"};
    auto identity = std::make_shared<rex::Identity>();
    identity->role = role;
    identity->variables = {{"x-rex-user-id", user}};
    identity->rules = rules_of(role);
    return {identity, {}};
}

struct Sink final : rex::ChangeStreamSink {
    std::mutex mutex;
    std::vector<std::string> messages;
    void event(std::uint64_t, std::shared_ptr<const std::string> message) override {
        std::lock_guard lock(mutex);
        messages.push_back(*message);
    }
    void end(rex::ChangeStreamEnd) override {}
};

struct Fixture {
    rex::Kernel kernel;
    HostChangeStreams streams{kernel.catalog(), kernel.changes(), kernel.logger(), identify};
    Fixture() {
        kernel.register_entity(album_entity());
        kernel.register_entity(entity("Artist", {field("ArtistId", rex::LogicalType::int64, true), field("Name", rex::LogicalType::text)}));
    }
    struct Stream {
        std::shared_ptr<Sink> sink = std::make_shared<Sink>();
        std::unique_ptr<rex::ChangeSubscription> subscription;
    };
    Stream open(std::vector<std::string> entities, std::string role, std::string where = {}, std::string user = "1") {
        Stream s;
        rex::ChangeStreamRequest request;
        request.entities = std::move(entities);
        request.where = std::move(where);
        request.headers = {{"X-Test-Role", std::move(role)}, {"X-Test-User", std::move(user)}};
        s.subscription = streams.open(std::move(request), s.sink);
        return s;
    }
    std::string refusal(std::vector<std::string> entities, std::string role, std::string where = {}, std::string user = "1") {
        try {
            open(std::move(entities), std::move(role), std::move(where), std::move(user));
        } catch (const rex::Error& e) {
            return std::string(rex::to_string(e.category())) + ": " + e.message();
        }
        return "(no error)";
    }
    void publish(ChangeKind kind, std::vector<Value> row) { kernel.changes().publish(ChangeEvent::of(kind, album_shape(), std::move(row))); }
    void publish_update(std::vector<Value> before, std::vector<Value> after) {
        kernel.changes().publish(rex::test::update_event(album_shape(), std::move(before), std::move(after)));
    }
};

}  // namespace

TEST_CASE("role stream: only the rows of the role's filter, only its columns, deletes by their old row", "[changes][access]") {
    Fixture f;
    auto mine = f.open({"Album"}, "fan", {}, "1");
    auto theirs = f.open({"Album"}, "fan", {}, "2");
    auto admin = f.open({"Album"}, "");
    f.publish(ChangeKind::insert, album(1, "A", 1));
    f.publish(ChangeKind::insert, album(2, "B", 2));
    f.publish(ChangeKind::remove, album(2, "B", 2));
    f.publish(ChangeKind::remove, album(1, "A", 1));
    CHECK(mine.sink->messages == std::vector<std::string>{R"({"event":"insert","model":"Album","data":{"AlbumId":1,"Title":"A","ArtistId":1},"seq":1})",
                                                           R"({"event":"delete","model":"Album","data":{"AlbumId":1,"Title":"A","ArtistId":1},"seq":4})"});
    CHECK(theirs.sink->messages == std::vector<std::string>{R"({"event":"insert","model":"Album","data":{"AlbumId":2,"Title":"B","ArtistId":2},"seq":2})",
                                                             R"({"event":"delete","model":"Album","data":{"AlbumId":2,"Title":"B","ArtistId":2},"seq":3})"});
    REQUIRE(admin.sink->messages.size() == 4);
    CHECK(admin.sink->messages[0].find(R"("Secret":"hidden")") != std::string::npos);
}

TEST_CASE("role stream: an update leaving the role's filter is a delete of the old row; one entering it has no old row", "[changes][access]") {
    Fixture f;
    auto mine = f.open({"Album"}, "fan");
    f.publish_update(album(1, "A", 1), album(1, "A2", 1));  // stays: update with old
    f.publish_update(album(1, "A2", 1), album(1, "Moved", 2));  // leaves: the new values must not show
    f.publish_update(album(3, "In", 2), album(3, "In", 1));  // enters: the old row was not the role's
    f.publish_update(album(4, "X", 2), album(4, "Y", 3));    // never the role's
    REQUIRE(mine.sink->messages.size() == 3);
    CHECK(mine.sink->messages[0] ==
          R"({"event":"update","model":"Album","data":{"AlbumId":1,"Title":"A2","ArtistId":1},"old":{"AlbumId":1,"Title":"A","ArtistId":1},"seq":1})");
    CHECK(mine.sink->messages[1] == R"({"event":"delete","model":"Album","data":{"AlbumId":1,"Title":"A2","ArtistId":1},"seq":2})");
    CHECK(mine.sink->messages[2] == R"({"event":"update","model":"Album","data":{"AlbumId":3,"Title":"In","ArtistId":1},"seq":3})");
    for (const auto& m : mine.sink->messages) CHECK(m.find("Moved") == std::string::npos);
}

TEST_CASE("role stream: the client's where is ANDed with the role's filter; every entity means the role's entities", "[changes][access]") {
    Fixture f;
    auto mine = f.open({"Album"}, "fan", R"({"_or":[{"Title":{"_eq":"A"}},{"ArtistId":{"_eq":2}}]})");
    auto all = f.open({}, "fan");
    f.publish(ChangeKind::insert, album(1, "A", 1));
    f.publish(ChangeKind::insert, album(2, "A", 2));  // the client's filter matches, the role's does not
    f.publish(ChangeKind::insert, album(3, "C", 1));  // the role's matches, the client's does not
    f.kernel.changes().publish(ChangeEvent::of(ChangeKind::insert, std::make_shared<const ChangeShape>(ChangeShape{"Artist", {"ArtistId", "Name"}, 0}),
                                               {Value(std::int64_t{1}), Value("X")}));
    REQUIRE(mine.sink->messages.size() == 1);
    CHECK(mine.sink->messages[0].find(R"("AlbumId":1,)") != std::string::npos);
    REQUIRE(all.sink->messages.size() == 2);  // Albums 1 and 3; never the Artist (no rule)
    for (const auto& m : all.sink->messages) CHECK(m.find(R"("model":"Album")") != std::string::npos);
}

TEST_CASE("role stream: refused identities, entities, columns, relation filters and injected session variables", "[changes][access]") {
    Fixture f;
    CHECK(f.refusal({"Album"}, "refused") == "validation: identity refused: the token has expired");
    CHECK(f.refusal({"Artist"}, "fan") == "validation: entity: the role 'fan' may not read Artist (it has no select rule), so it gets none of its changes");
    CHECK(f.refusal({"Album"}, "fan", R"({"Secret":{"_like":"h%"}})") == "validation: where: Secret: the requester's role may not read Album.Secret");
    CHECK(f.refusal({"Album"}, "curious") ==
          "unsupported: entity: the role 'curious' reads Album under a filter that follows a relation, which the change stream cannot check on an "
          "event; use a GraphQL subscription for it");
    CHECK(f.refusal({}, "curious") == "validation: entity: the role 'curious' may read none of the entities on a change stream (no select rule without a relation filter)");
    // A session variable stays a value: text for an integer column is refused, never spliced.
    CHECK(f.refusal({"Album"}, "fan", {}, "1 OR 1=1").starts_with("validation: the select rule of the role 'fan' on Album does not fit this requester's session variables: "));
    // The role is not told which entities exist.
    CHECK(f.refusal({"Nope"}, "fan") == "not found: entity: no entity named 'Nope'");
    CHECK(f.refusal({"Nope"}, "") == "not found: entity: no entity named 'Nope' (entities: Album, Artist)");
}
