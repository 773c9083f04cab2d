// Values and rows as JSON text, one representation everywhere (CLI output, change events, the
// HTTP APIs): null, booleans and int64 / finite float64 numbers are JSON scalars; NaN and
// infinities, decimals, dates, times, timestamps (ISO 8601), uuids and bytes ("\x..." hex) are
// strings; JSON values are embedded as JSON (whitespace outside strings dropped; one that is not
// valid JSON becomes a string); text that is not valid UTF-8 is shown as bytes.
// Written by hand, without a JSON library, so plugins can render rows without linking one.
#pragma once

#include <rex/sdk/change.hpp>
#include <rex/sdk/value.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

REX_SDK_BEGIN

// Appends `value` as JSON to `out` (no allocation beyond out's growth for scalars).
REX_SDK_API void append_json(std::string& out, const Value& value);
// Appends `text` as a JSON string; false (and nothing appended) when it is not valid UTF-8.
REX_SDK_API bool append_json_string(std::string& out, std::string_view text);
// Appends a JSON document in compact form; false (and nothing appended) when it is not valid JSON.
REX_SDK_API bool append_json_document(std::string& out, std::string_view text);

REX_SDK_API std::string value_to_json(const Value& value);
// {"name": value, ...} in the given order.
REX_SDK_API std::string object_to_json(const std::vector<std::pair<std::string, Value>>& members);
// A change event's key ({"id":7}; {} when its entity has no key) and its whole row, by field name.
REX_SDK_API Json key_to_json(const ChangeEvent& event);
REX_SDK_API Json row_to_json(const ChangeEvent& event);

REX_SDK_END
