#pragma once

#include <rex/sdk/dialect.hpp>

namespace rex::mysql {

class MysqlDialect final : public Dialect {
public:
    std::string_view name() const override { return "mysql"; }
    std::string_view description() const override { return "MySQL 8 / MariaDB 10.7+ SQL"; }
    DialectFeatures features() const override;
    std::string quote_identifier(std::string_view identifier) const override;
    std::string placeholder(std::size_t) const override { return "?"; }
    std::string column_type(const ColumnType& type) const override;
    std::string upsert_clause(const UpsertSpec& spec) const override;
    GeneratedKeyStyle generated_keys(std::string_view server_version) const override;
    bool upsert_updated_existing(std::int64_t affected_rows) const override { return affected_rows == 2; }
    std::string json_list_match(std::string_view operand, std::string_view placeholder, bool negated, bool text) const override;
    std::string list_tables_sql() const override;
    std::string list_columns_sql() const override;
    std::optional<ColumnType> logical_type(std::string_view native_type) const override;
    std::string list_indexes_sql() const override;
    std::string list_foreign_keys_sql() const override;
    std::string try_lock_sql() const override;
    std::string drop_foreign_key_sql(std::string_view table, std::string_view name) const override;
    std::string drop_index_sql(std::string_view table, std::string_view index) const override;
    std::string alter_column_sql(std::string_view table, std::string_view column, const ColumnType& type,
                                 bool nullable) const override;
    std::string unlock_sql() const override;
};

}  // namespace rex::mysql
