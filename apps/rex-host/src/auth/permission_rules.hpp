// The config's "permissions" section -> RoleRules per role (rex/sdk/access.hpp):
//   "permissions": {"<role>": {"<entity>": {"select": {...}, "insert": {...}, "update": {...}, "delete": {...}}}}
// Every mistake is one line naming the config file and the JSON path (docs/permissions.md).
#pragma once

#include <rex/sdk/access.hpp>
#include <rex/sdk/catalog.hpp>

#include <map>
#include <memory>
#include <string>

namespace rex::host {

using RoleRuleSet = std::map<std::string, std::shared_ptr<const RoleRules>, std::less<>>;

// Parses the section's JSON text; throws ConfigurationError ("rex.json: /permissions/customer/
// Invoice/select/filter/CustomerId: unknown operator '_equals'"). With a non-empty `catalog`, every
// entity, field and relation named must exist in it.
RoleRuleSet parse_permissions(const std::string& json_text, const std::string& file, const CatalogView* catalog);

}  // namespace rex::host
