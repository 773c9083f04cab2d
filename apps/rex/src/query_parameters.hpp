// How `rex query` turns its command-line arguments into bound values (docs/cli.md, "Parameters").
#pragma once

#include <rex/sdk/value.hpp>

#include <istream>
#include <string>

namespace rex::cli {

// One argument as a value: null/NULL, true/false, a decimal integer (int64; one outside the
// int64 range is refused), a decimal number with '.' or an exponent (float64), anything else
// text — so "nan", "inf" and "0x10" stay text. `@file` binds the file's content as text, `-`
// standard input, `@@x` the text "@x". `all_text` (--text) binds every literal as text.
// `position` (1-based) names the parameter in errors.
Value parse_parameter(const std::string& argument, std::size_t position, bool all_text, std::istream& stdin_stream);

}  // namespace rex::cli
