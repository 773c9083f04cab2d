#include "sql/writer.hpp"

#include "sql/access.hpp"

#include <algorithm>
#include <charconv>

namespace rex::graphql {

namespace {

constexpr char marker_begin = '\x01';
constexpr char marker_end = '\x02';

bool is_object_relation(RelationKind k) { return k == RelationKind::belongs_to || k == RelationKind::has_one; }

std::string join_with(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += separator;
        out += parts[i];
    }
    return out;
}

std::string conjunction(const std::vector<std::string>& parts) {
    if (parts.empty()) return "1=1";
    if (parts.size() == 1) return parts[0];
    return "(" + join_with(parts, " AND ") + ")";
}

// LIKE pattern (backslash escapes) -> GLOB pattern: SQLite's LIKE ignores case, GLOB does not.
std::string like_to_glob(const std::string& like) {
    std::string out;
    for (std::size_t i = 0; i < like.size(); ++i) {
        char c = like[i];
        if (c == '\\' && i + 1 < like.size()) {
            c = like[++i];
            if (c == '*' || c == '?' || c == '[') out += std::string("[") + c + "]";
            else out += c;
        } else if (c == '%') out += '*';
        else if (c == '_') out += '?';
        else if (c == '*' || c == '?' || c == '[') out += std::string("[") + c + "]";
        else out += c;
    }
    return out;
}

}  // namespace

Engine engine_of(const Dialect& dialect) {
    const auto n = dialect.name();
    if (n == "sqlite") return Engine::sqlite;
    if (n == "mysql" || n == "mariadb") return Engine::mysql;
    return Engine::postgres;
}

Writer::Writer(const Api& api, const Dialect& dialect, CompileLimits limits)
    : api_(api), dialect_(dialect), engine_(engine_of(dialect)), limits_(limits) {}

std::string Writer::bind(Value value) {
    if (limits_.literal_integers && engine_ == Engine::postgres && !in_rule_ && value.kind() == ValueKind::int64) {
        const auto n = value.as_int64();
        return n < 0 ? "(" + std::to_string(n) + ")" : std::to_string(n);
    }
    values_.push_back(std::move(value));
    return std::string(1, marker_begin) + std::to_string(values_.size() - 1) + marker_end;
}

std::string Writer::new_alias() { return quote("_" + std::to_string(aliases_++)); }

Statement Writer::finish(std::string sql) const {
    Statement out;
    out.sql.reserve(sql.size());
    for (std::size_t i = 0; i < sql.size(); ++i) {
        if (sql[i] != marker_begin) {
            out.sql += sql[i];
            continue;
        }
        const auto end = sql.find(marker_end, i);
        std::size_t index = 0;
        std::from_chars(sql.data() + i + 1, sql.data() + end, index);
        out.params.push_back(values_.at(index));
        out.sql += dialect_.placeholder(out.params.size());
        i = end;
    }
    return out;
}

const FieldInfo& Writer::field_of(const EntityInfo& entity, const std::string& name) const {
    if (const auto* f = entity.field(name)) return *f;
    for (const auto& f : entity.fields)
        if (f.column == name) return f;
    throw std::runtime_error("entity " + entity.name + " has no field " + name);
}

std::string Writer::string_literal(std::string_view text) const {
    // Only GraphQL names and type names get here, but quotes are doubled all the same.
    std::string out = "'";
    for (char c : text) {
        out += c;
        if (c == '\'') out += '\'';
    }
    out += '\'';
    if (engine_ == Engine::postgres) out += "::text";
    return out;
}

namespace {

// A float rounded to 15 significant digits, so the servers (which print the shortest text that
// reads back as the same double, up to 17 digits) print what SQLite's JSON does (%.15g): 0.1 + 0.2
// is 0.3 on all three. Zero, NULL and non-finite values pass as they are.
std::string float15(Engine engine, const std::string& x) {
    if (engine == Engine::postgres)
        return "(CASE WHEN (" + x + ") = 0 OR (" + x + ") IS NULL OR (" + x + ") IN ('Infinity'::float8, '-Infinity'::float8, 'NaN'::float8) THEN (" + x +
               ")::float8 ELSE round((" + x + ")::numeric, 14 - floor(log(abs((" + x + ")::numeric)))::int)::float8 END)";
    return "(CASE WHEN (" + x + ") = 0 OR (" + x + ") IS NULL THEN (" + x + ") ELSE ROUND(" + x + ", 14 - FLOOR(LOG10(ABS(" + x + ")))) END)";
}

}  // namespace

