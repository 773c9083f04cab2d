#include "executor/variables.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace rex::graphql {

TooDeep::TooDeep() : std::runtime_error("variables nest deeper than " + std::to_string(max_variable_depth) + " levels") {}

InputValue input_from_json(const nlohmann::json& j, int depth) {
    using json = nlohmann::json;
    if (depth > max_variable_depth) throw TooDeep();
    switch (j.type()) {
        case json::value_t::null: return InputValue::null();
        case json::value_t::boolean: return InputValue::boolean(j.get<bool>());
        case json::value_t::number_integer:
        case json::value_t::number_unsigned: return InputValue::number(j.dump(), false);
        case json::value_t::number_float: return InputValue::number(j.dump(), true);
        case json::value_t::string: return InputValue::string(j.get<std::string>());
        case json::value_t::array: {
            InputList items;
            items.reserve(j.size());
            for (const auto& item : j) items.push_back(input_from_json(item, depth + 1));
            return InputValue::list(std::move(items));
        }
        case json::value_t::object: {
            InputObject fields;
            for (const auto& [k, v] : j.items()) fields.emplace_back(k, input_from_json(v, depth + 1));
            return InputValue::object(std::move(fields));
        }
        default: return InputValue::null();
    }
}

}  // namespace rex::graphql
