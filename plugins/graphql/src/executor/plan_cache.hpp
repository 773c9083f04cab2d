// Compiled SQL of repeated queries: a query document sent again by the same requester (role,
// session variables, rules) against the same API skips parsing, validation and SQL compilation.
// Only plain queries are kept (root fields that each compile to one statement: no introspection,
// no __typename, no custom resolver). Variables are part of the key, by their JSON text: a
// variable's value may change the SQL itself (a null operand drops its comparison, `_is_null`,
// the length of an `_in` list, a whole `where` or `@include`), so a plan serves the same values
// only; such a plan is kept from the second sending of the same values on. An
// entry holds the APIs and parsed rules it was compiled against; it is used only while they are
// still the current ones, so a catalog or rules change never runs old SQL.
#pragma once

#include "schema/operation.hpp"
#include "sql/writer.hpp"

#include <rex/sdk/access.hpp>

#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace rex::graphql {

struct Api;
class ParsedRules;

struct QueryPlan {
    std::shared_ptr<const Api> full;             // compiled against
    std::shared_ptr<const Api> api;              // the requester's view it validated against
    std::shared_ptr<const ParsedRules> parsed;   // the role's rules (nullptr: the admin)
    PreparedOperation operation;
    std::vector<Statement> statements;           // one per root field, in order
};

class PlanCache {
public:
    explicit PlanCache(std::size_t capacity = 256) : capacity_(capacity) {}

    // The key of a request by `who`, or nullopt when such a request is not kept (its text or its
    // variables' text is large).
    static std::optional<std::string> key(const GraphqlRequest& request, const Identity& who);
    // Variables with at least one value (`{}` is none).
    static bool has_variables(const GraphqlRequest& request);
    // Whether the plan of a request with this key may be stored now: always for a request without
    // variables; with variables only when the same key came before, so requests whose values
    // change every time never push out the plans of repeated ones.
    bool admit(const std::string& key, bool has_variables);

    std::shared_ptr<const QueryPlan> find(const std::string& key);
    void store(std::string key, std::shared_ptr<const QueryPlan> plan);
    std::size_t size();

private:
    using Entry = std::pair<std::string, std::shared_ptr<const QueryPlan>>;
    std::size_t capacity_;
    std::mutex mutex_;
    std::list<Entry> lru_;  // most recent first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;
    std::unordered_set<std::size_t> seen_;  // hashes of keys with variables sent once
};

}  // namespace rex::graphql
