#include <rex/orm/database.hpp>
#include <rex/orm/dynamic_query.hpp>
#include <rex/orm/rules.hpp>
#include <rex/sdk/error.hpp>

#include "text_length.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

namespace rex {

namespace {

constexpr std::array<std::pair<std::string_view, FilterOp>, 14> filter_ops{{
    {"=", FilterOp::eq},
    {"!=", FilterOp::ne},
    {"<>", FilterOp::ne},
    {"<", FilterOp::lt},
    {"<=", FilterOp::le},
    {">", FilterOp::gt},
    {">=", FilterOp::ge},
    {"like", FilterOp::like},
    {"not like", FilterOp::not_like},
    {"in", FilterOp::in},
    {"not in", FilterOp::not_in},
    {"is null", FilterOp::is_null},
    {"is not null", FilterOp::is_not_null},
    {"between", FilterOp::between},
}};

[[noreturn]] void invalid(std::string message) { raise({ErrorCategory::invalid_value, std::move(message), {}, {}}); }

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string names_of(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

std::string type_name(const ColumnType& t) {
    std::string out(to_string(t.type));
    if (t.length) out += "(" + std::to_string(*t.length) + ")";
    if (t.precision) out += "(" + std::to_string(*t.precision) + "," + std::to_string(t.scale.value_or(0)) + ")";
    return out;
}

std::string describe(const Value& v) {
    if (v.is_null()) return "NULL";
    const auto shown = v.to_display();
    return std::string(to_string(v.kind())) + " " + (v.kind() == ValueKind::text ? in_quotes(shown) : shown);
}

std::string label(const EntityInfo& e, const FieldInfo& f) { return e.name + "." + f.name; }

bool is_text_field(const FieldInfo& f) { return f.type.type == LogicalType::string || f.type.type == LogicalType::text; }

const FieldInfo& field_of(const EntityInfo& e, std::string_view name) {
    if (const auto* f = e.field(name)) return *f;
    std::vector<std::string> names;
    for (const auto& f : e.fields) names.push_back(f.name);
    raise({ErrorCategory::not_found, "entity " + in_quotes(e.name) + " has no field " + in_quotes(name) + " (fields: " + names_of(names) + ")",
           {}, {}});
}

std::shared_ptr<const EntityInfo> entity_of(const CatalogView& catalog, std::string_view name) {
    if (auto e = catalog.find_entity(name)) return e;
    const auto names = catalog.entity_names();
    raise({ErrorCategory::not_found,
           "unknown entity " + in_quotes(name) +
               (names.empty() ? std::string(" (the catalog is empty: map classes with Database::map or load a model file)")
                              : " (entities: " + names_of(names) + ")"),
           {}, {}});
}

// ---- values and logical types -----------------------------------------------------------------

// A whole number written as text ("42", "-7", "12.000"); nullopt otherwise.
std::optional<std::int64_t> whole_number(std::string_view text) {
    if (const auto dot = text.find('.'); dot != std::string_view::npos) {
        if (text.find_first_not_of('0', dot + 1) != std::string_view::npos) return std::nullopt;
        text = text.substr(0, dot);
    }
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    std::int64_t out = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return out;
}

std::optional<double> real_number(std::string_view text) {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    double out = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return out;
}

bool is_decimal_text(std::string_view t) {
    if (!t.empty() && (t.front() == '-' || t.front() == '+')) t.remove_prefix(1);
    const auto dot = t.find('.');
    const auto digits = [](std::string_view s) { return s.find_first_not_of("0123456789") == std::string_view::npos; };
    const auto whole = t.substr(0, dot), fraction = dot == std::string_view::npos ? std::string_view() : t.substr(dot + 1);
    return digits(whole) && digits(fraction) && whole.size() + fraction.size() > 0;
}

template <class T, class Parse>
std::optional<Value> parsed(const std::string* text, Parse parse) {
    if (!text) return std::nullopt;
    try {
        return Value(T(parse(*text)));
    } catch (const Error&) {
        return std::nullopt;
    }
}

// `v` as a value of logical type `type`, when it is one or converts to one without loss (text
// forms of numbers, dates, times, timestamps and uuids; 0/1 for booleans; numbers between the
// numeric types). NULL stays NULL. nullopt when it does not fit.
std::optional<Value> convert(LogicalType type, const Value& v) {
    if (v.is_null()) return v;
    const auto kind = v.kind();
    const auto* text = v.get_if<std::string>();
    switch (type) {
        case LogicalType::boolean:
            if (kind == ValueKind::boolean) return v;
            if (kind == ValueKind::int64 && (v.as_int64() == 0 || v.as_int64() == 1)) return Value(v.as_int64() == 1);
            return std::nullopt;
        case LogicalType::int32:
        case LogicalType::int64: {
            std::optional<std::int64_t> i;
            if (kind == ValueKind::int64) {
                i = v.as_int64();
            } else if (kind == ValueKind::float64) {
                const auto d = v.as_double();
                if (std::trunc(d) == d && std::abs(d) < 9.2e18) i = static_cast<std::int64_t>(d);
            } else if (kind == ValueKind::decimal) {
                i = whole_number(v.as_decimal().text);
            } else if (text) {
                i = whole_number(*text);
            }
            if (!i) return std::nullopt;
            if (type == LogicalType::int32 && (*i < std::numeric_limits<std::int32_t>::min() || *i > std::numeric_limits<std::int32_t>::max()))
                return std::nullopt;
            return Value(*i);
        }
        case LogicalType::float64: {
            if (kind == ValueKind::float64) return v;
            if (kind == ValueKind::int64) return Value(static_cast<double>(v.as_int64()));
            const auto d = kind == ValueKind::decimal ? real_number(v.as_decimal().text) : text ? real_number(*text) : std::nullopt;
            return d ? std::optional<Value>(Value(*d)) : std::nullopt;
        }
        case LogicalType::decimal: {
            if (kind == ValueKind::decimal) return v;
            if (kind == ValueKind::int64) return Value(Decimal{std::to_string(v.as_int64())});
            if (kind == ValueKind::float64 && std::isfinite(v.as_double())) {
                std::array<char, 400> buffer{};
                const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), v.as_double(), std::chars_format::fixed).ptr;
                return Value(Decimal{std::string(buffer.data(), end)});
            }
            if (text && is_decimal_text(*text)) return Value(Decimal{*text});
            return std::nullopt;
        }
        case LogicalType::string:
        case LogicalType::text:
            if (text) return v;
            return std::nullopt;
        case LogicalType::bytes:
            if (kind == ValueKind::bytes) return v;
            if (text) return Value(Bytes(text->begin(), text->end()));
            return std::nullopt;
        case LogicalType::date:
            if (kind == ValueKind::date) return v;
            return parsed<Date>(text, parse_date);
        case LogicalType::time:
            if (kind == ValueKind::time) return v;
            return parsed<Time>(text, parse_time);
        case LogicalType::timestamp:
            if (kind == ValueKind::timestamp) return v;
            return parsed<Timestamp>(text, parse_timestamp);
        case LogicalType::uuid:
            if (kind == ValueKind::uuid) return v;
            if (const auto* b = v.get_if<Bytes>(); b && b->size() == 16) {
                Uuid u;
                std::copy(b->begin(), b->end(), u.bytes.begin());
                return Value(u);
            }
            return parsed<Uuid>(text, parse_uuid);
        case LogicalType::json:
            if (kind == ValueKind::json) return v;
            if (text) return Value(Json{*text});
            return std::nullopt;
    }
    return std::nullopt;
}

// A value given for field `f`, converted to its type; InvalidValue when it does not fit.
Value field_value(const EntityInfo& e, const FieldInfo& f, const Value& v) {
    if (auto converted = convert(f.type.type, v)) return std::move(*converted);
    invalid(label(e, f) + " is " + type_name(f.type) + "; " + describe(v) + " does not fit it");
}

// A value read from field `f`'s column, in the field's type where the database gave another form.
Value read_value(const FieldInfo& f, Value v) {
    if (auto converted = convert(f.type.type, v)) return std::move(*converted);
    return v;
}

// ---- filters ----------------------------------------------------------------------------------

Filter compare(std::string field, std::string_view op, std::vector<Value> values) {
    return Filter{Filter::Kind::compare, std::move(field), parse_filter_op(op), std::move(values), {}};
}

Filter group(Filter::Kind kind, std::vector<Filter> parts) { return Filter{kind, {}, FilterOp::eq, {}, std::move(parts)}; }

// The filter with its names checked and its values converted to the fields' types.
Filter checked(const EntityInfo& e, Filter f) {
    if (f.kind != Filter::Kind::compare) {
        if (f.kind == Filter::Kind::negation && f.parts.size() != 1)
            invalid("a negation (not) holds exactly one condition, not " + std::to_string(f.parts.size()));
        for (auto& part : f.parts) part = checked(e, std::move(part));
        return f;
    }
    const auto& field = field_of(e, f.field);
    const auto op = in_quotes(to_string(f.op));
    const auto n = f.values.size();
    switch (f.op) {
        case FilterOp::is_null:
        case FilterOp::is_not_null:
            if (n != 0) invalid(label(e, field) + ": " + op + " takes no value");
            break;
        case FilterOp::between:
            if (n != 2) invalid(label(e, field) + ": " + op + " takes two values, {low, high}; got " + std::to_string(n));
            break;
        case FilterOp::in:
        case FilterOp::not_in: break;
        default:
            if (n != 1) invalid(label(e, field) + ": " + op + " takes one value; got " + std::to_string(n));
    }
    const bool pattern = f.op == FilterOp::like || f.op == FilterOp::not_like;
    if (pattern && !is_text_field(field)) invalid(label(e, field) + " is " + type_name(field.type) + "; " + op + " needs a string or text field");
    for (auto& v : f.values) {
        if (v.is_null()) invalid(label(e, field) + ": " + op + " cannot compare with NULL; use \"is null\" or \"is not null\"");
        v = field_value(e, field, v);
    }
    return f;
}

sql::ExprPtr literal(Value v) { return sql::make(sql::Literal{std::move(v)}); }

sql::ExprPtr column(const EntityInfo& e, const FieldInfo& f) { return sql::make(sql::ColumnRef{e.table, f.column}); }

sql::ExprPtr join(sql::BinaryOp op, sql::ExprPtr left, sql::ExprPtr right) {
    return left ? sql::make(sql::Binary{op, std::move(left), std::move(right)}) : right;
}

sql::ExprPtr condition(const EntityInfo& e, const Filter& f) {
    switch (f.kind) {
        case Filter::Kind::all_of:
        case Filter::Kind::any_of: {
            const bool all = f.kind == Filter::Kind::all_of;
            if (f.parts.empty()) return sql::make(sql::RawSql{all ? "1 = 1" : "1 = 0", {}});
            sql::ExprPtr out;
            for (const auto& part : f.parts) out = join(all ? sql::BinaryOp::and_ : sql::BinaryOp::or_, out, condition(e, part));
            return out;
        }
        case Filter::Kind::negation: return sql::make(sql::Unary{sql::UnaryOp::not_, condition(e, f.parts.at(0))});
        case Filter::Kind::compare: break;
    }
    auto col = column(e, field_of(e, f.field));
    const auto binary = [&](sql::BinaryOp op) { return sql::make(sql::Binary{op, col, literal(f.values.at(0))}); };
    switch (f.op) {
        case FilterOp::eq: return binary(sql::BinaryOp::eq);
        case FilterOp::ne: return binary(sql::BinaryOp::ne);
        case FilterOp::lt: return binary(sql::BinaryOp::lt);
        case FilterOp::le: return binary(sql::BinaryOp::le);
        case FilterOp::gt: return binary(sql::BinaryOp::gt);
        case FilterOp::ge: return binary(sql::BinaryOp::ge);
        case FilterOp::like: return binary(sql::BinaryOp::like);
        case FilterOp::not_like: return binary(sql::BinaryOp::not_like);
        case FilterOp::is_null: return sql::make(sql::Unary{sql::UnaryOp::is_null, col});
        case FilterOp::is_not_null: return sql::make(sql::Unary{sql::UnaryOp::is_not_null, col});
        case FilterOp::between: return sql::make(sql::Between{col, literal(f.values.at(0)), literal(f.values.at(1)), false});
        case FilterOp::in:
        case FilterOp::not_in: {
            std::vector<sql::ExprPtr> items;
            for (const auto& v : f.values) items.push_back(literal(v));
            return sql::make(sql::InList{col, std::move(items), f.op == FilterOp::not_in});
        }
    }
    raise({ErrorCategory::internal, "unhandled filter operator", {}, {}});
}

// ---- writes -----------------------------------------------------------------------------------

using Written = std::vector<std::pair<const FieldInfo*, Value>>;  // in catalog order

Written written(const EntityInfo& e, const FieldValues& values) {
    Written out;
    for (const auto& [name, value] : values) {
        const auto& f = field_of(e, name);
        if (value.is_null()) {
            if (!f.nullable) invalid(label(e, f) + " cannot be NULL");
            out.emplace_back(&f, value);
            continue;
        }
        auto v = field_value(e, f, value);
        detail::check_text_length(f, v, [&] { return label(e, f); });
        out.emplace_back(&f, std::move(v));
    }
    const auto position = [&](const FieldInfo* f) { return f - e.fields.data(); };
    std::sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return position(a.first) < position(b.first); });
    return out;
}

