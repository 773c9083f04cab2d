#include "lexer.hpp"

#include <cstdio>

namespace rex::graphql {

namespace {

bool is_name_start(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_continue(char c) noexcept { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

std::string code_point_text(char32_t cp) {
    if (cp >= 0x20 && cp < 0x7F && cp != '"') return std::string("\"") + static_cast<char>(cp) + "\"";
    if (cp == '"') return "'\"'";
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
    return buf;
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_whitespace_line(std::string_view line) noexcept {
    for (char c : line)
        if (c != ' ' && c != '\t') return false;
    return true;
}

std::size_t leading_whitespace(std::string_view line) noexcept {
    std::size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    return i;
}

// The spec's BlockStringValue(): common indentation removed, blank first and last lines dropped.
std::string block_string_value(std::string_view raw) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\n' || raw[i] == '\r') {
            lines.push_back(raw.substr(start, i - start));
            if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
            start = i + 1;
        }
    }
    lines.push_back(raw.substr(start));
    std::size_t common = std::string_view::npos;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        std::size_t indent = leading_whitespace(lines[i]);
        if (indent < lines[i].size() && indent < common) common = indent;
    }
    if (common != std::string_view::npos)
        for (std::size_t i = 1; i < lines.size(); ++i)
            lines[i] = lines[i].size() >= common ? lines[i].substr(common) : std::string_view{};
    std::size_t first = 0, last = lines.size();
    while (first < last && is_whitespace_line(lines[first])) ++first;
    while (last > first && is_whitespace_line(lines[last - 1])) --last;
    std::string out;
    for (std::size_t i = first; i < last; ++i) {
        if (i != first) out += '\n';
        out += lines[i];
    }
    return out;
}

}  // namespace

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::string_view describe(TokenKind kind) noexcept {
    switch (kind) {
        case TokenKind::eof: return "<EOF>";
        case TokenKind::bang: return "\"!\"";
        case TokenKind::dollar: return "\"$\"";
        case TokenKind::amp: return "\"&\"";
        case TokenKind::paren_l: return "\"(\"";
        case TokenKind::paren_r: return "\")\"";
        case TokenKind::spread: return "\"...\"";
        case TokenKind::colon: return "\":\"";
        case TokenKind::equals: return "\"=\"";
        case TokenKind::at: return "\"@\"";
        case TokenKind::bracket_l: return "\"[\"";
        case TokenKind::bracket_r: return "\"]\"";
        case TokenKind::brace_l: return "\"{\"";
        case TokenKind::pipe: return "\"|\"";
        case TokenKind::brace_r: return "\"}\"";
        case TokenKind::name: return "Name";
        case TokenKind::int_value: return "Int";
        case TokenKind::float_value: return "Float";
        case TokenKind::string: return "String";
        case TokenKind::block_string: return "BlockString";
    }
    return "?";
}

SourceLocation Lexer::location_at(std::size_t offset) const noexcept {
    return {static_cast<std::uint32_t>(line_), static_cast<std::uint32_t>(offset - line_start_ + 1)};
}

void Lexer::fail(std::string message, std::size_t offset) const { throw SyntaxError{std::move(message), location_at(offset)}; }

