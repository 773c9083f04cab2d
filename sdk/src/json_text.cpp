// JSON text of values and rows, by hand: results and change events render many rows, and the SDK
// links no JSON library. Embedded JSON documents are checked and compacted by a small iterative
// scanner (no recursion, so a deeply nested document cannot exhaust the stack).
#include <rex/sdk/json_text.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

REX_SDK_BEGIN

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 (overlong, surrogate or truncated).
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
    const auto c1 = static_cast<unsigned char>(s[i + (n > 1 ? 1 : 0)]);
    if (n == 2 && c < 0xc2) return 0;
    if (n == 3 && ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0))) return 0;
    if (n == 4 && ((c == 0xf0 && c1 < 0x90) || c > 0xf4 || (c == 0xf4 && c1 >= 0x90))) return 0;
    return n;
}

constexpr char hex_digits[] = "0123456789abcdef";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Scans one JSON document, appending it without insignificant whitespace.
class DocumentScanner {
public:
    DocumentScanner(std::string& out, std::string_view text) : out_(out), text_(text) {}

    bool run() {
        std::string stack;  // '{' or '[' per open container
        for (;;) {
            skip_space();
            if (!value(stack)) return false;
            for (;;) {  // after a value (or an opened container): close, separate, or end
                skip_space();
                if (stack.empty()) return i_ == text_.size();
                if (i_ == text_.size()) return false;
                const char c = text_[i_];
                if (c == ',' && !just_opened_) {
                    out_ += ',';
                    ++i_;
                    if (stack.back() == '{' && !member_key()) return false;
                    break;
                }
                if ((c == '}' && stack.back() == '{') || (c == ']' && stack.back() == '[')) {
                    out_ += c;
                    ++i_;
                    stack.pop_back();
                    just_opened_ = false;
                    continue;
                }
                if (just_opened_) {  // the first element of a container
                    just_opened_ = false;
                    if (stack.back() == '{' && !member_key()) return false;
                    break;
                }
                return false;
            }
        }
    }

private:
    void skip_space() {
        while (i_ < text_.size() && is_space(text_[i_])) ++i_;
    }

    // "key": — the value follows.
    bool member_key() {
        skip_space();
        if (!string()) return false;
        skip_space();
        if (i_ == text_.size() || text_[i_] != ':') return false;
        out_ += ':';
        ++i_;
        return true;
    }

    bool value(std::string& stack) {
        if (i_ == text_.size()) return false;
        const char c = text_[i_];
        if (c == '{' || c == '[') {
            out_ += c;
            ++i_;
            stack += c;
            just_opened_ = true;
            return true;
        }
        if (c == '"') return string();
        if (c == '-' || is_digit(c)) return number();
        for (std::string_view literal : {"true", "false", "null"}) {
            if (text_.substr(i_, literal.size()) == literal) {
                out_ += literal;
                i_ += literal.size();
                return true;
            }
        }
        return false;
    }

    bool string() {
        if (i_ == text_.size() || text_[i_] != '"') return false;
        const auto start = i_++;
        while (i_ < text_.size()) {
            const char c = text_[i_];
            if (c == '"') {
                out_.append(text_.substr(start, ++i_ - start));
                return true;
            }
            if (static_cast<unsigned char>(c) < 0x20) return false;
            if (c == '\\') {
                if (++i_ == text_.size()) return false;
                const char e = text_[i_];
                if (e == 'u') {
                    for (int k = 1; k <= 4; ++k)
                        if (i_ + k >= text_.size() || !is_hex(text_[i_ + k])) return false;
                    i_ += 5;
                    continue;
                }
                if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) return false;
                ++i_;
                continue;
            }
            const auto n = utf8_length(text_, i_);
            if (n == 0) return false;
            i_ += n;
        }
        return false;
    }

    bool number() {
        const auto start = i_;
        if (text_[i_] == '-') ++i_;
        if (i_ == text_.size() || !is_digit(text_[i_])) return false;
        if (text_[i_] == '0') ++i_;
        else
            while (i_ < text_.size() && is_digit(text_[i_])) ++i_;
        if (i_ < text_.size() && text_[i_] == '.') {
            if (++i_ == text_.size() || !is_digit(text_[i_])) return false;
            while (i_ < text_.size() && is_digit(text_[i_])) ++i_;
        }
        if (i_ < text_.size() && (text_[i_] == 'e' || text_[i_] == 'E')) {
            ++i_;
            if (i_ < text_.size() && (text_[i_] == '+' || text_[i_] == '-')) ++i_;
            if (i_ == text_.size() || !is_digit(text_[i_])) return false;
            while (i_ < text_.size() && is_digit(text_[i_])) ++i_;
        }
        out_.append(text_.substr(start, i_ - start));
        return true;
    }

    std::string& out_;
    std::string_view text_;
    std::size_t i_ = 0;
    bool just_opened_ = false;
};

}  // namespace