// The check of a catalog rule, rebuilt from its name and argument as rules.hpp writes them;
// nullopt for custom rules (their checks live in the typed mapping that made them).
std::optional<Rule> rule_check(const EntityInfo& e, const ValidationRuleInfo& r) {
    const auto bounds = [&] {
        const auto dots = r.argument.find("..");
        if (dots == std::string::npos) throw std::invalid_argument("no ..");
        return std::pair{r.argument.substr(0, dots), r.argument.substr(dots + 2)};
    };
    try {
        if (r.rule == "not_empty") return not_empty();
        if (r.rule == "email") return email();
        if (r.rule == "pattern") return pattern(r.argument);
        if (r.rule == "length") {
            const auto [low, high] = bounds();
            return length(std::stoul(low), std::stoul(high));
        }
        if (r.rule == "range") {
            const auto [low, high] = bounds();
            return range(std::stod(low), std::stod(high));
        }
        if (r.rule == "one_of") {
            std::vector<std::string> allowed;
            for (std::size_t start = 0;;) {
                const auto comma = r.argument.find(", ", start);
                allowed.push_back(r.argument.substr(start, comma - start));
                if (comma == std::string::npos) break;
                start = comma + 2;
            }
            return one_of(std::move(allowed));
        }
    } catch (const std::exception&) {
        raise({ErrorCategory::configuration,
               "entity " + in_quotes(e.name) + ": rule " + in_quotes(r.rule) + " of field " + in_quotes(r.field) + " has a malformed argument " +
                   in_quotes(r.argument),
               {}, {}});
    }
    return std::nullopt;
}

