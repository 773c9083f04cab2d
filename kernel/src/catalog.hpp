// The kernel's model catalog: entities by name. Read by plugins through CatalogView.
#pragma once

#include <rex/sdk/catalog.hpp>

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>

namespace rex {

class Catalog final : public CatalogView {
public:
    // Adds or replaces an entity; throws ConfigurationError for an empty name.
    void put_entity(EntityInfo entity);
    std::vector<std::string> entity_names() const override;
    std::shared_ptr<const EntityInfo> find_entity(std::string_view name) const override;

private:
    mutable std::shared_mutex mutex_;
    std::map<std::string, std::shared_ptr<const EntityInfo>, std::less<>> entities_;
};

}  // namespace rex
