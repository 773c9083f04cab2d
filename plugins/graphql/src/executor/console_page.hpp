// The console page (plugins/graphql/console/index.html, embedded at build time): a small editor
// for queries with variables, a schema browser from introspection and a live subscription view
// over graphql-transport-ws. Served at "/" and to a browser's GET /graphql without a query.
#pragma once

#include <rex/sdk/http.hpp>

#include <optional>

namespace rex::graphql {

// The page's response for a request that asks for it (404 at "/" when the console is off);
// nullopt for every other request, which the executor serves as GraphQL.
std::optional<HttpResponse> console_page(const HttpRequest& request, bool enabled);

}  // namespace rex::graphql
