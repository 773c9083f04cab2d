// Answers the introspection root fields (`__schema`, `__type(name:)`) from the Schema alone.
#pragma once

#include "schema/operation.hpp"

#include <string>

namespace rex::graphql {

// Appends the JSON value of `field` (a root `__schema` or `__type` selection, already prepared) to `out`.
void write_introspection(const Schema& schema, const SelectedField& field, std::string& out);

}  // namespace rex::graphql
