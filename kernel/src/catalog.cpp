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

}  // namespace rex