std::string Writer::render(const std::string& x, const ColumnType& type) const {
    switch (engine_) {
        case Engine::postgres:
            switch (type.type) {
                case LogicalType::float64: return float15(engine_, x);
                case LogicalType::decimal:
                case LogicalType::uuid:
                case LogicalType::time: return "(" + x + ")::text";
                case LogicalType::timestamp:
                    return "(rtrim(rtrim(to_char((" + x + ")::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '0'), '.') || 'Z')";
                case LogicalType::date: return "to_char(" + x + ", 'YYYY-MM-DD')";
                case LogicalType::bytes: return "('\\x' || encode(" + x + ", 'hex'))";
                default: return x;
            }
        case Engine::sqlite:
            switch (type.type) {
                case LogicalType::boolean: return "json(CASE WHEN " + x + " IS NULL THEN 'null' WHEN " + x + " THEN 'true' ELSE 'false' END)";
                // SQLite writes a whole REAL as 2.0, the servers as 2.
                case LogicalType::float64:
                    return "(CASE WHEN " + x + " = CAST(" + x + " AS INTEGER) AND abs(" + x + ") < 1e15 THEN CAST(" + x + " AS INTEGER) ELSE " + x + " END)";
                case LogicalType::decimal:
                    if (type.scale)
                        return "(CASE WHEN " + x + " IS NULL THEN NULL ELSE printf('%." + std::to_string(*type.scale) + "f', " + x + ") END)";
                    return "CAST(" + x + " AS TEXT)";
                case LogicalType::timestamp: return "(replace(" + x + ", ' ', 'T') || 'Z')";
                case LogicalType::uuid: return "lower(" + x + ")";
                case LogicalType::bytes: return "('\\x' || lower(hex(" + x + ")))";
                case LogicalType::json: return "json(" + x + ")";
                default: return x;
            }
        case Engine::mysql:
            switch (type.type) {
                case LogicalType::float64: return float15(engine_, x);
                case LogicalType::boolean: return "JSON_EXTRACT(IF(" + x + " IS NULL, 'null', IF(" + x + ", 'true', 'false')), '$')";
                case LogicalType::decimal: return "CAST(" + x + " AS CHAR)";
                case LogicalType::date: return "DATE_FORMAT(" + x + ", '%Y-%m-%d')";
                case LogicalType::time: return "TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM TIME_FORMAT(" + x + ", '%H:%i:%s.%f')))";
                case LogicalType::timestamp:
                    return "CONCAT(TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM DATE_FORMAT(" + x + ", '%Y-%m-%dT%H:%i:%s.%f'))), 'Z')";
                case LogicalType::uuid: return "LOWER(CAST(" + x + " AS CHAR))";
                case LogicalType::bytes: return "CONCAT(CHAR(92), 'x', LOWER(HEX(" + x + ")))";
                case LogicalType::json: return "JSON_EXTRACT(" + x + ", '$')";
                default: return x;
            }
    }
    return x;
}

std::string Writer::scalar(const std::string& value, bool number) const {
    // PostgreSQL: the value's JSON text (what json_build_object would write for it), so objects
    // and arrays are built by concatenating text (json_object, json_array_agg). An integer's text
    // is its JSON: a cast skips to_json's type lookup.
    if (engine_ != Engine::postgres) return value;
    // Always coalesced: a NULL would make the whole concatenation NULL, and a model may call a
    // column NOT NULL that holds NULLs.
    return "coalesce(" + (number ? "(" + value + ")::text" : "to_json(" + value + ")::text") + ", 'null')";
}

std::string Writer::json_object(const std::vector<std::pair<std::string, std::string>>& members) const {
    if (engine_ == Engine::postgres) {
        // Text concatenation of the members' JSON texts (scalar(), nested objects and arrays):
        // json_build_object looks up each argument's type output on every call and writes
        // spaces the response then strips, and text needs no json re-encoding between levels.
        // Measured on the nested benchmark query: docs/performance.md.
        std::string out = "('{";
        for (std::size_t i = 0; i < members.size(); ++i) out += (i ? ",\"" : "\"") + members[i].first + "\":' || " + members[i].second + " || '";
        return out + "}')";
    }
    // SQLite's functions take at most 127 arguments: a wider object is written as text, each
    // value made JSON by the engine, in the members' order.
    if (members.size() > 50 && engine_ == Engine::sqlite) {
        std::string out = "json('{";
        for (std::size_t i = 0; i < members.size(); ++i) {
            out += (i ? ",\"" : "\"") + members[i].first + "\":' || ";
            out += "json_quote(" + members[i].second + ")";
            out += " || '";
        }
        return out + "}')";
    }
    std::string out = engine_ == Engine::sqlite ? "json_object(" : "JSON_OBJECT(";
    for (std::size_t i = 0; i < members.size(); ++i) {
        if (i) out += ", ";
        std::string key = "'" + members[i].first + "'";  // a GraphQL name: [_A-Za-z][_0-9A-Za-z]*
        out += key + ", " + members[i].second;
    }
    return out + ")";
}

