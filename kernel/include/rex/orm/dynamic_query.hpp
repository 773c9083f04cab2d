// Untyped queries by catalog names, for callers that learn names at run time (the GraphQL
// plugin, tools). Entity and field names are checked against the kernel's catalog when they are
// given, so an unknown name fails before any SQL runs; values are always bound parameters and
// are checked against (and converted to) the field's logical type. See docs/dynamic-queries.md.
//
//   auto q = rex::DynamicQuery(db, "users")
//                .select({"id", "name"})
//                .where("age", ">=", 18)
//                .where(rex::any_of({rex::filter("name", "like", "A%"), rex::filter("email", "is null")}))
//                .order_by("name", rex::descending)
//                .limit(10);
//   rex::ResultSet rows = q.rows();  // columns named by field
//   auto key = rex::DynamicQuery(db, "users").insert({{"name", "Ada"}, {"age", 36}});  // {"id": 1}
#pragma once

#include <rex/kernel/export.hpp>
#include <rex/orm/query.hpp>
#include <rex/sdk/catalog.hpp>
#include <rex/sdk/dialect.hpp>
#include <rex/sdk/result.hpp>
#include <rex/sql/compiler.hpp>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rex {

class Database;
class Session;

// ---- what a dynamic query asks for: plain data, no pointers into the kernel -------------------

enum class FilterOp : std::uint8_t { eq, ne, lt, le, gt, ge, like, not_like, in, not_in, is_null, is_not_null, between };

// Reads "=", "!=" (or "<>"), "<", "<=", ">", ">=", "like", "not like", "in", "not in", "is null",
// "is not null", "between" (letters in any case); InvalidValue listing them for anything else.
REX_KERNEL_API FilterOp parse_filter_op(std::string_view text);
REX_KERNEL_API std::string_view to_string(FilterOp op) noexcept;

// A condition on field values: one comparison, or an and / or / not of others.
struct Filter {
    enum class Kind : std::uint8_t { compare, all_of, any_of, negation };
    Kind kind = Kind::compare;
    std::string field;           // compare: the field's name
    FilterOp op = FilterOp::eq;  // compare
    std::vector<Value> values;   // compare: none (is null), one, two (between) or a list (in)
    std::vector<Filter> parts;   // all_of / any_of: the conditions; negation: the one negated
};

// Comparisons: filter("age", ">=", 18), filter("id", "in", {1, 2}), filter("age", "between", {18, 65}),
// filter("email", "is null"). The operator is read here; names and values are checked when the
// filter is given to a DynamicQuery.
REX_KERNEL_API Filter filter(std::string field, std::string_view op, Value value);
REX_KERNEL_API Filter filter(std::string field, std::string_view op, std::initializer_list<Value> values);
REX_KERNEL_API Filter filter(std::string field, std::string_view op, std::vector<Value> values);
REX_KERNEL_API Filter filter(std::string field, std::string_view op);
// and / or / not. all_of({}) holds for every row, any_of({}) for none.
REX_KERNEL_API Filter all_of(std::vector<Filter> parts);
REX_KERNEL_API Filter any_of(std::vector<Filter> parts);
REX_KERNEL_API Filter negate(Filter condition);
REX_KERNEL_API Filter operator&&(Filter a, Filter b);
REX_KERNEL_API Filter operator||(Filter a, Filter b);
REX_KERNEL_API Filter operator!(Filter condition);

struct Ordering {
    std::string field;
    bool descending = false;
    Nulls nulls = Nulls::database_default;
};

struct QuerySpec {
    std::string entity;
    std::vector<std::string> fields;  // empty: every field, in catalog order
    bool distinct = false;
    std::vector<Filter> where;        // every one must hold
    std::vector<Ordering> order_by;
    std::optional<std::int64_t> limit;
    std::optional<std::int64_t> offset;
};

// Field name -> value: what insert() and update() write, and the keys insert() returns.
using FieldValues = std::map<std::string, Value, std::less<>>;

// ---- the builder ---------------------------------------------------------------------------

class REX_KERNEL_API DynamicQuery {
public:
    // Runs on a session of the database's pool for each call. NotFoundError, listing the
    // catalog's entities, when the entity is unknown.
    DynamicQuery(Database& database, std::string_view entity);
    // Runs on this session, inside its transaction when one is open.
    DynamicQuery(Session& session, std::string_view entity);
    // Compiles only (to_sql() and the other *_sql()); running it throws UnsupportedError.
    DynamicQuery(const CatalogView& catalog, const Dialect& dialect, std::string_view entity);
    ~DynamicQuery();
    DynamicQuery(const DynamicQuery&);
    DynamicQuery& operator=(const DynamicQuery&);
    DynamicQuery(DynamicQuery&&) noexcept;
    DynamicQuery& operator=(DynamicQuery&&) noexcept;

    // The fields to read, in this order; by default every field. Replaces an earlier list.
    DynamicQuery& select(std::vector<std::string> fields);
    DynamicQuery& distinct(bool on = true);
    // Adds a condition; all of them must hold. Unknown fields throw NotFoundError listing the
    // entity's fields; values that do not fit the field's type, InvalidValue.
    DynamicQuery& where(std::string_view field, std::string_view op, Value value);
    DynamicQuery& where(std::string_view field, std::string_view op, std::initializer_list<Value> values);
    DynamicQuery& where(std::string_view field, std::string_view op, std::vector<Value> values);
    DynamicQuery& where(std::string_view field, std::string_view op);
    DynamicQuery& where(Filter condition);
    // NULLS FIRST / LAST are emulated where the database lacks them.
    DynamicQuery& order_by(std::string_view field, bool descending = false, Nulls nulls = Nulls::database_default);
    DynamicQuery& limit(std::int64_t n);
    DynamicQuery& offset(std::int64_t n);
    // Adds what a description asks for (its entity must be this query's), checking it the same way.
    DynamicQuery& apply(const QuerySpec& spec);

    // The checked description (values already converted to the fields' types).
    const QuerySpec& spec() const noexcept;
    const EntityInfo& entity() const noexcept;

    // SELECT of the chosen fields; result columns are named by field (aliased where the column
    // name differs).
    sql::CompiledQuery to_sql() const;
    // SELECT COUNT(*) of the rows the filters match (order, limit and offset do not apply).
    sql::CompiledQuery count_sql() const;
    sql::CompiledQuery insert_sql(const FieldValues& values) const;
    sql::CompiledQuery update_sql(const FieldValues& values) const;
    sql::CompiledQuery remove_sql() const;

    ResultSet rows() const;
    std::int64_t count() const;
    // Inserts one row and returns its primary key by field name, generated parts included
    // (RETURNING or the last insert id, as the dialect does it). Values are checked against the
    // fields' types, nullability, length and the entity's validation rules before any SQL runs;
    // insert, update and remove take no order_by / limit / offset.
    FieldValues insert(const FieldValues& values) const;
    // Many rows (all setting the same fields) in one statement; keys in row order.
    std::vector<FieldValues> insert_many(const std::vector<FieldValues>& rows) const;
    // Sets `values` on every row the filters match (all rows without filters); returns how many.
    std::int64_t update(const FieldValues& values) const;
    // Deletes every row the filters match (all rows without filters); returns how many.
    std::int64_t remove() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace rex
