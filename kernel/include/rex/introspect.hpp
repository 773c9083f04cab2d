// Entities from a live database, for a host that serves a database nobody wrote models for
// (docs/rex-host.md, "Models"), and the catalog snapshot that lets a restart skip introspection.
//
// Names: an entity is named after its table and a field after its column (characters other than
// letters, digits and `_` become `_`; a leading digit gets a `_` before it). Relations:
//   - belongs_to, on the referencing entity, per single-column foreign key to a single-column
//     primary key: the column without a trailing `_id` / `Id` / `ID` ("ArtistId" -> "Artist",
//     "artist_id" -> "artist"); a column without that suffix gives the referenced table's name;
//   - has_many (has_one when the foreign-key column is unique or the referencing table's whole
//     key), on the referenced entity: the referencing table's name, for has_many in the plural
//     ("Album" -> "Albums", "category" -> "categories", names ending in `s` kept as they are);
//   - many_to_many, on both referenced entities, for a table whose primary key is exactly two such
//     foreign-key columns: the other entity's plural (the join table stays an entity too).
// A name already taken on its entity (by a field or an earlier relation) gets `_by_` and the
// foreign-key column (the join table for many_to_many), then a number if it is still taken.
// Relations are made in a fixed order (tables, then foreign keys, by name), so names are stable.
#pragma once

#include <rex/kernel/export.hpp>
#include <rex/schema.hpp>
#include <rex/sdk/catalog.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rex {

struct IntrospectedModels {
    std::vector<EntityInfo> entities;  // by table name
    std::vector<std::string> notes;    // what was left out and why ("Foo.bar_id: ...")
};

// Entities for these tables. Foreign keys to tables not in the list are left out (with a note).
REX_KERNEL_API IntrospectedModels entities_from_schema(const std::vector<TableSchema>& tables);

struct IntrospectOptions {
    std::vector<std::string> skip;  // tables left out (the migrations history table)
    std::vector<std::string> only;  // when not empty: just these tables
};

// inspect_schema + entities_from_schema.
REX_KERNEL_API IntrospectedModels introspect_entities(Connection& connection, const Dialect& dialect,
                                                      const IntrospectOptions& options = {});

// A cheap text that changes when the database's schema changes: SQLite's PRAGMA schema_version,
// a fingerprint of information_schema's columns and key columns on PostgreSQL and MySQL. Empty
// for a dialect Rex knows no such query for (a snapshot is then trusted until deleted).
REX_KERNEL_API std::string schema_version(Connection& connection, const Dialect& dialect);
// What a catalog snapshot is stamped with: the schema version and the introspection options, so a
// snapshot made for other tables is not taken either. Empty when the schema version is.
REX_KERNEL_API std::string snapshot_version(Connection& connection, const Dialect& dialect, const IntrospectOptions& options);

// A catalog snapshot file: {"rex_catalog_snapshot": {"format": 1, "schema_version": "..."},
// "entities": [... as in a model file ...]}.
struct CatalogSnapshot {
    std::string schema_version;
    std::vector<EntityInfo> entities;
};

// Writes atomically (a temporary file renamed over the old one).
REX_KERNEL_API void write_catalog_snapshot(const std::filesystem::path& file, const CatalogSnapshot& snapshot);
// nullopt when the file does not exist; ConfigurationError naming the file when it is malformed.
REX_KERNEL_API std::optional<CatalogSnapshot> read_catalog_snapshot(const std::filesystem::path& file);

// The catalog a server serves when no model files are named (rex-host, `rex schema export`): the
// snapshot file's entities when it still matches the database (or the engine has no schema
// version), else the database introspected — and then the snapshot is written when
// `write_snapshot` and a file is named. `snapshot` may be empty (no snapshot).
struct ServedCatalog {
    std::vector<EntityInfo> entities;
    bool from_snapshot = false;
    bool stale_snapshot = false;  // a snapshot was there but no longer matched
    bool wrote_snapshot = false;
    std::vector<std::string> notes;  // introspection's notes (what it left out and why)
};
REX_KERNEL_API ServedCatalog served_catalog(Connection& connection, const Dialect& dialect, const IntrospectOptions& options,
                                            const std::filesystem::path& snapshot, bool write_snapshot);

// Entities as the text of a model file (docs/model-files.md); parse_models reads it back.
REX_KERNEL_API std::string models_to_json(const std::vector<EntityInfo>& entities);

}  // namespace rex