char32_t Lexer::decode(std::size_t pos, std::size_t& length) const {
    auto b0 = static_cast<unsigned char>(src_[pos]);
    if (b0 < 0x80) {
        length = 1;
        return b0;
    }
    std::size_t n = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
    if (n == 0 || b0 > 0xF4 || pos + n > src_.size()) fail("Invalid UTF-8 byte sequence.", pos);
    char32_t cp = b0 & (0x7F >> n);
    for (std::size_t i = 1; i < n; ++i) {
        auto b = static_cast<unsigned char>(src_[pos + i]);
        if ((b & 0xC0) != 0x80) fail("Invalid UTF-8 byte sequence.", pos);
        cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr char32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < minimum[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("Invalid UTF-8 byte sequence.", pos);
    length = n;
    return cp;
}

void Lexer::skip_ignored() {
    while (pos_ < src_.size()) {
        char c = src_[pos_];
        if (c == ' ' || c == '\t' || c == ',') {
            ++pos_;
        } else if (c == '\n') {
            newline(++pos_);
        } else if (c == '\r') {
            ++pos_;
            if (pos_ < src_.size() && src_[pos_] == '\n') ++pos_;
            newline(pos_);
        } else if (c == '#') {
            while (pos_ < src_.size() && src_[pos_] != '\n' && src_[pos_] != '\r') {
                std::size_t len;
                decode(pos_, len);
                pos_ += len;
            }
        } else if (src_.compare(pos_, 3, "\xEF\xBB\xBF") == 0) {  // U+FEFF, the byte order mark
            pos_ += 3;
        } else {
            return;
        }
    }
}

Token Lexer::next() {
    skip_ignored();
    if (++count_ > max_tokens_)
        fail("Document contains more than " + std::to_string(max_tokens_) + " tokens. Parsing aborted.", pos_);
    std::size_t start = pos_;
    auto token = [&](TokenKind kind, std::size_t length) {
        pos_ = start + length;
        return Token{kind, src_.substr(start, length), location_at(start)};
    };
    if (pos_ >= src_.size()) return Token{TokenKind::eof, {}, location_at(start)};
    char c = src_[pos_];
    switch (c) {
        case '!': return token(TokenKind::bang, 1);
        case '$': return token(TokenKind::dollar, 1);
        case '&': return token(TokenKind::amp, 1);
        case '(': return token(TokenKind::paren_l, 1);
        case ')': return token(TokenKind::paren_r, 1);
        case ':': return token(TokenKind::colon, 1);
        case '=': return token(TokenKind::equals, 1);
        case '@': return token(TokenKind::at, 1);
        case '[': return token(TokenKind::bracket_l, 1);
        case ']': return token(TokenKind::bracket_r, 1);
        case '{': return token(TokenKind::brace_l, 1);
        case '|': return token(TokenKind::pipe, 1);
        case '}': return token(TokenKind::brace_r, 1);
        case '.':
            if (src_.compare(pos_, 3, "...") == 0) return token(TokenKind::spread, 3);
            break;
        case '"':
            if (src_.compare(pos_, 3, "\"\"\"") == 0) return read_block_string(start);
            return read_string(start);
        default: break;
    }
    if (is_name_start(c)) {
        std::size_t end = pos_ + 1;
        while (end < src_.size() && is_name_continue(src_[end])) ++end;
        return token(TokenKind::name, end - start);
    }
    if (is_digit(c) || c == '-') return read_number(start);
    std::size_t len;
    char32_t cp = decode(pos_, len);
    fail("Unexpected character: " + code_point_text(cp) + ".", start);
}

Token Lexer::read_number(std::size_t start) {
    std::size_t p = start;
    bool is_float = false;
    auto char_at = [&](std::size_t i) { return i < src_.size() ? src_[i] : '\0'; };
    auto expect_digits = [&] {
        if (!is_digit(char_at(p))) {
            std::string got = p < src_.size() ? code_point_text(static_cast<unsigned char>(src_[p])) : "<EOF>";
            fail("Invalid number, expected digit but got: " + got + ".", p);
        }
        while (is_digit(char_at(p))) ++p;
    };
    if (char_at(p) == '-') ++p;
    if (char_at(p) == '0') {
        ++p;
        if (is_digit(char_at(p)))
            fail("Invalid number, unexpected digit after 0: " + code_point_text(static_cast<unsigned char>(src_[p])) + ".",
                 p);
    } else {
        expect_digits();
    }
    if (char_at(p) == '.') {
        is_float = true;
        ++p;
        expect_digits();
    }
    if (char_at(p) == 'e' || char_at(p) == 'E') {
        is_float = true;
        ++p;
        if (char_at(p) == '+' || char_at(p) == '-') ++p;
        expect_digits();
    }
    if (char_at(p) == '.' || is_name_start(char_at(p)))
        fail("Invalid number, expected digit but got: " + code_point_text(static_cast<unsigned char>(src_[p])) + ".", p);
    Token t{is_float ? TokenKind::float_value : TokenKind::int_value, src_.substr(start, p - start), location_at(start)};
    pos_ = p;
    return t;
}

Token Lexer::read_string(std::size_t start) {
    value_.clear();
    std::size_t p = start + 1;
    std::size_t chunk = p;  // start of the run of plain characters not yet copied
    auto read_hex4 = [&](std::size_t at) -> int {
        if (at + 4 > src_.size()) return -1;
        int v = 0;
        for (std::size_t i = 0; i < 4; ++i) {
            int h = hex_value(src_[at + i]);
            if (h < 0) return -1;
            v = v * 16 + h;
        }
        return v;
    };
    while (p < src_.size()) {
        char c = src_[p];
        if (c == '"') {
            value_.append(src_, chunk, p - chunk);
            pos_ = p + 1;
            return Token{TokenKind::string, src_.substr(start, pos_ - start), location_at(start)};
        }
        if (c == '\n' || c == '\r') break;
        if (c == '\\') {
            value_.append(src_, chunk, p - chunk);
            char e = p + 1 < src_.size() ? src_[p + 1] : '\0';
            switch (e) {
                case '"': value_ += '"'; p += 2; break;
                case '\\': value_ += '\\'; p += 2; break;
                case '/': value_ += '/'; p += 2; break;
                case 'b': value_ += '\b'; p += 2; break;
                case 'f': value_ += '\f'; p += 2; break;
                case 'n': value_ += '\n'; p += 2; break;
                case 'r': value_ += '\r'; p += 2; break;
                case 't': value_ += '\t'; p += 2; break;
                case 'u': {
                    char32_t cp = 0;
                    std::size_t end;
                    if (p + 2 < src_.size() && src_[p + 2] == '{') {  // \u{1F600}, as graphql-js 16 accepts
                        end = p + 3;
                        bool ok = false;
                        while (end < src_.size() && hex_value(src_[end]) >= 0 && cp <= 0x10FFFF) {
                            cp = cp * 16 + static_cast<char32_t>(hex_value(src_[end++]));
                            ok = true;
                        }
                        if (!ok || end >= src_.size() || src_[end] != '}' || cp > 0x10FFFF ||
                            (cp >= 0xD800 && cp <= 0xDFFF))
                            fail("Invalid Unicode escape sequence: \"" +
                                     std::string(src_.substr(p, std::min(end + 1, src_.size()) - p)) + "\".",
                                 p);
                        end += 1;
                    } else {
                        int v = read_hex4(p + 2);
                        if (v < 0)
                            fail("Invalid Unicode escape sequence: \"" +
                                     std::string(src_.substr(p, std::min<std::size_t>(6, src_.size() - p))) + "\".",
                                 p);
                        cp = static_cast<char32_t>(v);
                        end = p + 6;
                        if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate needs its low half
                            int low = end + 1 < src_.size() && src_[end] == '\\' && src_[end + 1] == 'u'
                                          ? read_hex4(end + 2)
                                          : -1;
                            if (low < 0xDC00 || low > 0xDFFF)
                                fail("Invalid Unicode escape sequence: \"" + std::string(src_.substr(p, 6)) + "\".", p);
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<char32_t>(low) - 0xDC00);
                            end += 6;
                        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                            fail("Invalid Unicode escape sequence: \"" + std::string(src_.substr(p, 6)) + "\".", p);
                        }
                    }
                    append_utf8(value_, cp);
                    p = end;
                    break;
                }
                default:
                    fail("Invalid character escape sequence: \"" + std::string(src_.substr(p, e ? 2 : 1)) + "\".", p);
            }
            chunk = p;
            continue;
        }
        // Any Unicode scalar value is a source character inside a string (October 2021 spec).
        if (static_cast<unsigned char>(c) >= 0x80) {
            std::size_t len;
            decode(p, len);
            p += len;
        } else {
            ++p;
        }
    }
    fail("Unterminated string.", p);
}

