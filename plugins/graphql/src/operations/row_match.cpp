#include "operations/row_match.hpp"

#include <charconv>
#include <cstdlib>

namespace rex::graphql {

namespace {

Match all(std::initializer_list<Match> parts) {
    bool maybe = false;
    for (auto m : parts) {
        if (m == Match::no) return Match::no;
        maybe = maybe || m == Match::maybe;
    }
    return maybe ? Match::maybe : Match::yes;
}

Match negate(Match m) { return m == Match::yes ? Match::no : m == Match::no ? Match::yes : Match::maybe; }
Match of(bool b) { return b ? Match::yes : Match::no; }

// -1, 0, 1; nullopt when the two cannot be compared here.
std::optional<int> compare(const Value& v, const InputValue& in) {
    const auto sign = [](auto a, auto b) { return a < b ? -1 : a > b ? 1 : 0; };
    switch (v.kind()) {
        case ValueKind::int64: {
            const auto* n = in.as_number();
            if (!n) return std::nullopt;
            if (!n->is_float) {
                std::int64_t x = 0;
                const auto* end = n->text.data() + n->text.size();
                if (std::from_chars(n->text.data(), end, x).ptr == end) return sign(v.as_int64(), x);
            }
            return sign(static_cast<double>(v.as_int64()), std::strtod(n->text.c_str(), nullptr));
        }
        case ValueKind::float64: {
            const auto* n = in.as_number();
            if (!n) return std::nullopt;
            return sign(v.as_double(), std::strtod(n->text.c_str(), nullptr));
        }
        case ValueKind::text: {
            const auto* s = in.as_string();
            // Equal text is equal under every collation; anything else depends on the column's
            // collation (MariaDB's are case-insensitive): the database decides.
            if (!s || v.as_text() != *s) return std::nullopt;
            return 0;
        }
        case ValueKind::boolean: {
            const auto* b = in.as_bool();
            if (!b) return std::nullopt;
            return sign(static_cast<int>(v.as_bool()), static_cast<int>(*b));
        }
        default: return std::nullopt;
    }
}

Match comparison(const Value* v, const InputValue& ops) {
    const auto* object = ops.as_object();
    if (!object || !v) return Match::maybe;
    Match out = Match::yes;
    for (const auto& [op, operand] : *object) {
        Match m = Match::maybe;
        if (op == "_is_null") {
            if (const auto* b = operand.as_bool()) m = of(v->is_null() == *b);
        } else if (operand.is_null()) {
            m = Match::maybe;  // Hasura ignores a null operand; the SQL side decides
        } else if (v->is_null()) {
            m = op == "_eq" || op == "_gt" || op == "_gte" || op == "_lt" || op == "_lte" || op == "_in" || op == "_neq" || op == "_nin" ? Match::no : Match::maybe;
        } else if (op == "_in" || op == "_nin") {
            if (const auto* list = operand.as_list()) {
                Match any = Match::no;
                for (const auto& item : *list) {
                    const auto c = compare(*v, item);
                    if (!c) any = Match::maybe;
                    else if (*c == 0) {
                        any = Match::yes;
                        break;
                    }
                }
                m = op == "_in" ? any : negate(any);
            }
        } else if (const auto c = compare(*v, operand)) {
            if (op == "_eq") m = of(*c == 0);
            else if (op == "_neq") m = of(*c != 0);
            else if (op == "_gt") m = of(*c > 0);
            else if (op == "_gte") m = of(*c >= 0);
            else if (op == "_lt") m = of(*c < 0);
            else if (op == "_lte") m = of(*c <= 0);
        }
        out = all({out, m});
        if (out == Match::no) return out;
    }
    return out;
}

}  // namespace

const Value* event_value(const ChangeEvent& event, std::span<const Value> row, const FieldInfo& field) {
    if (!event.shape) return nullptr;
    const auto& fields = event.shape->fields;
    for (std::size_t i = 0; i < fields.size() && i < row.size(); ++i)
        if (fields[i] == field.name) return &row[i];
    for (std::size_t i = 0; i < fields.size() && i < row.size(); ++i)
        if (fields[i] == field.column) return &row[i];
    return nullptr;
}

Match match_where(const EntityApi& e, const InputValue& where, const ChangeEvent& event, std::span<const Value> row) {
    if (where.is_null()) return Match::yes;
    const auto* object = where.as_object();
    if (!object) return Match::maybe;
    Match out = Match::yes;
    for (const auto& [key, value] : *object) {
        Match m = Match::maybe;
        if (key == "_and" || key == "_or") {
            if (const auto* list = value.as_list()) {
                const bool conj = key == "_and";
                m = conj ? Match::yes : Match::no;
                for (const auto& part : *list) {
                    const auto p = match_where(e, part, event, row);
                    if (conj) m = all({m, p});
                    else m = p == Match::yes || m == Match::yes ? Match::yes : (p == Match::maybe || m == Match::maybe ? Match::maybe : Match::no);
                }
            }
        } else if (key == "_not") {
            m = negate(match_where(e, value, event, row));
        } else if (const auto* field = e.column(key)) {
            m = comparison(event_value(event, row, *field), value);
        }  // a relation's condition: maybe
        out = all({out, m});
        if (out == Match::no) return out;
    }
    return out;
}

Match match_key(const EntityApi& e, const Names& names, const std::vector<std::pair<std::string, InputValue>>& arguments,
                const ChangeEvent& event, std::span<const Value> row) {
    Match out = Match::yes;
    for (const auto* k : e.primary_key) {
        const InputValue* given = nullptr;
        for (const auto& [name, value] : arguments)
            if (name == names.field(k->name)) given = &value;
        const auto* v = event_value(event, row, *k);
        if (!given || !v || v->is_null()) return Match::maybe;
        const auto c = compare(*v, *given);
        out = all({out, c ? of(*c == 0) : Match::maybe});
    }
    return out;
}

}  // namespace rex::graphql
