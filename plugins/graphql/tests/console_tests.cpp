// Which requests get the console page (console_page()): "/" always, GET /graphql only from a
// browser (HTML accepted before JSON, no query), never a GraphQL client's request.
#include "executor/console_page.hpp"

#include <catch2/catch.hpp>

using rex::HttpRequest;
using rex::graphql::console_page;

namespace {

HttpRequest request(std::string method, std::string path, std::string accept = {}, std::string query = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.query = std::move(query);
    if (!accept.empty()) r.headers.push_back({"Accept", std::move(accept)});
    return r;
}

const std::string* header(const rex::HttpResponse& r, std::string_view name) {
    for (const auto& h : r.headers)
        if (h.name == name) return &h.value;
    return nullptr;
}

}  // namespace

TEST_CASE("the console page is served at / with a policy that allows only this host", "[console]") {
    for (const char* method : {"GET", "HEAD"}) {
        const auto page = console_page(request(method, "/"), true);
        REQUIRE(page);
        CHECK(page->status == 200);
        CHECK(page->content_type == "text/html; charset=utf-8");
        CHECK(page->body.find("<title>Rex console</title>") != std::string::npos);
        CHECK(page->body.find("graphql-transport-ws") != std::string::npos);
        REQUIRE(header(*page, "Content-Security-Policy"));
        CHECK(header(*page, "Content-Security-Policy")->find("connect-src 'self'") != std::string::npos);
    }
    const auto post = console_page(request("POST", "/"), true);
    REQUIRE(post);
    CHECK(post->status == 405);
    CHECK(*header(*post, "Allow") == "GET, HEAD");
    const auto off = console_page(request("GET", "/"), false);
    REQUIRE(off);
    CHECK(off->status == 404);
    CHECK(off->body.find("settings.graphql.console") != std::string::npos);
}

TEST_CASE("GET /graphql answers the page to a browser and GraphQL to everyone else", "[console]") {
    const std::string browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    CHECK(console_page(request("GET", "/graphql", browser), true));
    CHECK_FALSE(console_page(request("GET", "/graphql", browser), false));
    CHECK_FALSE(console_page(request("GET", "/graphql", browser, "query=%7B__typename%7D"), true));
    CHECK_FALSE(console_page(request("GET", "/graphql", "application/json, text/html"), true));
    CHECK_FALSE(console_page(request("GET", "/graphql", "application/graphql-response+json"), true));
    CHECK_FALSE(console_page(request("GET", "/graphql"), true));
    CHECK_FALSE(console_page(request("POST", "/graphql", browser), true));
}
