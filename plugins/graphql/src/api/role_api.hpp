// The API a role sees: the full API with only what the role's rules allow (rex/sdk/access.hpp) —
// entities it may select, the columns it may read (in the object types, filters, orderings and
// aggregates), insert / update input types with the columns it may set, the root fields of the
// actions it has and the aggregates it is allowed, the live queries and streams of the entities it
// may select, and the custom fields declared for `role`. Requests are validated against it and
// introspection shows it, so a forbidden column is an unknown field, never a hidden answer.
// Compilation still uses the full API (rules name columns the role may not read).
#pragma once

#include "api/api.hpp"

#include <rex/sdk/access.hpp>

#include <memory>
#include <string_view>

namespace rex::graphql {

std::shared_ptr<const Api> role_api(const Api& full, const RoleRules& rules, std::string_view role);

}  // namespace rex::graphql
