#include "custom/resolve.hpp"

#include "sql/writer.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/json_text.hpp>

#include <nlohmann/json.hpp>

namespace rex::graphql {

namespace {

using json = nlohmann::ordered_json;  // a resolver's objects keep their member order

LogicalType logical_type(std::string_view scalar) {
    static constexpr std::pair<std::string_view, LogicalType> types[] = {
        {"Int", LogicalType::int32},        {"bigint", LogicalType::int64}, {"Float", LogicalType::float64},
        {"numeric", LogicalType::decimal},  {"Boolean", LogicalType::boolean}, {"date", LogicalType::date},
        {"time", LogicalType::time},        {"timestamptz", LogicalType::timestamp}, {"uuid", LogicalType::uuid},
        {"bytea", LogicalType::bytes},      {"jsonb", LogicalType::json}};
    for (const auto& [name, type] : types)
        if (name == scalar) return type;
    return LogicalType::text;  // String, ID, custom scalars
}

// A coerced argument -> the Value a callback or an SQL parameter gets.
Value argument_value(const Api& api, const InputValueDef& def, const InputValue& v) {
    if (v.is_null()) return Value();
    const auto* type = api.schema.type(def.type.name);
    if (def.type.is_list() || (type && type->kind == TypeKind::input_object)) return Value(Json{input_json(v)});
    if (const auto* e = v.as_enum()) return Value(e->name);
    if (def.type.name == "ID")
        if (const auto* n = v.as_number()) return Value(n->text);
    FieldInfo field;
    field.name = def.name;
    field.type.type = logical_type(def.type.name);
    return to_value(v, field);
}

std::vector<std::pair<std::string, Value>> argument_values(const Api& api, const CustomField& custom, const SelectedField& field) {
    std::vector<std::pair<std::string, Value>> out;
    for (const auto& def : custom.arguments)
        if (const auto* v = field.argument(def.name)) out.emplace_back(def.name, argument_value(api, def, *v));
    return out;
}

class Projection {
public:
    Projection(const Api& api, const std::string& root) : api_(api), root_(root) {}

