// The language side's one entry point: parse the document, validate it against the schema (every
// rule of the spec's Validation section), pick the operation, coerce the variables, and collect the
// fields the executor runs. Cheap to call again with the same document (parsed documents are cached).
#pragma once

#include "schema/operation.hpp"

namespace rex::graphql {

PrepareResult prepare(const Schema& schema, const GraphqlRequest& request, const Limits& limits = {});

}  // namespace rex::graphql