std::string Writer::nested(const std::string& select) const {
    switch (engine_) {
        // PostgreSQL: JSON text, NULL when an object relation found no row.
        case Engine::postgres: return "coalesce((" + select + "), 'null')";
        // SQLite and MariaDB forget that a subquery's text is JSON: say it again.
        case Engine::sqlite: return "json((" + select + "))";
        case Engine::mysql: return "JSON_EXTRACT((" + select + "), '$')";
    }
    return select;
}

std::string Writer::json_array_agg(const std::string& element, const std::string& order) const {
    switch (engine_) {
        case Engine::postgres: return "('[' || coalesce(string_agg(" + element + ", ','" + (order.empty() ? "" : " ORDER BY " + order) + "), '') || ']')";
        case Engine::sqlite: return "json_group_array(json(" + element + "))";
        // JSON_ARRAY() keeps COALESCE's result JSON (a '[]' text would make the array a string).
        case Engine::mysql: return "COALESCE(JSON_ARRAYAGG(" + element + (order.empty() ? "" : " ORDER BY " + order) + "), JSON_ARRAY())";
    }
    return element;
}

std::string Writer::object(const EntityApi& e, const std::string& alias, const std::vector<SelectedField>& selection) {
    std::vector<std::pair<std::string, std::string>> members;
    for (const auto& f : selection) {
        std::string value;
        if (f.name == "__typename") {
            value = scalar(string_literal(e.type_name));
        } else if (const auto* column = e.column(f.name)) {
            const auto t = column->type.type;
            value = scalar(render(this->column(alias, *column), column->type), t == LogicalType::int32 || t == LogicalType::int64);
        } else if (const auto* r = e.relation(f.name)) {
            const auto& target = *api_.target(*r);
            const auto b = new_alias();
            if (is_object_relation(r->kind)) {
                const auto cond = with_rows(target, b, join(e, alias, *r, b));
                value = nested("SELECT " + object(target, b, f.selection) + " FROM " + quote(target.entity->table) + " " + b + " WHERE " + cond);
            } else {
                value = nested(list_select(target, b, f, {join(e, alias, *r, b)}, true));
            }
        } else if (const auto* r = e.relation_aggregate(f.name)) {
            const auto& target = *api_.target(*r);
            const auto b = new_alias();
            value = nested(aggregate_select(target, b, f, {join(e, alias, *r, b)}, true));
        } else {
            throw InputError("field '" + f.name + "' not found in type: '" + e.type_name + "'");
        }
        members.emplace_back(f.response_key, std::move(value));
    }
    return json_object(members);
}

std::string Writer::join(const EntityApi& e, const std::string& alias, const RelationInfo& r, const std::string& target_alias) {
    const auto& target = *api_.target(r)->entity;
    const auto& source = *e.entity;
    const auto first_key = [&](const EntityInfo& entity) -> const FieldInfo& {
        for (const auto& f : entity.fields)
            if (f.primary_key) return f;
        throw std::runtime_error("entity " + entity.name + " has no primary key");
    };
    switch (r.kind) {
        case RelationKind::belongs_to:
            return column(target_alias, first_key(target)) + " = " + column(alias, field_of(source, r.foreign_key));
        case RelationKind::has_one:
        case RelationKind::has_many:
            return column(target_alias, field_of(target, r.foreign_key)) + " = " + column(alias, first_key(source));
        case RelationKind::many_to_many: {
            const auto j = new_alias();
            return "EXISTS (SELECT 1 FROM " + quote(r.through) + " " + j + " WHERE " + j + "." + quote(r.through_source_key) + " = " +
                   column(alias, first_key(source)) + " AND " + j + "." + quote(r.through_target_key) + " = " +
                   column(target_alias, first_key(target)) + ")";
        }
    }
    return "1=0";
}

std::optional<std::int64_t> Writer::int_argument(const SelectedField& field, std::string_view name) const {
    const auto* v = field.argument(name);
    if (!v || v->is_null()) {
        if (name == "limit") return limits_.default_limit;
        return std::nullopt;
    }
    const auto* n = v->as_number();
    std::int64_t out = 0;
    if (!n || std::from_chars(n->text.data(), n->text.data() + n->text.size(), out).ec != std::errc{})
        throw InputError("argument '" + std::string(name) + "' must be an integer");
    if (out < 0) throw InputError("argument '" + std::string(name) + "' must not be negative");
    if (name == "limit" && limits_.max_limit && out > *limits_.max_limit)
        throw InputError("limit " + std::to_string(out) + " is above the maximum page size " + std::to_string(*limits_.max_limit));
    return out;
}

namespace {

// Direction and null placement of an order_by enum value; Hasura's (and PostgreSQL's) default:
// nulls last going up, first going down.
void set_direction(const InputValue& value, const std::string& name, bool& descending, bool& nulls_first) {
    const auto* direction = value.as_enum();
    if (!direction) throw InputError("order_by." + name + " must be an order_by value");
    const auto& d = direction->name;
    descending = d.starts_with("desc") || d.starts_with("DESC");
    nulls_first = d.ends_with("nulls_first") || d.ends_with("NULLS_FIRST") || (descending && d.size() == 4);
}

}  // namespace

