// Whether a changed row may affect a live query: the root field's `where` (or its key, for
// _by_pk) evaluated on the event's row values where that is easy (comparisons of integers,
// floats, text and booleans, _in, _is_null, _and, _or, _not), "maybe" for anything else
// (relations, patterns, other types): a live query re-runs unless a change is surely outside it.
#pragma once

#include "api/api.hpp"
#include "schema/values.hpp"

#include <rex/sdk/change.hpp>

#include <span>

namespace rex::graphql {

// The event's value of a column: events name fields (the ORM) or, for a table with no model,
// columns (the capture); nullptr when the event has neither.
const Value* event_value(const ChangeEvent& event, std::span<const Value> row, const FieldInfo& field);

enum class Match : unsigned char { no, yes, maybe };

// `where` (a coerced t_bool_exp) on one row of `event`'s shape.
Match match_where(const EntityApi& e, const InputValue& where, const ChangeEvent& event, std::span<const Value> row);

// The key arguments of a _by_pk field on one row.
Match match_key(const EntityApi& e, const Names& names, const std::vector<std::pair<std::string, InputValue>>& arguments,
                const ChangeEvent& event, std::span<const Value> row);

}  // namespace rex::graphql
