#include "json_output.hpp"

#include <cmath>

namespace rex::cli {

nlohmann::json to_json(const Value& value) {
    switch (value.kind()) {
        case ValueKind::null: return nullptr;
        case ValueKind::boolean: return value.as_bool();
        case ValueKind::int64: return value.as_int64();
        case ValueKind::float64: {
            const double d = value.as_double();
            if (std::isfinite(d)) return d;
            return value.to_display();  // JSON has no NaN or Infinity
        }
        case ValueKind::json: {
            auto parsed = nlohmann::json::parse(value.as_json().text, nullptr, /*allow_exceptions*/ false);
            if (!parsed.is_discarded()) return parsed;
            return value.as_json().text;
        }
        case ValueKind::text: {
            // Invalid UTF-8 cannot be a JSON string; show it as bytes instead.
            nlohmann::json j = value.as_text();
            try {
                (void)j.dump();
                return j;
            } catch (const nlohmann::json::type_error&) {
                const auto& t = value.as_text();
                return Value(Bytes(t.begin(), t.end())).to_display();
            }
        }
        default: return value.to_display();
    }
}

nlohmann::json rows_to_json(const ResultSet& result) {
    auto rows = nlohmann::json::array();
    for (const auto& row : result.rows) {
        auto object = nlohmann::json::object();
        for (std::size_t i = 0; i < result.columns.size(); ++i) object[result.columns[i].name] = to_json(row[i]);
        rows.push_back(std::move(object));
    }
    return rows;
}

}  // namespace rex::cli