// Every rule failure of the written values; `prefix` names the row of a multi-row insert.
void check_rules(const EntityInfo& e, const Written& row, const std::string& prefix, std::vector<FieldError>& failures) {
    for (const auto& r : e.rules) {
        const auto it = std::find_if(row.begin(), row.end(), [&](const auto& w) { return w.first->name == r.field; });
        if (it == row.end()) continue;
        if (const auto rule = rule_check(e, r))
            if (auto message = rule->check(it->second)) failures.push_back({prefix + r.field, rule->name, *message});
    }
}

void raise_failures(const EntityInfo& e, const std::vector<FieldError>& failures) {
    if (failures.empty()) return;
    std::string message = e.name + " is not valid:";
    for (std::size_t i = 0; i < failures.size(); ++i)
        message += (i ? "; " : " ") + failures[i].field + " " + failures[i].message + " (" + failures[i].rule + ")";
    raise({ErrorCategory::validation, message, {}, {}});
}

// One INSERT of many rows, and how to read the keys back.
struct InsertPlan {
    sql::Insert statement;
    std::vector<Written> rows;
    std::vector<const FieldInfo*> returned;  // key fields the database makes, in RETURNING order
    const FieldInfo* last_insert_id = nullptr;  // the auto-increment key, where there is no RETURNING
};