    // Writes `value` as the field of `type` with `selection` (the client's sub-selection).
    void write(const json& value, const TypeRef& type, const std::vector<SelectedField>& selection, std::string& out) const {
        if (value.is_null()) {
            if (type.is_non_null()) fail("returned null for the non-null type " + type.to_string());
            out += "null";
            return;
        }
        const auto inner = type.is_non_null() ? type.unwrap() : type;
        if (!inner.wrappers.empty()) {  // a list
            if (!value.is_array()) fail("returned " + std::string(value.type_name()) + " where the type " + type.to_string() + " wants a list");
            const auto item = inner.unwrap();
            out += '[';
            bool first = true;
            for (const auto& v : value) {
                if (!first) out += ',';
                first = false;
                write(v, item, selection, out);
            }
            out += ']';
            return;
        }
        const auto* def = api_.schema.type(inner.name);
        if (!def || def->kind != TypeKind::object) {  // a scalar or an enum: as returned
            out += value.dump(-1, ' ', false, json::error_handler_t::replace);
            return;
        }
        if (!value.is_object()) fail("returned " + std::string(value.type_name()) + " where the type " + inner.name + " wants an object");
        out += '{';
        bool first = true;
        for (const auto& f : selection) {
            if (!first) out += ',';
            first = false;
            append_json_string(out, f.response_key);
            out += ':';
            if (f.name == "__typename") {
                append_json_string(out, def->name);
                continue;
            }
            const auto it = value.find(f.name);
            static const json null_value;
            write(it == value.end() ? null_value : *it, f.definition ? f.definition->type : TypeRef::named("String"), f.selection, out);
        }
        out += '}';
    }

private:
    [[noreturn]] void fail(const std::string& problem) const { throw std::runtime_error("custom field '" + root_ + "' " + problem); }
    const Api& api_;
    const std::string& root_;
};

void resolve_cpp(const CustomField& custom, const SelectedField& field, const CustomCall& call, std::string& out) {
    const auto arguments = argument_values(call.api, custom, field);
    static const Requester anonymous;
    ResolverCall c;
    c.operation = custom.operation;
    c.field = custom.name;
    c.connection = &call.runner.connection();
    c.arguments = &arguments;
    c.headers = call.headers;
    c.requester = call.requester ? call.requester : &anonymous;
    c.writes = call.writes;
    std::string text;
    try {
        text = custom.resolver->resolve(c);
    } catch (const Error& e) {
        switch (e.category()) {
            case ErrorCategory::validation:
            case ErrorCategory::not_found:
            case ErrorCategory::invalid_value:
            case ErrorCategory::unsupported: throw ResolverFailed(e.message());
            default: throw;  // the database's errors: reported (and logged) as such
        }
    }
    const auto value = json::parse(text, nullptr, false);
    if (value.is_discarded()) throw std::runtime_error("custom field '" + custom.name + "' returned text that is not JSON");
    Projection(call.api, custom.name).write(value, field.definition->type, field.selection, out);
}

// A database value as the JSON of a scalar type (SQLite and MariaDB have no booleans; a jsonb
// result may come back as text).
void scalar_json(const Value& v, const TypeRef& type, std::string& out) {
    if (v.is_null()) {
        out += "null";
        return;
    }
    if (type.name == "Boolean" && v.kind() == ValueKind::int64) {
        out += v.as_int64() ? "true" : "false";
        return;
    }
    if (type.name == "jsonb" && (v.kind() == ValueKind::text || v.kind() == ValueKind::json)) {
        if (!append_json_document(out, v.kind() == ValueKind::text ? v.as_text() : v.as_json().text)) throw std::runtime_error("a jsonb result is not JSON");
        return;
    }
    const auto logical = logical_type(type.name);
    if ((logical == LogicalType::text) && v.kind() != ValueKind::text) {  // a String from a number
        append_json_string(out, value_to_json(v));
        return;
    }
    append_json(out, v);
}

void resolve_sql(const CustomField& custom, const SelectedField& field, const CustomCall& call, std::string& out) {
    auto arguments = argument_values(call.api, custom, field);
    for (const auto& def : custom.arguments)  // an argument not given is bound as NULL
        if (!field.argument(def.name)) arguments.emplace_back(def.name, Value());
    Writer w(call.api, call.dialect);
    const auto sql = bind_named(custom.query->sql, arguments, [&](const Value& v) { return w.bind(v); });
    const auto& type = field.definition->type;
    const bool list = type.is_list();
    const auto* none = type.is_non_null() ? static_cast<const char*>(nullptr) : "null";
    if (!custom.entity.empty()) {
        // The query's rows stand in for the entity's table: each becomes the selected object
        // (relations included), built by the database; the rows keep the query's order.
        const auto& e = *call.api.entity(custom.entity);
        const auto b = w.new_alias();
        const auto statement = w.finish("SELECT " + w.object(e, b, field.selection) + " FROM (" + sql + ") " + b);
        const auto rows = call.runner.execute(statement);
        if (list) out += '[';
        for (std::size_t i = 0; i < rows.size() && (list || i == 0); ++i) {
            if (i) out += ',';
            const auto& v = rows.rows[i].at(0);
            append_compact_json(v.kind() == ValueKind::json ? v.as_json().text : v.as_text(), out);
        }
        if (list) out += ']';
        else if (rows.empty()) {
            if (!none) throw std::runtime_error("custom field '" + custom.name + "' found no row for its non-null type");
            out += none;
        }
        return;
    }
    const auto rows = call.runner.execute(w.finish(sql));
    const auto item = list ? (type.is_non_null() ? type.unwrap() : type).unwrap() : type;
    if (list) {
        out += '[';
        for (std::size_t i = 0; i < rows.size(); ++i) {
            if (i) out += ',';
            scalar_json(rows.rows[i].empty() ? Value() : rows.rows[i][0], item, out);
        }
        out += ']';
    } else if (rows.empty() || rows.rows[0].empty()) {
        if (!none) throw std::runtime_error("custom field '" + custom.name + "' found no row for its non-null type");
        out += none;
    } else {
        scalar_json(rows.rows[0][0], item, out);
    }
}

}  // namespace

std::string bind_named(std::string_view sql, const std::vector<std::pair<std::string, Value>>& arguments,
                       const std::function<std::string(const Value&)>& bind) {
    const auto is_name_char = [](char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
    std::string out;
    out.reserve(sql.size());
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (c == '\'' || c == '"' || c == '`') {  // a string or a quoted identifier, as written
            const auto end = sql.find(c, i + 1);
            const auto stop = end == std::string_view::npos ? sql.size() : end + 1;
            out.append(sql.substr(i, stop - i));
            i = stop - 1;
        } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
            const auto end = sql.find('\n', i);
            const auto stop = end == std::string_view::npos ? sql.size() : end;
            out.append(sql.substr(i, stop - i));
            i = stop - 1;
        } else if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {
            out += "::";
            ++i;
        } else if (c == ':' && i + 1 < sql.size() && is_name_char(sql[i + 1]) && !(sql[i + 1] >= '0' && sql[i + 1] <= '9')) {
            auto j = i + 1;
            while (j < sql.size() && is_name_char(sql[j])) ++j;
            const auto name = sql.substr(i + 1, j - i - 1);
            const Value* value = nullptr;
            for (const auto& [n, v] : arguments)
                if (n == name) value = &v;
            if (!value) throw InputError("the SQL names :" + std::string(name) + ", which is no argument of the query");
            out += bind(*value);
            i = j - 1;
        } else {
            out += c;
        }
    }
    return out;
}

void resolve_custom(const CustomField& custom, const SelectedField& field, const CustomCall& call, std::string& out) {
    if (custom.resolver) resolve_cpp(custom, field, call, out);
    else resolve_sql(custom, field, call, out);
}

}  // namespace rex::graphql
