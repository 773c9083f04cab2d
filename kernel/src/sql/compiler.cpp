#include <rex/sdk/error.hpp>
#include <rex/sql/compiler.hpp>

namespace rex::sql {

namespace {

std::string_view binary_token(BinaryOp op) {
    switch (op) {
        case BinaryOp::eq: return " = ";
        case BinaryOp::ne: return " <> ";
        case BinaryOp::lt: return " < ";
        case BinaryOp::le: return " <= ";
        case BinaryOp::gt: return " > ";
        case BinaryOp::ge: return " >= ";
        case BinaryOp::and_: return " AND ";
        case BinaryOp::or_: return " OR ";
        case BinaryOp::like: return " LIKE ";
        case BinaryOp::not_like: return " NOT LIKE ";
        case BinaryOp::add: return " + ";
        case BinaryOp::sub: return " - ";
        case BinaryOp::mul: return " * ";
        case BinaryOp::div: return " / ";
    }
    return " ? ";
}

// `text` as a JSON string: quotes, backslashes and control characters escaped.
void append_json_string(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 15];
        } else {
            out += c;
        }
    }
    out += '"';
}

std::string_view aggregate_name(Aggregate f) {
    switch (f) {
        case Aggregate::count: return "COUNT";
        case Aggregate::sum: return "SUM";
        case Aggregate::avg: return "AVG";
        case Aggregate::min: return "MIN";
        case Aggregate::max: return "MAX";
    }
    return "?";
}

class SqlWriter {
public:
    explicit SqlWriter(const Dialect& dialect) : dialect_(dialect), features_(dialect.features()) {}

    CompiledQuery finish() { return {std::move(sql_), std::move(params_)}; }

    void statement(const Statement& s) {
        std::visit([this](const auto& node) { write(node); }, s);
    }

    void write(const Select& s) {
        sql_ += s.distinct ? "SELECT DISTINCT " : "SELECT ";
        if (s.columns.empty()) sql_ += '*';
        for (std::size_t i = 0; i < s.columns.size(); ++i) {
            if (i) sql_ += ", ";
            expr(s.columns[i].expr);
            if (!s.columns[i].alias.empty()) sql_ += " AS " + dialect_.quote_identifier(s.columns[i].alias);
        }
        sql_ += " FROM ";
        table(s.from);
        for (const auto& j : s.joins) {
            switch (j.kind) {
                case JoinKind::inner: sql_ += " INNER JOIN "; break;
                case JoinKind::left: sql_ += " LEFT JOIN "; break;
                case JoinKind::right:
                    if (!features_.right_join) unsupported("RIGHT JOIN");
                    sql_ += " RIGHT JOIN ";
                    break;
                case JoinKind::full:
                    if (!features_.full_join) unsupported("FULL JOIN");
                    sql_ += " FULL JOIN ";
                    break;
            }
            table(j.table);
            sql_ += " ON ";
            expr(j.on);
        }
        if (s.where) {
            sql_ += " WHERE ";
            expr(s.where);
        }
        if (!s.group_by.empty()) {
            sql_ += " GROUP BY ";
            list(s.group_by);
        }
        if (s.having) {
            sql_ += " HAVING ";
            expr(s.having);
        }
        if (!s.order_by.empty()) {
            sql_ += " ORDER BY ";
            for (std::size_t i = 0; i < s.order_by.size(); ++i) {
                const auto& o = s.order_by[i];
                if (i) sql_ += ", ";
                const bool emulate_nulls = o.nulls != NullsOrder::database_default && !features_.nulls_first_last;
                if (emulate_nulls) {
                    // Without NULLS FIRST/LAST (MySQL): sort on "is null" first (false < true).
                    expr(o.expr);
                    sql_ += o.nulls == NullsOrder::first ? " IS NULL DESC, " : " IS NULL, ";
                }
                expr(o.expr);
                if (o.descending) sql_ += " DESC";
                if (o.nulls != NullsOrder::database_default && !emulate_nulls)
                    sql_ += o.nulls == NullsOrder::first ? " NULLS FIRST" : " NULLS LAST";
            }
        }
        // SQLite reads LIMIT -1 as "no limit", the others refuse it: refused here alike.
        for (const auto& [what, n] : {std::pair{"limit", s.limit}, std::pair{"offset", s.offset}})
            if (n && *n < 0)
                raise({ErrorCategory::invalid_value, std::string(what) + " must not be negative (is " + std::to_string(*n) + ")", {}, {}});
        sql_ += dialect_.limit_offset(s.limit, s.offset);
    }

