#include "row_filter.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/json_text.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace rex::host {

namespace {

enum class Op { eq, neq, gt, gte, lt, lte, in, nin, like, nlike, ilike, is_null };

struct OpName {
    std::string_view name;
    Op op;
};
constexpr std::array<OpName, 12> operators{{{"_eq", Op::eq},
                                            {"_neq", Op::neq},
                                            {"_gt", Op::gt},
                                            {"_gte", Op::gte},
                                            {"_lt", Op::lt},
                                            {"_lte", Op::lte},
                                            {"_in", Op::in},
                                            {"_nin", Op::nin},
                                            {"_like", Op::like},
                                            {"_nlike", Op::nlike},
                                            {"_ilike", Op::ilike},
                                            {"_is_null", Op::is_null}}};

bool is_pattern(Op op) { return op == Op::like || op == Op::nlike || op == Op::ilike; }
bool is_order(Op op) { return op == Op::gt || op == Op::gte || op == Op::lt || op == Op::lte; }

[[noreturn]] void refuse(const std::string& path, const std::string& problem) {
    raise({ErrorCategory::invalid_value, "where: " + (path.empty() ? std::string() : path + ": ") + problem, {}, {}});
}

// SQL's three-valued logic.
enum class Truth { no, yes, unknown };

Truth both(Truth a, Truth b) {
    if (a == Truth::no || b == Truth::no) return Truth::no;
    return a == Truth::unknown || b == Truth::unknown ? Truth::unknown : Truth::yes;
}
Truth either(Truth a, Truth b) {
    if (a == Truth::yes || b == Truth::yes) return Truth::yes;
    return a == Truth::unknown || b == Truth::unknown ? Truth::unknown : Truth::no;
}
Truth negate(Truth a) { return a == Truth::unknown ? a : a == Truth::yes ? Truth::no : Truth::yes; }
Truth truth(bool b) { return b ? Truth::yes : Truth::no; }

Value literal_of(const nlohmann::json& j) {
    switch (j.type()) {
    case nlohmann::json::value_t::boolean: return Value(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return Value(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
        const auto u = j.get<std::uint64_t>();
        return u <= static_cast<std::uint64_t>(INT64_MAX) ? Value(static_cast<std::int64_t>(u)) : Value(static_cast<double>(u));
    }
    case nlohmann::json::value_t::number_float: return Value(j.get<double>());
    case nlohmann::json::value_t::string: return Value(j.get<std::string>());
    default: return Value(Json{j.dump()});
    }
}

std::optional<long double> number_text(const std::string& text) {
    if (text.empty()) return std::nullopt;
    errno = 0;
    char* end = nullptr;
    const long double n = std::strtold(text.c_str(), &end);
    if (errno != 0 || end != text.c_str() + text.size()) return std::nullopt;
    return n;
}

// A number (int64, float64, decimal, or text that is one), for comparing across kinds.
std::optional<long double> number_of(const Value& v) {
    if (const auto* i = v.get_if<std::int64_t>()) return static_cast<long double>(*i);
    if (const auto* d = v.get_if<double>()) return *d;
    if (const auto* d = v.get_if<Decimal>()) return number_text(d->text);
    if (const auto* t = v.get_if<std::string>()) return number_text(*t);
    if (const auto* b = v.get_if<bool>()) return *b ? 1 : 0;
    return std::nullopt;
}

template <class T>
std::optional<std::partial_ordering> ordered(const T& a, const T& b) {
    return a <=> b;
}

std::string compact_json(const Value& v) {
    if (const auto* j = v.get_if<Json>()) {
        std::string out;
        if (append_json_document(out, j->text)) return out;
        return j->text;
    }
    return value_to_json(v);
}

// Orders a row's value against a literal of the filter; nullopt when they cannot be compared
// (the comparison is then unknown, as a failed cast would make it in SQL).
std::optional<std::partial_ordering> compare(const Value& row, const Value& literal) {
    const auto* text = literal.get_if<std::string>();
    try {
        switch (row.kind()) {
        case ValueKind::text:
            if (text) return ordered(*row.get_if<std::string>(), *text);
            return std::nullopt;
        case ValueKind::date:
            if (text) return ordered(row.as_date(), parse_date(*text));
            return std::nullopt;
        case ValueKind::time:
            if (text) return ordered(row.as_time(), parse_time(*text));
            return std::nullopt;
        case ValueKind::timestamp:
            if (text) return ordered(row.as_timestamp(), parse_timestamp(*text));
            return std::nullopt;
        case ValueKind::uuid:
            if (text) return ordered(row.as_uuid(), parse_uuid(*text));
            return std::nullopt;
        case ValueKind::bytes:
            if (text) return ordered(row.to_display(), *text);
            return std::nullopt;
        case ValueKind::json: return ordered(compact_json(row), compact_json(literal));
        case ValueKind::boolean:
            if (const auto* b = literal.get_if<bool>()) return ordered(row.as_bool(), *b);
            break;
        default: break;
        }
    } catch (const Error&) {
        return std::nullopt;  // a literal that does not parse as the row's type
    }
    // Numbers of any kind (a SQLite boolean is an integer); int64 exactly, the rest as long double.
    if (const auto* a = row.get_if<std::int64_t>())
        if (const auto* b = literal.get_if<std::int64_t>()) return ordered(*a, *b);
    const auto a = number_of(row), b = number_of(literal);
    if (a && b) return *a <=> *b;
    return std::nullopt;
}

// Length of the UTF-8 character starting at s[i] (1 for a stray byte).
std::size_t char_length(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    return std::min(n, s.size() - i);
}

char fold(char c, bool fold_case) { return fold_case && c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// SQL LIKE: % any run, _ one character, \ escapes the next character. Iterative, backtracking
// only to the last %, so a hostile pattern cannot take exponential time.
bool like(std::string_view text, std::string_view pattern, bool fold_case) {
    std::size_t t = 0, p = 0;
    std::size_t star_p = std::string_view::npos, star_t = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '%') {
            star_p = ++p;
            star_t = t;
            continue;
        }
        if (p < pattern.size() && pattern[p] == '_') {
            t += char_length(text, t);
            ++p;
            continue;
        }
        if (p < pattern.size()) {
            const std::size_t q = pattern[p] == '\\' && p + 1 < pattern.size() ? p + 1 : p;
            if (fold(pattern[q], fold_case) == fold(text[t], fold_case)) {
                p = q + 1;
                ++t;
                continue;
            }
        }
        if (star_p == std::string_view::npos) return false;
        star_t += char_length(text, star_t);
        t = star_t;
        p = star_p;
    }
    while (p < pattern.size() && pattern[p] == '%') ++p;
    return p == pattern.size();
}

const char* type_name(LogicalType t) {
    switch (t) {
    case LogicalType::boolean: return "boolean";
    case LogicalType::int32: return "int32";
    case LogicalType::int64: return "int64";
    case LogicalType::float64: return "float64";
    case LogicalType::decimal: return "decimal";
    case LogicalType::string: return "string";
    case LogicalType::text: return "text";
    case LogicalType::bytes: return "bytes";
    case LogicalType::date: return "date";
    case LogicalType::time: return "time";
    case LogicalType::timestamp: return "timestamp";
    case LogicalType::uuid: return "uuid";
    case LogicalType::json: return "json";
    }
    return "?";
}

// Why `literal` cannot stand for a value of `type`; empty when it can.
std::string literal_problem(const Value& literal, LogicalType type) {
    const auto* text = literal.get_if<std::string>();
    const auto expected = [&](const char* what) { return std::string("expected ") + what + ", got " + value_to_json(literal); };
    try {
        switch (type) {
        case LogicalType::boolean:
            return literal.get_if<bool>() ? "" : expected("true or false");
        case LogicalType::int32:
        case LogicalType::int64: {
            if (literal.get_if<std::int64_t>()) return "";
            std::int64_t n = 0;
            bool whole = false;
            if (text) {
                const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
                whole = ec == std::errc() && end == text->data() + text->size();
            }
            return whole ? "" : expected("an integer");
        }
        case LogicalType::float64:
        case LogicalType::decimal:
            return number_of(literal) && !literal.get_if<bool>() ? "" : expected("a number");
        case LogicalType::string:
        case LogicalType::text:
        case LogicalType::bytes:
            return text ? "" : expected("a string");
        case LogicalType::date:
            if (!text) return expected("a date string (2024-01-31)");
            parse_date(*text);
            return "";
        case LogicalType::time:
            if (!text) return expected("a time string (12:30:00)");
            parse_time(*text);
            return "";
        case LogicalType::timestamp:
            if (!text) return expected("a timestamp string (2024-01-31T12:30:00Z)");
            parse_timestamp(*text);
            return "";
        case LogicalType::uuid:
            if (!text) return expected("a uuid string");
            parse_uuid(*text);
            return "";
        case LogicalType::json: return "";
        }
    } catch (const Error& e) {
        return e.message();
    }
    return "";
}

}  // namespace

