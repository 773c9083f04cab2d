// Answers a custom root field (custom_fields.hpp): its arguments as Values, then the C++ callback
// (its JSON projected on the selection) or the config's SQL (one statement: an entity result is
// built as JSON inside the database, like a generated field, from the query's rows).
#pragma once

#include "api/api.hpp"
#include "schema/operation.hpp"
#include "sql/runner.hpp"

#include <rex/sdk/dialect.hpp>
#include <rex/sdk/resolver.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace rex::graphql {

// A resolver refused or failed with a message meant for the client (extensions.code "resolver-error").
class ResolverFailed : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct CustomCall {
    const Api& api;
    const Dialect& dialect;
    SqlRunner& runner;  // the request's connection (in its transaction for a mutation)
    const std::vector<HttpHeader>* headers = nullptr;
    const Requester* requester = nullptr;
    WriteReport* writes = nullptr;  // a mutation's (custom/resolver_writes.hpp)
};

// Appends the field's JSON value to `out`.
void resolve_custom(const CustomField& custom, const SelectedField& field, const CustomCall& call, std::string& out);

// The text of `sql` with each `:name` of `arguments` replaced by `bind(value)`; quoted strings,
// quoted identifiers, comments and PostgreSQL's `::` casts are left alone. InputError naming the
// placeholder when one names no argument.
std::string bind_named(std::string_view sql, const std::vector<std::pair<std::string, Value>>& arguments,
                       const std::function<std::string(const Value&)>& bind);

}  // namespace rex::graphql