Token Lexer::read_block_string(std::size_t start) {
    std::size_t p = start + 3;
    std::string raw;
    std::size_t chunk = p;
    std::size_t start_line = line_, start_line_start = line_start_;
    while (p < src_.size()) {
        char c = src_[p];
        if (c == '"' && src_.compare(p, 3, "\"\"\"") == 0) {
            raw.append(src_, chunk, p - chunk);
            value_ = block_string_value(raw);
            pos_ = p + 3;
            return Token{TokenKind::block_string, src_.substr(start, pos_ - start),
                         {static_cast<std::uint32_t>(start_line), static_cast<std::uint32_t>(start - start_line_start + 1)}};
        }
        if (c == '\\' && src_.compare(p, 4, "\\\"\"\"") == 0) {
            raw.append(src_, chunk, p - chunk);
            raw += "\"\"\"";
            p += 4;
            chunk = p;
            continue;
        }
        auto b = static_cast<unsigned char>(c);
        if (c == '\n') {
            newline(++p);
        } else if (c == '\r') {
            ++p;
            if (p < src_.size() && src_[p] == '\n') ++p;
            newline(p);
        } else if (b >= 0x80) {
            std::size_t len;
            decode(p, len);
            p += len;
        } else {
            ++p;
        }
    }
    fail("Unterminated string.", p);
}

}  // namespace rex::graphql
