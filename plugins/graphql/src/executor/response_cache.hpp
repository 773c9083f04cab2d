// The optional response cache (settings "cache": docs/graphql.md#response-cache): whole query
// answers by query text + operation name + variables + the requester's scope (role), each
// remembering the entities it read, dropped when the change bus (or a mutation of this executor)
// reports a write to one of them. Mutations and failed requests are never cached.
#pragma once

#include "schema/operation.hpp"

#include <rex/sdk/access.hpp>
#include <rex/sdk/change.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
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

struct ResponseCacheOptions {
    bool enabled = false;
    std::size_t max_entries = 1000;
    std::size_t max_bytes = 16u << 20;     // of keys and bodies together
    std::chrono::milliseconds ttl{60000};  // 0: no expiry (only writes and eviction drop an entry)
};

// The entities an operation reads (or, for a mutation, may write): the root fields' entities, the
// targets of every relation selected or named in an argument (where, order_by, nested inserts) and
// the join entities of many-to-many relations. A superset is safe; a missing entity would be stale.
std::vector<std::string> entities_of(const Api& api, const PreparedOperation& operation);

// Who asks, as far as the answer depends on it: empty for the admin; else the role and every
// session value (the rules may read any of them), so two identities never share an answer.
std::string cache_scope(const Identity& who);

class ResponseCache {
public:
    struct Stats {
        std::uint64_t hits = 0, misses = 0, stores = 0, invalidations = 0;
        std::size_t entries = 0, bytes = 0;
    };
    // A lookup that missed: store() refuses the answer when one of its entities was written since.
    struct Miss {
        std::string key;
        std::uint64_t generation = 0;
    };

    // Subscribes to `bus` for the cache's lifetime (the bus must outlive it).
    ResponseCache(ResponseCacheOptions options, ChangeBus& bus);
    ~ResponseCache();
    ResponseCache(const ResponseCache&) = delete;
    ResponseCache& operator=(const ResponseCache&) = delete;

    // The body of a live entry for this request under this API, or the Miss to store with.
    std::optional<std::string> find(const GraphqlRequest& request, std::string_view scope, const std::shared_ptr<const Api>& api, Miss& miss);
    void store(Miss miss, const std::shared_ptr<const Api>& api, std::vector<std::string> entities, const std::string& body);
    // Drops every entry that read one of `entities` (a write committed).
    void invalidate(const std::vector<std::string>& entities);
    Stats stats() const;

private:
    struct Entry {
        std::string key;
        std::string body;
        std::weak_ptr<const Api> api;
        std::vector<std::string> entities;
        std::chrono::steady_clock::time_point expires;
    };
    using Lru = std::list<Entry>;  // most recently used first

    void erase(Lru::iterator it);  // mutex_ held
    void invalidate_locked(const std::string& entity);

    ResponseCacheOptions options_;
    mutable std::mutex mutex_;
    Lru lru_;
    std::unordered_map<std::string_view, Lru::iterator> by_key_;  // views the entries' keys
    std::unordered_map<std::string, std::unordered_set<Entry*>> by_entity_;
    // Per entity the generation of its last write; generation_ counts writes.
    std::unordered_map<std::string, std::uint64_t> written_at_;
    std::uint64_t generation_ = 0;
    std::size_t bytes_ = 0;
    Stats counts_;
    std::unique_ptr<ChangeSubscription> subscription_;  // last: it goes first
};

}  // namespace rex::graphql
