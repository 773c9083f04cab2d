#include <rex/value_json.hpp>

#include <nlohmann/json.hpp>

#include <cmath>

namespace rex {

namespace {

nlohmann::ordered_json to_json(const Value& value) {
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
            auto parsed = nlohmann::ordered_json::parse(value.as_json().text, nullptr, /*allow_exceptions*/ false);
            if (!parsed.is_discarded()) return parsed;
            return value.as_json().text;
        }
        case ValueKind::text: {
            nlohmann::ordered_json j = value.as_text();
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

}  // namespace

std::string value_to_json(const Value& value) { return to_json(value).dump(); }

std::string object_to_json(const std::vector<std::pair<std::string, Value>>& members) {
    auto object = nlohmann::ordered_json::object();
    for (const auto& [name, value] : members) object[name] = to_json(value);
    return object.dump();
}

}  // namespace rex
