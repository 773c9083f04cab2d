// The executor for transports (GraphqlExecutor::operations()), driven directly: queries and
// mutations give one result then complete, request errors give the errors array and nothing
// else, and a stopped operation delivers nothing (a mutation stopped before it ran is not run).
#include "operation_support.hpp"

#include "executor/sha256.hpp"

#include <rex/sdk/error.hpp>

using namespace rex::graphql::test;

TEST_CASE("operations: a query, a mutation, request errors", "[graphql][operations]") {
    for (const auto& b : backends()) {
        INFO("backend " << b.name);
        WorkerFixture f(b);
        auto ops = f.executor().operations();
        REQUIRE(ops);
        {
            auto sink = std::make_shared<RecordingSink>();
            auto handle = ops->start(operation("query($id: Int!) { artist_by_pk(artist_id: $id) { name } }", R"({"id": 2})"), sink);
            CHECK(sink->text(0) == R"(next {"data":{"artist_by_pk":{"name":"Accept"}}})");
            CHECK(sink->text(1) == "complete ");
        }
        {
            auto sink = std::make_shared<RecordingSink>();
            auto handle = ops->start(operation(R"(mutation { insert_genre_one(object: {genre_id: 7, name: "Blues"}) { name } })"), sink);
            CHECK(sink->text(0) == R"(next {"data":{"insert_genre_one":{"name":"Blues"}}})");
            CHECK(sink->text(1) == "complete ");
            CHECK(f.sql("SELECT name FROM gq_genre WHERE genre_id = ?", {7}).rows.at(0).at(0).as_text() == "Blues");
        }
        {
            auto sink = std::make_shared<RecordingSink>();
            auto handle = ops->start(operation("{ artist { nope } }"), sink);
            CHECK(sink->text(0) ==
                  R"(error [{"message":"Cannot query field \"nope\" on type \"artist\". Did you mean \"name\"?","locations":[{"line":1,"column":12}],"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}])");
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            CHECK(sink->messages().size() == 1);  // nothing follows an error
        }
        {
            auto sink = std::make_shared<RecordingSink>();
            auto handle = ops->start(operation("{ artist { name } }", "[1]"), sink);
            CHECK(sink->text(0) == R"(error [{"message":"variables must be a JSON object","extensions":{"code":"BAD_REQUEST"}}])");
        }
        {  // a field error is a result, not a request error
            auto sink = std::make_shared<RecordingSink>();
            auto handle = ops->start(operation(R"(mutation { insert_genre_one(object: {genre_id: 7, name: "Again"}) { name } })"), sink);
            CHECK(sink->text(0).starts_with(R"(next {"data":null,"errors":[{"message":"Uniqueness violation)"));
            CHECK(sink->text(1) == "complete ");
        }
    }
}

TEST_CASE("operations: a stopped operation delivers nothing and a mutation stopped before it ran is not run", "[graphql][operations]") {
    const auto b = backends().front();  // SQLite: the behaviour is the executor's, not the database's
    WorkerFixture f(b);
    auto ops = f.executor().operations();
    auto sink = std::make_shared<RecordingSink>();
    f.hold();
    auto handle = ops->start(operation(R"(mutation { insert_genre_one(object: {genre_id: 8, name: "Never"}) { name } })"), sink);
    handle.reset();
    f.release();
    // A query started after it runs after it (two workers: wait for the query's result, then a bit).
    auto later = std::make_shared<RecordingSink>();
    auto h2 = ops->start(operation("{ genre_aggregate { aggregate { count } } }"), later);
    CHECK(later->text(0) == R"(next {"data":{"genre_aggregate":{"aggregate":{"count":3}}}})");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(sink->messages().empty());
    CHECK(f.sql("SELECT count(*) FROM gq_genre WHERE genre_id = ?", {8}).rows.at(0).at(0).as_int64() == 0);
}

TEST_CASE("operations: persisted queries as over HTTP", "[graphql][operations]") {
    const auto b = backends().front();
    const std::string listed = "{ genre_by_pk(genre_id: 1) { name } }";
    const std::string hash = rex::graphql::sha256_hex(listed);
    rex::graphql::ExecutorOptions options;
    options.persisted_queries = std::make_shared<const std::map<std::string, std::string, std::less<>>>(
        std::map<std::string, std::string, std::less<>>{{hash, listed}});
    WorkerFixture f(b, options);
    auto ops = f.executor().operations();
    const auto first = [&](std::string query, std::string extensions) {
        auto request = operation(std::move(query));
        request.extensions = std::move(extensions);
        auto sink = std::make_shared<RecordingSink>();
        auto handle = ops->start(std::move(request), sink);
        return sink->text(0);
    };
    const auto pq = [](const std::string& h) { return R"({"persistedQuery":{"version":1,"sha256Hash":")" + h + "\"}}"; };
    CHECK(first("{ genre { name } }", "") ==
          R"(error [{"message":"Only persisted queries run here: send extensions.persistedQuery.sha256Hash","extensions":{"code":"PERSISTED_QUERY_REQUIRED"}}])");
    CHECK(first("", pq(std::string(64, '0'))) == R"(error [{"message":"PersistedQueryNotFound","extensions":{"code":"PERSISTED_QUERY_NOT_FOUND"}}])");
    CHECK(first("{ genre { name } }", pq(hash)) ==
          R"(error [{"message":"extensions.persistedQuery.sha256Hash is not the sha256 of the query","extensions":{"code":"BAD_REQUEST"}}])");
    CHECK(first("", pq(hash)) == R"(next {"data":{"genre_by_pk":{"name":"Rock"}}})");
}

TEST_CASE("operations: live_debounce_ms and max_subscriptions from settings.graphql", "[graphql][operations]") {
    rex::PluginSettings s("rex.json: /settings/graphql");
    auto defaults = rex::graphql::ExecutorOptions::from_settings(s);
    CHECK(defaults.live_debounce == std::chrono::milliseconds(50));
    CHECK(defaults.max_subscriptions == 10000);
    s.set("live_debounce_ms", "20");
    s.set("max_subscriptions", "3");
    const auto o = rex::graphql::ExecutorOptions::from_settings(s);
    CHECK(o.live_debounce == std::chrono::milliseconds(20));
    CHECK(o.max_subscriptions == 3);
    s.set("live_debounce_ms", "-1");
    try {
        rex::graphql::ExecutorOptions::from_settings(s);
        FAIL("a negative debounce was accepted");
    } catch (const rex::ConfigurationError& e) {
        CHECK(std::string(e.what()).find("live_debounce_ms") != std::string::npos);
    }
}