void Writer::add_aggregate_order_terms(const RelationInfo& relation, const InputValue& object, const std::vector<const RelationInfo*>& path,
                                       std::vector<OrderTerm>& out) const {
    const auto* fields = object.as_object();
    if (!fields) return;
    const auto& target = *api_.target(relation);
    for (const auto& [function, value] : *fields) {
        if (value.is_null()) continue;
        OrderTerm t;
        t.path = path;
        t.aggregate = &relation;
        t.function = function;
        if (function == "count") {
            set_direction(value, function, t.descending, t.nulls_first);
            out.push_back(std::move(t));
        } else if ((function == "max" || function == "min") && value.as_object()) {
            for (const auto& [column_name, direction] : *value.as_object()) {
                if (direction.is_null()) continue;
                t.column = target.column(column_name);
                if (!t.column) throw InputError("order_by: '" + target.type_name + "' has no column '" + column_name + "'");
                set_direction(direction, column_name, t.descending, t.nulls_first);
                out.push_back(t);
            }
        } else {
            throw InputError("order_by: unknown aggregate '" + function + "'");
        }
    }
}

void Writer::add_order_terms(const EntityApi& e, const InputValue& object, std::vector<const RelationInfo*> path,
                             std::vector<OrderTerm>& out) const {
    const auto* fields = object.as_object();
    if (!fields) return;
    for (const auto& [name, value] : *fields) {
        if (value.is_null()) continue;
        if (const auto* column = e.column(name)) {
            OrderTerm t;
            t.column = column;
            t.path = path;
            set_direction(value, name, t.descending, t.nulls_first);
            out.push_back(std::move(t));
        } else if (const auto* aggregate = e.relation_aggregate(name)) {
            add_aggregate_order_terms(*aggregate, value, path, out);
        } else if (const auto* r = e.relation(name); r && is_object_relation(r->kind)) {
            auto deeper = path;
            deeper.push_back(r);
            add_order_terms(*api_.target(*r), value, std::move(deeper), out);
        } else {
            throw InputError("order_by has no field '" + name + "'");
        }
    }
}

std::vector<Writer::OrderTerm> Writer::order_terms(const EntityApi& e, const InputValue* order_by) const {
    std::vector<OrderTerm> out;
    if (order_by && !order_by->is_null()) {
        if (const auto* list = order_by->as_list())
            for (const auto& item : *list) add_order_terms(e, item, {}, out);
        else
            add_order_terms(e, *order_by, {}, out);
    }
    // The primary key last, so equal rows and unordered lists come out alike on every engine.
    for (const auto* k : e.primary_key) {
        bool present = false;
        for (const auto& t : out) present = present || (t.path.empty() && !t.aggregate && t.column == k);
        if (present) continue;
        OrderTerm t;
        t.column = k;
        out.push_back(std::move(t));
    }
    return out;
}

std::string Writer::order_by(const EntityApi& e, const std::string& alias, const std::vector<OrderTerm>& terms) {
    std::vector<std::string> parts;
    for (const auto& t : terms) {
        // Through object relations: a scalar subquery per step, innermost the column (or the
        // aggregate over an array relation).
        const EntityApi* current = &e;
        std::string current_alias = alias;
        std::string prefix, suffix;
        for (const auto* r : t.path) {
            const auto* target = api_.target(*r);
            const auto b = new_alias();
            prefix += "(SELECT ";
            suffix = " FROM " + quote(target->entity->table) + " " + b + " WHERE " + with_rows(*target, b, join(*current, current_alias, *r, b)) + ")" + suffix;
            current = target;
            current_alias = b;
        }
        std::string inner;
        if (t.aggregate) {
            const auto* target = api_.target(*t.aggregate);
            const auto c = new_alias();
            inner = "(SELECT " + (t.function == "count" ? std::string("count(*)") : t.function + "(" + column(c, *t.column) + ")") + " FROM " +
                    quote(target->entity->table) + " " + c + " WHERE " + with_rows(*target, c, join(*current, current_alias, *t.aggregate, c)) + ")";
        } else {
            inner = column(current_alias, *t.column);
        }
        const std::string x = prefix + inner + suffix;
        const bool nullable = t.aggregate ? t.function != "count" : !t.path.empty() || t.column->nullable;
        const std::string direction = t.descending ? " DESC" : " ASC";
        if (dialect_.features().nulls_first_last)
            parts.push_back(x + direction + (t.nulls_first ? " NULLS FIRST" : " NULLS LAST"));
        else {
            // MariaDB: nulls placed by an extra key, needless for a NOT NULL column of the row itself.
            if (nullable) parts.push_back("(" + x + " IS NULL)" + (t.nulls_first ? " DESC" : " ASC"));
            parts.push_back(x + direction);
        }
    }
    return join_with(parts, ", ");
}