    void write(const Insert& s) {
        if (s.columns.empty()) raise({ErrorCategory::invalid_value, "INSERT INTO " + s.table + " without columns", {}, {}});
        if (s.rows.empty()) raise({ErrorCategory::invalid_value, "INSERT INTO " + s.table + " without rows", {}, {}});
        sql_ += "INSERT INTO " + dialect_.quote_identifier(s.table) + " (";
        for (std::size_t i = 0; i < s.columns.size(); ++i) {
            if (i) sql_ += ", ";
            sql_ += dialect_.quote_identifier(s.columns[i]);
        }
        sql_ += ") VALUES ";
        for (std::size_t r = 0; r < s.rows.size(); ++r) {
            if (s.rows[r].size() != s.columns.size())
                raise({ErrorCategory::invalid_value,
                       "INSERT INTO " + s.table + ": row " + std::to_string(r) + " has " + std::to_string(s.rows[r].size()) +
                           " values for " + std::to_string(s.columns.size()) + " columns",
                       {}, {}});
            sql_ += r ? ", (" : "(";
            list(s.rows[r]);
            sql_ += ')';
        }
        if (s.upsert) upsert(*s.upsert);
        if (!s.returning.empty()) {
            if (features_.generated_keys != GeneratedKeyStyle::returning) unsupported("RETURNING");
            sql_ += dialect_.returning_clause(s.returning);
        }
    }

    void write(const Update& s) {
        if (s.set.empty()) raise({ErrorCategory::invalid_value, "UPDATE " + s.table + " without assignments", {}, {}});
        sql_ += "UPDATE " + dialect_.quote_identifier(s.table) + " SET ";
        for (std::size_t i = 0; i < s.set.size(); ++i) {
            if (i) sql_ += ", ";
            sql_ += dialect_.quote_identifier(s.set[i].column) + " = ";
            expr(s.set[i].value);
        }
        if (s.where) {
            sql_ += " WHERE ";
            expr(s.where);
        }
    }

    void write(const Delete& s) {
        sql_ += "DELETE FROM " + dialect_.quote_identifier(s.table);
        if (s.where) {
            sql_ += " WHERE ";
            expr(s.where);
        }
    }

private:
    [[noreturn]] void unsupported(const std::string& what) const {
        raise({ErrorCategory::unsupported, what + " is not supported by the " + std::string(dialect_.name()) + " dialect",
               {}, {}});
    }

    void parameter(Value v) {
        params_.push_back(std::move(v));
        sql_ += dialect_.placeholder(params_.size());
    }

    void table(const TableRef& t) {
        sql_ += dialect_.quote_identifier(t.name);
        if (!t.alias.empty()) sql_ += " " + dialect_.quote_identifier(t.alias);
    }

