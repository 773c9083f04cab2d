#include "meta_fields.hpp"

namespace rex::graphql {

const FieldDef& schema_meta_field() {
    static const FieldDef f{"__schema", "Access the current type schema of this server.",
                            TypeRef::named("__Schema").non_null(), {}, std::nullopt};
    return f;
}

const FieldDef& type_meta_field() {
    static const FieldDef f{"__type",
                            "Request the type information of a single type.",
                            TypeRef::named("__Type"),
                            {{"name", {}, TypeRef::named("String").non_null(), std::nullopt, std::nullopt}},
                            std::nullopt};
    return f;
}

const FieldDef& typename_meta_field() {
    static const FieldDef f{"__typename", "The name of the current Object type at runtime.",
                            TypeRef::named("String").non_null(), {}, std::nullopt};
    return f;
}

const FieldDef* find_field(const Schema& schema, const TypeDef& parent, std::string_view name) noexcept {
    if (name.size() > 2 && name[0] == '_' && name[1] == '_') {
        bool is_query_root = parent.name == schema.query_type;
        if (name == "__typename" && (parent.kind == TypeKind::object || parent.kind == TypeKind::interface_type ||
                                     parent.kind == TypeKind::union_type))
            return &typename_meta_field();
        if (is_query_root && name == "__schema") return &schema_meta_field();
        if (is_query_root && name == "__type") return &type_meta_field();
    }
    if (parent.kind != TypeKind::object && parent.kind != TypeKind::interface_type) return nullptr;
    return parent.field(name);
}

}  // namespace rex::graphql
