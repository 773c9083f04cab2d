#include "auth/stream_view.hpp"

#include <rex/sdk/error.hpp>

#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>

namespace rex::host {

namespace {

using json = nlohmann::json;

bool numeric(LogicalType t) {
    return t == LogicalType::int32 || t == LogicalType::int64 || t == LogicalType::float64 || t == LogicalType::decimal;
}

// A session variable's text as the JSON value a column of `type` compares with.
json typed(const std::string& text, LogicalType type) {
    if (numeric(type)) {
        double d = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
        if (!text.empty() && ec == std::errc{} && end == text.data() + text.size()) return json::parse(text, nullptr, false);
    }
    return text;
}

class Substitution {
public:
    Substitution(const Identity& identity, const CatalogView& catalog) : identity_(identity), catalog_(catalog) {}
    bool followed_relation = false;

    json condition(const EntityInfo& e, const json& j) {
        json out = json::object();
        for (const auto& [key, value] : j.items()) {
            if (key == "_and" || key == "_or") {
                out[key] = json::array();
                for (const auto& item : value) out[key].push_back(condition(e, item));
            } else if (key == "_not") {
                out[key] = condition(e, value);
            } else if (const auto* field = e.field(key)) {
                json ops = json::object();
                for (const auto& [op, operand] : value.items()) ops[op] = this->operand(operand, field->type.type);
                out[key] = std::move(ops);
            } else if (const auto* relation = e.relation(key)) {
                followed_relation = true;
                const auto target = catalog_.find_entity(relation->target);
                if (!target) raise({ErrorCategory::configuration, "a rule on " + e.name + " follows " + key + " to a missing entity", {}, {}});
                out[key] = condition(*target, value);
            }
        }
        return out;
    }

private:
    json operand(const json& j, LogicalType type) const {
        if (j.is_array()) {
            json out = json::array();
            for (const auto& item : j) out.push_back(operand(item, type));
            return out;
        }
        if (!j.is_string() || !is_session_variable(j.get<std::string>())) return j;
        const auto* value = identity_.variable(j.get<std::string>());
        if (!value)
            raise({ErrorCategory::validation, "the role's rules need the session variable " + j.get<std::string>() + ", which the request does not carry", {}, {}});
        return typed(*value, type);
    }

    const Identity& identity_;
    const CatalogView& catalog_;
};

}  // namespace

std::optional<StreamView> stream_view(const Identity& identity, const EntityInfo& entity, const CatalogView& catalog) {
    if (identity.admin) return StreamView{{}, {"*"}, false};
    const auto* rules = identity.rules ? identity.rules->entity(entity.name) : nullptr;
    if (!rules || !rules->select) return std::nullopt;
    StreamView view;
    view.columns = rules->select->columns;
    if (!rules->select->filter.empty()) {
        Substitution s(identity, catalog);
        view.where = s.condition(entity, json::parse(rules->select->filter)).dump();
        view.needs_database = s.followed_relation;
    }
    return view;
}

}  // namespace rex::host