std::string Writer::list_select(const EntityApi& e, const std::string& b, const SelectedField& field, std::vector<std::string> extra,
                                bool correlated) {
    const auto limit = capped(e, int_argument(field, "limit"));
    const auto offset = int_argument(field, "offset");
    if (auto rows = visible(e, b); !rows.empty()) extra.push_back(std::move(rows));
    if (const auto* where = field.argument("where"); where && !where->is_null()) extra.push_back(filter(e, b, *where));
    const auto terms = order_terms(e, field.argument(api_.names.field("order_by")));
    const auto table = quote(e.entity->table) + " " + b;
    const bool paged = limit || offset;
    const auto page = [&] {
        return " LIMIT " + bind(limit.value_or(INT64_MAX)) + " OFFSET " + bind(offset.value_or(0));
    };
    if (engine_ == Engine::mysql && (correlated || !paged)) {
        // MariaDB cannot see outer columns from a derived table: order and page inside JSON_ARRAYAGG.
        const auto element = object(e, b, field.selection);
        const auto order = order_by(e, b, terms);
        return "SELECT " + json_array_agg(element, order + (paged ? page() : "")) + " FROM " + table + " WHERE " + conjunction(extra);
    }
    if (engine_ == Engine::postgres && !paged) {
        const auto element = object(e, b, field.selection);
        return "SELECT " + json_array_agg(element, order_by(e, b, terms)) + " FROM " + table + " WHERE " + conjunction(extra);
    }
    // A derived table picks the rows (filter, order, page); the aggregate keeps its order.
    const auto s = new_alias();
    const auto element = object(e, s, field.selection);
    const auto outer_order = engine_ == Engine::sqlite ? std::string() : order_by(e, s, terms);
    const auto inner_order = order_by(e, b, terms);
    const auto where = conjunction(extra);
    const auto outer = json_array_agg(element, outer_order);
    return "SELECT " + outer + " FROM (SELECT " + derived_columns(e, b, s, outer) + " FROM " + table + " WHERE " + where + " ORDER BY " +
           inner_order + (paged ? page() : "") + ") " + s;
}

std::string Writer::derived_columns(const EntityApi& e, const std::string& b, const std::string& s, const std::string& outer) const {
    // Every read of the derived table's rows is written by column(s, field), so its text in the
    // outer expression says which columns the derived table must copy (a whole row costs MariaDB
    // a wider temporary table); an aggregate that reads none still needs one column to select.
    std::vector<std::string> columns;
    const FieldInfo* first = nullptr;
    for (const auto& f : e.entity->fields) {
        if (!first || (f.primary_key && !first->primary_key)) first = &f;
        if (outer.find(column(s, f)) != std::string::npos) columns.push_back(column(b, f));
    }
    if (columns.empty() && first) columns.push_back(column(b, *first));
    return columns.empty() ? b + ".*" : join_with(columns, ", ");
}

std::string Writer::aggregate_fields(const EntityApi& e, const std::string& alias, const SelectedField& field) {
    std::vector<std::pair<std::string, std::string>> members;
    for (const auto& f : field.selection) {
        if (f.name == "__typename") {
            members.emplace_back(f.response_key, scalar(string_literal(api_.names.derived(e.type_name, "aggregate_fields"))));
        } else if (f.name == "count") {
            const auto* distinct = f.argument("distinct");
            members.emplace_back(f.response_key, scalar(count_expression(e, alias, f.argument("columns"), distinct && distinct->as_bool() && *distinct->as_bool())));
        } else if (f.name == "sum" || f.name == "avg" || f.name == "min" || f.name == "max") {
            std::vector<std::pair<std::string, std::string>> inner;
            for (const auto& c : f.selection) {
                if (c.name == "__typename") {
                    inner.emplace_back(c.response_key, scalar(string_literal(api_.names.derived(e.type_name, f.name + "_fields"))));
                    continue;
                }
                const auto* column = e.column(c.name);
                if (!column) throw InputError("aggregate: unknown column '" + c.name + "'");
                const auto x = this->column(alias, *column);
                if (f.name == "avg") {
                    // The average of exact values (integers, decimals) is their exact sum over the
                    // count, rounded once: summing decimals as doubles (SQLite stores them so) would
                    // differ from the servers in the last digits.
                    const auto& t = column->type;
                    std::string avg;
                    if (engine_ == Engine::postgres) {
                        avg = float15(engine_, "avg(" + x + ")::float8");
                    } else if (engine_ == Engine::sqlite) {
                        std::string scale = "1";
                        if (t.type == LogicalType::decimal && t.scale) scale += std::string(static_cast<std::size_t>(*t.scale), '0');
                        avg = t.type == LogicalType::decimal && t.scale
                                  ? "(CAST(sum(CAST(round(" + x + " * " + scale + ") AS INTEGER)) AS REAL) / (count(" + x + ") * " + scale + ".0))"
                                  : "avg(" + x + ")";
                        avg = render(avg, ColumnType(LogicalType::float64));
                    } else {
                        avg = float15(engine_, t.type == LogicalType::decimal ? "(CAST(SUM(" + x + ") AS DOUBLE) / COUNT(" + x + "))"
                                                                           : "(SUM(CAST(" + x + " AS DOUBLE)) / COUNT(" + x + "))");
                    }
                    inner.emplace_back(c.response_key, scalar(avg));
                } else {
                    inner.emplace_back(c.response_key, scalar(render(f.name + "(" + x + ")", column->type)));
                }
            }
            members.emplace_back(f.response_key, json_object(inner));
        } else {
            throw InputError("field '" + f.name + "' not found in aggregate fields");
        }
    }
    return json_object(members);
}

