// The fields every query root has without declaring them (`__schema`, `__type(name:)`) and the one
// every composite type has (`__typename`), as FieldDefs that live as long as the program.
#pragma once

#include "schema/type_system.hpp"

namespace rex::graphql {

const FieldDef& schema_meta_field();
const FieldDef& type_meta_field();
const FieldDef& typename_meta_field();

// The definition of `name` selected on `parent`, meta fields included (`__schema` and `__type` on
// the query root type, wherever it is selected, as graphql-js); nullptr when the type has none.
const FieldDef* find_field(const Schema& schema, const TypeDef& parent, std::string_view name) noexcept;

}  // namespace rex::graphql
