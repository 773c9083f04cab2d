#include "json_output.hpp"

#include <rex/value_json.hpp>

namespace rex::cli {

nlohmann::json to_json(const Value& value) { return nlohmann::json::parse(value_to_json(value)); }

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