InsertPlan plan_insert(const EntityInfo& e, const Dialect& dialect, const std::vector<FieldValues>& rows) {
    if (rows.empty()) invalid(e.name + ": insert needs at least one row");
    InsertPlan plan;
    std::vector<FieldError> failures;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        auto row = written(e, rows[i]);
        if (row.empty()) invalid(e.name + ": insert needs at least one field value");
        if (i > 0 && (row.size() != plan.rows[0].size() ||
                      !std::equal(row.begin(), row.end(), plan.rows[0].begin(), [](const auto& a, const auto& b) { return a.first == b.first; })))
            invalid(e.name + ": every row of insert_many must set the same fields (row " + std::to_string(i) + " differs from row 0)");
        check_rules(e, row, rows.size() > 1 ? "[" + std::to_string(i) + "]." : "", failures);
        plan.rows.push_back(std::move(row));
    }
    const auto& first = plan.rows[0];
    const auto given = [&](const FieldInfo& f) {
        return std::any_of(first.begin(), first.end(), [&](const auto& w) { return w.first == &f; });
    };
    std::vector<std::string> missing;
    for (const auto& f : e.fields)
        if (!given(f) && !f.nullable && !f.generated && !f.default_value) missing.push_back(f.name);
    if (!missing.empty()) invalid(e.name + ": insert needs a value for " + names_of(missing) + " (not nullable, no default, not generated)");
    raise_failures(e, failures);

    plan.statement.table = e.table;
    for (const auto& [f, v] : first) plan.statement.columns.push_back(f->column);
    for (const auto& row : plan.rows) {
        std::vector<sql::ExprPtr> values;
        for (const auto& [f, v] : row) values.push_back(literal(v));
        plan.statement.rows.push_back(std::move(values));
    }
    const bool returning = dialect.features().generated_keys == GeneratedKeyStyle::returning;
    for (const auto& f : e.fields) {
        if (!f.primary_key || given(f)) continue;
        if (returning) {
            plan.returned.push_back(&f);
            plan.statement.returning.push_back(f.column);
        } else if (f.type.auto_increment) {
            plan.last_insert_id = &f;
        }
    }
    return plan;
}

