#include "pg_placeholders.hpp"

#include <rex/sdk/error.hpp>

#include <string>

namespace rex::postgres {

namespace {

bool identifier_char(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' || u == '$' || u >= 0x80;
}

bool digit(char c) noexcept { return c >= '0' && c <= '9'; }

// The end of the literal or quoted name opened at `i` by `quote`; a doubled quote stays inside,
// and so does a backslash-escaped one in an E'...' string.
std::size_t skip_quoted(std::string_view sql, std::size_t i, char quote, bool backslashes) noexcept {
    for (++i; i < sql.size(); ++i) {
        if (backslashes && sql[i] == '\\') {
            ++i;
        } else if (sql[i] == quote) {
            if (i + 1 < sql.size() && sql[i + 1] == quote)
                ++i;
            else
                return i + 1;
        }
    }
    return sql.size();
}

// /* ... */ comments nest in PostgreSQL.
std::size_t skip_block_comment(std::string_view sql, std::size_t i) noexcept {
    int depth = 0;
    for (; i + 1 < sql.size(); ++i) {
        if (sql[i] == '/' && sql[i + 1] == '*') {
            ++depth;
            ++i;
        } else if (sql[i] == '*' && sql[i + 1] == '/') {
            ++i;
            if (--depth == 0) return i + 1;
        }
    }
    return sql.size();
}

}  // namespace

std::size_t highest_placeholder(std::string_view sql) noexcept {
    std::size_t highest = 0;
    for (std::size_t i = 0; i < sql.size();) {
        const char c = sql[i];
        const bool after_word = i > 0 && identifier_char(sql[i - 1]);
        if (c == '\'') {
            // E'...' (not the end of a longer word) takes backslash escapes.
            const bool escapes = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && !(i > 1 && identifier_char(sql[i - 2]));
            i = skip_quoted(sql, i, '\'', escapes);
        } else if (c == '"') {
            i = skip_quoted(sql, i, '"', false);
        } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
            const auto end = sql.find('\n', i);
            i = end == std::string_view::npos ? sql.size() : end + 1;
        } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
            i = skip_block_comment(sql, i);
        } else if (c == '$' && !after_word && i + 1 < sql.size() && digit(sql[i + 1])) {
            std::size_t n = 0;
            for (++i; i < sql.size() && digit(sql[i]); ++i) n = n < 100'000'000 ? n * 10 + static_cast<std::size_t>(sql[i] - '0') : n;
            if (n > highest) highest = n;
        } else if (c == '$' && !after_word) {
            // A dollar-quoted string: $$...$$ or $tag$...$tag$.
            auto close = sql.find('$', i + 1);
            bool tag = close != std::string_view::npos;
            for (std::size_t k = i + 1; tag && k < close; ++k) tag = identifier_char(sql[k]) && sql[k] != '$' && !(k == i + 1 && digit(sql[k]));
            if (!tag) {
                ++i;
                continue;
            }
            const auto delimiter = sql.substr(i, close - i + 1);
            const auto end = sql.find(delimiter, close + 1);
            i = end == std::string_view::npos ? sql.size() : end + delimiter.size();
        } else {
            ++i;
        }
    }
    return highest;
}

void check_parameter_count(std::size_t given, std::size_t highest, std::string_view sql) {
    if (given <= highest) return;
    // Worded as the SQLite and MySQL adapters word it.
    raise({ErrorCategory::invalid_value,
           "postgres: statement has " + std::to_string(highest) + " parameters, " + std::to_string(given) + " values given", {},
           std::string(sql)});
}

}  // namespace rex::postgres
