// Small predicates over the type system that several validation rules share.
#pragma once

#include "schema/type_system.hpp"

#include <algorithm>

namespace rex::graphql {

inline bool is_composite(const TypeDef* t) noexcept {
    return t && (t->kind == TypeKind::object || t->kind == TypeKind::interface_type || t->kind == TypeKind::union_type);
}
inline bool is_leaf(const TypeDef* t) noexcept {
    return t && (t->kind == TypeKind::scalar || t->kind == TypeKind::enum_type);
}
inline bool is_input(const TypeDef* t) noexcept { return is_leaf(t) || (t && t->kind == TypeKind::input_object); }
inline bool is_abstract(const TypeDef* t) noexcept {
    return t && (t->kind == TypeKind::interface_type || t->kind == TypeKind::union_type);
}

// Whether object type `object` is a possible type of `abstract` (or is it).
inline bool is_possible_type(const Schema& schema, const TypeDef& abstract, const TypeDef& object) {
    if (abstract.name == object.name) return true;
    if (abstract.kind == TypeKind::union_type)
        return std::find(abstract.possible_types.begin(), abstract.possible_types.end(), object.name) !=
               abstract.possible_types.end();
    if (abstract.kind == TypeKind::interface_type)
        return std::find(object.interfaces.begin(), object.interfaces.end(), abstract.name) != object.interfaces.end();
    (void)schema;
    return false;
}

// graphql-js doTypesOverlap: can some object be of both types?
inline bool types_overlap(const Schema& schema, const TypeDef& a, const TypeDef& b) {
    if (a.name == b.name) return true;
    if (is_abstract(&a)) {
        if (is_abstract(&b)) {
            for (const auto& t : schema.types())
                if (t->kind == TypeKind::object && is_possible_type(schema, a, *t) && is_possible_type(schema, b, *t))
                    return true;
            return false;
        }
        return is_possible_type(schema, a, b);
    }
    if (is_abstract(&b)) return is_possible_type(schema, b, a);
    return false;
}

// The type `type.wrappers[w..]` as text ("[Int!]").
inline std::string type_text(const TypeRef& type, std::size_t w) {
    return TypeRef{type.name, std::vector<TypeWrapper>(type.wrappers.begin() + static_cast<std::ptrdiff_t>(w),
                                                       type.wrappers.end())}
        .to_string();
}

}  // namespace rex::graphql
