// What a role may see of the change stream (GET /changes over SSE and WebSocket): for the host's
// ChangeStreams, which must never send an event of a row the role may not select, nor a column it
// may not read (docs/permissions.md). The select rule's filter comes back with the requester's
// session variables in place, typed by their columns, to be ANDed with the client's `where`.
#pragma once

#include <rex/sdk/access.hpp>
#include <rex/sdk/catalog.hpp>

#include <optional>
#include <string>
#include <vector>

namespace rex::host {

struct StreamView {
    std::string where;                 // JSON in the where syntax; empty: every row
    std::vector<std::string> columns;  // the fields an event may carry ({"*"}: all)
    // The filter follows a relation: it must be evaluated against the database (a row's related
    // rows are not in its event), e.g. by a query on the event's key.
    bool needs_database = false;
};

// nullopt: the role sees none of the entity's events (no select rule). The admin sees everything.
// Throws rex::Error (one line) when the filter needs a session variable the identity lacks.
std::optional<StreamView> stream_view(const Identity& identity, const EntityInfo& entity, const CatalogView& catalog);

}  // namespace rex::host
