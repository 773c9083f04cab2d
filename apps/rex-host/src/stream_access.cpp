#include "stream_access.hpp"

#include "auth/stream_view.hpp"

#include <rex/sdk/error.hpp>

#include <algorithm>

namespace rex::host {

namespace {

[[noreturn]] void refuse(ErrorCategory category, std::string message) { raise({category, std::move(message), {}, {}}); }

std::string quoted_role(const Identity& identity) { return "the role '" + identity.role + "'"; }

}  // namespace

StreamAccess StreamAccess::of(const Identity& identity, const std::vector<std::shared_ptr<const EntityInfo>>& entities,
                              const CatalogView& catalog, bool named) {
    StreamAccess out;
    if (identity.admin) return out;
    out.admin_ = false;
    for (const auto& entity : entities) {
        const auto view = stream_view(identity, *entity, catalog);
        if (!view) {
            if (named)
                refuse(ErrorCategory::validation,
                       "entity: " + quoted_role(identity) + " may not read " + entity->name + " (it has no select rule), so it gets none of its changes");
            continue;
        }
        if (view->needs_database) {
            // A relation's rows are not in the event: checking them would take a query per event
            // on the publishing thread, so the stream refuses instead of guessing.
            if (named)
                refuse(ErrorCategory::unsupported, "entity: " + quoted_role(identity) + " reads " + entity->name +
                                                       " under a filter that follows a relation, which the change stream cannot check on an event; "
                                                       "use a GraphQL subscription for it");
            continue;
        }
        Entity access;
        access.filter = RowFilter::parse(view->where);
        try {
            access.filter.check(*entity);
        } catch (const Error& e) {
            // A session variable of the wrong kind ("5 OR 1=1" for an integer column): a value, refused.
            refuse(ErrorCategory::validation,
                   "the select rule of " + quoted_role(identity) + " on " + entity->name + " does not fit this requester's session variables: " + e.message());
        }
        if (view->columns != std::vector<std::string>{"*"}) access.columns = view->columns;
        access.all_columns = view->columns == std::vector<std::string>{"*"};
        out.entities_.emplace(entity->name, std::move(access));
    }
    if (out.entities_.empty())
        refuse(ErrorCategory::validation, "entity: " + quoted_role(identity) + " may read none of " + (named ? "these entities" : "the entities") +
                                              " on a change stream (no select rule without a relation filter)");
    return out;
}

std::vector<std::string> StreamAccess::entity_names() const {
    std::vector<std::string> out;
    for (const auto& [name, access] : entities_) out.push_back(name);
    return out;
}

void StreamAccess::check_client_filter(const RowFilter& filter, const std::string& entity) const {
    if (admin_) return;
    const auto it = entities_.find(entity);
    if (it == entities_.end()) refuse(ErrorCategory::validation, "entity: " + entity + " is not readable on this stream");
    if (it->second.all_columns) return;
    const auto& columns = it->second.columns;
    // Filtering on a hidden column would reveal its values one event at a time.
    for (const auto& field : filter.fields())
        if (std::find(columns.begin(), columns.end(), field) == columns.end())
            refuse(ErrorCategory::validation, "where: " + field + ": the requester's role may not read " + entity + "." + field);
}

std::optional<ChangeEvent> StreamAccess::view(const ChangeEvent& event) const {
    if (admin_) return event;
    const auto it = entities_.find(event.entity());
    if (it == entities_.end() || !event.shape) return std::nullopt;
    const auto& access = it->second;
    const auto& shape = *event.shape;
    ChangeKind kind = event.kind;
    std::span<const Value> row = event.values, old;
    if (event.kind == ChangeKind::update) {
        const bool after = access.filter.matches(shape, event.values);
        const bool before = !event.old_values.empty() && access.filter.matches(shape, event.old_values);
        if (after) {
            if (before) old = event.old_values;
        } else if (before) {
            kind = ChangeKind::remove;  // the row left what the role sees: gone, for it
            row = event.old_values;
        } else {
            return std::nullopt;
        }
    } else if (!access.filter.matches(shape, event.values)) {
        return std::nullopt;  // a delete is checked against its old row, which `values` holds
    }
    if (access.all_columns && kind == event.kind && old.size() == event.old_values.size()) return event;

    if (access.shape != event.shape) {
        auto masked = std::make_shared<ChangeShape>();
        masked->entity = shape.entity;
        access.kept.clear();
        for (std::size_t i = 0; i < shape.fields.size(); ++i) {
            if (!access.all_columns && std::find(access.columns.begin(), access.columns.end(), shape.fields[i]) == access.columns.end()) continue;
            if (static_cast<int>(i) == shape.key_field) masked->key_field = static_cast<int>(masked->fields.size());
            access.kept.push_back(i);
            masked->fields.push_back(shape.fields[i]);
        }
        access.shape = event.shape;
        access.masked = std::move(masked);
    }
    auto block = std::make_shared<std::vector<Value>>();
    block->reserve(access.kept.size() * (old.empty() ? 1 : 2));
    for (const auto i : access.kept) block->push_back(i < row.size() ? row[i] : Value());
    if (!old.empty())
        for (const auto i : access.kept) block->push_back(i < old.size() ? old[i] : Value());
    const auto n = access.kept.size();
    ChangeEvent out;
    out.sequence = event.sequence;
    out.kind = kind;
    out.shape = access.masked;
    out.values = std::span<const Value>(block->data(), n);
    if (!old.empty()) out.old_values = std::span<const Value>(block->data() + n, n);
    out.storage = std::move(block);
    out.at = event.at;
    out.position = event.position;
    return out;
}

}  // namespace rex::host
