// The kernel's model catalog: entities by name and the custom root fields (resolvers). Read by
// plugins through CatalogView.
#pragma once

#include <rex/sdk/catalog.hpp>
#include <rex/sdk/resolver.hpp>

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

    // Adds a resolver; ConfigurationError when it is incomplete or its operation already has a
    // field of that name (`owner` says who registered it: "the application", "plugin 'x'").
    void put_resolver(std::shared_ptr<const Resolver> resolver, std::string owner);
    // Who registered the operation's field `name`; empty when nobody did.
    std::string resolver_owner(ResolverOperation operation, std::string_view name) const;
    std::vector<std::shared_ptr<const Resolver>> resolvers() const override;

private:
    mutable std::shared_mutex mutex_;
    std::map<std::string, std::shared_ptr<const EntityInfo>, std::less<>> entities_;
    struct OwnedResolver {
        std::shared_ptr<const Resolver> resolver;
        std::string owner;
    };
    std::vector<OwnedResolver> resolvers_;  // registration order, which the API keeps
};

}  // namespace rex
