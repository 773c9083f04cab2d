// The spec's Validation section (5.1–5.8) over a parsed document: every rule graphql-js's
// `specifiedRules` checks, with its messages. At most `max_errors` errors are reported.
#pragma once

#include "language/ast.hpp"

#include <vector>

namespace rex::graphql {

std::vector<GraphqlError> validate(const Schema& schema, const ast::Document& document, std::size_t max_errors = 100);

}  // namespace rex::graphql