bool append_json_string(std::string& out, std::string_view text) {
    const auto mark = out.size();
    out.reserve(out.size() + text.size() + 2);
    out += '"';
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            const auto n = utf8_length(text, i);
            if (n == 0) {
                out.resize(mark);
                return false;
            }
            out.append(text.substr(i, n));
            i += n;
            continue;
        }
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += hex_digits[c >> 4];
                    out += hex_digits[c & 0xf];
                } else {
                    out += static_cast<char>(c);
                }
        }
        ++i;
    }
    out += '"';
    return true;
}

bool append_json_document(std::string& out, std::string_view text) {
    const auto mark = out.size();
    if (DocumentScanner(out, text).run()) return true;
    out.resize(mark);
    return false;
}

void append_json(std::string& out, const Value& value) {
    switch (value.kind()) {
        case ValueKind::null: out += "null"; return;
        case ValueKind::boolean: out += value.as_bool() ? "true" : "false"; return;
        case ValueKind::int64: {
            char buf[24];
            const auto end = std::to_chars(buf, buf + sizeof buf, value.as_int64()).ptr;
            out.append(buf, end);
            return;
        }
        case ValueKind::float64: {
            const double d = value.as_double();
            if (!std::isfinite(d)) break;  // JSON has no NaN or Infinity: a string below
            char buf[32];
            const auto end = std::to_chars(buf, buf + sizeof buf, d).ptr;  // shortest text that reads back as d
            out.append(buf, end);
            return;
        }
        case ValueKind::json:
            if (!append_json_document(out, value.as_json().text)) append_json_string(out, value.as_json().text);
            return;
        case ValueKind::text: {
            const auto& t = value.as_text();
            if (append_json_string(out, t)) return;
            append_json_string(out, Value(Bytes(t.begin(), t.end())).to_display());  // not UTF-8: as bytes
            return;
        }
        default: break;
    }
    append_json_string(out, value.to_display());
}

std::string value_to_json(const Value& value) {
    std::string out;
    append_json(out, value);
    return out;
}

std::string object_to_json(const std::vector<std::pair<std::string, Value>>& members) {
    std::string out = "{";
    for (std::size_t i = 0; i < members.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, members[i].first);
        out += ':';
        append_json(out, members[i].second);
    }
    return out + "}";
}

Json key_to_json(const ChangeEvent& event) {
    std::string out = "{";
    if (const auto* key = event.key()) {
        append_json_string(out, event.shape->fields[static_cast<std::size_t>(event.shape->key_field)]);
        out += ':';
        append_json(out, *key);
    }
    return Json{out + "}"};
}

Json row_to_json(const ChangeEvent& event) {
    std::string out = "{";
    const auto n = event.shape ? std::min(event.shape->fields.size(), event.values.size()) : 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (i) out += ',';
        append_json_string(out, event.shape->fields[i]);
        out += ':';
        append_json(out, event.values[i]);
    }
    return Json{out + "}"};
}

REX_SDK_END
