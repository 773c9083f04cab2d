// A small thread-safe LRU cache of parsed and validated documents, keyed by the document text and
// the schema it was validated against: a repeated query skips the lexer, parser and validation.
#pragma once

#include "ast.hpp"

#include <functional>
#include <memory>
#include <string_view>

namespace rex::graphql {

struct CheckedDocument {
    ast::Document document;
    std::vector<GraphqlError> errors;  // syntax or validation errors; empty when valid
};

// Returns the cached entry for (schema, text), or makes it with `make` (outside the lock) and keeps it.
std::shared_ptr<const CheckedDocument> cached_document(const Schema& schema, std::string_view text,
                                                       const std::function<CheckedDocument()>& make);

}  // namespace rex::graphql
