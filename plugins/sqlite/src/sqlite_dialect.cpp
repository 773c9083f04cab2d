#include "sqlite_dialect.hpp"

namespace rex::sqlite {

DialectFeatures SqliteDialect::features() const {
    DialectFeatures f;
    f.generated_keys = GeneratedKeyStyle::returning;  // RETURNING since 3.35
    f.upsert = UpsertStyle::on_conflict;
    f.transactional_ddl = true;
    f.right_join = true;  // since 3.39
    f.full_join = true;
    f.nulls_first_last = true;  // since 3.30
    f.savepoints = true;
    f.native_boolean = false;
    f.native_uuid = false;
    f.native_json = false;
    f.alter_constraints = false;
    f.in_process = true;
    return f;
}

std::string SqliteDialect::quote_identifier(std::string_view identifier) const {
    std::string out = "\"";
    for (char c : identifier) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string SqliteDialect::placeholder(std::size_t index) const { return "?" + std::to_string(index); }

std::string SqliteDialect::column_type(const ColumnType& type) const {
    switch (type.type) {
        case LogicalType::boolean: return "BOOLEAN";
        case LogicalType::int32:
        case LogicalType::int64: return "INTEGER";  // "INTEGER PRIMARY KEY" makes the rowid alias
        case LogicalType::float64: return "REAL";
        case LogicalType::decimal:
            if (type.precision)
                return "DECIMAL(" + std::to_string(*type.precision) + "," + std::to_string(type.scale.value_or(0)) + ")";
            return "DECIMAL";
        case LogicalType::string: return "VARCHAR(" + std::to_string(type.length.value_or(255)) + ")";
        case LogicalType::text: return "TEXT";
        case LogicalType::bytes: return "BLOB";
        case LogicalType::date: return "DATE";
        case LogicalType::time: return "TIME";
        case LogicalType::timestamp: return "TIMESTAMP";
        case LogicalType::uuid: return "UUID";
        case LogicalType::json: return "JSON";
    }
    return "TEXT";
}

GeneratedKeyStyle SqliteDialect::generated_keys(std::string_view library_version) const {
    return version_at_least(library_version, {3, 35}) ? GeneratedKeyStyle::returning : GeneratedKeyStyle::last_insert_id;
}

std::string SqliteDialect::upsert_clause(const UpsertSpec& spec) const {
    std::string out = " ON CONFLICT (";
    for (std::size_t i = 0; i < spec.conflict_columns.size(); ++i)
        out += (i ? ", " : "") + quote_identifier(spec.conflict_columns[i]);
    out += ") DO UPDATE SET ";
    for (std::size_t i = 0; i < spec.update_columns.size(); ++i) {
        const auto column = quote_identifier(spec.update_columns[i]);
        out += (i ? ", " : "") + column + " = excluded." + column;
    }
    return out;
}

std::string SqliteDialect::list_tables_sql() const {
    return "SELECT name AS table_name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
           "ORDER BY name";
}

std::string SqliteDialect::list_columns_sql() const {
    // An INTEGER PRIMARY KEY is the rowid: generated when not given.
    return "SELECT name AS column_name, type AS data_type, \"notnull\" = 0 AND pk = 0 AS is_nullable, dflt_value AS column_default, "
           "pk > 0 AS is_primary_key, pk = 1 AND upper(type) = 'INTEGER' AND "
           "(SELECT COUNT(*) FROM pragma_table_info(?1) WHERE pk > 0) = 1 AS is_generated "
           "FROM pragma_table_info(?1) ORDER BY cid";
}

std::optional<ColumnType> SqliteDialect::logical_type(std::string_view native) const {
    // Declared types are free text; these are the ones Rex writes and the usual others.
    return parse_native_type(native, {{"boolean", LogicalType::boolean},
                                      {"integer", LogicalType::int64},
                                      {"int", LogicalType::int64},
                                      {"bigint", LogicalType::int64},
                                      {"smallint", LogicalType::int32},
                                      {"real", LogicalType::float64},
                                      {"double", LogicalType::float64},
                                      {"float", LogicalType::float64},
                                      {"numeric", LogicalType::decimal},
                                      {"decimal", LogicalType::decimal},
                                      {"varchar", LogicalType::string},
                                      {"nvarchar", LogicalType::string},
                                      {"character", LogicalType::string},
                                      {"text", LogicalType::text},
                                      {"clob", LogicalType::text},
                                      {"blob", LogicalType::bytes},
                                      {"date", LogicalType::date},
                                      {"time", LogicalType::time},
                                      {"timestamp", LogicalType::timestamp},
                                      {"datetime", LogicalType::timestamp},
                                      {"uuid", LogicalType::uuid},
                                      {"json", LogicalType::json}});
}

std::string SqliteDialect::list_indexes_sql() const {
    return "SELECT l.name AS index_name, i.name AS column_name, l.\"unique\" AS is_unique "
           "FROM pragma_index_list(?1) l JOIN pragma_index_info(l.name) i WHERE l.origin <> 'pk' "
           "ORDER BY l.name, i.seqno";
}

std::string SqliteDialect::list_foreign_keys_sql() const {
    return "SELECT 'fk_' || id AS constraint_name, \"from\" AS column_name, \"table\" AS referenced_table, "
           "\"to\" AS referenced_column FROM pragma_foreign_key_list(?1) ORDER BY id, seq";
}

// SQLite cannot change a column in place; the table has to be rebuilt.
std::string SqliteDialect::alter_column_sql(std::string_view, std::string_view, const ColumnType&, bool) const { return {}; }

std::string SqliteDialect::json_list_match(std::string_view operand, std::string_view placeholder, bool negated, bool) const {
    // json_each gives JSON strings as text and JSON integers as integers: either kind as is.
    std::string out(operand);
    out += negated ? " NOT IN (SELECT value FROM json_each(" : " IN (SELECT value FROM json_each(";
    out += placeholder;
    return out + "))";
}

}  // namespace rex::sqlite
