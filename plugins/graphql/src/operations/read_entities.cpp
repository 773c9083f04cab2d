#include "operations/read_entities.hpp"

#include "operations/row_match.hpp"

#include <nlohmann/json.hpp>

#include <set>

namespace rex::graphql {

namespace {

bool is_list(RelationKind kind) { return kind == RelationKind::has_many || kind == RelationKind::many_to_many; }

class Reader {
public:
    explicit Reader(const Api& api) : api_(api) {
        for (const auto& [name, e] : api.entities) by_type_[e.type_name] = &e;
    }

    LiveReads of(const EntityApi& root, const SelectedField& field, const GraphqlExecutor::Requester& requester) {
        names_.insert(root.entity->name);
        arguments(root, field);
        selection(field);
        if (requester.who && !requester.who->admin && requester.who->rules && requester.full) rule_relations(*requester.full, *requester.who->rules);
        LiveReads out;
        out.root = root.entity->name;
        if (!unknown_) out.entities = std::vector<std::string>(names_.begin(), names_.end());
        out.related = std::move(related_);
        return out;
    }

private:
    void every_change(const EntityApi& e) {
        names_.insert(e.entity->name);
        related_[e.entity->name].every_change = true;
    }

    // A relation's target read through `r`; `list_where`: the filter of the list (or its
    // aggregate) the target is read through, nullptr when it is read any other way.
    void relation(const RelationInfo& r, const InputValue* list_where) {
        const auto* target = api_.target(r);
        if (!target) {
            unknown_ = true;
            return;
        }
        if (list_where && !list_where->is_null()) {
            names_.insert(target->entity->name);
            related_[target->entity->name].lists.push_back({target, list_where});
        } else {
            every_change(*target);
        }
        if (r.through.empty()) return;
        // A join table's row decides which targets are in the list, whatever their values.
        bool found = false;
        for (const auto& [name, e] : api_.entities)
            if (e.entity->table == r.through) {
                every_change(e);
                found = true;
            }
        unknown_ = unknown_ || !found;
    }

    // A row filter that follows a relation lets rows through by the related rows' values: a
    // change to those may change the result too.
    void rule_relations(const Api& full, const RoleRules& rules) {
        for (const auto& name : std::vector<std::string>(names_.begin(), names_.end())) {
            const auto* r = rules.entity(name);
            const auto* e = full.entity(name);
            if (r && r->select && !r->select->filter.empty() && e) rule_relations(full, *e, nlohmann::json::parse(r->select->filter));
        }
    }

    void rule_relations(const Api& full, const EntityApi& e, const nlohmann::json& condition) {
        if (condition.is_array()) {
            for (const auto& item : condition) rule_relations(full, e, item);
            return;
        }
        if (!condition.is_object()) return;
        for (const auto& [key, value] : condition.items()) {
            if (key == "_and" || key == "_or" || key == "_not") {
                rule_relations(full, e, value);
            } else if (const auto* r = e.entity->relation(key)) {
                const auto* target = full.target(*r);
                if (!target || !r->through.empty()) {  // a join table may have no entity: every change counts
                    unknown_ = true;
                    continue;
                }
                every_change(*target);
                rule_relations(full, *target, value);
            }
        }
    }

    void arguments(const EntityApi& e, const SelectedField& field) {
        for (const auto& [name, value] : field.arguments)
            if (name == "where" || name == api_.names.field("order_by")) input(e, value);
    }

    // Relation names inside a where or order_by value: rows are kept or ordered by the related
    // rows' values, so every change to those counts.
    void input(const EntityApi& e, const InputValue& value) {
        if (const auto* list = value.as_list()) {
            for (const auto& item : *list) input(e, item);
            return;
        }
        const auto* object = value.as_object();
        if (!object) return;
        for (const auto& [key, inner] : *object) {
            if (key == "_and" || key == "_or" || key == "_not") {
                input(e, inner);
            } else if (const auto* r = e.relation(key)) {
                relation(*r, nullptr);
                if (const auto* target = api_.target(*r)) input(*target, inner);
            } else if (const auto* ra = e.relation_aggregate(key)) {
                relation(*ra, nullptr);
            }
        }
    }

    void selection(const SelectedField& field) {
        for (const auto& sub : field.selection) {
            const auto it = by_type_.find(sub.parent_type);
            if (it != by_type_.end()) {
                const auto& e = *it->second;
                const RelationInfo* r = e.relation(sub.name);
                const bool aggregate = !r;
                if (!r) r = e.relation_aggregate(sub.name);
                if (r) {
                    relation(*r, aggregate || is_list(r->kind) ? sub.argument("where") : nullptr);
                    if (const auto* target = api_.target(*r)) arguments(*target, sub);
                }
            }
            selection(sub);
        }
    }

    const Api& api_;
    std::map<std::string, const EntityApi*, std::less<>> by_type_;
    std::set<std::string> names_;
    std::map<std::string, RelatedReads, std::less<>> related_;
    bool unknown_ = false;
};

// Whether the row of `event` may be in a list filtered by `list`, before or after the change.
bool may_be_listed(const ListFilter& list, const ChangeEvent& event) {
    if (match_where(*list.entity, *list.where, event, event.values) != Match::no) return true;
    if (event.kind != ChangeKind::update) return false;
    return event.old_values.empty() || match_where(*list.entity, *list.where, event, event.old_values) != Match::no;
}

}  // namespace

bool LiveReads::related_change_matters(const ChangeEvent& event) const {
    const auto it = related.find(event.entity());
    if (it == related.end()) return event.entity() != root;  // an entity not named (the query follows every one): counts
    if (it->second.every_change) return true;
    for (const auto& list : it->second.lists)
        if (may_be_listed(list, event)) return true;
    return false;
}

LiveReads read_entities(const Api& api, const EntityApi& root, const SelectedField& field, const GraphqlExecutor::Requester& requester) {
    return Reader(api).of(root, field, requester);
}

}  // namespace rex::graphql
