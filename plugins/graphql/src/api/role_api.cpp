#include "api/role_api.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <set>

namespace rex::graphql {

namespace {

// What a type made from an entity is for, and so which of the role's columns it may show.
enum class Use : unsigned char { select, insert, update, keep, drop };

struct Allowed {
    std::set<std::string, std::less<>> select, insert, update;  // GraphQL column names
    bool visible = false, aggregations = false, insert_rule = false, update_rule = false, delete_rule = false;
};

std::set<std::string, std::less<>> columns_of(const EntityApi& e, const std::vector<std::string>& fields) {
    std::set<std::string, std::less<>> out;
    const bool all = std::find(fields.begin(), fields.end(), "*") != fields.end();
    for (const auto& [name, f] : e.columns)
        if (all || std::find(fields.begin(), fields.end(), f->name) != fields.end()) out.insert(name);
    return out;
}

Allowed allowed_of(const EntityApi& e, const RoleRules& rules) {
    Allowed a;
    const auto* r = rules.entity(e.entity->name);
    if (!r || !r->select) return a;
    a.select = columns_of(e, r->select->columns);
    a.visible = !a.select.empty();
    a.aggregations = r->select->aggregations;
    if (r->insert) a.insert = columns_of(e, r->insert->columns), a.insert_rule = true;
    if (r->update) a.update = columns_of(e, r->update->columns), a.update_rule = true;
    a.delete_rule = r->remove.has_value();
    return a;
}

bool root_allowed(RootKind kind, const Allowed& a) {
    if (!a.visible) return false;
    switch (kind) {
        case RootKind::list:
        case RootKind::by_pk: return true;
        case RootKind::aggregate: return a.aggregations;
        case RootKind::insert:
        case RootKind::insert_one: return a.insert_rule;
        case RootKind::update:
        case RootKind::update_by_pk: return a.update_rule;
        case RootKind::delete_where:
        case RootKind::delete_by_pk: return a.delete_rule;
        case RootKind::stream: return true;  // its batches are read with the select rule (operations/stream.cpp)
    }
    return false;
}

class RoleSchema {
public:
    RoleSchema(const Api& full, const RoleRules& rules, std::string_view role, Api& out) : full_(full), out_(out), role_(role) {
        const auto& n = full.names;
        for (const auto& entry : full.entities) {
            // Named, not bound: clang 14 cannot capture a structured binding in a lambda.
            const auto& name = entry.first;
            const auto& e = entry.second;
            const auto a = allowed_of(e, rules);
            allowed_.emplace(name, a);
            const auto& t = e.type_name;
            const auto own = [&](const std::string& type, Use use) { owners_[type] = {&e, a.visible ? use : Use::drop}; };
            own(t, Use::select);
            for (const char* s : {"bool_exp", "order_by", "select_column"}) own(n.derived(t, s), Use::select);
            for (const char* s : {"aggregate", "aggregate_fields", "sum_fields", "avg_fields", "max_fields", "min_fields", "aggregate_order_by",
                                  "max_order_by", "min_order_by"})
                own(n.derived(t, s), a.aggregations ? Use::select : Use::drop);
            own(n.derived(t, "insert_input"), a.insert_rule ? Use::insert : Use::drop);
            own(n.derived(t, "set_input"), a.update_rule ? Use::update : Use::drop);
            own(n.derived(t, "inc_input"), a.update_rule ? Use::update : Use::drop);
            own(n.derived(t, "pk_columns_input"), a.update_rule ? Use::keep : Use::drop);
            own(n.derived(t, "mutation_response"), Use::keep);
            // A stream's cursor starts from a column the role may read.
            own(n.derived(t, "stream_cursor_value_input"), Use::select);
            own(n.derived(t, "stream_cursor_input"), Use::keep);
            // Upserts would update rows past the update rule's filter: not offered to roles.
            for (const char* s : {"constraint", "update_column", "on_conflict"}) own(n.derived(t, s), Use::drop);
        }
    }

    void build() {
        // The entities the role sees, with the columns any of its rules name.
        for (const auto& [name, e] : full_.entities) {
            const auto& a = allowed_.at(name);
            if (!a.visible) continue;
            EntityApi copy = e;
            std::erase_if(copy.columns, [&](const auto& c) { return !a.select.count(c.first) && !a.insert.count(c.first) && !a.update.count(c.first); });
            std::erase_if(copy.relations, [&](const auto& r) { return !visible(r.second->target); });
            std::erase_if(copy.relation_aggregates, [&](const auto& r) { return !visible(r.second->target) || !allowed_.at(r.second->target).aggregations; });
            copy.constraints.clear();
            out_.entities.emplace(name, std::move(copy));
        }
        const auto roots = [&](const std::map<std::string, RootField, std::less<>>& from, std::map<std::string, RootField, std::less<>>& to) {
            for (const auto& [name, root] : from) {
                const auto& entity_name = root.entity->entity->name;
                if (root_allowed(root.kind, allowed_.at(entity_name))) to[name] = RootField{root.kind, out_.entity(entity_name)};
            }
        };
        roots(full_.query_fields, out_.query_fields);
        roots(full_.mutation_fields, out_.mutation_fields);
        roots(full_.subscription_fields, out_.subscription_fields);
        // Custom fields only for the roles they are declared for (Resolver::roles, a query's "roles").
        const auto custom = [&](const std::map<std::string, CustomField, std::less<>>& from, std::map<std::string, CustomField, std::less<>>& to) {
            for (const auto& [name, field] : from)
                if (field.offered_to(role_)) to.emplace(name, field);
        };
        custom(full_.custom_query_fields, out_.custom_query_fields);
        custom(full_.custom_mutation_fields, out_.custom_mutation_fields);

        for (const auto& type : full_.schema.types()) {
            if (Schema::is_builtin_type(type->name)) continue;
            if (auto t = filtered(*type)) types_.emplace(type->name, std::move(*t));
        }
        prune_dangling();
        add_reachable();
    }

private:
    bool visible(const std::string& entity) const {
        const auto it = allowed_.find(entity);
        return it != allowed_.end() && it->second.visible;
    }

