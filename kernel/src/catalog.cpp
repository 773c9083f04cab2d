#include "catalog.hpp"

#include <rex/sdk/error.hpp>

#include <mutex>

namespace rex {

void Catalog::put_entity(EntityInfo entity) {
    if (entity.name.empty()) raise({ErrorCategory::configuration, "entity without a name", {}, {}});
    auto name = entity.name;
    auto shared = std::make_shared<const EntityInfo>(std::move(entity));
    std::unique_lock lock(mutex_);
    entities_.insert_or_assign(std::move(name), std::move(shared));
}

std::vector<std::string> Catalog::entity_names() const {
    std::shared_lock lock(mutex_);
    std::vector<std::string> names;
    for (const auto& [name, entity] : entities_) names.push_back(name);
    return names;
}

std::shared_ptr<const EntityInfo> Catalog::find_entity(std::string_view name) const {
    std::shared_lock lock(mutex_);
    auto it = entities_.find(name);
    return it == entities_.end() ? nullptr : it->second;
}

std::string Catalog::resolver_owner(ResolverOperation operation, std::string_view name) const {
    std::shared_lock lock(mutex_);
    for (const auto& r : resolvers_)
        if (r.resolver->operation == operation && r.resolver->name == name) return r.owner;
    return {};
}

void Catalog::put_resolver(std::shared_ptr<const Resolver> resolver, std::string owner) {
    check_resolver(*resolver);
    if (auto other = resolver_owner(resolver->operation, resolver->name); !other.empty())
        raise({ErrorCategory::configuration,
               "duplicate custom " + std::string(to_string(resolver->operation)) + " field '" + resolver->name + "' (already registered by " + other + ")",
               {}, {}});
    std::unique_lock lock(mutex_);
    resolvers_.push_back({std::move(resolver), std::move(owner)});
}

std::vector<std::shared_ptr<const Resolver>> Catalog::resolvers() const {
    std::shared_lock lock(mutex_);
    std::vector<std::shared_ptr<const Resolver>> out;
    out.reserve(resolvers_.size());
    for (const auto& r : resolvers_) out.push_back(r.resolver);
    return out;
}

}  // namespace rex
