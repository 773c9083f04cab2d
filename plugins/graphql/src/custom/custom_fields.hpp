// Custom root fields: resolvers registered from C++ (the application's or a plugin's, listed by
// the catalog) and named SQL queries from the config ("settings": {"graphql": {"queries": ...}}).
// The API builder adds them to query_root / mutation_root after the generated fields; the executor
// answers them (custom/resolve.hpp).
#pragma once

#include "schema/type_system.hpp"

#include <rex/sdk/resolver.hpp>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rex::graphql {

struct Api;

// A config query: `sql` with `:name` placeholders for its typed arguments (always bound).
struct SqlQueryDef {
    std::string name;
    std::string sql;
    std::vector<std::pair<std::string, std::string>> arguments;  // name -> GraphQL input type
    std::string returns;                                        // GraphQL output type
    std::string description;
    std::string origin;  // where it is defined, for messages: "rex.json: /settings/graphql/queries/top_tracks"
    std::vector<std::string> roles;  // the roles offered the field besides the admin ("roles": [...])
};

struct CustomField {
    ResolverOperation operation = ResolverOperation::query;
    std::string name;
    TypeRef type;                                 // the result type, as in the schema
    std::string entity;                           // the entity of an entity result type (empty for scalars)
    std::vector<InputValueDef> arguments;         // as in the schema
    std::shared_ptr<const Resolver> resolver;     // C++: the callback
    std::shared_ptr<const SqlQueryDef> query;     // config: the SQL

    // Whether a role (not the admin) is offered the field: it is named in the resolver's or the
    // query's `roles`.
    bool offered_to(std::string_view role) const;
};

// Adds every custom field to `query` / `mutation` (types the API lacks, such as a scalar no
// column uses, are added too) and to api.custom_fields. ConfigurationError, in one line naming the
// field and where it was defined, for a bad name or type, or a clash with another root field.
void add_custom_fields(Api& api, const std::vector<std::shared_ptr<const Resolver>>& resolvers,
                       const std::vector<std::shared_ptr<const SqlQueryDef>>& queries, TypeDef& query, TypeDef& mutation);

}  // namespace rex::graphql
