#include "request_text.hpp"

#include <rex/sdk/json_text.hpp>

#include <cstdint>

namespace rex::sse {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string decode_component(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

// End of the string literal starting at text[i] == '"' (index past its closing quote).
std::size_t skip_string(std::string_view text, std::size_t i) {
    for (++i; i < text.size(); ++i) {
        if (text[i] == '\\') ++i;
        else if (text[i] == '"') return i + 1;
    }
    return text.size();
}

// End of the member value starting at text[i] in a compact JSON object: the ',' or '}' after it.
std::size_t skip_value(std::string_view text, std::size_t i) {
    int depth = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == '"') {
            i = skip_string(text, i);
        } else if (c == '{' || c == '[') {
            ++depth;
            ++i;
        } else if (c == '}' || c == ']') {
            if (depth == 0) return i;
            --depth;
            ++i;
        } else if (c == ',' && depth == 0) {
            return i;
        } else {
            ++i;
        }
    }
    return i;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> query_parameters(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (part.empty()) continue;
        const auto eq = part.find('=');
        out.emplace_back(decode_component(part.substr(0, eq)), eq == std::string_view::npos ? std::string() : decode_component(part.substr(eq + 1)));
    }
    return out;
}

std::optional<std::string> json_string_value(std::string_view literal) {
    if (literal.size() < 2 || literal.front() != '"' || literal.back() != '"') return std::nullopt;
    std::string out;
    for (std::size_t i = 1; i + 1 < literal.size(); ++i) {
        const char c = literal[i];
        if (c != '\\') {
            out += c;
            continue;
        }
        if (++i + 1 >= literal.size()) return std::nullopt;  // a backslash before the closing quote
        switch (literal[i]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
            const auto hex4 = [&](std::size_t at) -> int {
                if (at + 4 > literal.size() - 1) return -1;
                int v = 0;
                for (std::size_t k = 0; k < 4; ++k) {
                    const int h = hex_value(literal[at + k]);
                    if (h < 0) return -1;
                    v = v * 16 + h;
                }
                return v;
            };
            int cp = hex4(i + 1);
            if (cp < 0) return std::nullopt;
            i += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && i + 2 < literal.size() && literal[i + 1] == '\\' && literal[i + 2] == 'u') {
                const int low = hex4(i + 3);
                if (low >= 0xdc00 && low < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                    i += 6;
                }
            }
            append_utf8(out, static_cast<std::uint32_t>(cp));
            break;
        }
        default: return std::nullopt;
        }
    }
    return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> json_members(std::string_view json) {
    std::string compact;
    if (!append_json_document(compact, json) || compact.empty() || compact.front() != '{') return std::nullopt;
    std::vector<std::pair<std::string, std::string>> out;
    const std::string_view text = compact;
    std::size_t i = 1;
    while (i < text.size() && text[i] != '}') {
        const auto key_end = skip_string(text, i);
        auto key = json_string_value(text.substr(i, key_end - i));
        if (!key || key_end >= text.size() || text[key_end] != ':') return std::nullopt;
        const auto value_end = skip_value(text, key_end + 1);
        out.emplace_back(std::move(*key), std::string(text.substr(key_end + 1, value_end - key_end - 1)));
        i = value_end < text.size() && text[value_end] == ',' ? value_end + 1 : value_end;
    }
    return out;
}

std::string error_body(int status, std::string_view message) {
    std::string out = R"({"error":{"status":)" + std::to_string(status) + R"(,"message":)";
    if (!append_json_string(out, message)) out += "\"(not valid UTF-8)\"";
    return out + "}}";
}

}  // namespace rex::sse
