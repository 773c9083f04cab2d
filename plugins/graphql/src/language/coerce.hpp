// Input coercion (spec 3.x "Input Coercion", 6.1.2, 6.4.1): request variables against their
// declared types, and argument literals with variables substituted and defaults applied.
#pragma once

#include "schema/type_system.hpp"

#include <string>

namespace rex::graphql {

// Coerced variable values by name (a variable absent here was not provided and has no default).
using VariableValues = InputObject;

enum class Coerced : std::uint8_t { value, absent, error };

struct CoercionInput {
    const Schema& schema;
    // nullptr: `value` is a request variable (JSON shape: enums as strings). Otherwise `value` is a
    // literal from the document and its `$refs` read these values.
    const VariableValues* variables = nullptr;
};

// Coerces `value` to `type` into `out`. `absent`: a literal that is a variable with no value;
// `error`: `error` holds the message, prefixed by the position inside the value when nested
// (graphql-js style: ` at "value.a[0]"` is left to the caller through `path`).
Coerced coerce_value(const CoercionInput& in, const TypeRef& type, const InputValue& value, InputValue& out,
                     std::string& error, std::string& path);

}  // namespace rex::graphql
