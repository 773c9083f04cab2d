// Values and results as JSON: numbers stay numbers, exact decimals and 64-bit-safe text stay
// strings, bytes are "\x..." hex, dates and times are ISO 8601, JSON columns are embedded.
#pragma once

#include <rex/sdk/result.hpp>

#include <nlohmann/json.hpp>

namespace rex::cli {

// Text that is not valid UTF-8 becomes a string with U+FFFD for each invalid byte.
nlohmann::ordered_json to_json(const Value& value);
// An array of row objects, keys in the columns' order. A repeated column name gets a suffix
// (":2", ":3", ...) so that no column is lost.
nlohmann::ordered_json rows_to_json(const ResultSet& result);
// Indented by 2; any invalid UTF-8 left (column names) is replaced, never an exception.
std::string dump_json(const nlohmann::ordered_json& document);

}  // namespace rex::cli
