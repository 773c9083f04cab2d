// GraphQL input values after parsing: literals from a document, variables from a request, and the
// coerced argument values the executor reads. One type for all three keeps coercion one function.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace rex::graphql {

struct InputValue;
using InputList = std::vector<InputValue>;
// Object fields keep their written order (responses and error messages follow it).
using InputObject = std::vector<std::pair<std::string, InputValue>>;

struct EnumName {
    std::string name;
    bool operator==(const EnumName&) const = default;
};
// `$name` in a document; never present in a coerced value.
struct VariableRef {
    std::string name;
    bool operator==(const VariableRef&) const = default;
};
// An Int or Float literal keeps its text: Int is 32-bit in GraphQL, but custom scalars (bigint,
// numeric) must not lose digits on the way to a bound parameter.
struct NumberText {
    std::string text;
    bool is_float = false;
    bool operator==(const NumberText&) const = default;
};

struct InputValue {
    // monostate is null. Lists and objects are held through shared_ptr so the variant stays small
    // and copies of large variables are cheap.
    using Storage = std::variant<std::monostate, bool, NumberText, std::string, EnumName, VariableRef,
                                 std::shared_ptr<const InputList>, std::shared_ptr<const InputObject>>;
    Storage value;

    InputValue() = default;
    static InputValue null() { return {}; }
    static InputValue boolean(bool b) { return make(b); }
    static InputValue number(std::string text, bool is_float) { return make(NumberText{std::move(text), is_float}); }
    static InputValue string(std::string s) { return make(std::move(s)); }
    static InputValue enumeration(std::string name) { return make(EnumName{std::move(name)}); }
    static InputValue variable(std::string name) { return make(VariableRef{std::move(name)}); }
    static InputValue list(InputList items) { return make(std::make_shared<const InputList>(std::move(items))); }
    static InputValue object(InputObject fields) { return make(std::make_shared<const InputObject>(std::move(fields))); }

    bool is_null() const noexcept { return std::holds_alternative<std::monostate>(value); }
    const bool* as_bool() const noexcept { return std::get_if<bool>(&value); }
    const NumberText* as_number() const noexcept { return std::get_if<NumberText>(&value); }
    const std::string* as_string() const noexcept { return std::get_if<std::string>(&value); }
    const EnumName* as_enum() const noexcept { return std::get_if<EnumName>(&value); }
    const VariableRef* as_variable() const noexcept { return std::get_if<VariableRef>(&value); }
    const InputList* as_list() const noexcept {
        auto p = std::get_if<std::shared_ptr<const InputList>>(&value);
        return p ? p->get() : nullptr;
    }
    const InputObject* as_object() const noexcept {
        auto p = std::get_if<std::shared_ptr<const InputObject>>(&value);
        return p ? p->get() : nullptr;
    }
    // A field of an object value; nullptr when absent or not an object.
    const InputValue* field(std::string_view name) const noexcept {
        if (const auto* o = as_object())
            for (const auto& [k, v] : *o)
                if (k == name) return &v;
        return nullptr;
    }

private:
    template <class T>
    static InputValue make(T v) {
        InputValue i;
        i.value = std::move(v);
        return i;
    }
};

}  // namespace rex::graphql