std::vector<FieldValues> inserted_keys(const InsertPlan& plan, const ResultSet& result) {
    std::vector<FieldValues> keys(plan.rows.size());
    for (std::size_t i = 0; i < plan.rows.size(); ++i) {
        for (const auto& [f, v] : plan.rows[i])
            if (f->primary_key) keys[i].emplace(f->name, v);
        for (std::size_t k = 0; k < plan.returned.size() && i < result.rows.size(); ++k)
            keys[i].emplace(plan.returned[k]->name, read_value(*plan.returned[k], result.rows[i].at(k)));
        // The last insert id is one row's key: insert_many runs one statement per row for it.
        if (plan.last_insert_id && result.last_insert_id && plan.rows.size() == 1)
            keys[i].emplace(plan.last_insert_id->name, Value(*result.last_insert_id));
    }
    return keys;
}

ResultSet run(Database* database, Session* session, const EntityInfo& e, const sql::CompiledQuery& query) {
    if (session) return session->execute(query);
    if (database) return database->session().execute(query);
    raise({ErrorCategory::unsupported,
           "this DynamicQuery on " + in_quotes(e.name) +
               " was made from a catalog and a dialect: it compiles (to_sql) but cannot run; make it with a Database or a Session",
           {}, {}});
}

}  // namespace

// ---- free functions -------------------------------------------------------------------------

FilterOp parse_filter_op(std::string_view text) {
    std::string normal;  // lower case, single spaces, trimmed
    for (char c : text) {
        if (c == ' ' || c == '\t') {
            if (!normal.empty() && normal.back() != ' ') normal += ' ';
        } else {
            normal += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }
    }
    if (!normal.empty() && normal.back() == ' ') normal.pop_back();
    for (const auto& [name, op] : filter_ops)
        if (name == normal) return op;
    std::string known;
    for (const auto& [name, op] : filter_ops) known += (known.empty() ? "" : ", ") + in_quotes(name);
    invalid("unknown filter operator " + in_quotes(text) + " (expected one of " + known + ")");
}

