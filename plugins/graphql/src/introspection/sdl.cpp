#include "sdl.hpp"

#include "language/parser.hpp"

namespace rex::graphql {

namespace {

constexpr std::string_view default_deprecation = "No longer supported";

bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

// graphql-js isPrintableAsBlockString.
bool printable_as_block(std::string_view value) {
    if (value.empty()) return true;
    bool empty_line = true, has_indent = false, common_indent = true, seen_non_empty = false;
    for (char ch : value) {
        auto c = static_cast<unsigned char>(ch);
        if ((c < 0x20 && c != '\n' && c != '\t') || c == '\r') return false;
        if (c == '\n') {
            if (empty_line && !seen_non_empty) return false;
            seen_non_empty = true;
            empty_line = true;
            has_indent = false;
        } else if (is_blank(ch)) {
            has_indent = has_indent || empty_line;
        } else {
            common_indent = common_indent && has_indent;
            empty_line = false;
        }
    }
    if (empty_line) return false;
    if (common_indent && seen_non_empty) return false;
    return true;
}

std::size_t utf16_length(std::string_view s) {
    std::size_t n = 0;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if ((c & 0xC0) != 0x80) n += c >= 0xF0 ? 2 : 1;
    }
    return n;
}

// graphql-js printBlockString.
std::string block_string(std::string_view value) {
    std::string escaped;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value.compare(i, 3, "\"\"\"") == 0) {
            escaped += "\\\"\"\"";
            i += 2;
        } else {
            escaped += value[i];
        }
    }
    std::vector<std::string_view> lines;
    std::string_view rest = escaped;
    for (;;) {
        auto nl = rest.find('\n');
        lines.push_back(rest.substr(0, nl));
        if (nl == std::string_view::npos) break;
        rest.remove_prefix(nl + 1);
    }
    bool single = lines.size() == 1;
    bool force_leading = lines.size() > 1;
    for (std::size_t i = 1; i < lines.size() && force_leading; ++i)
        force_leading = lines[i].empty() || is_blank(lines[i][0]);
    bool trailing_triple = escaped.ends_with("\\\"\"\"");
    bool trailing_quote = !value.empty() && value.back() == '"' && !trailing_triple;
    bool trailing_slash = !value.empty() && value.back() == '\\';
    bool force_trailing = trailing_quote || trailing_slash;
    bool multiple = !single || utf16_length(value) > 70 || force_trailing || force_leading || trailing_triple;
    bool skip_leading = single && !value.empty() && is_blank(value[0]);
    std::string out = "\"\"\"";
    if ((multiple && !skip_leading) || force_leading) out += '\n';
    out += escaped;
    if (multiple || force_trailing) out += '\n';
    out += "\"\"\"";
    return out;
}

std::string quoted(std::string_view s) {
    std::string out;
    append_quoted(out, s);
    return out;
}

std::string description(const std::string& text, const std::string& indentation = {}, bool first_in_block = true) {
    if (text.empty()) return {};
    std::string printed = printable_as_block(text) ? block_string(text) : quoted(text);
    std::string out = indentation.empty() || first_in_block ? indentation : "\n" + indentation;
    for (char c : printed) {
        out += c;
        if (c == '\n') out += indentation;
    }
    return out + "\n";
}

std::string deprecated(const std::optional<std::string>& reason) {
    if (!reason) return {};
    if (*reason == default_deprecation) return " @deprecated";
    return " @deprecated(reason: " + quoted(*reason) + ")";
}

std::string input_value(const InputValueDef& v) {
    std::string out = v.name + ": " + v.type.to_string();
    if (v.default_value) out += " = " + print_value(*v.default_value);
    return out + deprecated(v.deprecation);
}

