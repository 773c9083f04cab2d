#include "json_output.hpp"

#include <rex/value_json.hpp>

#include <set>

namespace rex::cli {

namespace {

// Length of the valid UTF-8 sequence at s[i] (no overlongs, surrogates or code points over
// U+10FFFF), or 0.
std::size_t utf8_sequence(const std::string& s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) return 1;
    const std::size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
    const auto c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) || (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f)) return 0;
    return n;
}

std::string replace_invalid_utf8(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (const auto n = utf8_sequence(text, i)) {
            out.append(text, i, n);
            i += n;
        } else {
            out += "\xef\xbf\xbd";  // U+FFFD
            ++i;
        }
    }
    return out;
}

}  // namespace

nlohmann::ordered_json to_json(const Value& value) {
    if (value.kind() == ValueKind::text) return replace_invalid_utf8(value.as_text());
    return nlohmann::ordered_json::parse(value_to_json(value));
}

nlohmann::ordered_json rows_to_json(const ResultSet& result) {
    std::vector<std::string> keys;
    std::set<std::string> used;
    for (const auto& column : result.columns) {
        std::string key = column.name;
        for (int n = 2; used.contains(key); ++n) key = column.name + ":" + std::to_string(n);
        used.insert(key);
        keys.push_back(std::move(key));
    }
    auto rows = nlohmann::ordered_json::array();
    for (const auto& row : result.rows) {
        auto object = nlohmann::ordered_json::object();
        for (std::size_t i = 0; i < keys.size(); ++i) object[keys[i]] = to_json(row[i]);
        rows.push_back(std::move(object));
    }
    return rows;
}

std::string dump_json(const nlohmann::ordered_json& document) {
    return document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace rex::cli
