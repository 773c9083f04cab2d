// Validation (spec section 5): messages and locations as graphql-js words them, the error cap, and
// documents built to make naive implementations slow or crash. Accept/reject of ~280 documents is
// compared with graphql-js itself by the graphql_js_corpus test.
#include "language/parser.hpp"
#include "language/prepare.hpp"
#include "test_schema.hpp"
#include "validation/validate.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

using namespace rex::graphql;

namespace {

std::vector<GraphqlError> errors_of(std::string_view text) {
    auto parsed = parse_document(text);
    if (auto* e = std::get_if<GraphqlError>(&parsed)) return {*e};
    return validate(testing::chinook_schema(), std::get<ast::Document>(parsed));
}

std::vector<std::string> messages(std::string_view text) {
    std::vector<std::string> out;
    for (const auto& e : errors_of(text)) out.push_back(e.message);
    return out;
}

using Messages = std::vector<std::string>;

}  // namespace

TEST_CASE("validation messages follow graphql-js", "[graphql][validation]") {
    CHECK(messages("{ artist { nope } }") == Messages{"Cannot query field \"nope\" on type \"artist\". Did you mean \"name\"?"});
    CHECK(messages("{ artist }") ==
          Messages{"Field \"artist\" of type \"[artist!]!\" must have a selection of subfields. Did you mean \"artist { ... }\"?"});
    CHECK(messages("{ now { x } }") ==
          Messages{"Field \"now\" must not have a selection since type \"timestamptz\" has no subfields."});
    CHECK(messages("{ artist_by_pk { name } }") ==
          Messages{"Field \"artist_by_pk\" argument \"artist_id\" of type \"Int!\" is required, but it was not provided."});
    CHECK(messages("{ artist(first: 1) { name } }") == Messages{"Unknown argument \"first\" on field \"query_root.artist\". Did you mean \"limit\"?"});
    CHECK(messages("{ artist(limit: \"x\") { name } }") == Messages{"Int cannot represent non-integer value: \"x\""});
    CHECK(messages("{ artist(where: {nope: 1}) { name } }") ==
          Messages{"Field \"nope\" is not defined by type \"artist_bool_exp\". Did you mean \"name\"?"});
    CHECK(messages("{ artist(order_by: {name: up}) { name } }") == Messages{"Value \"up\" does not exist in \"order_by\" enum."});
    CHECK(messages("mutation { insert_artist_one(object: {}) { name } }") ==
          Messages{"Field \"artist_insert_input.name\" of required type \"String!\" was not provided."});
    CHECK(messages("{ artist(where: 1) { name } }") == Messages{"Expected value of type \"artist_bool_exp\", found 1."});
    CHECK(messages("{ now @skip(if: true) @skip(if: true) }") ==
          Messages{"The directive \"@skip\" can only be used once at this location."});
    CHECK(messages("query @skip(if: true) { now }") == Messages{"Directive \"@skip\" may not be used on QUERY."});
    CHECK(messages("query Q($a: Int) { now }") == Messages{"Variable \"$a\" is never used in operation \"Q\"."});
    CHECK(messages("{ artist(limit: $a) { name } }") == Messages{"Variable \"$a\" is not defined."});
    CHECK(messages("query ($a: Int) { artist_by_pk(artist_id: $a) { name } }") ==
          Messages{"Variable \"$a\" of type \"Int\" used in position expecting type \"Int!\"."});
    CHECK(messages("{ artist { ...A } } fragment A on artist { ...B } fragment B on artist { ...A }") ==
          Messages{"Cannot spread fragment \"A\" within itself via \"B\"."});
    CHECK(messages("{ artist { ... on album { title } } }") ==
          Messages{"Fragment cannot be spread here as objects of type \"artist\" can never be of type \"album\"."});
    CHECK(messages("{ artist { albums { x: title } albums { x: album_id } } }") ==
          Messages{"Fields \"albums\" conflict because subfields \"x\" conflict because \"title\" and \"album_id\" are "
                   "different fields. Use different aliases on the fields to fetch both if this was intentional."});
    CHECK(messages("subscription S { artist { name } track_by_pk(track_id: 1) { name } }") ==
          Messages{"Subscription \"S\" must select only one top level field."});
    CHECK(messages("type T { a: Int } { now }") == Messages{"The \"T\" definition is not executable."});
}

