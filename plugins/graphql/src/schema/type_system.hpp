// The GraphQL type system (October 2021 spec, section 3) as plain data. The API builder fills a
// Schema from the catalog; validation, introspection and the SDL printer read it. It knows nothing
// of SQL: the executor keeps its own table from root fields to what they do.
#pragma once

#include "values.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rex::graphql {

enum class TypeKind : std::uint8_t { scalar, object, interface_type, union_type, enum_type, input_object };

// A reference to a type with its wrappers: `[track_order_by!]` is {name "track_order_by",
// wrappers {list, non_null}} — outermost first.
enum class TypeWrapper : std::uint8_t { list, non_null };
struct TypeRef {
    std::string name;
    std::vector<TypeWrapper> wrappers;

    static TypeRef named(std::string name) { return {std::move(name), {}}; }
    // `T!` / `[T]` around this reference.
    TypeRef non_null() const { return wrapped(TypeWrapper::non_null); }
    TypeRef list() const { return wrapped(TypeWrapper::list); }
    TypeRef wrapped(TypeWrapper outer) const {
        TypeRef r{name, {}};
        r.wrappers.reserve(wrappers.size() + 1);
        r.wrappers.push_back(outer);
        for (auto w : wrappers) r.wrappers.push_back(w);  // (insert() trips a GCC 12 -Warray-bounds false positive)
        return r;
    }
    bool is_non_null() const noexcept { return !wrappers.empty() && wrappers.front() == TypeWrapper::non_null; }
    // The type inside the outermost wrapper (`[T!]!` -> `[T!]`); the named type itself when bare.
    TypeRef unwrap() const { return {name, std::vector<TypeWrapper>(wrappers.empty() ? wrappers.begin() : wrappers.begin() + 1, wrappers.end())}; }
    bool is_list() const noexcept {
        for (auto w : wrappers)
            if (w == TypeWrapper::list) return true;
        return false;
    }
    std::string to_string() const;  // "[T!]!"
    bool operator==(const TypeRef&) const = default;
};

struct InputValueDef {  // an argument or an input object field
    std::string name;
    std::string description;
    TypeRef type;
    std::optional<InputValue> default_value;  // a constant (no variables)
    std::optional<std::string> deprecation;   // reason, when deprecated
};

struct FieldDef {
    std::string name;
    std::string description;
    TypeRef type;
    std::vector<InputValueDef> arguments;
    std::optional<std::string> deprecation;

    const InputValueDef* argument(std::string_view arg) const noexcept;
};

struct EnumValueDef {
    std::string name;
    std::string description;
    std::optional<std::string> deprecation;
};

struct TypeDef {
    TypeKind kind = TypeKind::object;
    std::string name;
    std::string description;
    std::vector<FieldDef> fields;               // object, interface
    std::vector<std::string> interfaces;        // object, interface: the interfaces it implements
    std::vector<std::string> possible_types;    // union: its members
    std::vector<EnumValueDef> enum_values;      // enum
    std::vector<InputValueDef> input_fields;    // input object
    std::optional<std::string> specified_by;    // scalar: @specifiedBy(url:)

    const FieldDef* field(std::string_view field_name) const noexcept;
    const InputValueDef* input_field(std::string_view field_name) const noexcept;
    const EnumValueDef* enum_value(std::string_view value_name) const noexcept;
};

enum class DirectiveLocation : std::uint8_t {
    query, mutation, subscription, field, fragment_definition, fragment_spread, inline_fragment, variable_definition,
    schema, scalar, object, field_definition, argument_definition, interface_type, union_type, enum_type, enum_value,
    input_object, input_field_definition
};
std::string_view to_string(DirectiveLocation location) noexcept;  // "FIELD_DEFINITION"

struct DirectiveDef {
    std::string name;
    std::string description;
    std::vector<DirectiveLocation> locations;
    std::vector<InputValueDef> arguments;
    bool repeatable = false;
};

// A whole schema. Types are kept by name; `types()` lists them in insertion order, which is the
// order introspection and the SDL printer use (built-in scalars first).
class Schema {
public:
    // With the built-in scalars (Int, Float, String, Boolean, ID), the introspection types
    // (__Schema, __Type, ...) and directives (@include, @skip, @deprecated, @specifiedBy).
    Schema();

    // Adds a type; a second type with one name throws std::invalid_argument.
    void add_type(TypeDef type);
    void add_directive(DirectiveDef directive);
    const TypeDef* type(std::string_view name) const noexcept;
    const DirectiveDef* directive(std::string_view name) const noexcept;
    const std::vector<std::shared_ptr<const TypeDef>>& types() const noexcept { return order_; }
    const std::vector<DirectiveDef>& directives() const noexcept { return directives_; }

    std::string query_type = "query_root";
    std::optional<std::string> mutation_type;      // e.g. "mutation_root"
    std::optional<std::string> subscription_type;  // e.g. "subscription_root"
    std::string description;

    // True for introspection types and the built-in scalars and directives (not printed in SDL).
    static bool is_builtin_type(std::string_view name) noexcept;

    // Changes whenever a type or directive is added (and is unique per constructed Schema): the
    // document cache keys validation results on it.
    std::uint64_t generation() const noexcept { return generation_; }

private:
    std::uint64_t generation_ = 0;
    std::vector<std::shared_ptr<const TypeDef>> order_;
    struct NameHash {  // lets find() take a string_view
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, std::shared_ptr<const TypeDef>, NameHash, std::equal_to<>> by_name_;
    std::vector<DirectiveDef> directives_;
};

}  // namespace rex::graphql
