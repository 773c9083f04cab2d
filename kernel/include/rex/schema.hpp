// Database schemas as plain data: read from a live database (introspection), derived from the
// catalog, rendered as DDL, and compared so that a migration can be written for the difference.
#pragma once

#include <rex/kernel/export.hpp>
#include <rex/sdk/adapter.hpp>
#include <rex/sdk/catalog.hpp>
#include <rex/sdk/dialect.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rex {

struct ColumnSchema {
    std::string name;
    std::string native_type;          // as the database reports it; empty for desired columns
    std::optional<ColumnType> type;   // nullopt: a native type Rex does not map
    bool nullable = true;
    std::optional<std::string> default_sql;
    bool primary_key = false;
    bool generated = false;           // identity / auto-increment
};

struct ForeignKeySchema {
    std::string name;  // may differ between databases; compared by columns and target
    std::vector<std::string> columns;
    std::string referenced_table;
    std::vector<std::string> referenced_columns;
    bool cascade_delete = false;  // ON DELETE CASCADE (a join table's rows go with what they link)
};

struct IndexSchema {
    std::string name;  // compared by columns and uniqueness, not by name
    std::vector<std::string> columns;
    bool unique = false;
};

struct TableSchema {
    std::string name;
    std::vector<ColumnSchema> columns;
    std::vector<IndexSchema> indexes;
    std::vector<ForeignKeySchema> foreign_keys;

    const ColumnSchema* column(std::string_view column_name) const noexcept {
        for (const auto& c : columns)
            if (c.name == column_name) return &c;
        return nullptr;
    }
};

// Every table of the connection's database (schema), except those named in `skip`.
REX_KERNEL_API std::vector<TableSchema> inspect_schema(Connection& connection, const Dialect& dialect,
                                                      const std::vector<std::string>& skip = {});
// The tables these entities need, in name order: their columns, primary key (composite
// included), unique fields and indexes, a foreign key for every relation (belongs_to on the
// entity, has_one / has_many on the target, once per column) and the join tables of
// many_to_many ones (with keys to both sides, deleted with them). Relation targets are looked up
// among `entities` by name; one that is missing is a configuration error naming the relation.
REX_KERNEL_API std::vector<TableSchema> schema_from_entities(const std::vector<std::shared_ptr<const EntityInfo>>& entities);
// schema_from_entities of every entity in the catalog: the one DDL path of `rex migrate diff`
// and Database::create_tables.
REX_KERNEL_API std::vector<TableSchema> schema_from_catalog(const CatalogView& catalog);

// CREATE TABLE (with primary key and foreign keys) followed by CREATE INDEX statements.
REX_KERNEL_API std::vector<std::string> create_table_sql(const TableSchema& table, const Dialect& dialect);
// create_table_sql of every table, referenced tables first. A foreign key that closes a cycle
// (tables referring to each other) is added by ALTER TABLE once all are created, where the
// database can; SQLite takes it inline (it allows a reference to a table not made yet).
REX_KERNEL_API std::vector<std::string> create_tables_sql(const std::vector<TableSchema>& tables, const Dialect& dialect);
// DROP TABLE IF EXISTS for every table, tables that refer to others before those they refer to;
// first, where the database can, the foreign keys create_tables_sql added by ALTER TABLE (the
// tables must then exist: drop only those that do).
REX_KERNEL_API std::vector<std::string> drop_tables_sql(const std::vector<TableSchema>& tables, const Dialect& dialect);

// One difference and the statements that apply and undo it.
struct SchemaChange {
    std::string summary;             // "add column users.age"
    std::vector<std::string> up;
    std::vector<std::string> down;
    bool destructive = false;        // drops a table or column: data is lost
    std::string warning;             // set when the database cannot do it (no statements then)
};

// What turns `live` into `desired`: new tables first, then columns, indexes and foreign
// keys, drops last. Tables only in `live` are dropped (destructive).
REX_KERNEL_API std::vector<SchemaChange> diff_schema(const std::vector<TableSchema>& live,
                                                    const std::vector<TableSchema>& desired, const Dialect& dialect);

// The up and down scripts of a migration for these changes (each change commented, down in
// reverse order). Changes with a warning, and destructive ones unless allowed, are left out and
// listed in `skipped` (and as comments at the end of up).
struct MigrationScripts {
    std::string up;
    std::string down;
    std::vector<std::string> skipped;
    std::size_t included = 0;  // changes written into up / down
    bool empty() const { return included == 0; }
};
REX_KERNEL_API MigrationScripts migration_scripts(const std::vector<SchemaChange>& changes, bool allow_destructive);

}  // namespace rex