std::string_view to_string(FilterOp op) noexcept {
    for (const auto& [name, o] : filter_ops)
        if (o == op) return name;
    return "?";
}

Filter filter(std::string field, std::string_view op, Value value) { return compare(std::move(field), op, {std::move(value)}); }
Filter filter(std::string field, std::string_view op, std::initializer_list<Value> values) {
    return compare(std::move(field), op, std::vector<Value>(values));
}
Filter filter(std::string field, std::string_view op, std::vector<Value> values) { return compare(std::move(field), op, std::move(values)); }
Filter filter(std::string field, std::string_view op) { return compare(std::move(field), op, {}); }

Filter all_of(std::vector<Filter> parts) { return group(Filter::Kind::all_of, std::move(parts)); }
Filter any_of(std::vector<Filter> parts) { return group(Filter::Kind::any_of, std::move(parts)); }
Filter negate(Filter condition) { return group(Filter::Kind::negation, {std::move(condition)}); }

Filter operator&&(Filter a, Filter b) {
    if (a.kind == Filter::Kind::all_of) {
        a.parts.push_back(std::move(b));
        return a;
    }
    return all_of({std::move(a), std::move(b)});
}
Filter operator||(Filter a, Filter b) {
    if (a.kind == Filter::Kind::any_of) {
        a.parts.push_back(std::move(b));
        return a;
    }
    return any_of({std::move(a), std::move(b)});
}
Filter operator!(Filter condition) { return negate(std::move(condition)); }

// ---- DynamicQuery ---------------------------------------------------------------------------

struct DynamicQuery::State {
    std::shared_ptr<const EntityInfo> entity;  // a copy: the catalog may replace its entry
    const Dialect* dialect = nullptr;
    Database* database = nullptr;
    Session* session = nullptr;
    QuerySpec spec;

    const EntityInfo& e() const { return *entity; }
    sql::ExprPtr where() const {
        sql::ExprPtr out;
        for (const auto& f : spec.where) out = join(sql::BinaryOp::and_, out, condition(*entity, f));
        return out;
    }
    std::vector<const FieldInfo*> selected() const {
        std::vector<const FieldInfo*> out;
        for (const auto& name : spec.fields) out.push_back(&field_of(*entity, name));
        if (spec.fields.empty())
            for (const auto& f : entity->fields) out.push_back(&f);
        return out;
    }
    void writes_only(std::string_view what, bool filters_allowed) const {
        const bool shaped = !spec.order_by.empty() || spec.limit || spec.offset;
        if (shaped || (!filters_allowed && !spec.where.empty()))
            invalid(e().name + ": " + std::string(what) + " takes no " + (filters_allowed ? "" : "where / ") + "order_by / limit / offset");
    }
    ResultSet execute(const sql::CompiledQuery& query) const { return run(database, session, *entity, query); }
};

DynamicQuery::DynamicQuery(Database& database, std::string_view entity) : state_(std::make_unique<State>()) {
    state_->entity = entity_of(database.kernel().catalog(), entity);
    state_->dialect = &database.dialect();
    state_->database = &database;
    state_->spec.entity = std::string(entity);
}

DynamicQuery::DynamicQuery(Session& session, std::string_view entity) : DynamicQuery(session.database(), entity) {
    state_->database = nullptr;
    state_->session = &session;
}

DynamicQuery::DynamicQuery(const CatalogView& catalog, const Dialect& dialect, std::string_view entity)
    : state_(std::make_unique<State>()) {
    state_->entity = entity_of(catalog, entity);
    state_->dialect = &dialect;
    state_->spec.entity = std::string(entity);
}

