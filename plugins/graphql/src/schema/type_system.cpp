#include "type_system.hpp"

#include <atomic>
#include <stdexcept>
#include <utility>

namespace rex::graphql {

namespace {

std::uint64_t next_generation() noexcept {
    static std::atomic<std::uint64_t> counter{0};
    return ++counter;
}

InputValueDef arg(std::string name, TypeRef type, std::string description = {},
                  std::optional<InputValue> default_value = std::nullopt) {
    return {std::move(name), std::move(description), std::move(type), std::move(default_value), std::nullopt};
}

FieldDef field(std::string name, TypeRef type, std::vector<InputValueDef> arguments = {}) {
    return {std::move(name), {}, std::move(type), std::move(arguments), std::nullopt};
}

TypeRef named(const char* name) { return TypeRef::named(name); }
TypeRef list_of_non_null(const char* name) { return named(name).non_null().list(); }

TypeDef scalar(const char* name, const char* description) {
    TypeDef t;
    t.kind = TypeKind::scalar;
    t.name = name;
    t.description = description;
    return t;
}

TypeDef object(const char* name, const char* description, std::vector<FieldDef> fields) {
    TypeDef t;
    t.kind = TypeKind::object;
    t.name = name;
    t.description = description;
    t.fields = std::move(fields);
    return t;
}

TypeDef enumeration(const char* name, const char* description, std::initializer_list<const char*> values) {
    TypeDef t;
    t.kind = TypeKind::enum_type;
    t.name = name;
    t.description = description;
    for (const char* v : values) t.enum_values.push_back({v, {}, std::nullopt});
    return t;
}

std::vector<InputValueDef> include_deprecated() {
    return {arg("includeDeprecated", named("Boolean"), {}, InputValue::boolean(false))};
}

// Member descriptions of the introspection types, as graphql-js words them (clients show them).
constexpr std::pair<std::string_view, std::string_view> introspection_docs[] = {
    {"__Schema.types",
     "A list of all types supported by this server."},
    {"__Schema.queryType",
     "The type that query operations will be rooted at."},
    {"__Schema.mutationType",
     "If this server supports mutation, the type that mutation operations will be rooted at."},
    {"__Schema.subscriptionType",
     "If this server support subscription, the type that subscription operations will be rooted at."},
    {"__Schema.directives",
     "A list of all directives supported by this server."},
    {"__InputValue.defaultValue",
     "A GraphQL-formatted string representing the default value for this input value."},
    {"__TypeKind.SCALAR",
     "Indicates this type is a scalar."},
    {"__TypeKind.OBJECT",
     "Indicates this type is an object. `fields` and `interfaces` are valid fields."},
    {"__TypeKind.INTERFACE",
     "Indicates this type is an interface. `fields`, `interfaces`, and `possibleTypes` are valid fields."},
    {"__TypeKind.UNION",
     "Indicates this type is a union. `possibleTypes` is a valid field."},
    {"__TypeKind.ENUM",
     "Indicates this type is an enum. `enumValues` is a valid field."},
    {"__TypeKind.INPUT_OBJECT",
     "Indicates this type is an input object. `inputFields` is a valid field."},
    {"__TypeKind.LIST",
     "Indicates this type is a list. `ofType` is a valid field."},
    {"__TypeKind.NON_NULL",
     "Indicates this type is a non-null. `ofType` is a valid field."},
};

// Directive locations are described as "Location adjacent to a query operation." and so on.
constexpr std::string_view location_docs[] = {
    "a query operation", "a mutation operation", "a subscription operation", "a field", "a fragment definition",
    "a fragment spread", "an inline fragment", "a variable definition", "a schema definition", "a scalar definition",
    "an object type definition", "a field definition", "an argument definition", "an interface definition",
    "a union definition", "an enum definition", "an enum value definition", "an input object type definition",
    "an input object field definition"};

void add_documented(Schema& s, TypeDef t) {
    for (const auto& [key, text] : introspection_docs) {
        if (!key.starts_with(t.name) || key[t.name.size()] != '.') continue;
        auto member = key.substr(t.name.size() + 1);
        for (auto& f : t.fields)
            if (f.name == member) f.description = text;
        for (auto& v : t.enum_values)
            if (v.name == member) v.description = text;
    }
    if (t.name == "__DirectiveLocation")
        for (std::size_t i = 0; i < t.enum_values.size(); ++i)
            t.enum_values[i].description = "Location adjacent to " + std::string(location_docs[i]) + ".";
    s.add_type(std::move(t));
}

// The introspection types, as graphql-js defines them (field order included: clients read it).
void add_introspection_types(Schema& s) {
    add_documented(s, object("__Schema",
                      "A GraphQL Schema defines the capabilities of a GraphQL server. It exposes all available types "
                      "and directives on the server, as well as the entry points for query, mutation, and "
                      "subscription operations.",
                      {field("description", named("String")), field("types", list_of_non_null("__Type").non_null()),
                       field("queryType", named("__Type").non_null()), field("mutationType", named("__Type")),
                       field("subscriptionType", named("__Type")),
                       field("directives", list_of_non_null("__Directive").non_null())}));
    add_documented(s, object(
        "__Type",
        "The fundamental unit of any GraphQL Schema is the type. There are many kinds of types in GraphQL as "
        "represented by the `__TypeKind` enum.\n\nDepending on the kind of a type, certain fields describe "
        "information about that type. Scalar types provide no information beyond a name, description and "
        "optional `specifiedByURL`, while Enum types provide their values. Object and Interface types provide "
        "the fields they describe. Abstract types, Union and Interface, provide the Object types possible at "
        "runtime. List and NonNull types compose other types.",
        {field("kind", named("__TypeKind").non_null()), field("name", named("String")),
         field("description", named("String")), field("specifiedByURL", named("String")),
         field("fields", list_of_non_null("__Field"), include_deprecated()),
         field("interfaces", list_of_non_null("__Type")), field("possibleTypes", list_of_non_null("__Type")),
         field("enumValues", list_of_non_null("__EnumValue"), include_deprecated()),
         field("inputFields", list_of_non_null("__InputValue"), include_deprecated()),
         field("ofType", named("__Type"))}));
    add_documented(s, object("__Field",
                      "Object and Interface types are described by a list of Fields, each of which has a name, "
                      "potentially a list of arguments, and a return type.",
                      {field("name", named("String").non_null()), field("description", named("String")),
                       field("args", list_of_non_null("__InputValue").non_null(), include_deprecated()),
                       field("type", named("__Type").non_null()), field("isDeprecated", named("Boolean").non_null()),
                       field("deprecationReason", named("String"))}));
    add_documented(s, object("__InputValue",
                      "Arguments provided to Fields or Directives and the input fields of an InputObject are "
                      "represented as Input Values which describe their type and optionally a default value.",
                      {field("name", named("String").non_null()), field("description", named("String")),
                       field("type", named("__Type").non_null()), field("defaultValue", named("String")),
                       field("isDeprecated", named("Boolean").non_null()),
                       field("deprecationReason", named("String"))}));
    add_documented(s, object("__EnumValue",
                      "One possible value for a given Enum. Enum values are unique values, not a placeholder for a "
                      "string or numeric value. However an Enum value is returned in a JSON response as a string.",
                      {field("name", named("String").non_null()), field("description", named("String")),
                       field("isDeprecated", named("Boolean").non_null()),
                       field("deprecationReason", named("String"))}));
    add_documented(s, object("__Directive",
                      "A Directive provides a way to describe alternate runtime execution and type validation "
                      "behavior in a GraphQL document.\n\nIn some cases, you need to provide options to alter "
                      "GraphQL's execution behavior in ways field arguments will not suffice, such as conditionally "
                      "including or skipping a field. Directives provide this by describing additional information "
                      "to the executor.",
                      {field("name", named("String").non_null()), field("description", named("String")),
                       field("isRepeatable", named("Boolean").non_null()),
                       field("locations", list_of_non_null("__DirectiveLocation").non_null()),
                       field("args", list_of_non_null("__InputValue").non_null(), include_deprecated())}));
    add_documented(s, enumeration("__TypeKind", "An enum describing what kind of type a given `__Type` is.",
                           {"SCALAR", "OBJECT", "INTERFACE", "UNION", "ENUM", "INPUT_OBJECT", "LIST", "NON_NULL"}));
    add_documented(s, enumeration("__DirectiveLocation",
                           "A Directive can be adjacent to many parts of the GraphQL language, a "
                           "__DirectiveLocation describes one such possible adjacencies.",
                           {"QUERY", "MUTATION", "SUBSCRIPTION", "FIELD", "FRAGMENT_DEFINITION", "FRAGMENT_SPREAD",
                            "INLINE_FRAGMENT", "VARIABLE_DEFINITION", "SCHEMA", "SCALAR", "OBJECT",
                            "FIELD_DEFINITION", "ARGUMENT_DEFINITION", "INTERFACE", "UNION", "ENUM", "ENUM_VALUE",
                            "INPUT_OBJECT", "INPUT_FIELD_DEFINITION"}));
}

void add_builtin_directives(Schema& s) {
    using L = DirectiveLocation;
    s.add_directive({"include",
                     "Directs the executor to include this field or fragment only when the `if` argument is true.",
                     {L::field, L::fragment_spread, L::inline_fragment},
                     {arg("if", named("Boolean").non_null(), "Included when true.")},
                     false});
    s.add_directive({"skip", "Directs the executor to skip this field or fragment when the `if` argument is true.",
                     {L::field, L::fragment_spread, L::inline_fragment},
                     {arg("if", named("Boolean").non_null(), "Skipped when true.")},
                     false});
    s.add_directive({"deprecated", "Marks an element of a GraphQL schema as no longer supported.",
                     {L::field_definition, L::argument_definition, L::input_field_definition, L::enum_value},
                     {arg("reason", named("String"),
                          "Explains why this element was deprecated, usually also including a suggestion for how to "
                          "access supported similar data. Formatted using the Markdown syntax, as specified by "
                          "[CommonMark](https://commonmark.org/).",
                          InputValue::string("No longer supported"))},
                     false});
    s.add_directive({"specifiedBy", "Exposes a URL that specifies the behavior of this scalar.",
                     {L::scalar},
                     {arg("url", named("String").non_null(), "The URL that specifies the behavior of this scalar.")},
                     false});
}

}  // namespace

std::string TypeRef::to_string() const {
    std::string s = name;
    for (auto it = wrappers.rbegin(); it != wrappers.rend(); ++it)
        s = *it == TypeWrapper::list ? "[" + s + "]" : s + "!";
    return s;
}

const InputValueDef* FieldDef::argument(std::string_view arg_name) const noexcept {
    for (const auto& a : arguments)
        if (a.name == arg_name) return &a;
    return nullptr;
}

const FieldDef* TypeDef::field(std::string_view field_name) const noexcept {
    for (const auto& f : fields)
        if (f.name == field_name) return &f;
    return nullptr;
}

const InputValueDef* TypeDef::input_field(std::string_view field_name) const noexcept {
    for (const auto& f : input_fields)
        if (f.name == field_name) return &f;
    return nullptr;
}

const EnumValueDef* TypeDef::enum_value(std::string_view value_name) const noexcept {
    for (const auto& v : enum_values)
        if (v.name == value_name) return &v;
    return nullptr;
}

std::string_view to_string(DirectiveLocation location) noexcept {
    static constexpr std::string_view names[] = {
        "QUERY", "MUTATION", "SUBSCRIPTION", "FIELD", "FRAGMENT_DEFINITION", "FRAGMENT_SPREAD", "INLINE_FRAGMENT",
        "VARIABLE_DEFINITION", "SCHEMA", "SCALAR", "OBJECT", "FIELD_DEFINITION", "ARGUMENT_DEFINITION", "INTERFACE",
        "UNION", "ENUM", "ENUM_VALUE", "INPUT_OBJECT", "INPUT_FIELD_DEFINITION"};
    return names[static_cast<std::size_t>(location)];
}

Schema::Schema() {
    add_type(scalar("Int", "The `Int` scalar type represents non-fractional signed whole numeric values. Int can "
                           "represent values between -(2^31) and 2^31 - 1."));
    add_type(scalar("Float", "The `Float` scalar type represents signed double-precision fractional values as "
                             "specified by [IEEE 754](https://en.wikipedia.org/wiki/IEEE_floating_point)."));
    add_type(scalar("String", "The `String` scalar type represents textual data, represented as UTF-8 character "
                              "sequences. The String type is most often used by GraphQL to represent free-form "
                              "human-readable text."));
    add_type(scalar("Boolean", "The `Boolean` scalar type represents `true` or `false`."));
    add_type(scalar("ID", "The `ID` scalar type represents a unique identifier, often used to refetch an object or "
                          "as key for a cache. The ID type appears in a JSON response as a String; however, it is "
                          "not intended to be human-readable. When expected as an input type, any string (such as "
                          "`\"4\"`) or integer (such as `4`) input value will be accepted as an ID."));
    add_introspection_types(*this);
    add_builtin_directives(*this);
}

void Schema::add_type(TypeDef type) {
    if (by_name_.count(type.name)) throw std::invalid_argument("GraphQL type \"" + type.name + "\" defined twice");
    auto p = std::make_shared<const TypeDef>(std::move(type));
    by_name_.emplace(p->name, p);
    generation_ = next_generation();
    order_.push_back(std::move(p));
}

void Schema::add_directive(DirectiveDef directive) {
    if (this->directive(directive.name))
        throw std::invalid_argument("GraphQL directive \"@" + directive.name + "\" defined twice");
    directives_.push_back(std::move(directive));
    generation_ = next_generation();
}

const TypeDef* Schema::type(std::string_view name) const noexcept {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second.get();
}

const DirectiveDef* Schema::directive(std::string_view name) const noexcept {
    for (const auto& d : directives_)
        if (d.name == name) return &d;
    return nullptr;
}

bool Schema::is_builtin_type(std::string_view name) noexcept {
    return name.starts_with("__") || name == "Int" || name == "Float" || name == "String" || name == "Boolean" ||
           name == "ID";
}

}  // namespace rex::graphql
