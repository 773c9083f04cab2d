// The SQL compiler: a root field of a prepared operation -> ONE statement that builds the field's
// whole JSON value inside the database (PostgreSQL: JSON text concatenated, to_json per value and
// string_agg per array; SQLite json_object / json_group_array, MariaDB JSON_OBJECT / JSON_ARRAYAGG),
// relations as correlated subqueries. Every value is a bound parameter; every identifier comes from the catalog, quoted by
// the dialect (save CompileLimits::literal_integers). How values render is the same on the three engines (docs/graphql.md).
#pragma once

#include "api/api.hpp"
#include "schema/operation.hpp"

#include <rex/sdk/dialect.hpp>
#include <rex/sdk/value.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace rex::graphql {

enum class Engine : unsigned char { postgres, sqlite, mysql };
Engine engine_of(const Dialect& dialect);

// Bad argument values found while compiling (a date that is no date): BAD_USER_INPUT.
class InputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Statement {
    std::string sql;
    std::vector<Value> params;
};

class Access;

struct CompileLimits {
    std::optional<std::int64_t> default_limit;  // applied to lists without a limit
    std::optional<std::int64_t> max_limit;      // a larger limit is an error
    // The requester's permission rules (sql/access.hpp); nullptr: every row (the admin).
    const Access* access = nullptr;
    // PostgreSQL: integer values of the document itself (filters, keys, limit, offset; not a
    // rule's or a session variable's) written as literals. For the compiled SQL that the plan
    // cache keeps for a document sent again: a statement with any parameter is planned again on
    // every run whenever PostgreSQL finds the generic plan dearer than a custom one (a filtered
    // page: LIMIT $2 on genre_id = $1), one without is planned once per connection. An integer's
    // text cannot carry SQL; strings and other values stay bound.
    bool literal_integers = false;
};

// Builds SQL text with values held aside: a value is written as a marker and numbered by the
// dialect in text order when the statement is finished, so pieces may be built in any order.
class Writer {
public:
    Writer(const Api& api, const Dialect& dialect, CompileLimits limits = {});

    Engine engine() const noexcept { return engine_; }
    const Dialect& dialect() const noexcept { return dialect_; }
    const Api& api() const noexcept { return api_; }

    std::string bind(Value value);
    std::string new_alias();
    std::string quote(std::string_view identifier) const { return dialect_.quote_identifier(identifier); }
    std::string column(const std::string& alias, const FieldInfo& field) const { return alias + "." + quote(field.column); }
    // The select list of a derived table `b` read as `s` by `outer`: the columns `outer` reads.
    std::string derived_columns(const EntityApi& e, const std::string& b, const std::string& s, const std::string& outer) const;
    // A model field by name (foreign keys name fields; a column name is accepted too).
    const FieldInfo& field_of(const EntityInfo& entity, const std::string& name) const;

    // The JSON value of a relation, list, aggregate or object, as an SQL expression.
    std::string object(const EntityApi& e, const std::string& alias, const std::vector<SelectedField>& selection);
    // `SELECT <json array>` of the rows of `e` matching the list arguments of `field` (where,
    // order_by, limit, offset) and `extra` conditions over `alias`.
    std::string list_select(const EntityApi& e, const std::string& alias, const SelectedField& field, std::vector<std::string> extra,
                            bool correlated);
    std::string aggregate_select(const EntityApi& e, const std::string& alias, const SelectedField& field, std::vector<std::string> extra,
                                 bool correlated);
    // A JSON value produced by a subquery, made usable as a nested JSON value on every engine.
    std::string nested(const std::string& select) const;
    // A boolean SQL condition from a `t_bool_exp` value over `alias`.
    std::string filter(const EntityApi& e, const std::string& alias, const InputValue& where);
    // The condition joining `relation` of the row `alias` (of `e`) to the target row `target_alias`.
    std::string join(const EntityApi& e, const std::string& alias, const RelationInfo& relation, const std::string& target_alias);
    // `alias.k = v` for each key column (several for a composite key), or any of several keys.
    std::string key_match(const std::string& alias, const std::vector<const FieldInfo*>& key, const std::vector<std::vector<Value>>& keys);