std::string Writer::count_expression(const EntityApi& e, const std::string& alias, const InputValue* columns_value, bool distinct) const {
    std::vector<const FieldInfo*> columns;
    if (columns_value && columns_value->as_list())
        for (const auto& c : *columns_value->as_list())
            if (const auto* name = c.as_enum()) {
                const auto* column = e.column(name->name);
                if (!column) throw InputError("count: unknown column '" + name->name + "'");
                columns.push_back(column);
            }
    if (columns.empty()) return "count(*)";  // DISTINCT or not: every row is distinct
    std::vector<std::string> cols;
    for (const auto* c : columns) cols.push_back(column(alias, *c));
    const std::string d = distinct ? "DISTINCT " : "";
    if (cols.size() == 1) return "count(" + d + cols.front() + ")";
    if (engine_ == Engine::postgres) return "count(" + d + "(" + join_with(cols, ", ") + "))";
    if (engine_ == Engine::sqlite) throw InputError("count over several columns is not supported on SQLite");
    return "count(" + d + join_with(cols, ", ") + ")";
}

std::string Writer::aggregate_condition(const EntityApi& e, const std::string& alias, const RelationInfo& relation, const InputValue& condition) {
    const auto* functions = condition.as_object();
    if (!functions) throw InputError("an aggregate condition must be an object");
    const auto& target = *api_.target(relation);
    std::vector<std::string> parts;
    for (const auto& [name, v] : *functions) {
        if (v.is_null()) continue;
        if (name != "count") throw InputError("field '" + name + "' not found in type: '" + api_.names.derived(target.type_name, "aggregate_bool_exp") + "'");
        const auto* count = v.as_object();
        if (!count) throw InputError("count must be an object");
        const InputValue *arguments = nullptr, *distinct = nullptr, *filter_value = nullptr, *predicate = nullptr;
        for (const auto& [k, x] : *count) {
            if (k == "arguments") arguments = &x;
            else if (k == "distinct") distinct = &x;
            else if (k == "filter") filter_value = &x;
            else if (k == "predicate") predicate = &x;
            else throw InputError("field '" + k + "' not found in type: '" + api_.names.derived(target.type_name, "aggregate_bool_exp_count") + "'");
        }
        if (!predicate || predicate->is_null()) throw InputError("count: predicate is required");
        const auto b = new_alias();
        auto where = with_rows(target, b, join(e, alias, relation, b));
        if (filter_value && !filter_value->is_null()) where += " AND " + filter(target, b, *filter_value);
        const bool is_distinct = distinct && distinct->as_bool() && *distinct->as_bool();
        const auto counted = "(SELECT " + count_expression(target, b, arguments, is_distinct) + " FROM " + quote(target.entity->table) + " " + b + " WHERE " + where + ")";
        static const FieldInfo count_field{"count", "count", ColumnType(LogicalType::int64), false, false, false, false, std::nullopt};
        parts.push_back(comparison(counted, count_field, *predicate));
    }
    return conjunction(parts);
}

