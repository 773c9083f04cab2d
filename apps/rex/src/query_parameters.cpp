#include "query_parameters.hpp"

#include <rex/sdk/error.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>

namespace rex::cli {

namespace {

[[noreturn]] void refuse(std::size_t position, const std::string& what) {
    raise({ErrorCategory::configuration, "parameter " + std::to_string(position) + ": " + what, {}, {}});
}

bool digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

std::string_view unsigned_part(std::string_view s) {
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
    return s;
}

// [+-]digits
bool integer_literal(std::string_view s) { return digits(unsigned_part(s)); }

// [+-](digits.digits | digits. | .digits | digits)[(e|E)[+-]digits], with a '.' or an exponent.
bool float_literal(std::string_view s) {
    s = unsigned_part(s);
    const auto e = s.find_first_of("eE");
    const auto mantissa = s.substr(0, e);
    const auto dot = mantissa.find('.');
    const auto whole = mantissa.substr(0, dot);
    const auto fraction = dot == std::string_view::npos ? std::string_view() : mantissa.substr(dot + 1);
    if (!(whole.empty() || digits(whole)) || !(fraction.empty() || digits(fraction)) || (whole.empty() && fraction.empty()))
        return false;
    if (e == std::string_view::npos) return dot != std::string_view::npos;
    return integer_literal(s.substr(e + 1));
}

std::string read_all(std::istream& in) { return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()); }

}  // namespace

Value parse_parameter(const std::string& argument, std::size_t position, bool all_text, std::istream& stdin_stream) {
    if (argument == "-") return Value(read_all(stdin_stream));
    if (argument.starts_with("@@")) return Value(argument.substr(1));
    if (argument.starts_with('@')) {
        const std::string file = argument.substr(1);
        std::ifstream in(file, std::ios::binary);
        if (!in) refuse(position, "cannot read " + file + " (write @@ for a text that starts with @)");
        return Value(read_all(in));
    }
    if (all_text) return Value(argument);
    if (argument == "null" || argument == "NULL") return Value();
    if (argument == "true") return Value(true);
    if (argument == "false") return Value(false);
    const char* first = argument.data() + (argument.starts_with('+') ? 1 : 0);
    const char* last = argument.data() + argument.size();
    if (integer_literal(argument)) {
        std::int64_t i = 0;
        if (std::from_chars(first, last, i).ec != std::errc())
            refuse(position, argument + " is outside the 64-bit integer range (-9223372036854775808 to 9223372036854775807); "
                             "use --text and CAST it in SQL to bind it as a decimal");
        return Value(i);
    }
    if (float_literal(argument)) {
        double d = 0;
        const auto [end, ec] = std::from_chars(first, last, d);
        if (ec != std::errc() || end != last || !std::isfinite(d))
            refuse(position, argument + " is outside the range of a 64-bit floating-point number");
        return Value(d);
    }
    return Value(argument);
}

}  // namespace rex::cli
