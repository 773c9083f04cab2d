#include "auth/permission_rules.hpp"

#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <set>

namespace rex::host {

namespace {

using json = nlohmann::json;

const std::set<std::string, std::less<>> comparison_operators{"_eq",  "_neq", "_gt",   "_gte",   "_lt",    "_lte",
                                                              "_in",  "_nin", "_like", "_nlike", "_ilike", "_is_null"};

class RuleReader {
public:
    RuleReader(std::string file, const CatalogView* catalog) : file_(std::move(file)), catalog_(catalog) {}

    [[noreturn]] void fail(const std::string& where, const std::string& what) const {
        raise({ErrorCategory::configuration, file_ + ": " + where + ": " + what, {}, {}});
    }

    const json& object(const json& j, const std::string& where, std::initializer_list<std::string_view> keys) const {
        if (!j.is_object()) fail(where, std::string("expected an object, got ") + j.type_name());
        for (const auto& [k, v] : j.items()) {
            bool known = false;
            for (auto key : keys) known = known || key == k;
            if (!known) {
                std::string list;
                for (auto key : keys) list += (list.empty() ? "" : ", ") + std::string(key);
                fail(where + "/" + k, "unknown key (expected one of: " + list + ")");
            }
        }
        return j;
    }

    std::shared_ptr<const EntityInfo> entity(const std::string& name, const std::string& where) const {
        if (!checking()) return nullptr;
        auto e = catalog_->find_entity(name);
        if (!e) fail(where, "no entity '" + name + "' in the catalog");
        return e;
    }

    std::vector<std::string> columns(const json& j, const std::string& where, const EntityInfo* e) const {
        if (j.is_string() && j == "*") return {"*"};
        if (!j.is_array()) fail(where, "expected a list of field names or \"*\"");
        std::vector<std::string> out;
        for (std::size_t i = 0; i < j.size(); ++i) {
            if (!j[i].is_string()) fail(where + "/" + std::to_string(i), "expected a field name");
            const auto name = j[i].get<std::string>();
            if (e && !e->field(name)) fail(where + "/" + std::to_string(i), "entity '" + e->name + "' has no field '" + name + "'");
            out.push_back(name);
        }
        return out;
    }

    // A row condition in the `where` syntax, checked for shape and (with a catalog) names.
    std::string condition(const json& j, const std::string& where, const EntityInfo* e) const {
        check_condition(j, where, e);
        return j.dump();
    }

    std::vector<ColumnPreset> presets(const json& j, const std::string& where, const EntityInfo* e) const {
        if (!j.is_object()) fail(where, "expected an object of field: value (a session variable name like \"x-rex-user-id\" or a value)");
        std::vector<ColumnPreset> out;
        for (const auto& [name, value] : j.items()) {
            if (e && !e->field(name)) fail(where + "/" + name, "entity '" + e->name + "' has no field '" + name + "'");
            if (value.is_object() || value.is_array()) fail(where + "/" + name, "expected a session variable name or a scalar value");
            out.push_back({name, value.dump()});
        }
        return out;
    }

    // What the rules share — columns ("*" when absent), filter, check, presets — where the rule has it.
    template <class Rule>
    void common(Rule& rule, const json& s, const std::string& where, const EntityInfo* e) const {
        if constexpr (requires { rule.columns; })
            rule.columns = s.contains("columns") ? columns(s["columns"], where + "/columns", e) : std::vector<std::string>{"*"};
        if constexpr (requires { rule.filter; })
            if (s.contains("filter")) rule.filter = condition(s["filter"], where + "/filter", e);
        if constexpr (requires { rule.check; })
            if (s.contains("check")) rule.check = condition(s["check"], where + "/check", e);
        if constexpr (requires { rule.presets; })
            if (s.contains("set")) rule.presets = presets(s["set"], where + "/set", e);
    }

private:
    bool checking() const { return catalog_ && !catalog_->entity_names().empty(); }

    // Without a catalog (the first pass, before it is filled) a relation is told from a column by
    // its value: a column's is an object of operators (names starting with '_').
    static bool is_comparison(const json& value) {
        if (!value.is_object() || value.empty()) return true;
        for (const auto& [k, v] : value.items())
            if (!k.starts_with("_") || k == "_and" || k == "_or" || k == "_not") return false;
        return true;
    }