std::string Writer::aggregate_select(const EntityApi& e, const std::string& b, const SelectedField& field, std::vector<std::string> extra,
                                     bool correlated) {
    const auto limit = capped(e, int_argument(field, "limit"));
    const auto offset = int_argument(field, "offset");
    if (auto rows = visible(e, b); !rows.empty()) extra.push_back(std::move(rows));
    if (const auto* where = field.argument("where"); where && !where->is_null()) extra.push_back(filter(e, b, *where));
    const auto terms = order_terms(e, field.argument(api_.names.field("order_by")));
    const bool paged = limit || offset;
    const auto table = quote(e.entity->table) + " " + b;
    const auto page = [&] { return " LIMIT " + bind(limit.value_or(INT64_MAX)) + " OFFSET " + bind(offset.value_or(0)); };
    // Rows come from a derived table (filtered, ordered, paged) only where one is needed: a page
    // (limit/offset), or nodes on SQLite, whose json_group_array takes its order from the rows.
    // Otherwise the aggregate reads the table itself, so a count can be an index-only scan with
    // no sort, and nodes are ordered once inside the array aggregate. MariaDB cannot correlate a
    // derived table inside a relation: there the page applies to the nodes only.
    bool has_nodes = false;
    for (const auto& f : field.selection) has_nodes = has_nodes || f.name == "nodes";
    const bool direct = (engine_ == Engine::mysql && correlated) || (!paged && (!has_nodes || engine_ != Engine::sqlite));
    const auto s = direct ? b : new_alias();
    std::vector<std::pair<std::string, std::string>> members;
    for (const auto& f : field.selection) {
        if (f.name == "__typename") {
            members.emplace_back(f.response_key, scalar(string_literal(api_.names.derived(e.type_name, "aggregate"))));
        } else if (f.name == "aggregate") {
            members.emplace_back(f.response_key, aggregate_fields(e, s, f));
        } else if (f.name == "nodes") {
            const auto element = object(e, s, f.selection);
            const auto order = engine_ == Engine::sqlite ? std::string() : order_by(e, s, terms);
            members.emplace_back(f.response_key, json_array_agg(element, order + (direct && paged ? page() : "")));
        } else {
            throw InputError("field '" + f.name + "' not found in type: '" + api_.names.derived(e.type_name, "aggregate") + "'");
        }
    }
    const auto select = json_object(members);
    const auto where = conjunction(extra);
    if (direct) return "SELECT " + select + " FROM " + table + " WHERE " + where;
    const auto inner_order = order_by(e, b, terms);
    return "SELECT " + select + " FROM (SELECT " + derived_columns(e, b, s, select) + " FROM " + table + " WHERE " + where + " ORDER BY " +
           inner_order + (paged ? page() : "") + ") " + s;
}

std::string Writer::comparison(const std::string& x, const FieldInfo& field, const InputValue& ops) {
    const auto* fields = ops.as_object();
    if (!fields) throw InputError("a comparison expression must be an object");
    std::vector<std::string> parts;
    const auto text_value = [&](const InputValue& v) { return bind(to_value(v, field)); };
    for (const auto& [op, v] : *fields) {
        if (v.is_null()) continue;  // Hasura: a null operand compares nothing
        if (op == "_eq") parts.push_back(x + " = " + text_value(v));
        else if (op == "_neq") parts.push_back(x + " <> " + text_value(v));
        else if (op == "_gt") parts.push_back(x + " > " + text_value(v));
        else if (op == "_gte") parts.push_back(x + " >= " + text_value(v));
        else if (op == "_lt") parts.push_back(x + " < " + text_value(v));
        else if (op == "_lte") parts.push_back(x + " <= " + text_value(v));
        else if (op == "_in" || op == "_nin") {
            std::vector<std::string> items;
            if (const auto* list = v.as_list())
                for (const auto& item : *list) items.push_back(text_value(item));
            else
                items.push_back(text_value(v));
            if (items.empty()) parts.push_back(op == "_in" ? "1=0" : "1=1");
            else parts.push_back(x + (op == "_in" ? " IN (" : " NOT IN (") + join_with(items, ", ") + ")");
        } else if (op == "_is_null") {
            const auto* b = v.as_bool();
            if (!b) throw InputError("_is_null must be a Boolean");
            parts.push_back(x + (*b ? " IS NULL" : " IS NOT NULL"));
        } else if (op == "_like" || op == "_nlike") {
            const auto* s = v.as_string();
            if (!s) throw InputError(op + " must be a String");
            std::string match;
            if (engine_ == Engine::sqlite) match = x + " GLOB " + bind(like_to_glob(*s));
            else if (engine_ == Engine::mysql) match = "BINARY " + x + " LIKE " + bind(*s);
            else match = x + " LIKE " + bind(*s);
            parts.push_back(op == "_like" ? match : "NOT (" + match + ")");
        } else if (op == "_ilike") {
            const auto* s = v.as_string();
            if (!s) throw InputError("_ilike must be a String");
            if (engine_ == Engine::postgres) parts.push_back(x + " ILIKE " + bind(*s));
            else if (engine_ == Engine::sqlite) parts.push_back(x + " LIKE " + bind(*s) + " ESCAPE '\\'");
            else parts.push_back("LOWER(" + x + ") LIKE LOWER(" + bind(*s) + ")");
        } else {
            throw InputError("unknown comparison operator '" + op + "'");
        }
    }
    return conjunction(parts);
}

