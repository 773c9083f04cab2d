// The lexer and recursive-descent parser for executable documents (October 2021 spec, section 2).
// Hostile input is bounded: at most `max_tokens` tokens and `max_nesting` nested brackets, invalid
// UTF-8 rejected; errors are "Syntax Error: ..." with the line and column.
#pragma once

#include "ast.hpp"

#include <string_view>
#include <variant>

namespace rex::graphql {

struct ParseOptions {
    std::size_t max_tokens = 100000;
    std::size_t max_nesting = 256;  // brackets of any kind: selections, lists, objects
};

// The document, or the one syntax error that stopped the parser.
std::variant<ast::Document, GraphqlError> parse_document(std::string_view source, const ParseOptions& options = {});

// A GraphQL value literal as the language writes it (`{a: [1, "x"], b: ENUM}`), for messages and SDL.
std::string print_value(const InputValue& value);
// A string as a GraphQL/JSON quoted string ("a\"b").
void append_quoted(std::string& out, std::string_view text);

}  // namespace rex::graphql