std::string arguments(const std::vector<InputValueDef>& args, const std::string& indentation = {}) {
    if (args.empty()) return {};
    bool described = false;
    for (const auto& a : args) described = described || !a.description.empty();
    std::string out = "(";
    if (!described) {
        for (std::size_t i = 0; i < args.size(); ++i) out += (i ? ", " : "") + input_value(args[i]);
        return out + ")";
    }
    out += "\n";
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (i) out += "\n";
        out += description(args[i].description, "  " + indentation, i == 0) + "  " + indentation + input_value(args[i]);
    }
    return out + "\n" + indentation + ")";
}

std::string block(const std::vector<std::string>& items) {
    if (items.empty()) return {};
    std::string out = " {\n";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "\n" : "") + items[i];
    return out + "\n}";
}

std::string implements(const TypeDef& t) {
    std::string out;
    for (std::size_t i = 0; i < t.interfaces.size(); ++i) out += (i ? " & " : " implements ") + t.interfaces[i];
    return out;
}

std::string fields(const TypeDef& t) {
    std::vector<std::string> items;
    for (std::size_t i = 0; i < t.fields.size(); ++i) {
        const auto& f = t.fields[i];
        items.push_back(description(f.description, "  ", i == 0) + "  " + f.name + arguments(f.arguments, "  ") + ": " +
                        f.type.to_string() + deprecated(f.deprecation));
    }
    return block(items);
}

std::string type(const TypeDef& t) {
    std::string out = description(t.description);
    switch (t.kind) {
        case TypeKind::scalar:
            out += "scalar " + t.name;
            if (t.specified_by) out += " @specifiedBy(url: " + quoted(*t.specified_by) + ")";
            return out;
        case TypeKind::object: return out + "type " + t.name + implements(t) + fields(t);
        case TypeKind::interface_type: return out + "interface " + t.name + implements(t) + fields(t);
        case TypeKind::union_type:
            out += "union " + t.name;
            for (std::size_t i = 0; i < t.possible_types.size(); ++i) out += (i ? " | " : " = ") + t.possible_types[i];
            return out;
        case TypeKind::enum_type: {
            std::vector<std::string> items;
            for (std::size_t i = 0; i < t.enum_values.size(); ++i) {
                const auto& v = t.enum_values[i];
                items.push_back(description(v.description, "  ", i == 0) + "  " + v.name + deprecated(v.deprecation));
            }
            return out + "enum " + t.name + block(items);
        }
        case TypeKind::input_object: {
            std::vector<std::string> items;
            for (std::size_t i = 0; i < t.input_fields.size(); ++i)
                items.push_back(description(t.input_fields[i].description, "  ", i == 0) + "  " +
                                input_value(t.input_fields[i]));
            return out + "input " + t.name + block(items);
        }
    }
    return out;
}

bool is_builtin_directive(std::string_view name) {
    return name == "include" || name == "skip" || name == "deprecated" || name == "specifiedBy";
}

}  // namespace

std::string print_schema(const Schema& schema) {
    std::vector<std::string> parts;
    bool common_names = schema.query_type == "Query" && schema.mutation_type.value_or("Mutation") == "Mutation" &&
                        schema.subscription_type.value_or("Subscription") == "Subscription";
    if (!schema.description.empty() || !common_names) {
        std::string roots = "  query: " + schema.query_type;
        if (schema.mutation_type) roots += "\n  mutation: " + *schema.mutation_type;
        if (schema.subscription_type) roots += "\n  subscription: " + *schema.subscription_type;
        parts.push_back(description(schema.description) + "schema {\n" + roots + "\n}");
    }
    for (const auto& d : schema.directives()) {
        if (is_builtin_directive(d.name)) continue;
        std::string out = description(d.description) + "directive @" + d.name + arguments(d.arguments);
        if (d.repeatable) out += " repeatable";
        for (std::size_t i = 0; i < d.locations.size(); ++i) out += (i ? " | " : " on ") + std::string(to_string(d.locations[i]));
        parts.push_back(std::move(out));
    }
    for (const auto& t : schema.types())
        if (!Schema::is_builtin_type(t->name)) parts.push_back(type(*t));
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "\n\n" : "") + parts[i];
    return out;
}

}  // namespace rex::graphql