TEST_CASE("validation errors point at the offending node", "[graphql][validation]") {
    auto errors = errors_of("query Q {\n  artist {\n    nope\n  }\n}\nquery Q { now }");
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].message == "There can be only one operation named \"Q\".");
    CHECK(errors[0].locations.size() == 2);
    CHECK(errors[0].locations[1].line == 6);
    CHECK(errors[1].locations.at(0).line == 3);
    CHECK(errors[1].locations.at(0).column == 5);
    CHECK(errors[1].code == "GRAPHQL_VALIDATION_FAILED");
}

TEST_CASE("validation stops after 100 errors", "[graphql][validation]") {
    std::string doc = "{ ";
    for (int i = 0; i < 150; ++i) doc += "f" + std::to_string(i) + " ";
    doc += "}";
    auto errors = errors_of(doc);
    REQUIRE(errors.size() == 101);
    CHECK(errors.back().message == "Too many validation errors, error limit reached. Validation aborted.");
}

TEST_CASE("hostile documents validate in bounded time and stack", "[graphql][validation]") {
    auto started = std::chrono::steady_clock::now();
    // 2000 fields of one response key: pairwise merging is quadratic, still well under a second.
    std::string same = "{ artist { ";
    for (int i = 0; i < 2000; ++i) same += "name ";
    same += "} }";
    CHECK(errors_of(same).empty());
    // Fragments each spreading the next twice: graphql-js's pair cache keeps this linear.
    std::string pairs = "{ artist { ...F0 } }";
    for (int i = 0; i < 200; ++i)
        pairs += " fragment F" + std::to_string(i) + " on artist { name ...F" + std::to_string(i + 1) + " ...F" +
                 std::to_string(i + 1) + " }";
    pairs += " fragment F200 on artist { name }";
    CHECK(errors_of(pairs).empty());
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
    // A chain of 10 000 fragments: valid, but prepare refuses to expand it that deep.
    std::string chain = "{ artist { ...F0 } }";
    for (int i = 0; i < 10000; ++i)
        chain += " fragment F" + std::to_string(i) + " on artist { ...F" + std::to_string(i + 1) + " }";
    chain += " fragment F10000 on artist { name }";
    CHECK(errors_of(chain).empty());
    auto r = prepare(testing::chinook_schema(), GraphqlRequest{chain, std::nullopt, {}});
    REQUIRE(!r.operation);
    CHECK(r.errors.at(0).message == "Fragments are nested deeper than 1000 levels.");
    CHECK(r.errors.at(0).code == "limit-exceeded");
}

TEST_CASE("fragment cycles do not make field merging endless", "[graphql][validation]") {
    // Found by the fuzzer (13 s and counting before merging waited for the cycle check): fragments
    // that spread each other through nested fields, with a duplicated name.
    auto started = std::chrono::steady_clock::now();
    auto errors = errors_of("{ artist { ...A } }\nfragment A on artist { ...B }\nfragment B on artist { ...Cent C on artist {  artist { ...artisment on artist { name ...B }\nfragment B on artist { albums { ...C } }\nfragment C on alsubscriptit { name ...B }B }\nagment...A }\nt...A }\n");
    CHECK(!errors.empty());
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
    CHECK(messages("{ artist { ...A } } fragment A on artist { albums { artist { ...A } } albums { artist { ...A } } }") ==
          Messages(2, "Cannot spread fragment \"A\" within itself."));  // once per spread, as graphql-js
}

TEST_CASE("prepare is safe to call from several threads", "[graphql][validation]") {
    const Schema& schema = testing::chinook_schema();
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 300; ++i) {
                // Some documents shared by all threads, some per thread: hits, misses and evictions.
                std::string doc = "query Q" + std::to_string(i % 50 + (i % 3 == 0 ? t * 1000 : 0)) +
                                  " { artist(limit: " + std::to_string(i % 7) + ") { name } }";
                auto r = prepare(schema, GraphqlRequest{doc, std::nullopt, {}});
                if (!r.operation || r.operation->fields.at(0).argument("limit")->as_number()->text != std::to_string(i % 7))
                    ++failures;
            }
        });
    for (auto& th : threads) th.join();
    CHECK(failures == 0);
}
