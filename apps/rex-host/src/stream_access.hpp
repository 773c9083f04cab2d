// What one requester may see of the plain change stream (docs/permissions.md, "Change streams"):
// the entities its role has a select rule on, per entity the rule's row filter (session variables
// in place, stream_view.hpp) and its columns. THE place where permissions apply to change streams:
// every event passes view() before it is rendered for a stream.
#pragma once

#include "row_filter.hpp"

#include <rex/sdk/access.hpp>
#include <rex/sdk/catalog.hpp>
#include <rex/sdk/change.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rex::host {

class StreamAccess {
public:
    StreamAccess() = default;  // the admin: every row and column

    // The role's access to `entities`. Throws rex::Error (one line) when the role may not read one
    // of them (no select rule: category validation), when its filter follows a relation (the event
    // does not hold the related rows: unsupported) or does not fit the requester's session
    // variables (validation). `named`: the client asked for these entities (a refusal), otherwise
    // they are every entity, and those the role may not read are left out.
    static StreamAccess of(const Identity& identity, const std::vector<std::shared_ptr<const EntityInfo>>& entities,
                           const CatalogView& catalog, bool named);

    bool admin() const noexcept { return admin_; }
    // The entities this access lets through (not for the admin, who reads them all).
    std::vector<std::string> entity_names() const;
    // Throws rex::Error (validation) when the client's own `where` reads a field the role may not.
    void check_client_filter(const RowFilter& filter, const std::string& entity) const;

    // The event as the role sees it, or nullopt when it may not see it: inserts and deletes (the
    // old row) must match the role's filter; an update whose new row matches is an update (with
    // "old" only when the old row matched too); one whose old row matched but new row does not is
    // a delete of the old row (the new values never reach the role). Only the allowed columns
    // remain in `values` and `old_values`. Not thread-safe (one stream's calls never overlap).
    std::optional<ChangeEvent> view(const ChangeEvent& event) const;

private:
    struct Entity {
        RowFilter filter;
        bool all_columns = true;
        std::vector<std::string> columns;  // the fields the role may read, unless all_columns
        // The last event shape seen and its masked copy (the fields the role may read).
        mutable std::shared_ptr<const ChangeShape> shape, masked;
        mutable std::vector<std::size_t> kept;  // indices into shape->fields
    };

    bool admin_ = true;
    std::map<std::string, Entity, std::less<>> entities_;
};

}  // namespace rex::host
