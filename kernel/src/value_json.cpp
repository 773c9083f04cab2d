// Values as JSON text. Written by hand for the scalar kinds: results and change events render
// many rows.
#include <rex/value_json.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace rex {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0.
std::size_t utf8_length(const std::string& s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
    if (n == 2 && c < 0xc2) return 0;  // overlong
    return n;
}

bool append_string(std::string& out, const std::string& text) {
    const auto mark = out.size();
    out += '"';
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            const auto n = utf8_length(text, i);
            if (n == 0) {
                out.resize(mark);
                return false;
            }
            out.append(text, i, n);
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
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
        ++i;
    }
    out += '"';
    return true;
}

void append_value(std::string& out, const Value& value) {
    switch (value.kind()) {
        case ValueKind::null: out += "null"; return;
        case ValueKind::boolean: out += value.as_bool() ? "true" : "false"; return;
        case ValueKind::int64: out += std::to_string(value.as_int64()); return;
        case ValueKind::float64: {
            const double d = value.as_double();
            if (!std::isfinite(d)) break;  // JSON has no NaN or Infinity: a string below
            char buf[32];
            const auto end = std::to_chars(buf, buf + sizeof buf, d).ptr;  // shortest text that reads back as d
            out.append(buf, end);
            return;
        }
        case ValueKind::json: {
            auto parsed = nlohmann::ordered_json::parse(value.as_json().text, nullptr, /*allow_exceptions*/ false);
            if (!parsed.is_discarded()) {
                out += parsed.dump();
                return;
            }
            append_string(out, value.as_json().text);
            return;
        }
        case ValueKind::text: {
            if (append_string(out, value.as_text())) return;
            // Not valid UTF-8: shown as bytes.
            const auto& t = value.as_text();
            append_string(out, Value(Bytes(t.begin(), t.end())).to_display());
            return;
        }
        default: break;
    }
    append_string(out, value.to_display());
}

}  // namespace

std::string value_to_json(const Value& value) {
    std::string out;
    append_value(out, value);
    return out;
}

std::string object_to_json(const std::vector<std::pair<std::string, Value>>& members) {
    std::string out = "{";
    for (std::size_t i = 0; i < members.size(); ++i) {
        if (i) out += ',';
        append_string(out, members[i].first);
        out += ':';
        append_value(out, members[i].second);
    }
    return out + "}";
}

Json key_to_json(const ChangeEvent& event) {
    std::string out = "{";
    if (const auto* key = event.key()) {
        append_string(out, event.shape->fields[static_cast<std::size_t>(event.shape->key_field)]);
        out += ':';
        append_value(out, *key);
    }
    return Json{out + "}"};
}

Json row_to_json(const ChangeEvent& event) {
    std::string out = "{";
    const auto n = event.shape ? std::min(event.shape->fields.size(), event.values.size()) : 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (i) out += ',';
        append_string(out, event.shape->fields[i]);
        out += ':';
        append_value(out, event.values[i]);
    }
    return Json{out + "}"};
}

}  // namespace rex
