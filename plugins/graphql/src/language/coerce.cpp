#include "coerce.hpp"

#include "parser.hpp"
#include "validation/suggestions.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace rex::graphql {

namespace {

template <class Defs>
std::vector<std::string_view> names_of(const Defs& defs) {
    std::vector<std::string_view> names;
    for (const auto& d : defs) names.push_back(d.name);
    return names;
}

struct Coercer {
    const CoercionInput& in;
    std::string& error;
    std::string& path;

    bool literal() const noexcept { return in.variables != nullptr; }

    Coerced fail(std::string message) {
        error = std::move(message);
        return Coerced::error;
    }

    Coerced run(const TypeRef& type, std::size_t w, const InputValue& value, InputValue& out) {
        if (const auto* var = value.as_variable()) {
            if (!literal()) return fail("Variables cannot hold variable references.");
            for (const auto& [name, v] : *in.variables)
                if (name == var->name) {
                    if (v.is_null() && w < type.wrappers.size() && type.wrappers[w] == TypeWrapper::non_null)
                        return fail("Expected non-nullable type \"" + sub_type(type, w) + "\" not to be null.");
                    out = v;  // already coerced against the variable's (compatible) type
                    return Coerced::value;
                }
            return Coerced::absent;
        }
        bool non_null = w < type.wrappers.size() && type.wrappers[w] == TypeWrapper::non_null;
        if (non_null) ++w;
        if (value.is_null()) {
            if (non_null) return fail("Expected non-nullable type \"" + sub_type(type, w - 1) + "\" not to be null.");
            out = InputValue::null();
            return Coerced::value;
        }
        if (w < type.wrappers.size()) {  // a list
            InputList items;
            if (const auto* list = value.as_list()) {
                items.reserve(list->size());
                std::size_t base = path.size();
                for (std::size_t i = 0; i < list->size(); ++i) {
                    path += "[" + std::to_string(i) + "]";
                    InputValue item;
                    Coerced c = run(type, w + 1, (*list)[i], item);
                    if (c == Coerced::error) return c;
                    if (c == Coerced::absent) {
                        if (w + 1 < type.wrappers.size() && type.wrappers[w + 1] == TypeWrapper::non_null)
                            return fail("Expected non-nullable type \"" + sub_type(type, w + 1) + "\" not to be null.");
                        item = InputValue::null();
                    }
                    items.push_back(std::move(item));
                    path.resize(base);
                }
            } else {  // a single value where a list is expected: a list of one
                InputValue item;
                Coerced c = run(type, w + 1, value, item);
                if (c != Coerced::value) return c;
                items.push_back(std::move(item));
            }
            out = InputValue::list(std::move(items));
            return Coerced::value;
        }
        const TypeDef* def = in.schema.type(type.name);
        if (!def) return fail("Unknown type \"" + type.name + "\".");
        switch (def->kind) {
            case TypeKind::scalar: return scalar(*def, value, out);
            case TypeKind::enum_type: return enumeration(*def, value, out);
            case TypeKind::input_object: return input_object(*def, value, out);
            default: return fail("Type \"" + type.name + "\" is not an input type.");
        }
    }

    static std::string sub_type(const TypeRef& type, std::size_t w) {
        return TypeRef{type.name, std::vector<TypeWrapper>(type.wrappers.begin() + static_cast<std::ptrdiff_t>(w),
                                                           type.wrappers.end())}
            .to_string();
    }

