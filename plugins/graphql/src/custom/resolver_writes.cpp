#include "custom/resolver_writes.hpp"

#include <rex/sdk/error.hpp>

namespace rex::graphql {

ResolverWrites::ResolverWrites(const Api& api, const Dialect& dialect, SqlRunner& runner, std::string field, std::vector<ChangeEvent>* events)
    : api_(api), dialect_(dialect), runner_(runner), field_(std::move(field)), events_(events) {}

void ResolverWrites::refuse(ErrorCategory category, const std::string& problem) const {
    raise({category, "custom field '" + field_ + "' reported a write: " + problem, {}, {}});
}

WrittenRows& ResolverWrites::rows_of(const EntityApi& entity) {
    auto& rows = rows_[&entity];
    if (!rows) rows = std::make_unique<WrittenRows>(api_, dialect_, runner_, entity, *events_);
    return *rows;
}

void ResolverWrites::wrote(std::string_view entity, ChangeKind kind, std::vector<Value> key) {
    const auto* e = api_.entity(entity);
    if (!e) refuse(ErrorCategory::invalid_value, "no entity named '" + std::string(entity) + "'");
    if (e->primary_key.empty()) refuse(ErrorCategory::unsupported, "entity '" + std::string(entity) + "' has no primary key to read its rows by");
    if (key.size() != e->primary_key.size())
        refuse(ErrorCategory::invalid_value, "entity '" + std::string(entity) + "' has a key of " + std::to_string(e->primary_key.size()) + " field(s), " +
                                                 std::to_string(key.size()) + " value(s) given");
    for (const auto& v : key)
        if (v.is_null()) refuse(ErrorCategory::invalid_value, "a key value of entity '" + std::string(entity) + "' is null");
    if (!events_) return;
    Report report{e, kind, std::move(key), std::nullopt};
    if (kind == ChangeKind::remove) {
        auto& rows = rows_of(*e);
        auto found = rows.read({report.key});
        if (found.empty()) return;  // nothing to delete: nothing to publish
        report.removed = std::move(found.begin()->second);
    }
    reports_.push_back(std::move(report));
}

void ResolverWrites::finish() {
    if (!events_ || reports_.empty()) return;
    std::map<const EntityApi*, std::vector<WrittenRows::Key>> keys;
    for (const auto& r : reports_)
        if (r.kind != ChangeKind::remove) keys[r.entity].push_back(r.key);
    std::map<const EntityApi*, WrittenRows::RowsByKey> now;
    for (const auto& [entity, some] : keys) now[entity] = rows_of(*entity).read(some);
    for (const auto& r : reports_) {
        auto& rows = rows_of(*r.entity);
        if (r.removed) {
            rows.add(ChangeKind::remove, *r.removed);
            continue;
        }
        const auto& found = now[r.entity];
        if (const auto it = found.find(rows.key_text(r.key)); it != found.end()) rows.add(r.kind, it->second);
    }
    reports_.clear();
}

}  // namespace rex::graphql