struct RowFilter::Node {
    // field: the comparisons on one field, all of which hold; relation: a filter through a
    // relation, parsed only to be refused by check() with a clear line.
    enum class Kind { all, any, negate, field, relation, compare };
    Kind kind = Kind::all;
    std::vector<Node> children;
    std::string path;  // where it is in the expression, for check()'s messages
    // compare
    std::string field;
    Op op = Op::eq;
    Value operand;
    std::vector<Value> operands;  // _in, _nin

    Truth evaluate(const ChangeShape& shape, std::span<const Value> row) const {
        switch (kind) {
        case Kind::all:
        case Kind::field: {
            Truth t = Truth::yes;
            for (const auto& c : children)
                if ((t = both(t, c.evaluate(shape, row))) == Truth::no) break;
            return t;
        }
        case Kind::any: {
            Truth t = Truth::no;
            for (const auto& c : children)
                if ((t = either(t, c.evaluate(shape, row))) == Truth::yes) break;
            return t;
        }
        case Kind::negate: return negate(children.front().evaluate(shape, row));
        case Kind::relation: return Truth::unknown;
        case Kind::compare: break;
        }
        const Value* value = nullptr;
        for (std::size_t i = 0; i < shape.fields.size() && i < row.size(); ++i)
            if (shape.fields[i] == field) value = &row[i];
        if (!value) return Truth::unknown;  // check() keeps this from happening
        if (op == Op::is_null) return truth(value->is_null() == operand.as_bool());
        if (value->is_null()) return Truth::unknown;
        if (op == Op::in || op == Op::nin) {
            Truth found = Truth::no;
            for (const auto& item : operands) {
                const auto c = compare(*value, item);
                found = either(found, c ? truth(*c == 0) : Truth::unknown);
            }
            return op == Op::in ? found : negate(found);
        }
        if (is_pattern(op)) {
            const auto* text = value->get_if<std::string>();
            if (!text) return Truth::unknown;
            const bool m = like(*text, operand.as_text(), op == Op::ilike);
            return truth(op == Op::nlike ? !m : m);
        }
        const auto c = compare(*value, operand);
        if (!c || *c == std::partial_ordering::unordered) return Truth::unknown;
        switch (op) {
        case Op::eq: return truth(*c == 0);
        case Op::neq: return truth(*c != 0);
        case Op::gt: return truth(*c > 0);
        case Op::gte: return truth(*c >= 0);
        case Op::lt: return truth(*c < 0);
        default: return truth(*c <= 0);
        }
    }

