// The kernel's query AST: what the typed and untyped query builders produce and the SQL
// compiler renders with a dialect. Identifiers are kept unquoted (the dialect quotes them);
// values are kept as Values (the compiler turns them into bound parameters).
#pragma once

#include <rex/sdk/value.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace rex::sql {

struct Expr;
struct Select;
using ExprPtr = std::shared_ptr<const Expr>;
using SelectPtr = std::shared_ptr<const Select>;

enum class BinaryOp : std::uint8_t { eq, ne, lt, le, gt, ge, and_, or_, like, not_like, add, sub, mul, div };
enum class UnaryOp : std::uint8_t { not_, is_null, is_not_null, negate, exists, not_exists };
enum class Aggregate : std::uint8_t { count, sum, avg, min, max };

struct ColumnRef {
    std::string table;  // table or alias; empty: unqualified
    std::string column;
};
struct Literal {
    Value value;  // always rendered as a bound parameter
};
// A raw SQL fragment; each '?' in `sql` becomes the dialect's placeholder for the matching
// entry of `params`. The fragment itself is trusted text written by the programmer.
struct RawSql {
    std::string sql;
    std::vector<Value> params;
};
struct Unary {
    UnaryOp op;
    ExprPtr operand;  // for exists / not_exists: a SubqueryExpr
};
struct Binary {
    BinaryOp op;
    ExprPtr left;
    ExprPtr right;
};
struct InList {
    ExprPtr operand;
    std::vector<ExprPtr> items;
    bool negated = false;
};
struct InSubquery {
    ExprPtr operand;
    SelectPtr query;
    bool negated = false;
};
struct Between {
    ExprPtr operand;
    ExprPtr low;
    ExprPtr high;
    bool negated = false;
};
struct AggregateCall {
    Aggregate function;
    ExprPtr argument;  // null: COUNT(*)
    bool distinct = false;
};
struct SubqueryExpr {
    SelectPtr query;  // scalar subquery, or the operand of EXISTS
};
struct Star {
    std::string table;  // empty: *
};

struct Expr {
    std::variant<ColumnRef, Literal, RawSql, Unary, Binary, InList, InSubquery, Between, AggregateCall, SubqueryExpr, Star>
        node;
};

template <class Node>
ExprPtr make(Node node) {
    return std::make_shared<const Expr>(Expr{std::move(node)});
}

struct SelectItem {
    ExprPtr expr;
    std::string alias;  // empty: none
};

struct TableRef {
    std::string name;
    std::string alias;  // empty: none
};

enum class JoinKind : std::uint8_t { inner, left, right, full };

struct Join {
    JoinKind kind = JoinKind::inner;
    TableRef table;
    ExprPtr on;
};

enum class NullsOrder : std::uint8_t { database_default, first, last };

struct OrderItem {
    ExprPtr expr;
    bool descending = false;
    NullsOrder nulls = NullsOrder::database_default;
};

struct Select {
    bool distinct = false;
    std::vector<SelectItem> columns;  // empty: *
    TableRef from;
    std::vector<Join> joins;
    ExprPtr where;
    std::vector<ExprPtr> group_by;
    ExprPtr having;
    std::vector<OrderItem> order_by;
    std::optional<std::int64_t> limit;
    std::optional<std::int64_t> offset;
};

struct Upsert {
    std::vector<std::string> conflict_columns;
    std::vector<std::string> update_columns;  // empty: do nothing on conflict
    std::string generated_key{};              // see UpsertSpec::generated_key
};

struct Insert {
    std::string table;
    std::vector<std::string> columns;
    std::vector<std::vector<ExprPtr>> rows;  // one or many rows in one statement
    std::vector<std::string> returning;      // where the dialect supports RETURNING
    std::optional<Upsert> upsert;
};

struct Assignment {
    std::string column;
    ExprPtr value;
};

struct Update {
    std::string table;
    std::vector<Assignment> set;
    ExprPtr where;
};

struct Delete {
    std::string table;
    ExprPtr where;
};

using Statement = std::variant<Select, Insert, Update, Delete>;

}  // namespace rex::sql