std::string Writer::filter(const EntityApi& e, const std::string& alias, const InputValue& where) {
    if (where.is_null()) return "1=1";
    const auto* fields = where.as_object();
    if (!fields) throw InputError("a boolean expression must be an object");
    std::vector<std::string> parts;
    const auto each = [&](const InputValue& v, auto&& fn) {
        if (const auto* list = v.as_list())
            for (const auto& item : *list) fn(item);
        else if (!v.is_null())
            fn(v);
    };
    for (const auto& [name, v] : *fields) {
        if (name == "_and") {
            std::vector<std::string> inner;
            each(v, [&](const InputValue& item) { inner.push_back(filter(e, alias, item)); });
            parts.push_back(conjunction(inner));
        } else if (name == "_or") {
            std::vector<std::string> inner;
            each(v, [&](const InputValue& item) { inner.push_back(filter(e, alias, item)); });
            parts.push_back(inner.empty() ? "1=0" : "(" + join_with(inner, " OR ") + ")");
        } else if (name == "_not") {
            if (!v.is_null()) parts.push_back("NOT (" + filter(e, alias, v) + ")");
        } else if (const auto* column = e.column(name)) {
            if (!v.is_null()) parts.push_back(comparison(this->column(alias, *column), *column, v));
        } else if (const auto* ra = e.relation_aggregate(name)) {
            if (!v.is_null()) parts.push_back(aggregate_condition(e, alias, *ra, v));
        } else if (const auto* r = e.relation(name)) {
            if (v.is_null()) continue;
            const auto& target = *api_.target(*r);
            const auto b = new_alias();
            const auto cond = with_rows(target, b, join(e, alias, *r, b));
            parts.push_back("EXISTS (SELECT 1 FROM " + quote(target.entity->table) + " " + b + " WHERE " + cond + " AND " + filter(target, b, v) + ")");
        } else {
            throw InputError("field '" + name + "' not found in type: '" + api_.names.derived(e.type_name, "bool_exp") + "'");
        }
    }
    return conjunction(parts);
}

std::string Writer::key_match(const std::string& alias, const std::vector<const FieldInfo*>& key, const std::vector<std::vector<Value>>& keys) {
    if (keys.empty()) return "1=0";
    if (key.size() == 1) {
        std::vector<std::string> items;
        for (const auto& k : keys) items.push_back(bind(k.at(0)));
        return column(alias, *key[0]) + " IN (" + join_with(items, ", ") + ")";
    }
    std::vector<std::string> any;
    for (const auto& k : keys) {
        std::vector<std::string> all;
        for (std::size_t i = 0; i < key.size(); ++i) all.push_back(column(alias, *key[i]) + " = " + bind(k.at(i)));
        any.push_back(conjunction(all));
    }
    return "(" + join_with(any, " OR ") + ")";
}

std::string Writer::visible(const EntityApi& e, const std::string& alias) {
    if (!limits_.access || in_rule_) return {};
    return limits_.access->rows(*this, e, alias, Action::select);
}

std::string Writer::with_rows(const EntityApi& e, const std::string& alias, std::string condition) {
    auto rows = visible(e, alias);
    return rows.empty() ? condition : "(" + condition + " AND " + rows + ")";
}

std::string Writer::rule(const EntityApi& e, const std::string& alias, const InputValue& condition) {
    const bool outer = in_rule_;
    in_rule_ = true;
    std::string out;
    try {
        out = "(" + filter(e, alias, condition) + ")";
    } catch (...) {
        in_rule_ = outer;
        throw;
    }
    in_rule_ = outer;
    return out;
}

std::optional<std::int64_t> Writer::capped(const EntityApi& e, std::optional<std::int64_t> limit) const {
    if (!limits_.access || in_rule_) return limit;
    const auto cap = limits_.access->row_limit(e);
    if (!cap) return limit;
    return std::min(limit.value_or(*cap), *cap);
}

Statement compile_query(const Api& api, const Dialect& dialect, const RootField& root, const SelectedField& field, const CompileLimits& limits) {
    Writer w(api, dialect, limits);
    const auto& e = *root.entity;
    const auto b = w.new_alias();
    switch (root.kind) {
        case RootKind::list: return w.finish(w.list_select(e, b, field, {}, false));
        case RootKind::aggregate: return w.finish(w.aggregate_select(e, b, field, {}, false));
        case RootKind::by_pk: {
            std::vector<std::string> conditions;
            std::vector<Value> key;
            for (const auto* k : e.primary_key) {
                const auto* v = field.argument(api.names.field(k->name));
                if (!v || v->is_null()) throw InputError("missing primary key argument '" + api.names.field(k->name) + "'");
                key.push_back(to_value(*v, *k));
            }
            const auto object = w.object(e, b, field.selection);
            const auto match = w.with_rows(e, b, w.key_match(b, e.primary_key, {key}));
            return w.finish("SELECT " + object + " FROM " + w.quote(e.entity->table) + " " + b + " WHERE " + match);
        }
        default: throw std::logic_error("compile_query: not a query field");
    }
}

void append_compact_json(std::string_view json, std::string& out) {
    bool in_string = false;
    for (std::size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (in_string) {
            out += c;
            if (c == '\\' && i + 1 < json.size()) out += json[++i];
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
            out += c;
        } else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
            out += c;
        }
    }
}

}  // namespace rex::graphql
