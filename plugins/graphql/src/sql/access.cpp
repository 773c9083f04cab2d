#include "sql/access.hpp"

#include "sql/writer.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace rex::graphql {

namespace {

using json = nlohmann::json;

bool is_number_text(const std::string& text, bool& is_float) {
    double d = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    is_float = text.find_first_of(".eE") != std::string::npos;
    return !text.empty() && ec == std::errc{} && end == text.data() + text.size();
}

// A session variable's text as the input value a column of `type` reads: numbers for numeric
// columns (a text that is no number stays a string, which the column's conversion refuses).
InputValue typed(const std::string& text, LogicalType type) {
    bool is_float = false;
    if (is_numeric(type) && is_number_text(text, is_float)) return InputValue::number(text, is_float);
    if (type == LogicalType::boolean && (text == "true" || text == "false")) return InputValue::boolean(text == "true");
    return InputValue::string(text);
}

class RuleConverter {
public:
    RuleConverter(const Api& api, const Identity& identity) : api_(api), identity_(identity) {}

    // A literal of the rule or a session variable's value, for a column of `type`.
    InputValue operand(const json& j, LogicalType type) const {
        if (j.is_string()) {
            const auto& text = j.get_ref<const std::string&>();
            if (!is_session_variable(text)) return InputValue::string(text);
            const auto* value = identity_.variable(text);
            if (!value) throw PermissionDenied("the role's rules need the session variable " + text + ", which the request does not carry");
            return typed(*value, type);
        }
        if (j.is_boolean()) return InputValue::boolean(j.get<bool>());
        if (j.is_number()) return InputValue::number(j.dump(), j.is_number_float());
        if (j.is_array()) {
            InputList items;
            for (const auto& item : j) items.push_back(operand(item, type));
            return InputValue::list(std::move(items));
        }
        return InputValue::null();
    }

    // The rule's condition (model names) as a `t_bool_exp` value (GraphQL names) of `e`.
    InputValue condition(const EntityApi& e, const json& j) const {
        InputObject out;
        for (const auto& [key, value] : j.items()) {
            if (key == "_and" || key == "_or") {
                InputList items;
                for (const auto& item : value) items.push_back(condition(e, item));
                out.emplace_back(key, InputValue::list(std::move(items)));
            } else if (key == "_not") {
                out.emplace_back(key, condition(e, value));
            } else if (const auto* field = e.entity->field(key)) {
                InputObject ops;
                for (const auto& [op, operand_json] : value.items())
                    ops.emplace_back(op, op == "_is_null" ? InputValue::boolean(operand_json.is_boolean() && operand_json.get<bool>())
                                                          : operand(operand_json, field->type.type));
                out.emplace_back(e.column_name(key), InputValue::object(std::move(ops)));
            } else if (const auto* relation = e.entity->relation(key)) {
                const auto* target = api_.target(*relation);
                std::string name;
                for (const auto& [n, r] : e.relations)
                    if (r == relation) name = n;
                if (!target || name.empty()) throw PermissionDenied("a rule on " + e.entity->name + " follows relation " + key + ", which the API does not have");
                out.emplace_back(name, condition(*target, value));
            } else {
                throw PermissionDenied("a rule on " + e.entity->name + " names '" + key + "', which it does not have");
            }
        }
        return InputValue::object(std::move(out));
    }

private:
    const Api& api_;
    const Identity& identity_;
};

const EntityRules* rules_of(const Identity& identity, const EntityApi& e) {
    return identity.rules ? identity.rules->entity(e.entity->name) : nullptr;
}

}  // namespace

ParsedRules::ParsedRules(const RoleRules& rules) {
    const auto add = [&](const std::string& text) {
        if (!text.empty()) parsed_.emplace(&text, std::make_unique<const json>(json::parse(text)));
    };
    for (const auto& [name, r] : rules.entities) {
        if (r.select) add(r.select->filter);
        if (r.insert) add(r.insert->check);
        if (r.update) add(r.update->filter), add(r.update->check);
        if (r.remove) add(r.remove->filter);
    }
}

ParsedRules::~ParsedRules() = default;

const json* ParsedRules::find(const std::string& rule) const {
    const auto it = parsed_.find(&rule);
    return it == parsed_.end() ? nullptr : it->second.get();
}

Access::Access(const Api& full, std::shared_ptr<const Identity> identity, const ParsedRules* parsed)
    : full_(full), identity_(std::move(identity)), parsed_(parsed) {}

std::string Access::condition(Writer& w, const EntityApi& e, const std::string& alias, const std::string& rule) const {
    if (rule.empty()) return {};
    const auto* full = full_.entity(e.entity->name);
    if (!full) return "1=0";
    const json* parsed = parsed_ ? parsed_->find(rule) : nullptr;
    json owned;
    if (!parsed) parsed = &(owned = json::parse(rule));
    const auto value = RuleConverter(full_, *identity_).condition(*full, *parsed);
    return w.rule(*full, alias, value);
}

std::string Access::rows(Writer& w, const EntityApi& e, const std::string& alias, Action action) const {
    const auto* r = rules_of(*identity_, e);
    switch (action) {
        case Action::select: return r && r->select ? condition(w, e, alias, r->select->filter) : "1=0";
        case Action::update: return r && r->update ? condition(w, e, alias, r->update->filter) : "1=0";
        case Action::remove: return r && r->remove ? condition(w, e, alias, r->remove->filter) : "1=0";
        case Action::insert: return {};
    }
    return "1=0";
}

std::string Access::check(Writer& w, const EntityApi& e, const std::string& alias, Action action) const {
    const auto* r = rules_of(*identity_, e);
    if (action == Action::insert) return r && r->insert ? condition(w, e, alias, r->insert->check) : "1=0";
    if (action == Action::update) return r && r->update ? condition(w, e, alias, r->update->check) : "1=0";
    return {};
}

std::optional<std::int64_t> Access::row_limit(const EntityApi& e) const {
    const auto* r = rules_of(*identity_, e);
    return r && r->select ? r->select->limit : std::nullopt;
}

std::vector<std::pair<const FieldInfo*, Value>> Access::presets(const EntityApi& e, Action action) const {
    const auto* r = rules_of(*identity_, e);
    const std::vector<ColumnPreset>* presets = nullptr;
    if (r && action == Action::insert && r->insert) presets = &r->insert->presets;
    if (r && action == Action::update && r->update) presets = &r->update->presets;
    std::vector<std::pair<const FieldInfo*, Value>> out;
    if (!presets) return out;
    const RuleConverter converter(full_, *identity_);
    for (const auto& p : *presets) {
        const auto* field = e.entity->field(p.field);
        if (!field) continue;  // checked against the catalog at start
        out.emplace_back(field, to_value(converter.operand(json::parse(p.value), field->type.type), *field));
    }
    return out;
}

}  // namespace rex::graphql