    // The type with only the members the role may use; nullopt when the role may use none of it.
    std::optional<TypeDef> filtered(const TypeDef& type) const {
        TypeDef t = type;
        const auto is = [&](const std::optional<std::string>& root) { return root && type.name == *root; };
        if (type.name == full_.schema.query_type || is(full_.schema.mutation_type) || is(full_.schema.subscription_type)) {
            const bool query = type.name == full_.schema.query_type, mutation = is(full_.schema.mutation_type);
            const auto& table = query ? out_.query_fields : mutation ? out_.mutation_fields : out_.subscription_fields;
            const auto* custom = query ? &out_.custom_query_fields : mutation ? &out_.custom_mutation_fields : nullptr;
            std::erase_if(t.fields, [&](const FieldDef& f) { return !table.count(f.name) && !(custom && custom->count(f.name)); });
            return t;
        }
        const auto owner = owners_.find(type.name);
        if (owner == owners_.end()) return t;
        const auto* e = owner->second.first;  // named, not bound: clang 14 lambdas cannot capture bindings
        const auto use = owner->second.second;
        if (use == Use::drop) return std::nullopt;
        if (use == Use::keep) return t;
        const auto& a = allowed_.at(e->entity->name);
        const auto& columns = use == Use::select ? a.select : use == Use::insert ? a.insert : a.update;
        const auto hidden = [&](const std::string& name) { return e->column(name) && !columns.count(name); };
        std::erase_if(t.fields, [&](const FieldDef& f) { return hidden(f.name); });
        std::erase_if(t.input_fields, [&](const InputValueDef& f) { return hidden(f.name); });
        std::erase_if(t.enum_values, [&](const EnumValueDef& v) { return hidden(v.name); });
        return t;
    }

    bool present(const std::string& name) const { return types_.count(name) || Schema::is_builtin_type(name); }

    // Members whose type the role does not have go (a required argument takes its field along);
    // types left with no member go too, until nothing changes.
    void prune_dangling() {
        for (bool changed = true; changed;) {
            changed = false;
            for (auto& [name, t] : types_) {
                const auto before = t.fields.size() + t.input_fields.size();
                std::erase_if(t.input_fields, [&](const InputValueDef& f) { return !present(f.type.name); });
                for (auto& f : t.fields)
                    std::erase_if(f.arguments, [&](const InputValueDef& a) { return !present(a.type.name) && !a.type.is_non_null(); });
                std::erase_if(t.fields, [&](const FieldDef& f) {
                    if (!present(f.type.name)) return true;
                    for (const auto& a : f.arguments)
                        if (!present(a.type.name)) return true;
                    return false;
                });
                changed = changed || before != t.fields.size() + t.input_fields.size();
            }
            for (auto it = types_.begin(); it != types_.end();) {
                const auto& t = it->second;
                const bool empty = (t.kind == TypeKind::object && t.fields.empty() && t.name != full_.schema.query_type) ||
                                   (t.kind == TypeKind::input_object && t.input_fields.empty()) || (t.kind == TypeKind::enum_type && t.enum_values.empty());
                if (empty) {
                    it = types_.erase(it);
                    changed = true;
                } else {
                    ++it;
                }
            }
        }
    }

    // Only the types reachable from the roots, in the full schema's order.
    void add_reachable() {
        std::set<std::string, std::less<>> reached;
        std::deque<std::string> queue{full_.schema.query_type};
        for (const auto& root : {full_.schema.mutation_type, full_.schema.subscription_type})
            if (root && types_.count(*root) && !types_.at(*root).fields.empty()) queue.push_back(*root);
        while (!queue.empty()) {
            auto name = std::move(queue.front());
            queue.pop_front();
            if (!types_.count(name) || !reached.insert(name).second) continue;
            const auto& t = types_.at(name);
            for (const auto& f : t.fields) {
                queue.push_back(f.type.name);
                for (const auto& a : f.arguments) queue.push_back(a.type.name);
            }
            for (const auto& f : t.input_fields) queue.push_back(f.type.name);
            for (const auto& i : t.interfaces) queue.push_back(i);
            for (const auto& p : t.possible_types) queue.push_back(p);
        }
        for (const auto& type : full_.schema.types())
            if (reached.count(type->name)) out_.schema.add_type(types_.at(type->name));
        out_.schema.query_type = full_.schema.query_type;
        if (full_.schema.mutation_type && reached.count(*full_.schema.mutation_type)) out_.schema.mutation_type = full_.schema.mutation_type;
        if (full_.schema.subscription_type && reached.count(*full_.schema.subscription_type)) out_.schema.subscription_type = full_.schema.subscription_type;
        out_.schema.description = full_.schema.description;
    }

    const Api& full_;
    Api& out_;
    std::string_view role_;
    std::map<std::string, Allowed, std::less<>> allowed_;
    std::map<std::string, std::pair<const EntityApi*, Use>, std::less<>> owners_;
    std::map<std::string, TypeDef, std::less<>> types_;
};

}  // namespace

std::shared_ptr<const Api> role_api(const Api& full, const RoleRules& rules, std::string_view role) {
    auto out = std::make_shared<Api>();
    out->names = full.names;
    RoleSchema(full, rules, role, *out).build();
    return out;
}

}  // namespace rex::graphql