    void collect_fields(std::vector<std::string>& out) const {
        if ((kind == Kind::field || kind == Kind::relation || kind == Kind::compare) && std::find(out.begin(), out.end(), field) == out.end())
            out.push_back(field);
        for (const auto& c : children) c.collect_fields(out);
    }

    void check(const EntityInfo& entity) const {
        if (kind == Kind::field || kind == Kind::relation) {
            if (entity.relation(field))
                refuse(path, "'" + field + "' is a relation of " + entity.name +
                                 "; change streams filter on the row's own fields only (relation filters are not supported)");
            if (!entity.field(field)) {
                std::string known;
                for (const auto& x : entity.fields) known += (known.empty() ? "" : ", ") + x.name;
                refuse(path, "entity " + entity.name + " has no field '" + field + "' (fields: " + known + ")");
            }
            if (kind == Kind::relation) refuse(path, "expected a comparison object such as {\"_eq\": …} for field " + field);
        }
        for (const auto& c : children) c.check(entity);
        if (kind != Kind::compare) return;
        const auto* f = entity.field(field);
        const auto t = f->type.type;
        const bool textual = t == LogicalType::string || t == LogicalType::text;
        if (is_pattern(op) && !textual)
            refuse(path, "pattern operators apply to text fields; " + entity.name + "." + field + " is " + type_name(t));
        if (is_order(op) && (t == LogicalType::json || t == LogicalType::bytes))
            refuse(path, "values of " + entity.name + "." + field + " (" + type_name(t) + ") have no order");
        if (op == Op::is_null || is_pattern(op)) return;
        const auto literal_ok = [&](const Value& v) {
            if (auto problem = literal_problem(v, t); !problem.empty())
                refuse(path, problem + " for " + entity.name + "." + field + " (" + type_name(t) + ")");
        };
        if (op == Op::in || op == Op::nin)
            for (const auto& v : operands) literal_ok(v);
        else
            literal_ok(operand);
    }
};

