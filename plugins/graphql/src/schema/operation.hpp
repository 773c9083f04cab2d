// What the executor gets from the language side: one operation of a valid document, with
// fragments expanded, @skip/@include applied, fields of one response key merged, and every
// argument coerced against its definition (variables substituted, defaults applied).
//
//   prepare(schema, request, limits) -> PreparedOperation | errors      (language + validation)
//   executor: each root field -> one SQL statement; `__schema`, `__type`, `__typename` -> the
//             introspection resolver
#pragma once

#include "type_system.hpp"
#include "values.hpp"

#include <rex/sdk/http.hpp>
#include <rex/sdk/resolver.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace rex::graphql {

struct SourceLocation {  // 1-based, as the spec's error "locations"
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

// One element of an error's "path": a response key or a list index.
using PathElement = std::variant<std::string, std::int64_t>;

struct GraphqlError {
    std::string message;
    std::vector<SourceLocation> locations;
    std::vector<PathElement> path;
    // extensions.code: "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT",
    // "validation-failed", "constraint-violation", "limit-exceeded", "internal", ...
    std::string code;
};

struct SelectedField {
    std::string response_key;        // the alias, else the name
    std::string name;                // "__typename" included
    const FieldDef* definition = nullptr;  // nullptr for __typename; points into the Schema
    std::string parent_type;         // the object type the field was selected on
    // Coerced arguments in the definition's order; an argument neither given nor defaulted is
    // absent, one given as null is present with a null value.
    std::vector<std::pair<std::string, InputValue>> arguments;
    std::vector<SelectedField> selection;  // empty for leaves
    SourceLocation location;

    const InputValue* argument(std::string_view arg) const noexcept {
        for (const auto& [k, v] : arguments)
            if (k == arg) return &v;
        return nullptr;
    }
};

enum class OperationKind : std::uint8_t { query, mutation, subscription };

struct PreparedOperation {
    OperationKind kind = OperationKind::query;
    std::string name;                   // empty for an anonymous operation
    std::vector<SelectedField> fields;  // the root selection, in response order
};

// A request as the transports carry it (GraphQL over HTTP, graphql-ws, graphql-sse).
struct GraphqlRequest {
    std::string query;
    std::optional<std::string> operation_name;
    InputValue variables;  // an object, or null when the request has none
    // The HTTP request's headers (custom resolvers read them); nullptr for other transports.
    const std::vector<HttpHeader>* headers = nullptr;
    // Set when the host watches the client: a hang-up cancels the running statement.
    std::shared_ptr<RequestAbandon> abandon = nullptr;
    // What custom resolvers are told of the requester when the request runs without an identity
    // (run_prepared with no GraphqlExecutor::Requester); with one, its role and session variables.
    // nullptr: an empty Requester.
    const Requester* requester = nullptr;
};

struct Limits {
    std::size_t max_depth = 15;         // nesting of selections
    std::size_t max_aliases = 100;      // fields with an alias, document-wide
    std::size_t max_tokens = 100000;    // the lexer stops past this (hostile documents)
    bool introspection = true;          // __schema / __type allowed
    std::size_t max_fields = 10000;     // selected fields after fragments are expanded (fragment bombs)
};

struct PrepareResult {
    std::optional<PreparedOperation> operation;  // set when errors is empty
    std::vector<GraphqlError> errors;
};

}  // namespace rex::graphql