DynamicQuery::~DynamicQuery() = default;
DynamicQuery::DynamicQuery(const DynamicQuery& other) : state_(std::make_unique<State>(*other.state_)) {}
DynamicQuery& DynamicQuery::operator=(const DynamicQuery& other) {
    if (this != &other) state_ = std::make_unique<State>(*other.state_);
    return *this;
}
DynamicQuery::DynamicQuery(DynamicQuery&&) noexcept = default;
DynamicQuery& DynamicQuery::operator=(DynamicQuery&&) noexcept = default;

DynamicQuery& DynamicQuery::select(std::vector<std::string> fields) {
    for (const auto& name : fields) field_of(state_->e(), name);
    state_->spec.fields = std::move(fields);
    return *this;
}

DynamicQuery& DynamicQuery::distinct(bool on) {
    state_->spec.distinct = on;
    return *this;
}

DynamicQuery& DynamicQuery::where(std::string_view field, std::string_view op, Value value) {
    return where(filter(std::string(field), op, std::move(value)));
}
DynamicQuery& DynamicQuery::where(std::string_view field, std::string_view op, std::initializer_list<Value> values) {
    return where(filter(std::string(field), op, values));
}
DynamicQuery& DynamicQuery::where(std::string_view field, std::string_view op, std::vector<Value> values) {
    return where(filter(std::string(field), op, std::move(values)));
}
DynamicQuery& DynamicQuery::where(std::string_view field, std::string_view op) { return where(filter(std::string(field), op)); }

DynamicQuery& DynamicQuery::where(Filter condition) {
    state_->spec.where.push_back(checked(state_->e(), std::move(condition)));
    return *this;
}

DynamicQuery& DynamicQuery::order_by(std::string_view field, bool descending, Nulls nulls) {
    state_->spec.order_by.push_back({field_of(state_->e(), field).name, descending, nulls});
    return *this;
}

DynamicQuery& DynamicQuery::limit(std::int64_t n) {
    if (n < 0) invalid(state_->e().name + ": limit must not be negative (is " + std::to_string(n) + ")");
    state_->spec.limit = n;
    return *this;
}

DynamicQuery& DynamicQuery::offset(std::int64_t n) {
    if (n < 0) invalid(state_->e().name + ": offset must not be negative (is " + std::to_string(n) + ")");
    state_->spec.offset = n;
    return *this;
}

DynamicQuery& DynamicQuery::apply(const QuerySpec& spec) {
    if (spec.entity != state_->e().name)
        invalid("a query spec for entity " + in_quotes(spec.entity) + " given to a query on " + in_quotes(state_->e().name));
    if (!spec.fields.empty()) select(spec.fields);
    if (spec.distinct) distinct();
    for (const auto& f : spec.where) where(f);
    for (const auto& o : spec.order_by) order_by(o.field, o.descending, o.nulls);
    if (spec.limit) limit(*spec.limit);
    if (spec.offset) offset(*spec.offset);
    return *this;
}

const QuerySpec& DynamicQuery::spec() const noexcept { return state_->spec; }
const EntityInfo& DynamicQuery::entity() const noexcept { return state_->e(); }

sql::CompiledQuery DynamicQuery::to_sql() const {
    const auto& e = state_->e();
    const auto& spec = state_->spec;
    sql::Select select;
    select.distinct = spec.distinct;
    for (const auto* f : state_->selected()) select.columns.push_back({column(e, *f), f->column == f->name ? "" : f->name});
    select.from = {e.table, ""};
    select.where = state_->where();
    for (const auto& o : spec.order_by) select.order_by.push_back({column(e, field_of(e, o.field)), o.descending, o.nulls});
    select.limit = spec.limit;
    select.offset = spec.offset;
    // SQLite and MySQL accept OFFSET only after a LIMIT, and Dialect::limit_offset does not add
    // one yet: "no limit" is the largest one.
    if (select.offset && !select.limit) select.limit = std::numeric_limits<std::int64_t>::max();
    return sql::compile(select, *state_->dialect);
}

