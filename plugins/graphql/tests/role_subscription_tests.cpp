// Subscriptions and custom fields under a role's rules (docs/permissions.md), on every backend:
// the role's schema offers live queries and streams only for the entities and columns its select
// rules allow; a live query re-runs under the role's row filter with the requester's session
// values and is shared only within one identity; a stream's batches never carry a row of another
// user, also when a row changes owner; a custom field is offered to the roles it names and its
// resolver is told the requester's role and session variables.
// A query's compiled SQL (executor/plan_cache.hpp) serves only the requester it was compiled for.
#include "operation_support.hpp"

#include "api/role_api.hpp"
#include "operations/operations.hpp"

#include <rex/sdk/access.hpp>

using namespace rex;
using namespace rex::graphql::test;
using namespace std::chrono_literals;

namespace {

// Role "fan": the albums of its artist (x-rex-user-id) and their tracks' id and name; nothing of
// genres; no aggregates. Role "nobody": no rule at all.
std::shared_ptr<const RoleRules> fan_rules() {
    auto r = std::make_shared<RoleRules>();
    r->role = "fan";
    SelectRule album{{"album_id", "title", "artist_id"}, R"({"artist_id": {"_eq": "x-rex-user-id"}})", false, {}};
    r->entities["album"].select = album;
    SelectRule track{{"track_id", "name"}, R"({"album": {"artist_id": {"_eq": "x-rex-user-id"}}})", false, {}};
    r->entities["track"].select = track;
    return r;
}

// Identifies from the opening headers: "x-test-user: <id>" is a fan of artist <id>,
// "x-test-role: nobody" a role without rules; no header the admin.
class RoleFixture : public WorkerFixture {
public:
    using WorkerFixture::WorkerFixture;
    IdentifyResult identify(const IdentityRequest& request) const override {
        if (!request.headers) return {Identity::administrator(), {}};
        for (const auto& h : *request.headers) {
            if (h.name == "x-test-user") {
                auto who = std::make_shared<Identity>();
                who->role = "fan";
                who->variables = {{"x-rex-user-id", h.value}};
                who->rules = rules_;
                return {who, {}};
            }
            if (h.name == "x-test-role") {
                auto who = std::make_shared<Identity>();
                who->role = h.value;
                return {who, {}};
            }
        }
        return {Identity::administrator(), {}};
    }

private:
    std::shared_ptr<const RoleRules> rules_ = fan_rules();
};

OperationRequest as(const std::string& header, const std::string& value, std::string query) {
    auto r = operation(std::move(query));
    r.headers.push_back({header, value});
    return r;
}

// Writes album rows and publishes their changes as the ORM does after a commit.
class AlbumWriter {
public:
    explicit AlbumWriter(WorkerFixture& f) : f_(f) {
        auto shape = std::make_shared<ChangeShape>();
        shape->entity = "album";
        shape->fields = {"album_id", "title", "artist_id"};
        shape->key_field = 0;
        shape_ = shape;
    }
    void insert(int id, const std::string& title, int artist) {
        f_.sql("INSERT INTO gq_album (album_id, title, artist_id) VALUES (?, ?, ?)", {id, title, artist});
        f_.changes().publish(ChangeEvent::of(ChangeKind::insert, shape_, {Value(id), Value(title), Value(artist)}));
    }
    // No old values (as a capture without them): the consumers must not rely on them.
    void move(int id, const std::string& title, int artist) {
        f_.sql("UPDATE gq_album SET artist_id = ? WHERE album_id = ?", {artist, id});
        f_.changes().publish(ChangeEvent::of(ChangeKind::update, shape_, {Value(id), Value(title), Value(artist)}));
    }

private:
    WorkerFixture& f_;
    std::shared_ptr<const ChangeShape> shape_;
};

std::vector<std::string> names(const std::vector<rex::graphql::FieldDef>& fields) {
    std::vector<std::string> out;
    for (const auto& f : fields) out.push_back(f.name);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("a role's schema has the subscriptions of what its select rules allow, and only those", "[graphql][subscriptions][permissions]") {
    const auto b = backends().front();
    RoleFixture f(b, fast_live_options());
    const auto full = f.executor().api();
    const auto fan = rex::graphql::role_api(*full, *fan_rules(), "fan");
    std::vector<std::string> roots;
    for (const auto& [name, root] : fan->subscription_fields) roots.push_back(name);
    CHECK(roots == std::vector<std::string>{"album", "album_by_pk", "album_stream", "track", "track_by_pk", "track_stream"});
    REQUIRE(fan->schema.subscription_type);
    const auto* root = fan->schema.type(*fan->schema.subscription_type);
    REQUIRE(root);
    CHECK(names(root->fields) == roots);
    // The stream's cursor starts only from columns the role may read.
    const auto* cursor = fan->schema.type("track_stream_cursor_value_input");
    REQUIRE(cursor);
    std::vector<std::string> columns;
    for (const auto& c : cursor->input_fields) columns.push_back(c.name);
    CHECK(columns == std::vector<std::string>{"track_id", "name"});
    CHECK_FALSE(fan->schema.type("genre_stream_cursor_input"));
    // A role without rules has no subscription root at all.
    const auto nobody = rex::graphql::role_api(*full, RoleRules{}, "nobody");
    CHECK(nobody->subscription_fields.empty());
    CHECK_FALSE(nobody->schema.subscription_type);
    CHECK_FALSE(nobody->schema.type("subscription_root"));
}

TEST_CASE("live queries and streams of a role: its rows only, shared only within one identity", "[graphql][subscriptions][permissions]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        RoleFixture f(b, fast_live_options());
        AlbumWriter albums(f);
        auto ops = f.executor().operations();
        auto& graphql_ops = dynamic_cast<rex::graphql::GraphqlOperations&>(*ops);

        // A field the role has no rule for, or a column it may not read: a validation error.
        auto refused = std::make_shared<RecordingSink>();
        auto h0 = ops->start(as("x-test-user", "1", "subscription { genre { name } }"), refused);
        CHECK(refused->text(0).find("genre") != std::string::npos);
        CHECK(refused->messages().front().kind == "error");
        auto refused2 = std::make_shared<RecordingSink>();
        auto h1 = ops->start(as("x-test-user", "1", "subscription { track { milliseconds } }"), refused2);
        CHECK(refused2->text(0).find("milliseconds") != std::string::npos);
        auto refused3 = std::make_shared<RecordingSink>();
        auto h2 = ops->start(as("x-test-role", "nobody", "subscription { album { title } }"), refused3);
        CHECK(refused3->messages().size() <= 1);
        CHECK(refused3->text(0).find("subscription operation is not supported") != std::string::npos);  // no subscription root at all

        const std::string live = "subscription { album(order_by: {album_id: asc}) { album_id artist_id } }";
        auto a1 = std::make_shared<RecordingSink>(), a1b = std::make_shared<RecordingSink>(), a2 = std::make_shared<RecordingSink>();
        auto ha1 = ops->start(as("x-test-user", "1", live), a1);
        CHECK(data_of(a1->text(0)) == R"(next {"data":{"album":[{"album_id":1,"artist_id":1},{"album_id":4,"artist_id":1}]}})");
        auto ha2 = ops->start(as("x-test-user", "2", live), a2);
        CHECK(data_of(a2->text(0)) == R"(next {"data":{"album":[{"album_id":2,"artist_id":2},{"album_id":3,"artist_id":2}]}})");
        auto ha1b = ops->start(as("x-test-user", "1", live), a1b);
        CHECK(data_of(a1b->text(0)) == data_of(a1->text(0)));
        CHECK(graphql_ops.live_executions() == 2);  // user 1's two share one; user 2 has its own

        const std::string stream = "subscription { album_stream(batch_size: 10, cursor: {initial_value: {album_id: 0}}) { album_id title } }";
        auto s1 = std::make_shared<RecordingSink>();
        auto hs1 = ops->start(as("x-test-user", "1", stream), s1);
        CHECK(data_of(s1->text(0)) == R"(next {"data":{"album_stream":[{"album_id":1,"title":"For Those About To Rock"},{"album_id":4,"title":"Let There Be Rock"}]}})");
        // The tracks of the role's albums: a filter through a relation.
        auto t1 = std::make_shared<RecordingSink>();
        auto ht1 = ops->start(as("x-test-user", "1", "subscription { track(order_by: {track_id: asc}) { track_id } }"), t1);
        CHECK(data_of(t1->text(0)) == R"(next {"data":{"track":[{"track_id":1},{"track_id":5}]}})");

        albums.insert(10, "Other's", 2);  // user 2's row
        CHECK(data_of(a2->text(1)) == R"(next {"data":{"album":[{"album_id":2,"artist_id":2},{"album_id":3,"artist_id":2},{"album_id":10,"artist_id":2}]}})");
        albums.insert(11, "Mine", 1);
        CHECK(data_of(s1->text(1)) == R"(next {"data":{"album_stream":[{"album_id":11,"title":"Mine"}]}})");
        CHECK(data_of(a1->text(1)) == R"(next {"data":{"album":[{"album_id":1,"artist_id":1},{"album_id":4,"artist_id":1},{"album_id":11,"artist_id":1}]}})");
        // A row changing owner: it leaves user 1's results and enters user 2's, and back.
        albums.move(11, "Mine", 2);
        CHECK(data_of(a1->text(2)) == R"(next {"data":{"album":[{"album_id":1,"artist_id":1},{"album_id":4,"artist_id":1}]}})");
        CHECK(data_of(a2->text(2)).find(R"({"album_id":11,"artist_id":2})") != std::string::npos);
        albums.move(10, "Other's", 1);  // user 2's row becomes user 1's: now the stream shows it
        CHECK(data_of(s1->text(2)) == R"(next {"data":{"album_stream":[{"album_id":10,"title":"Other's"}]}})");
        // Album 1 moves away: its tracks leave user 1's track live query (a change of the
        // related entity the row filter reads).
        albums.move(1, "For Those About To Rock", 3);
        CHECK(data_of(t1->text(1)) == R"(next {"data":{"track":[]}})");
        std::this_thread::sleep_for(200ms);
        // The stream never showed album 11 after it left, nor any of user 2's rows.
        for (const auto& m : s1->messages()) {
            CHECK(m.text.find("\"album_id\":2,") == std::string::npos);
            CHECK(m.text.find("\"album_id\":3,") == std::string::npos);
        }
        CHECK(s1->messages().size() == 3);
        for (const auto& m : a1->messages()) CHECK(m.text.find("\"artist_id\":2") == std::string::npos);
        for (const auto& m : a2->messages()) CHECK(m.text.find("\"artist_id\":1") == std::string::npos);
        f.seed();
    }
}

TEST_CASE("custom fields are offered to the roles they name, and their resolver is told the requester", "[graphql][custom][permissions]") {
    const auto b = backends().front();
    auto options = fast_live_options();
    // A config query offered to the fan role: its SQL runs as written (no rule applies to it).
    auto count = std::make_shared<rex::graphql::SqlQueryDef>();
    count->name = "album_count";
    count->sql = "SELECT count(*) FROM gq_album";
    count->returns = "Int!";
    count->roles = {"fan"};
    options.api.queries.push_back(count);
    RoleFixture f(b, options);
    Resolver whoami;
    whoami.name = "whoami";
    whoami.returns = "String!";
    whoami.roles = {"fan"};
    whoami.resolve = [](const ResolverCall& call) {
        std::string out = call.requester->role + (call.requester->admin ? " admin" : "");
        for (const auto& [name, value] : call.requester->variables) out += " " + name + "=" + value;
        return "\"" + out + "\"";
    };
    f.kernel().register_resolver(std::move(whoami));
    auto ops = f.executor().operations();
    auto fan = std::make_shared<RecordingSink>(), nobody = std::make_shared<RecordingSink>(), admin = std::make_shared<RecordingSink>();
    auto h1 = ops->start(as("x-test-user", "7", "{ whoami album_count __schema { queryType { fields { name } } } }"), fan);
    CHECK(fan->text(0).find(R"("whoami":"fan x-rex-user-id=7","album_count":4)") != std::string::npos);
    CHECK(fan->text(0).find(R"({"name":"whoami"})") != std::string::npos);  // introspection shows it
    auto h2 = ops->start(as("x-test-role", "nobody", "{ whoami album_count }"), nobody);
    CHECK(nobody->text(0).find("whoami") != std::string::npos);
    CHECK(nobody->text(0).find("album_count") != std::string::npos);
    CHECK(nobody->messages().front().kind == "error");  // a validation error: not in its schema
    auto h3 = ops->start(operation("{ whoami }"), admin);
    CHECK(admin->text(0).find(R"("whoami":"admin admin")") != std::string::npos);
}

// executor/plan_cache.hpp: a repeated query runs its compiled SQL, which holds the requester's
// session values; so a plan serves only the same role with the same values, and a role whose API
// lacks the field is still refused by validation.
TEST_CASE("a query's compiled SQL is reused only by the same requester", "[graphql][plans][permissions]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        RoleFixture f(b, fast_live_options());
        auto& plans = f.executor().plans();
        const auto ask = [&](std::vector<HttpHeader> headers, const std::string& body) {
            headers.push_back({"content-type", "application/json"});
            return f.request("POST", body, {}, std::move(headers)).body;
        };
        const std::string albums = R"({"query":"{ album(order_by: {album_id: asc}) { album_id artist_id } }"})";
        const std::string one = R"({"data":{"album":[{"album_id":1,"artist_id":1},{"album_id":4,"artist_id":1}]}})";
        const std::string two = R"({"data":{"album":[{"album_id":2,"artist_id":2},{"album_id":3,"artist_id":2}]}})";
        const auto before = plans.size();
        CHECK(ask({{"x-test-user", "1"}}, albums) == one);
        CHECK(plans.size() == before + 1);
        CHECK(ask({{"x-test-user", "1"}}, albums) == one);  // from the plan
        CHECK(plans.size() == before + 1);
        CHECK(ask({{"x-test-user", "2"}}, albums) == two);  // other session values: a plan of its own
        CHECK(plans.size() == before + 2);
        CHECK(ask({{"x-test-user", "2"}}, albums) == two);
        CHECK(ask({{"x-test-user", "1"}}, albums) == one);
        CHECK(ask({{"x-test-role", "nobody"}}, albums).find(R"("errors")") != std::string::npos);
        const auto all = ask({}, albums);  // the admin: every album
        CHECK(all.find(R"({"album_id":1,"artist_id":1},{"album_id":2,"artist_id":2})") != std::string::npos);
        CHECK(ask({}, albums) == all);
        CHECK(plans.size() == before + 3);
        // A request with variables is kept from its second sending with the same values; a column
        // the role may not read is refused again.
        const std::string by_key = R"({"query":"query($id: Int!) { album_by_pk(album_id: $id) { title } }","variables":{"id":1}})";
        const auto title = ask({{"x-test-user", "1"}}, by_key);
        CHECK(title.find(R"("title")") != std::string::npos);
        CHECK(plans.size() == before + 3);
        CHECK(ask({{"x-test-user", "1"}}, by_key) == title);
        CHECK(plans.size() == before + 4);
        CHECK(ask({{"x-test-user", "1"}}, by_key) == title);  // from the plan
        CHECK(ask({{"x-test-user", "2"}}, by_key) == R"({"data":{"album_by_pk":null}})");  // user 2 sees no album 1
        const std::string hidden = R"({"query":"{ track { milliseconds } }"})";
        CHECK(ask({}, hidden).find(R"("data")") != std::string::npos);
        CHECK(ask({{"x-test-user", "1"}}, hidden).find("milliseconds") != std::string::npos);
        CHECK(ask({{"x-test-user", "1"}}, hidden).find(R"("errors")") != std::string::npos);
    }
}
