// GraphQL argument values -> the database values bound for a column's logical type.
#include "sql/writer.hpp"

#include <rex/sdk/json_text.hpp>

#include <rex/sdk/error.hpp>

#include <charconv>
#include <cmath>

namespace rex::graphql {

namespace {

// The SDK's JSON string writer; strings here came through the lexer or the request's JSON parser,
// which both refuse invalid UTF-8, so a refusal is only a guard.
void append_json_string(std::string_view s, std::string& out) {
    if (!rex::append_json_string(out, s)) throw InputError("a string argument is not valid UTF-8");
}

void write_json(const InputValue& v, std::string& out) {
    if (v.is_null()) out += "null";
    else if (const auto* b = v.as_bool()) out += *b ? "true" : "false";
    else if (const auto* n = v.as_number()) out += n->text;
    else if (const auto* s = v.as_string()) append_json_string(*s, out);
    else if (const auto* e = v.as_enum()) append_json_string(e->name, out);
    else if (const auto* l = v.as_list()) {
        out += '[';
        for (std::size_t i = 0; i < l->size(); ++i) {
            if (i) out += ',';
            write_json((*l)[i], out);
        }
        out += ']';
    } else if (const auto* o = v.as_object()) {
        out += '{';
        for (std::size_t i = 0; i < o->size(); ++i) {
            if (i) out += ',';
            append_json_string((*o)[i].first, out);
            out += ':';
            write_json((*o)[i].second, out);
        }
        out += '}';
    } else {
        out += "null";
    }
}

std::int64_t integer(std::string_view text, const FieldInfo& field) {
    std::int64_t out = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc{} || end != text.data() + text.size())
        throw InputError("expected an integer for '" + field.name + "', got \"" + std::string(text.substr(0, 40)) + "\"");
    if (field.type.type == LogicalType::int32 && (out < INT32_MIN || out > INT32_MAX))
        throw InputError("integer out of range for '" + field.name + "'");
    return out;
}

std::string decimal_text(std::string_view text, const FieldInfo& field) {
    std::size_t i = 0, digits = 0;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    bool dot = false, exponent = false;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c >= '0' && c <= '9') ++digits;
        else if (c == '.' && !dot && !exponent) dot = true;
        else if ((c == 'e' || c == 'E') && digits && !exponent) {
            exponent = true;
            if (i + 1 < text.size() && (text[i + 1] == '-' || text[i + 1] == '+')) ++i;
        } else {
            digits = 0;
            break;
        }
    }
    if (!digits) throw InputError("expected a number for '" + field.name + "', got \"" + std::string(text.substr(0, 40)) + "\"");
    return std::string(text);
}

Bytes hex_bytes(std::string_view text, const FieldInfo& field) {
    if (text.starts_with("\\x")) text.remove_prefix(2);
    if (text.size() % 2) throw InputError("expected hex bytes (\\x...) for '" + field.name + "'");
    Bytes out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        unsigned v = 0;
        const auto [end, ec] = std::from_chars(text.data() + i, text.data() + i + 2, v, 16);
        if (ec != std::errc{} || end != text.data() + i + 2) throw InputError("expected hex bytes (\\x...) for '" + field.name + "'");
        out.push_back(static_cast<std::uint8_t>(v));
    }
    return out;
}

}  // namespace

std::string input_json(const InputValue& input) {
    std::string out;
    write_json(input, out);
    return out;
}

Value to_value(const InputValue& v, const FieldInfo& field) {
    if (v.is_null()) return Value();
    const auto* number = v.as_number();
    const auto* text = v.as_string();
    const auto wrong = [&](std::string_view expected) {
        return InputError("expected " + std::string(expected) + " for '" + field.name + "'");
    };
    try {
        switch (field.type.type) {
            case LogicalType::boolean:
                if (const auto* b = v.as_bool()) return Value(*b);
                throw wrong("a Boolean");
            case LogicalType::int32:
            case LogicalType::int64:
                if (number && !number->is_float) return Value(integer(number->text, field));
                if (text && field.type.type == LogicalType::int64) return Value(integer(*text, field));
                throw wrong("an integer");
            case LogicalType::float64:
                if (number) {
                    const double d = std::strtod(number->text.c_str(), nullptr);
                    if (!std::isfinite(d)) throw wrong("a finite number");
                    return Value(d);
                }
                throw wrong("a number");
            case LogicalType::decimal:
                if (number) return Value(Decimal{decimal_text(number->text, field)});
                if (text) return Value(Decimal{decimal_text(*text, field)});
                throw wrong("a number");
            case LogicalType::string:
            case LogicalType::text:
                if (text) return Value(*text);
                throw wrong("a String");
            case LogicalType::bytes:
                if (text) return Value(hex_bytes(*text, field));
                throw wrong("hex bytes (\\x...)");
            case LogicalType::date:
                if (text) return Value(parse_date(*text));
                throw wrong("a date (YYYY-MM-DD)");
            case LogicalType::time:
                if (text) return Value(parse_time(*text));
                throw wrong("a time (HH:MM:SS)");
            case LogicalType::timestamp:
                if (text) return Value(parse_timestamp(*text));
                throw wrong("a timestamp (ISO 8601)");
            case LogicalType::uuid:
                if (text) return Value(parse_uuid(*text));
                throw wrong("a uuid");
            case LogicalType::json: return Value(Json{input_json(v)});
        }
    } catch (const InvalidValue&) {
        throw InputError("invalid value for '" + field.name + "' (" + std::string(scalar_name(field.type.type)) + ")");
    }
    throw wrong("a value");
}

}  // namespace rex::graphql