namespace {

using Node = RowFilter::Node;

void parse_expression(const nlohmann::json& j, const std::string& path, Node& out);

// {"_eq": 3, "_lt": 9} on one field: the comparisons all hold.
void parse_comparison(const nlohmann::json& j, const std::string& field, const std::string& path, Node& out) {
    out.kind = Node::Kind::field;
    out.field = field;
    if (!j.is_object()) refuse(path, "expected a comparison object such as {\"_eq\": …}, got " + j.dump());
    for (const auto& [name, v] : j.items()) {
        if (!name.empty() && name[0] == '_') continue;
        // A field name inside: a filter through a relation ({"Artist": {"Name": {"_eq": …}}}).
        out.kind = Node::Kind::relation;
        out.children.emplace_back();
        return parse_expression(j, path, out.children.back());
    }
    for (const auto& [name, operand] : j.items()) {
        const auto where = path + "." + name;
        const auto* found = std::find_if(operators.begin(), operators.end(), [&](const OpName& o) { return o.name == name; });
        if (found == operators.end()) {
            std::string known;
            for (const auto& o : operators) known += (known.empty() ? "" : " ") + std::string(o.name);
            refuse(where, "unknown comparison operator '" + name + "' (known: " + known + ")");
        }
        if (operand.is_null()) continue;  // as in the GraphQL API: a null operand compares nothing
        Node c;
        c.kind = Node::Kind::compare;
        c.path = where;
        c.field = field;
        c.op = found->op;
        if (c.op == Op::is_null && !operand.is_boolean()) refuse(where, "expected true or false, got " + operand.dump());
        if (is_pattern(c.op) && !operand.is_string()) refuse(where, "expected a pattern string, got " + operand.dump());
        if (c.op == Op::in || c.op == Op::nin) {
            // A single value stands for a list of one, as GraphQL's input coercion has it.
            if (operand.is_array()) {
                for (const auto& item : operand)
                    if (!item.is_null()) c.operands.push_back(literal_of(item));
            } else {
                c.operands.push_back(literal_of(operand));
            }
        } else {
            c.operand = literal_of(operand);
        }
        out.children.push_back(std::move(c));
    }
}

void parse_list(const nlohmann::json& j, const std::string& path, Node& out) {
    if (j.is_object()) {
        out.children.emplace_back();
        return parse_expression(j, path, out.children.back());
    }
    if (!j.is_array()) refuse(path, "expected a list of boolean expressions, got " + j.dump());
    std::size_t i = 0;
    for (const auto& item : j) {
        out.children.emplace_back();
        parse_expression(item, path + "[" + std::to_string(i++) + "]", out.children.back());
    }
}

// {"a": {...}, "_and": [...], "_or": [...], "_not": {...}}: every member holds.
void parse_expression(const nlohmann::json& j, const std::string& path, Node& out) {
    out.kind = Node::Kind::all;
    out.path = path;
    if (!j.is_object()) refuse(path, "expected a boolean expression object, got " + j.dump());
    for (const auto& [name, v] : j.items()) {
        const auto where = path.empty() ? name : path + "." + name;
        if (v.is_null()) continue;
        Node child;
        child.path = where;
        if (name == "_and" || name == "_or") {
            child.kind = name == "_and" ? Node::Kind::all : Node::Kind::any;
            parse_list(v, where, child);
        } else if (name == "_not") {
            child.kind = Node::Kind::negate;
            child.children.emplace_back();
            parse_expression(v, where, child.children.back());
        } else if (!name.empty() && name[0] == '_') {
            refuse(where, "unknown operator '" + name + "' (a boolean expression has _and, _or, _not and field names)");
        } else {
            parse_comparison(v, name, where, child);
        }
        out.children.push_back(std::move(child));
    }
}

}  // namespace

RowFilter::RowFilter() = default;

RowFilter RowFilter::parse(std::string_view json) {
    RowFilter filter;
    if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) return filter;
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(json);
    } catch (const nlohmann::json::exception& e) {
        std::string what = e.what();
        if (const auto close = what.find("] "); what.starts_with("[json.exception") && close != std::string::npos) what.erase(0, close + 2);
        refuse("", "not valid JSON: " + what);
    }
    auto root = std::make_shared<Node>();
    parse_expression(j, "", *root);
    if (!root->children.empty()) filter.root_ = std::move(root);
    return filter;
}

bool RowFilter::empty() const noexcept { return !root_; }

void RowFilter::check(const EntityInfo& entity) const {
    if (root_) root_->check(entity);
}

std::vector<std::string> RowFilter::fields() const {
    std::vector<std::string> out;
    if (root_) root_->collect_fields(out);
    return out;
}

bool RowFilter::matches(const ChangeShape& shape, std::span<const Value> row) const {
    return !root_ || root_->evaluate(shape, row) == Truth::yes;
}

}  // namespace rex::host
