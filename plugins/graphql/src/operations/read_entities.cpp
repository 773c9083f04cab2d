#include "operations/read_entities.hpp"

#include "operations/row_match.hpp"

#include <nlohmann/json.hpp>

#include <set>

namespace rex::graphql {

namespace {

class Reader {
public:
    explicit Reader(const Api& api) : api_(api) {
        for (const auto& [name, e] : api.entities) by_type_[e.type_name] = &e;
    }

    LiveReads of(const RootField& root_field, const SelectedField& field, const GraphqlExecutor::Requester& requester) {
        const auto& root = *root_field.entity;
        names_.insert(root.entity->name);
        root_keys_ = root_keys(root_field, field);
        arguments(root, field);
        selection(field, true);
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

    // The values the root's single-column key is restricted to: `_by_pk`'s argument, or a `where`
    // whose top level compares the key with `_eq` or `_in`; nullopt when not restricted.
    std::optional<InputValue> root_keys(const RootField& root, const SelectedField& field) const {
        const auto& e = *root.entity;
        if (e.primary_key.size() != 1) return std::nullopt;
        const auto name = e.column_name(e.primary_key.front()->name);
        if (name.empty()) return std::nullopt;
        if (root.kind == RootKind::by_pk) {
            const auto* key = field.argument(name);
            if (!key || key->is_null()) return std::nullopt;
            return InputValue::list({*key});
        }
        const auto* where = field.argument("where");
        const auto* top = where ? where->as_object() : nullptr;
        if (!top) return std::nullopt;
        for (const auto& [column, ops] : *top) {
            const auto* compared = column == name ? ops.as_object() : nullptr;
            if (!compared) continue;
            for (const auto& [op, value] : *compared) {
                if (op == "_eq" && !value.is_null()) return InputValue::list({value});
                if (op == "_in" && value.as_list()) return value;
            }
        }
        return std::nullopt;
    }

    // `{<graphql name of field>: {_in: <root keys>}}` on `e`; null when `e` does not show the field.
    InputValue points_at_root(const EntityApi& e, std::string_view field) const {
        const auto name = e.column_name(field);
        if (name.empty() || !root_keys_) return InputValue::null();
        return InputValue::object({{name, InputValue::object({{"_in", *root_keys_}})}});
    }

    void filtered(const EntityApi& e, InputValue where) {
        names_.insert(e.entity->name);
        related_[e.entity->name].lists.push_back({&e, std::move(where)});
    }

    // A relation's target read through `r`; `list_where`: the filter of the list (or its
    // aggregate) the target is read through, nullptr when it is read any other way; `under_root`:
    // selected right under the root field, whose keys may narrow it.
    void relation(const RelationInfo& r, const InputValue* list_where, bool under_root = false) {
        const auto* target = api_.target(r);
        if (!target) {
            unknown_ = true;
            return;
        }
        // A belongs-to target is the row the root's foreign key names, not known here.
        const bool keyed = under_root && root_keys_ && r.through.empty() && r.kind != RelationKind::belongs_to;
        std::vector<InputValue> parts;
        if (list_where && !list_where->is_null()) parts.push_back(*list_where);
        if (keyed) {
            if (auto pin = points_at_root(*target, r.foreign_key); !pin.is_null()) parts.push_back(std::move(pin));
        }
        if (parts.empty()) every_change(*target);
        else filtered(*target, parts.size() == 1 ? parts.front() : InputValue::object({{"_and", InputValue::list(std::move(parts))}}));
        if (r.through.empty()) return;
        // A join table's row decides which targets are in the list, whatever their values; under
        // a keyed root only its rows pointing at those keys.
        bool found = false;
        for (const auto& [name, e] : api_.entities)
            if (e.entity->table == r.through) {
                auto pin = under_root ? points_at_root(e, r.through_source_key) : InputValue::null();
                if (pin.is_null()) every_change(e);
                else filtered(e, std::move(pin));
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
                // A where's `_aggregate: {count: {filter: …}}` may go through further relations.
                const auto* count = inner.field("count");
                const auto* filter = count ? count->field("filter") : nullptr;
                if (const auto* target = api_.target(*ra); filter && target) input(*target, *filter);
            }
        }
    }

    void selection(const SelectedField& field, bool root) {
        for (const auto& sub : field.selection) {
            const auto it = by_type_.find(sub.parent_type);
            if (it != by_type_.end()) {
                const auto& e = *it->second;
                const RelationInfo* r = e.relation(sub.name);
                if (!r) r = e.relation_aggregate(sub.name);
                if (r) {
                    relation(*r, sub.argument("where"), root);  // object relations take no where
                    if (const auto* target = api_.target(*r)) arguments(*target, sub);
                }
            }
            selection(sub, false);
        }
    }

    const Api& api_;
    std::map<std::string, const EntityApi*, std::less<>> by_type_;
    std::set<std::string> names_;
    std::map<std::string, RelatedReads, std::less<>> related_;
    std::optional<InputValue> root_keys_;
    bool unknown_ = false;
};

// Whether the row of `event` may be in a list filtered by `list`, before or after the change.
bool may_be_listed(const ListFilter& list, const ChangeEvent& event) {
    if (match_where(*list.entity, list.where, event, event.values) != Match::no) return true;
    if (event.kind != ChangeKind::update) return false;
    return event.old_values.empty() || match_where(*list.entity, list.where, event, event.old_values) != Match::no;
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

LiveReads read_entities(const Api& api, const RootField& root, const SelectedField& field, const GraphqlExecutor::Requester& requester) {
    return Reader(api).of(root, field, requester);
}

}  // namespace rex::graphql
