// The catalog's validation rules (EntityInfo::rules: not_empty, length, range, pattern, email,
// one_of) checked on the values a mutation writes, as the ORM checks them before any SQL.
#pragma once

#include <rex/sdk/catalog.hpp>
#include <rex/sdk/value.hpp>

#include <string>
#include <utility>
#include <vector>

namespace rex::graphql {

struct RuleFailure {
    std::string field;    // the model field
    std::string rule;
    std::string message;  // "must not be empty"
};

// Every failure of one row's values (fields not written are not checked).
std::vector<RuleFailure> check_rules(const EntityInfo& entity, const std::vector<std::pair<const FieldInfo*, Value>>& values);

}  // namespace rex::graphql
