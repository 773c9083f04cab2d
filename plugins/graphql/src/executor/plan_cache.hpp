// Compiled SQL of repeated queries: a query document sent again by the same requester (role,
// session variables, rules) against the same API skips parsing, validation and SQL compilation.
// Only plain queries without variables are kept (root fields that each compile to one statement:
// no introspection, no __typename, no custom resolver): their SQL depends on nothing else. An
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

    // The key of a request by `who`, or nullopt when such a request is not kept (it has variables,
    // or its text is large).
    static std::optional<std::string> key(const GraphqlRequest& request, const Identity& who);

    std::shared_ptr<const QueryPlan> find(const std::string& key);
    void store(std::string key, std::shared_ptr<const QueryPlan> plan);
    std::size_t size();

private:
    using Entry = std::pair<std::string, std::shared_ptr<const QueryPlan>>;
    std::size_t capacity_;
    std::mutex mutex_;
    std::list<Entry> lru_;  // most recent first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;
};

}  // namespace rex::graphql