    // A value rendered in the documented JSON form (decimals as strings, booleans true/false, ...).
    std::string render(const std::string& expression, const ColumnType& type) const;

    Statement finish(std::string sql) const;

    // Permissions (sql/access.hpp): the role's row condition on `e` read as `alias` (empty when
    // unrestricted), `condition` with it ANDed in, and a rule's condition compiled (rules inside a
    // rule's own relations are not applied again, so rules that refer to each other end).
    std::string visible(const EntityApi& e, const std::string& alias);
    std::string with_rows(const EntityApi& e, const std::string& alias, std::string condition);
    std::string rule(const EntityApi& e, const std::string& alias, const InputValue& condition);

private:
    std::optional<std::int64_t> capped(const EntityApi& e, std::optional<std::int64_t> limit) const;

    struct OrderTerm {
        const FieldInfo* column = nullptr;        // ordered column, on the entity reached by `path` (none for count)
        std::vector<const RelationInfo*> path;    // object relations to follow first
        bool descending = false;
        bool nulls_first = false;
        const RelationInfo* aggregate = nullptr;  // `<rel>_aggregate: {count | max {col} | min {col}}`
        std::string function;                     // "count", "max", "min"
    };
    void add_aggregate_order_terms(const RelationInfo& relation, const InputValue& object, const std::vector<const RelationInfo*>& path,
                                   std::vector<OrderTerm>& out) const;
    std::vector<OrderTerm> order_terms(const EntityApi& e, const InputValue* order_by) const;
    void add_order_terms(const EntityApi& e, const InputValue& object, std::vector<const RelationInfo*> path, std::vector<OrderTerm>& out) const;
    std::string order_by(const EntityApi& e, const std::string& alias, const std::vector<OrderTerm>& terms);
    std::string comparison(const std::string& column, const FieldInfo& field, const InputValue& ops);
    // A scalar SQL value as a member of json_object (on PostgreSQL its JSON text; members that are
    // objects, arrays or nested() values are JSON already). `number`: an integer.
    std::string scalar(const std::string& value, bool number = false) const;
    std::string json_object(const std::vector<std::pair<std::string, std::string>>& members) const;
    std::string string_literal(std::string_view text) const;
    std::string json_array_agg(const std::string& element, const std::string& order) const;
    std::string aggregate_fields(const EntityApi& e, const std::string& alias, const SelectedField& field);
    // count(*) / count(columns) / count(DISTINCT …) over `alias` of `e`, as `_aggregate { count }`
    // and the `_aggregate` filter's count write it (`columns`: a list of select_column values).
    std::string count_expression(const EntityApi& e, const std::string& alias, const InputValue* columns, bool distinct) const;
    // `<relation>_aggregate: {count: {arguments, distinct, filter, predicate}}` in a bool_exp.
    std::string aggregate_condition(const EntityApi& e, const std::string& alias, const RelationInfo& relation, const InputValue& condition);
    std::optional<std::int64_t> int_argument(const SelectedField& field, std::string_view name) const;

    const Api& api_;
    const Dialect& dialect_;
    Engine engine_;
    CompileLimits limits_;
    std::vector<Value> values_;
    int aliases_ = 0;
    bool in_rule_ = false;
};

// The one statement answering a query root field (list, by_pk, aggregate): one row with one
// JSON text column, or no row for a by_pk that found nothing.
Statement compile_query(const Api& api, const Dialect& dialect, const RootField& root, const SelectedField& field,
                        const CompileLimits& limits = {});

// Converts a GraphQL argument value to the database value of a column (InputError when it cannot).
Value to_value(const InputValue& input, const FieldInfo& field);
// The JSON text of an input value (a jsonb argument).
std::string input_json(const InputValue& input);

// Removes whitespace outside strings: PostgreSQL and MariaDB write "{"a" : 1, ...}", SQLite
// writes none, and the three must answer byte for byte alike.
void append_compact_json(std::string_view json, std::string& out);

}  // namespace rex::graphql
