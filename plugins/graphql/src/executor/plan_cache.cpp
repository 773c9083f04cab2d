#include "executor/plan_cache.hpp"

namespace rex::graphql {

namespace {

constexpr std::size_t max_key_text = 16 * 1024;  // bigger documents are rare: not worth the memory

// Each part ends in a byte no part holds, so two different requesters or documents never share
// a key ("ab"+"c" and "a"+"bc" differ).
void add(std::string& key, std::string_view part) {
    key += part;
    key += '\0';
}

}  // namespace

std::optional<std::string> PlanCache::key(const GraphqlRequest& request, const Identity& who) {
    if (request.query.size() > max_key_text) return std::nullopt;
    std::string variables;
    if (has_variables(request)) {
        variables = input_json(request.variables);
        if (variables.size() > max_key_text) return std::nullopt;
    }
    std::string key;
    key.reserve(request.query.size() + variables.size() + 64);
    add(key, who.admin ? "admin" : "role");
    add(key, who.role);
    // Session variables are part of the compiled SQL (rules compare rows with them).
    key += std::to_string(who.variables.size());
    key += '\0';
    for (const auto& [name, value] : who.variables) {
        add(key, name);
        add(key, value);
    }
    add(key, request.operation_name ? "named" : "anonymous");
    add(key, request.operation_name.value_or(""));
    add(key, variables);
    key += request.query;
    return key;
}

bool PlanCache::has_variables(const GraphqlRequest& request) {
    const auto* object = request.variables.as_object();
    return !request.variables.is_null() && !(object && object->empty());
}

bool PlanCache::admit(const std::string& key, bool has_variables) {
    if (!has_variables) return true;
    const auto hash = std::hash<std::string>{}(key);
    std::lock_guard lock(mutex_);
    if (seen_.erase(hash)) return true;
    if (seen_.size() >= 4 * capacity_) seen_.clear();  // bounded: forgetting costs one more sending
    seen_.insert(hash);
    return false;
}

std::shared_ptr<const QueryPlan> PlanCache::find(const std::string& key) {
    std::lock_guard lock(mutex_);
    const auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
}

void PlanCache::store(std::string key, std::shared_ptr<const QueryPlan> plan) {
    std::lock_guard lock(mutex_);
    if (const auto it = index_.find(key); it != index_.end()) {
        it->second->second = std::move(plan);
        return;
    }
    lru_.emplace_front(std::move(key), std::move(plan));
    index_.emplace(lru_.front().first, lru_.begin());
    while (lru_.size() > capacity_) {
        index_.erase(lru_.back().first);
        lru_.pop_back();
    }
}

std::size_t PlanCache::size() {
    std::lock_guard lock(mutex_);
    return lru_.size();
}

}  // namespace rex::graphql
