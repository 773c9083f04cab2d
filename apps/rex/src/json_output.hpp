// Values and results as JSON: numbers stay numbers, exact decimals and 64-bit-safe text stay
// strings, bytes are "\x..." hex, dates and times are ISO 8601, JSON columns are embedded.
#pragma once

#include <rex/sdk/result.hpp>

#include <nlohmann/json.hpp>

namespace rex::cli {

nlohmann::json to_json(const Value& value);
// An array of row objects keyed by column name.
nlohmann::json rows_to_json(const ResultSet& result);

}  // namespace rex::cli
