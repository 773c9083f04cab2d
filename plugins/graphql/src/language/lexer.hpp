// GraphQL's lexical grammar over a string_view: one token at a time, strings decoded (escapes,
// surrogate pairs, block-string indentation), UTF-8 checked, and a cap on the token count.
#pragma once

#include "schema/operation.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace rex::graphql {

enum class TokenKind : std::uint8_t {
    eof, bang, dollar, amp, paren_l, paren_r, spread, colon, equals, at, bracket_l, bracket_r, brace_l, pipe,
    brace_r, name, int_value, float_value, string, block_string
};

struct Token {
    TokenKind kind = TokenKind::eof;
    std::string_view text;  // the source text (for strings: the raw literal, quotes included)
    SourceLocation location;
};

// Thrown by the lexer and the parser; parse_document turns it into a GraphqlError.
struct SyntaxError {
    std::string message;  // without the "Syntax Error: " prefix
    SourceLocation location;
};

class Lexer {
public:
    Lexer(std::string_view source, std::size_t max_tokens) : src_(source), max_tokens_(max_tokens) {}

    // Reads the next token; for strings, string_value() holds the decoded value afterwards.
    Token next();
    const std::string& string_value() const noexcept { return value_; }
    std::size_t token_count() const noexcept { return count_; }
    SourceLocation location_at(std::size_t offset) const noexcept;

private:
    void skip_ignored();
    Token read_number(std::size_t start);
    Token read_string(std::size_t start);
    Token read_block_string(std::size_t start);
    // The code point at pos (ASCII fast path) and its byte length; throws on invalid UTF-8.
    char32_t decode(std::size_t pos, std::size_t& length) const;
    void newline(std::size_t next_line_start) {
        ++line_;
        line_start_ = next_line_start;
    }
    [[noreturn]] void fail(std::string message, std::size_t offset) const;

    std::string_view src_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::size_t line_start_ = 0;
    std::size_t max_tokens_;
    std::size_t count_ = 0;
    std::string value_;
};

std::string_view describe(TokenKind kind) noexcept;  // "Name", "\"{\"", "<EOF>"
void append_utf8(std::string& out, char32_t cp);

}  // namespace rex::graphql
