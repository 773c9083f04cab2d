// How many parameters a PostgreSQL statement takes: the highest $n placeholder in its text.
// PostgreSQL accepts more values than a statement uses without a word (they are declared, then
// ignored), where SQLite and MySQL refuse them; the adapter refuses them too.
#pragma once

#include <cstddef>
#include <string_view>

namespace rex::postgres {

// The highest n of the $n placeholders in `sql`, outside string literals ('...', E'...',
// $tag$...$tag$), quoted identifiers and comments; 0 when there are none.
std::size_t highest_placeholder(std::string_view sql) noexcept;

// Raises InvalidValue when `given` values are more than the statement's `highest` placeholder.
void check_parameter_count(std::size_t given, std::size_t highest, std::string_view sql);

}  // namespace rex::postgres