    void check_condition(const json& j, const std::string& where, const EntityInfo* e) const {
        if (!j.is_object()) fail(where, std::string("expected an object in the where syntax, got ") + j.type_name());
        for (const auto& [key, value] : j.items()) {
            const auto at = where + "/" + key;
            if (key == "_and" || key == "_or") {
                if (!value.is_array()) fail(at, "expected a list of conditions");
                for (std::size_t i = 0; i < value.size(); ++i) check_condition(value[i], at + "/" + std::to_string(i), e);
            } else if (key == "_not") {
                check_condition(value, at, e);
            } else if (e ? e->relation(key) != nullptr : !is_comparison(value)) {
                const auto target = e ? entity(e->relation(key)->target, at) : nullptr;
                check_condition(value, at, target.get());
            } else if (!e || e->field(key)) {
                if (!value.is_object()) fail(at, "expected an object of comparison operators ({\"_eq\": ...})");
                for (const auto& [op, operand] : value.items()) {
                    if (!comparison_operators.count(op)) fail(at + "/" + op, "unknown operator (_eq _neq _gt _gte _lt _lte _in _nin _like _nlike _ilike _is_null)");
                    if ((op == "_in" || op == "_nin") && !operand.is_array() && !operand.is_string())
                        fail(at + "/" + op, "expected a list or a session variable name");
                    if (op != "_in" && op != "_nin" && (operand.is_object() || operand.is_array()))
                        fail(at + "/" + op, "expected a value or a session variable name");
                }
            } else {
                fail(at, "entity '" + e->name + "' has no field or relation '" + key + "'");
            }
        }
    }

    std::string file_;
    const CatalogView* catalog_;
};

}  // namespace

RoleRuleSet parse_permissions(const std::string& json_text, const std::string& file, const CatalogView* catalog) {
    RoleRuleSet out;
    if (json_text.empty()) return out;
    const RuleReader r(file, catalog);
    const auto root = json::parse(json_text);
    if (!root.is_object()) r.fail("/permissions", "expected an object of roles");
    for (const auto& [role, entities] : root.items()) {
        const auto role_at = "/permissions/" + role;
        if (role.empty()) r.fail(role_at, "a role needs a name");
        if (!entities.is_object()) r.fail(role_at, std::string("expected an object of entities, got ") + entities.type_name());
        auto rules = std::make_shared<RoleRules>();
        rules->role = role;
        for (const auto& [entity_name, actions] : entities.items()) {
            const auto at = role_at + "/" + entity_name;
            const auto entity = r.entity(entity_name, at);
            const auto* e = entity.get();
            r.object(actions, at, {"select", "insert", "update", "delete"});
            EntityRules er;
            if (actions.contains("select")) {
                const auto where = at + "/select";
                const auto& s = r.object(actions["select"], where, {"columns", "filter", "aggregations", "limit"});
                SelectRule rule;
                r.common(rule, s, where, e);
                if (s.contains("aggregations")) {
                    if (!s["aggregations"].is_boolean()) r.fail(where + "/aggregations", "expected true or false");
                    rule.aggregations = s["aggregations"].get<bool>();
                }
                if (s.contains("limit")) {
                    if (!s["limit"].is_number_integer() || s["limit"].get<std::int64_t>() < 0) r.fail(where + "/limit", "expected a non-negative integer");
                    rule.limit = s["limit"].get<std::int64_t>();
                }
                er.select = std::move(rule);
            }
            if (actions.contains("insert")) {
                const auto where = at + "/insert";
                const auto& s = r.object(actions["insert"], where, {"columns", "check", "set"});
                InsertRule rule;
                r.common(rule, s, where, e);
                er.insert = std::move(rule);
            }
            if (actions.contains("update")) {
                const auto where = at + "/update";
                const auto& s = r.object(actions["update"], where, {"columns", "filter", "check", "set"});
                UpdateRule rule;
                r.common(rule, s, where, e);
                er.update = std::move(rule);
            }
            if (actions.contains("delete")) {
                const auto where = at + "/delete";
                const auto& s = r.object(actions["delete"], where, {"filter"});
                DeleteRule rule;
                r.common(rule, s, where, e);
                er.remove = std::move(rule);
            }
            rules->entities.emplace(entity_name, std::move(er));
        }
        out.emplace(role, std::move(rules));
    }
    return out;
}

}  // namespace rex::host