    Coerced scalar(const TypeDef& def, const InputValue& value, InputValue& out) {
        const std::string& n = def.name;
        if (n == "Int") {
            const auto* num = value.as_number();
            if (!num) return fail("Int cannot represent non-integer value: " + print_value(value));
            std::int64_t i = 0;
            auto [end, ec] = std::from_chars(num->text.data(), num->text.data() + num->text.size(), i);
            if (ec == std::errc() && end == num->text.data() + num->text.size()) {
                if (i < INT32_MIN || i > INT32_MAX)
                    return fail("Int cannot represent non 32-bit signed integer value: " + num->text);
                out = InputValue::number(std::to_string(i), false);
                return Coerced::value;
            }
            if (ec == std::errc::result_out_of_range)
                return fail("Int cannot represent non 32-bit signed integer value: " + num->text);
            // A float text (JSON `1.0`, `1e3`) holding an integer is an integer, as in JavaScript.
            double d = std::strtod(num->text.c_str(), nullptr);
            if (literal() || d != std::floor(d) || !std::isfinite(d))
                return fail("Int cannot represent non-integer value: " + num->text);
            if (d < INT32_MIN || d > INT32_MAX)
                return fail("Int cannot represent non 32-bit signed integer value: " + num->text);
            out = InputValue::number(std::to_string(static_cast<std::int64_t>(d)), false);
            return Coerced::value;
        }
        if (n == "Float") {
            if (!value.as_number()) return fail("Float cannot represent non numeric value: " + print_value(value));
            out = value;
            return Coerced::value;
        }
        if (n == "String") {
            if (!value.as_string()) return fail("String cannot represent a non string value: " + print_value(value));
            out = value;
            return Coerced::value;
        }
        if (n == "Boolean") {
            if (!value.as_bool()) return fail("Boolean cannot represent a non boolean value: " + print_value(value));
            out = value;
            return Coerced::value;
        }
        if (n == "ID") {
            if (value.as_string()) {
                out = value;
                return Coerced::value;
            }
            if (const auto* num = value.as_number(); num && !num->is_float) {
                out = InputValue::string(num->text);
                return Coerced::value;
            }
            return fail((literal() ? "ID cannot represent a non-string and non-integer value: "
                                   : "ID cannot represent value: ") +
                        print_value(value));
        }
        out = value;  // a custom scalar: its executor checks the value
        return Coerced::value;
    }

    Coerced enumeration(const TypeDef& def, const InputValue& value, InputValue& out) {
        std::string_view name;
        if (literal()) {
            const auto* e = value.as_enum();
            if (!e) return fail("Enum \"" + def.name + "\" cannot represent non-enum value: " + print_value(value) + ".");
            name = e->name;
        } else {
            const auto* s = value.as_string();
            if (!s) return fail("Enum \"" + def.name + "\" cannot represent non-string value: " + print_value(value) + ".");
            name = *s;
        }
        if (!def.enum_value(name))
            return fail("Value \"" + std::string(name) + "\" does not exist in \"" + def.name + "\" enum." +
                        did_you_mean(suggestion_list(name, names_of(def.enum_values)), "the enum value"));
        out = InputValue::enumeration(std::string(name));
        return Coerced::value;
    }

    Coerced input_object(const TypeDef& def, const InputValue& value, InputValue& out) {
        const auto* obj = value.as_object();
        if (!obj) return fail("Expected type \"" + def.name + "\" to be an object.");
        for (const auto& [name, v] : *obj)
            if (!def.input_field(name))
                return fail("Field \"" + name + "\" is not defined by type \"" + def.name + "\"." +
                            did_you_mean(suggestion_list(name, names_of(def.input_fields))));
        // Written order first (an order_by object's keys are ordered), then defaults of absent fields.
        InputObject fields;
        std::size_t base = path.size();
        for (const auto& [name, given] : *obj) {
            const InputValueDef& f = *def.input_field(name);
            InputValue v;
            path += "." + f.name;
            Coerced c = run(f.type, 0, given, v);
            if (c == Coerced::error) return c;
            path.resize(base);
            if (c == Coerced::value) fields.emplace_back(f.name, std::move(v));
        }
        for (const auto& f : def.input_fields) {
            bool present = false;
            for (const auto& [name, v] : fields) present = present || name == f.name;
            if (present) continue;
            if (f.default_value)
                fields.emplace_back(f.name, *f.default_value);
            else if (f.type.is_non_null())
                return fail("Field \"" + f.name + "\" of required type \"" + f.type.to_string() + "\" was not provided.");
        }
        out = InputValue::object(std::move(fields));
        return Coerced::value;
    }
};

}  // namespace

Coerced coerce_value(const CoercionInput& in, const TypeRef& type, const InputValue& value, InputValue& out,
                     std::string& error, std::string& path) {
    Coercer c{in, error, path};
    return c.run(type, 0, value, out);
}

}  // namespace rex::graphql