sql::CompiledQuery DynamicQuery::count_sql() const {
    const auto& e = state_->e();
    const auto& d = *state_->dialect;
    if (state_->spec.distinct) {
        // Distinct rows of the chosen fields: count them in a derived table.
        auto copy = *this;
        copy.state_->spec.order_by.clear();
        copy.state_->spec.limit.reset();
        copy.state_->spec.offset.reset();
        auto inner = copy.to_sql();
        return {"SELECT COUNT(*) FROM (" + inner.sql + ") AS " + d.quote_identifier("rex_rows"), std::move(inner.params)};
    }
    sql::Select select;
    select.columns.push_back({sql::make(sql::AggregateCall{sql::Aggregate::count, nullptr, false}), ""});
    select.from = {e.table, ""};
    select.where = state_->where();
    return sql::compile(select, d);
}

sql::CompiledQuery DynamicQuery::insert_sql(const FieldValues& values) const {
    state_->writes_only("insert()", false);
    return sql::compile(sql::Statement{plan_insert(state_->e(), *state_->dialect, {values}).statement}, *state_->dialect);
}

sql::CompiledQuery DynamicQuery::update_sql(const FieldValues& values) const {
    const auto& e = state_->e();
    state_->writes_only("update()", true);
    const auto row = written(e, values);
    if (row.empty()) invalid(e.name + ": update needs at least one field to set");
    std::vector<FieldError> failures;
    check_rules(e, row, "", failures);
    raise_failures(e, failures);
    sql::Update update;
    update.table = e.table;
    for (const auto& [f, v] : row) update.set.push_back({f->column, literal(v)});
    update.where = state_->where();
    return sql::compile(sql::Statement{std::move(update)}, *state_->dialect);
}

sql::CompiledQuery DynamicQuery::remove_sql() const {
    state_->writes_only("remove()", true);
    return sql::compile(sql::Statement{sql::Delete{state_->e().table, state_->where()}}, *state_->dialect);
}

ResultSet DynamicQuery::rows() const {
    auto result = state_->execute(to_sql());
    const auto fields = state_->selected();
    for (std::size_t i = 0; i < fields.size() && i < result.columns.size(); ++i) result.columns[i].name = fields[i]->name;
    for (auto& row : result.rows)
        for (std::size_t i = 0; i < fields.size() && i < row.size(); ++i) row[i] = read_value(*fields[i], std::move(row[i]));
    return result;
}

std::int64_t DynamicQuery::count() const {
    const auto result = state_->execute(count_sql());
    const auto n = convert(LogicalType::int64, result.rows.at(0).at(0));
    if (!n) raise({ErrorCategory::internal, "COUNT(*) gave " + describe(result.rows.at(0).at(0)), {}, {}});
    return n->as_int64();
}

FieldValues DynamicQuery::insert(const FieldValues& values) const { return insert_many({values}).at(0); }

std::vector<FieldValues> DynamicQuery::insert_many(const std::vector<FieldValues>& rows) const {
    state_->writes_only("insert()", false);
    auto plan = plan_insert(state_->e(), *state_->dialect, rows);
    if (!plan.last_insert_id || plan.rows.size() == 1 || (!state_->session && !state_->database)) {
        const auto result = state_->execute(sql::compile(sql::Statement{plan.statement}, *state_->dialect));
        return inserted_keys(plan, result);
    }
    // The keys of a multi-row insert need not be consecutive (MySQL 8's interleaved
    // auto-increment): one statement per row, each reporting its own key, in one transaction.
    std::vector<FieldValues> keys;
    auto each_row = [&](Session& s) {
        keys.clear();
        for (std::size_t i = 0; i < plan.rows.size(); ++i) {
            InsertPlan one{plan.statement, {plan.rows[i]}, plan.returned, plan.last_insert_id};
            one.statement.rows = {plan.statement.rows[i]};
            keys.push_back(inserted_keys(one, s.execute(sql::compile(sql::Statement{one.statement}, *state_->dialect))).at(0));
        }
    };
    if (state_->session)
        state_->session->transaction(each_row);
    else
        state_->database->transaction(each_row);
    return keys;
}

std::int64_t DynamicQuery::update(const FieldValues& values) const { return state_->execute(update_sql(values)).affected_rows; }

std::int64_t DynamicQuery::remove() const { return state_->execute(remove_sql()).affected_rows; }

}  // namespace rex
