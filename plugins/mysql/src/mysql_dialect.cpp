#include "mysql_dialect.hpp"

namespace rex::mysql {

DialectFeatures MysqlDialect::features() const {
    DialectFeatures f;
    f.generated_keys = GeneratedKeyStyle::last_insert_id;
    f.upsert = UpsertStyle::on_duplicate_key;
    f.transactional_ddl = false;  // DDL commits implicitly
    f.right_join = true;
    f.full_join = false;
    f.nulls_first_last = false;
    f.savepoints = true;
    f.native_boolean = false;  // BOOLEAN is TINYINT(1)
    f.native_uuid = true;      // MariaDB 10.7+
    f.native_json = false;     // MariaDB's JSON is LONGTEXT with a check
    return f;
}

std::string MysqlDialect::quote_identifier(std::string_view identifier) const {
    std::string out = "`";
    for (char c : identifier) {
        if (c == '`') out += '`';
        out += c;
    }
    return out + '`';
}

std::string MysqlDialect::column_type(const ColumnType& type) const {
    switch (type.type) {
        case LogicalType::boolean: return "TINYINT(1)";
        case LogicalType::int32: return type.auto_increment ? "INT AUTO_INCREMENT" : "INT";
        case LogicalType::int64: return type.auto_increment ? "BIGINT AUTO_INCREMENT" : "BIGINT";
        case LogicalType::float64: return "DOUBLE";
        case LogicalType::decimal:
            // MySQL's bare DECIMAL is DECIMAL(10,0); give unspecified decimals room instead.
            return "DECIMAL(" + std::to_string(type.precision.value_or(38)) + "," +
                   std::to_string(type.precision ? type.scale.value_or(0) : 10) + ")";
        case LogicalType::string: return "VARCHAR(" + std::to_string(type.length.value_or(255)) + ")";
        case LogicalType::text: return "LONGTEXT";
        case LogicalType::bytes: return "LONGBLOB";
        case LogicalType::date: return "DATE";
        case LogicalType::time: return "TIME(6)";
        case LogicalType::timestamp: return "DATETIME(6)";  // UTC by convention; TIMESTAMP ends in 2038
        case LogicalType::uuid: return "UUID";
        case LogicalType::json: return "JSON";
    }
    return "LONGTEXT";
}

std::string MysqlDialect::upsert_clause(const UpsertSpec& spec) const {
    std::string out = " ON DUPLICATE KEY UPDATE ";
    for (std::size_t i = 0; i < spec.update_columns.size(); ++i) {
        const auto c = quote_identifier(spec.update_columns[i]);
        out += (i ? ", " : "") + c + " = VALUES(" + c + ")";
    }
    if (!spec.generated_key.empty()) {
        // LAST_INSERT_ID() then reports the existing row's key when the row is updated.
        const auto key = quote_identifier(spec.generated_key);
        out += ", " + key + " = LAST_INSERT_ID(" + key + ")";
    }
    return out;
}

GeneratedKeyStyle MysqlDialect::generated_keys(std::string_view server_version) const {
    // MariaDB 10.5 added INSERT ... RETURNING; MySQL has none. An old client may report
    // MariaDB as "5.5.5-10.11.6-MariaDB".
    if (server_version.find("MariaDB") == std::string_view::npos) return GeneratedKeyStyle::last_insert_id;
    if (server_version.starts_with("5.5.5-")) server_version.remove_prefix(6);
    return version_at_least(server_version, {10, 5}) ? GeneratedKeyStyle::returning : GeneratedKeyStyle::last_insert_id;
}

std::string MysqlDialect::list_tables_sql() const {
    return "SELECT table_name AS table_name FROM information_schema.tables "
           "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name";
}

std::string MysqlDialect::list_columns_sql() const {
    // MariaDB's JSON is LONGTEXT with a json_valid() check: report it as json.
    return "SELECT column_name AS column_name, CASE WHEN column_type = 'longtext' AND EXISTS (SELECT 1 FROM "
           "information_schema.check_constraints k WHERE k.constraint_schema = c.table_schema AND k.table_name = "
           "c.table_name AND k.check_clause LIKE CONCAT('%json_valid(`', c.column_name, '`)%')) THEN 'json' ELSE column_type "
           "END AS data_type, is_nullable = 'YES' AS is_nullable, "
           "column_default AS column_default, column_key = 'PRI' AS is_primary_key, "
           "extra LIKE '%auto_increment%' AS is_generated FROM information_schema.columns c "
           "WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position";
}

std::optional<ColumnType> MysqlDialect::logical_type(std::string_view native) const {
    // MariaDB stores BOOLEAN as tinyint(1) and UUID as its own type.
    if (native == "tinyint(1)") return ColumnType(LogicalType::boolean);
    return parse_native_type(native, {{"tinyint", LogicalType::int32},
                                      {"smallint", LogicalType::int32},
                                      {"mediumint", LogicalType::int32},
                                      {"int", LogicalType::int32},
                                      {"bigint", LogicalType::int64},
                                      {"double", LogicalType::float64},
                                      {"float", LogicalType::float64},
                                      {"decimal", LogicalType::decimal},
                                      {"varchar", LogicalType::string},
                                      {"char", LogicalType::string},
                                      {"longtext", LogicalType::text},
                                      {"mediumtext", LogicalType::text},
                                      {"text", LogicalType::text},
                                      {"longblob", LogicalType::bytes},
                                      {"mediumblob", LogicalType::bytes},
                                      {"blob", LogicalType::bytes},
                                      {"varbinary", LogicalType::bytes},
                                      {"date", LogicalType::date},
                                      {"time", LogicalType::time},
                                      {"datetime", LogicalType::timestamp},
                                      {"timestamp", LogicalType::timestamp},
                                      {"uuid", LogicalType::uuid},
                                      {"json", LogicalType::json}});
}

std::string MysqlDialect::list_indexes_sql() const {
    return "SELECT index_name AS index_name, column_name AS column_name, non_unique = 0 AS is_unique "
           "FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? "
           "AND index_name <> 'PRIMARY' ORDER BY index_name, seq_in_index";
}

std::string MysqlDialect::list_foreign_keys_sql() const {
    return "SELECT constraint_name AS constraint_name, column_name AS column_name, "
           "referenced_table_name AS referenced_table, referenced_column_name AS referenced_column "
           "FROM information_schema.key_column_usage WHERE table_schema = DATABASE() AND table_name = ? "
           "AND referenced_table_name IS NOT NULL ORDER BY constraint_name, ordinal_position";
}

std::string MysqlDialect::drop_index_sql(std::string_view table, std::string_view index) const {
    return "DROP INDEX " + quote_identifier(index) + " ON " + quote_identifier(table);
}

std::string MysqlDialect::alter_column_sql(std::string_view table, std::string_view column, const ColumnType& type,
                                           bool nullable) const {
    return "ALTER TABLE " + quote_identifier(table) + " MODIFY COLUMN " + quote_identifier(column) + " " + column_type(type) +
           (nullable ? " NULL" : " NOT NULL");
}

std::string MysqlDialect::drop_foreign_key_sql(std::string_view table, std::string_view name) const {
    return "ALTER TABLE " + quote_identifier(table) + " DROP FOREIGN KEY " + quote_identifier(name);
}

std::string MysqlDialect::try_lock_sql() const { return "SELECT GET_LOCK(?, 0)"; }

std::string MysqlDialect::unlock_sql() const { return "SELECT RELEASE_LOCK(?)"; }

std::string MysqlDialect::json_list_match(std::string_view operand, std::string_view placeholder, bool negated, bool text) const {
    // JSON_TABLE: MySQL 8.0.4+, MariaDB 10.6+. LONGTEXT, so no text is cut to a column size.
    std::string out(operand);
    out += negated ? " NOT IN (SELECT j.v FROM JSON_TABLE(" : " IN (SELECT j.v FROM JSON_TABLE(";
    out += placeholder;
    out += text ? ", '$[*]' COLUMNS (v LONGTEXT PATH '$')) AS j)" : ", '$[*]' COLUMNS (v BIGINT PATH '$')) AS j)";
    return out;
}

}  // namespace rex::mysql
