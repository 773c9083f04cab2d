#pragma once

#include <rex/sdk/dialect.hpp>

namespace rex::sqlite {

class SqliteDialect final : public Dialect {
public:
    std::string_view name() const override { return "sqlite"; }
    std::string_view description() const override { return "SQLite 3.35+ SQL"; }
    DialectFeatures features() const override;
    std::string quote_identifier(std::string_view identifier) const override;
    std::string placeholder(std::size_t index) const override;
    std::string column_type(const ColumnType& type) const override;
    std::string upsert_clause(const UpsertSpec& spec) const override;
    GeneratedKeyStyle generated_keys(std::string_view library_version) const override;
    std::string json_list_match(std::string_view operand, std::string_view placeholder, bool negated, bool text) const override;
    std::string list_tables_sql() const override;
    std::string list_columns_sql() const override;
    std::optional<ColumnType> logical_type(std::string_view native_type) const override;
    std::string list_indexes_sql() const override;
    std::string list_foreign_keys_sql() const override;
    std::string alter_column_sql(std::string_view table, std::string_view column, const ColumnType& type,
                                 bool nullable) const override;
};

}  // namespace rex::sqlite
