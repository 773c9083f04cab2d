// Values as JSON text, one representation everywhere (CLI output, change events, the HTTP APIs):
// null, booleans and int64 / finite float64 numbers are JSON scalars; NaN and infinities, decimals,
// dates, times, timestamps (ISO 8601), uuids and bytes ("\x..." hex) are strings; JSON values are
// embedded as JSON; text that is not valid UTF-8 is shown as bytes.
#pragma once

#include <rex/kernel/export.hpp>
#include <rex/sdk/change.hpp>
#include <rex/sdk/value.hpp>

#include <string>
#include <utility>
#include <vector>

namespace rex {

REX_KERNEL_API std::string value_to_json(const Value& value);
// {"name": value, ...} in the given order.
REX_KERNEL_API std::string object_to_json(const std::vector<std::pair<std::string, Value>>& members);
// A change event's key ({"id":7}; {} when its entity has no key) and its whole row, by field name.
REX_KERNEL_API Json key_to_json(const ChangeEvent& event);
REX_KERNEL_API Json row_to_json(const ChangeEvent& event);

}  // namespace rex