    void list(const std::vector<ExprPtr>& items) {
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i) sql_ += ", ";
            expr(items[i]);
        }
    }

    void upsert(const Upsert& u) {
        if (u.conflict_columns.empty()) raise({ErrorCategory::invalid_value, "upsert without conflict columns", {}, {}});
        UpsertSpec spec{u.conflict_columns, u.update_columns, u.generated_key};
        if (spec.update_columns.empty()) {
            if (features_.upsert == UpsertStyle::on_conflict) {
                sql_ += " ON CONFLICT (";
                for (std::size_t i = 0; i < spec.conflict_columns.size(); ++i)
                    sql_ += (i ? ", " : "") + dialect_.quote_identifier(spec.conflict_columns[i]);
                sql_ += ") DO NOTHING";
                return;
            }
            spec.update_columns = {spec.conflict_columns.front()};  // "UPDATE k = k": keep the row as it is
        }
        const auto clause = dialect_.upsert_clause(spec);
        if (!clause.empty() && clause.front() != ' ') sql_ += ' ';
        sql_ += clause;
    }

    // Operands of binary operators are parenthesised when they are themselves operators, so the
    // tree's grouping survives whatever the database's precedence rules are.
    void operand(const ExprPtr& e) {
        const bool group = std::holds_alternative<Binary>(e->node) || std::holds_alternative<Between>(e->node) ||
                           std::holds_alternative<InList>(e->node) || std::holds_alternative<InSubquery>(e->node) ||
                           (std::holds_alternative<Unary>(e->node) && std::get<Unary>(e->node).op == UnaryOp::not_);
        if (group) sql_ += '(';
        expr(e);
        if (group) sql_ += ')';
    }

    void expr(const ExprPtr& e) {
        if (!e) raise({ErrorCategory::internal, "empty expression in query", {}, {}});
        std::visit([this](const auto& node) { node_sql(node); }, e->node);
    }

    void node_sql(const ColumnRef& c) {
        if (!c.table.empty()) sql_ += dialect_.quote_identifier(c.table) + ".";
        sql_ += dialect_.quote_identifier(c.column);
    }
    void node_sql(const Literal& l) { parameter(l.value); }
    void node_sql(const RawSql& r) {
        std::size_t next = 0;
        for (char c : r.sql) {
            if (c == '?') {
                if (next >= r.params.size())
                    raise({ErrorCategory::invalid_value, "raw SQL fragment has more '?' than parameters: " + r.sql, {}, {}});
                parameter(r.params[next++]);
            } else {
                sql_ += c;
            }
        }
        if (next != r.params.size())
            raise({ErrorCategory::invalid_value, "raw SQL fragment has fewer '?' than parameters: " + r.sql, {}, {}});
    }
    void node_sql(const Unary& u) {
        switch (u.op) {
            case UnaryOp::not_: sql_ += "NOT "; operand(u.operand); break;
            case UnaryOp::is_null: operand(u.operand); sql_ += " IS NULL"; break;
            case UnaryOp::is_not_null: operand(u.operand); sql_ += " IS NOT NULL"; break;
            case UnaryOp::negate: sql_ += '-'; operand(u.operand); break;
            case UnaryOp::exists: sql_ += "EXISTS "; expr(u.operand); break;
            case UnaryOp::not_exists: sql_ += "NOT EXISTS "; expr(u.operand); break;
        }
    }
    void node_sql(const Binary& b) {
        operand(b.left);
        sql_ += binary_token(b.op);
        operand(b.right);
    }
    void node_sql(const InList& in) {
        if (in.items.empty()) {  // x IN () is not SQL; its meaning is constant
            sql_ += in.negated ? "1 = 1" : "1 = 0";
            return;
        }
        const auto start = sql_.size();
        operand(in.operand);
        if (in.items.size() > 1 && integer_array(in, start)) return;
        if (in.items.size() > long_list && json_list(in, start)) return;
        sql_ += in.negated ? " NOT IN (" : " IN (";
        list(in.items);
        sql_ += ')';
    }
    // Rewrites the operand just written (from `start`) into the dialect's one-parameter match
    // when every item is an integer value; false (and nothing changed) otherwise.
    bool integer_array(const InList& in, std::size_t start) {
        for (const auto& item : in.items) {
            const auto* literal = std::get_if<Literal>(&item->node);
            if (!literal || literal->value.kind() != ValueKind::int64) return false;
        }
        auto match = dialect_.integer_array_match(std::string_view(sql_).substr(start), dialect_.placeholder(params_.size() + 1), in.negated);
        if (match.empty()) return false;
        std::string array = "{";
        for (const auto& item : in.items) {
            if (array.size() > 1) array += ',';
            array += std::to_string(std::get<Literal>(item->node).value.as_int64());
        }
        array += '}';
        sql_.resize(start);
        sql_ += match;
        params_.emplace_back(std::move(array));
        return true;
    }
    // Past this many values an IN list is one JSON parameter where the dialect can read one.
    static constexpr std::size_t long_list = 1000;
    // Rewrites the operand just written (from `start`) into the dialect's match against one JSON
    // array parameter when every item is an integer, or every item a text; false otherwise.
    bool json_list(const InList& in, std::size_t start) {
        const auto* first = std::get_if<Literal>(&in.items.front()->node);
        if (!first) return false;
        const auto kind = first->value.kind();
        if (kind != ValueKind::int64 && kind != ValueKind::text) return false;
        for (const auto& item : in.items) {
            const auto* literal = std::get_if<Literal>(&item->node);
            if (!literal || literal->value.kind() != kind) return false;
        }
        auto match = dialect_.json_list_match(std::string_view(sql_).substr(start), dialect_.placeholder(params_.size() + 1), in.negated,
                                              kind == ValueKind::text);
        if (match.empty()) return false;
        std::string array = "[";
        for (const auto& item : in.items) {
            if (array.size() > 1) array += ',';
            const auto& v = std::get<Literal>(item->node).value;
            if (kind == ValueKind::int64)
                array += std::to_string(v.as_int64());
            else
                append_json_string(array, v.as_text());
        }
        array += ']';
        sql_.resize(start);
        sql_ += match;
        params_.emplace_back(std::move(array));
        return true;
    }
    void node_sql(const InSubquery& in) {
        operand(in.operand);
        sql_ += in.negated ? " NOT IN (" : " IN (";
        write(*in.query);
        sql_ += ')';
    }
    void node_sql(const Between& b) {
        operand(b.operand);
        sql_ += b.negated ? " NOT BETWEEN " : " BETWEEN ";
        operand(b.low);
        sql_ += " AND ";
        operand(b.high);
    }
    void node_sql(const AggregateCall& a) {
        sql_ += aggregate_name(a.function);
        sql_ += '(';
        if (a.distinct) sql_ += "DISTINCT ";
        if (a.argument)
            expr(a.argument);
        else
            sql_ += '*';
        sql_ += ')';
    }
    void node_sql(const SubqueryExpr& s) {
        sql_ += '(';
        write(*s.query);
        sql_ += ')';
    }
    void node_sql(const Star& s) {
        if (!s.table.empty()) sql_ += dialect_.quote_identifier(s.table) + ".";
        sql_ += '*';
    }

    const Dialect& dialect_;
    DialectFeatures features_;
    std::string sql_;
    Params params_;
};

}  // namespace

CompiledQuery compile(const Statement& statement, const Dialect& dialect) {
    SqlWriter writer(dialect);
    writer.statement(statement);
    return writer.finish();
}

CompiledQuery compile(const Select& select, const Dialect& dialect) {
    SqlWriter writer(dialect);
    writer.write(select);
    return writer.finish();
}

}  // namespace rex::sql
