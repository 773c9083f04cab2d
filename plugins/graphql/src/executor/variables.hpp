// Request variables from JSON (GraphQL over HTTP, the transports' operation requests) as input
// values for coercion, with a nesting cap.
#pragma once

#include "schema/values.hpp"

#include <nlohmann/json_fwd.hpp>

#include <stdexcept>

namespace rex::graphql {

// Variables nest at most this deep (a 1 MB body could otherwise hold a million levels, and the
// conversion and coercion recurse).
constexpr int max_variable_depth = 128;

class TooDeep : public std::runtime_error {
public:
    TooDeep();
};

// Throws TooDeep past max_variable_depth.
InputValue input_from_json(const nlohmann::json& j, int depth = 0);

}  // namespace rex::graphql
