// Extension point "query-dialect": the hooks the kernel's SQL compiler calls. Kept apart
// from the adapter so one driver can serve several dialects.
#pragma once

#include <rex/sdk/types.hpp>

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

REX_SDK_BEGIN

enum class UpsertStyle : std::uint8_t { on_conflict, on_duplicate_key };
enum class GeneratedKeyStyle : std::uint8_t { returning, last_insert_id };

struct DialectFeatures {
    // How every server of the dialect reports generated keys; generated_keys(version) can say
    // better for one server (MariaDB 10.5+ has RETURNING where MySQL has not).
    GeneratedKeyStyle generated_keys = GeneratedKeyStyle::returning;
    UpsertStyle upsert = UpsertStyle::on_conflict;
    bool transactional_ddl = true;
    bool right_join = true;
    bool full_join = false;
    bool nulls_first_last = true;  // ORDER BY ... NULLS FIRST / LAST
    bool savepoints = true;
    bool native_boolean = true;
    bool native_uuid = false;
    bool native_json = false;
    bool alter_constraints = true;  // ALTER TABLE ... ADD / DROP CONSTRAINT (not SQLite)
    // The database runs inside this process (SQLite): a statement costs no round trip, so the
    // ORM writes many rows as a batch of prepared single-row statements rather than as
    // multi-row VALUES lists.
    bool in_process = false;
};

// What the upsert clause needs to know.
struct UpsertSpec {
    std::vector<std::string> conflict_columns;  // unquoted
    std::vector<std::string> update_columns;    // unquoted
    // The generated key the caller reads back without RETURNING (unquoted; "" for none): the
    // clause makes the database report the existing row's key when it updates one (MySQL:
    // `key = LAST_INSERT_ID(key)`).
    std::string generated_key{};
};

class REX_SDK_API Dialect {
public:
    virtual ~Dialect();
    virtual std::string_view name() const = 0;
    virtual std::string_view description() const = 0;
    virtual DialectFeatures features() const = 0;

    // Quotes an identifier taken from the catalog, escaping embedded quote characters.
    virtual std::string quote_identifier(std::string_view identifier) const = 0;
    // The placeholder for the 1-based parameter `index` ("$1", "?").
    virtual std::string placeholder(std::size_t index) const = 0;
    // The column type for a logical type, e.g. string(255) -> "VARCHAR(255)".
    virtual std::string column_type(const ColumnType& type) const = 0;
    // " LIMIT n OFFSET m" (leading space) or "" when both are absent.
    virtual std::string limit_offset(std::optional<std::int64_t> limit,
                                     std::optional<std::int64_t> offset) const;
    // The clause appended to an INSERT to turn it into an upsert.
    virtual std::string upsert_clause(const UpsertSpec& spec) const = 0;
    // " RETURNING a, b" ("" for no columns). The caller asks generated_keys() whether the
    // server has it.
    virtual std::string returning_clause(const std::vector<std::string>& columns) const;
    // How a server of this version (Connection::server_version()) reports the keys it
    // generates: RETURNING, or the last insert id of each single-row statement (then the kernel
    // inserts one row per statement rather than guess the keys of a multi-row insert). Default:
    // features().generated_keys.
    virtual GeneratedKeyStyle generated_keys(std::string_view server_version) const;
    // Whether an upsert whose statement reported `affected_rows` updated an existing row rather
    // than inserting one, when the count says so (MySQL: 2); false when it does not say.
    virtual bool upsert_updated_existing(std::int64_t affected_rows) const;
    // A match of `operand` (SQL already written) against many integers bound as ONE parameter,
    // `placeholder`, whose value is an array literal such as "{1,2,3}": PostgreSQL's
    // `operand = ANY(CAST($1 AS bigint[]))` (`<> ALL` when negated). The kernel writes integer IN
    // lists this way where the dialect can, so that a list of any length is one statement (one
    // entry in the driver's statement cache) and one parameter to encode and parse. "" (the
    // default): no such form, and IN (...) binds one parameter per value.
    virtual std::string integer_array_match(std::string_view operand, std::string_view placeholder, bool negated) const;
    // A match of `operand` against a long list of integers (text == false) or texts bound as ONE
    // parameter, `placeholder`, whose value is the list as JSON array text ([1,2], ["a","b"]),
    // e.g. `operand IN (SELECT value FROM json_each(?))`. The kernel writes IN lists of more than
    // 1000 values this way where integer_array_match does not apply: a statement binds at most
    // 65 535 parameters on PostgreSQL and MySQL. "" (the default): no such form.
    virtual std::string json_list_match(std::string_view operand, std::string_view placeholder, bool negated, bool text) const;

    // The logical type of a native column type as introspection reports it ("character
    // varying(80)", "bigint(20)", "DECIMAL(10,2)"); nullopt for types Rex does not map
    // (the default: a dialect without introspection maps none).
    virtual std::optional<ColumnType> logical_type(std::string_view native_type) const;

    // Catalog introspection. tables: one row per table, column "table_name".
    // columns (one parameter: the table name): column_name, data_type (the full native type,
    // with length / precision), is_nullable (bool or 0/1), column_default (SQL text or NULL),
    // is_primary_key (bool or 0/1), is_generated (identity / auto-increment, bool or 0/1), in
    // ordinal order.
    virtual std::string list_tables_sql() const = 0;
    virtual std::string list_columns_sql() const = 0;
    // indexes (one parameter: the table name), primary keys excluded: index_name, column_name,
    // is_unique (bool or 0/1), ordered by index name and position. "" if not supported.
    virtual std::string list_indexes_sql() const;
    // foreign keys (one parameter: the table name): constraint_name, column_name,
    // referenced_table, referenced_column, ordered by constraint name and position.
    virtual std::string list_foreign_keys_sql() const;

    // DDL details. Dropping an index (default: DROP INDEX <index>).
    virtual std::string drop_index_sql(std::string_view table, std::string_view index) const;
    // Changing a column's type and nullability in place (default: PostgreSQL's ALTER COLUMN
    // ... TYPE / SET NOT NULL); "" when the database cannot (SQLite: the table must be rebuilt).
    virtual std::string alter_column_sql(std::string_view table, std::string_view column, const ColumnType& type,
                                         bool nullable) const;

    // Dropping a foreign key (default: ALTER TABLE <table> DROP CONSTRAINT <name>).
    virtual std::string drop_foreign_key_sql(std::string_view table, std::string_view name) const;

    // A named lock that serialises processes (migration runners), held by one connection
    // outside any transaction. try_lock: one parameter (the name), one row whose first column
    // is 1 when the lock was taken, else 0, without waiting. "" when the database has no such
    // lock; the caller then uses an exclusive transaction.
    virtual std::string try_lock_sql() const;
    virtual std::string unlock_sql() const;  // one parameter: the name
};

// For Dialect::logical_type: matches the type's name (lower case, without "(...)" and
// " unsigned") against `names`; "(n)" becomes a string's length, "(p,s)" a decimal's precision
// and scale, other arguments are ignored. nullopt when no name matches.
REX_SDK_API std::optional<ColumnType> parse_native_type(
    std::string_view native_type, std::initializer_list<std::pair<std::string_view, LogicalType>> names);

// For Dialect::generated_keys: whether a version string ("10.11.6-MariaDB", "3.40.1", "16.2")
// starts with a dotted version of at least `least` ({10, 5}); false when it starts with no number.
REX_SDK_API bool version_at_least(std::string_view version, std::initializer_list<int> least);

REX_SDK_END
