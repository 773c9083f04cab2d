#pragma once

#include <rex/sdk/dialect.hpp>

namespace rex::postgres {

class PgDialect final : public Dialect {
public:
    std::string_view name() const override { return "postgresql"; }
    std::string_view description() const override { return "PostgreSQL 12+ SQL"; }
    DialectFeatures features() const override;
    std::string quote_identifier(std::string_view identifier) const override;
    std::string placeholder(std::size_t index) const override { return "$" + std::to_string(index); }
    std::string column_type(const ColumnType& type) const override;
    std::string upsert_clause(const UpsertSpec& spec) const override;
    std::string json_list_match(std::string_view operand, std::string_view placeholder, bool negated, bool text) const override;
    std::string integer_array_match(std::string_view operand, std::string_view placeholder, bool negated) const override;
    std::string list_tables_sql() const override;
    std::string list_columns_sql() const override;
    std::optional<ColumnType> logical_type(std::string_view native_type) const override;
    std::string list_indexes_sql() const override;
    std::string list_foreign_keys_sql() const override;
    std::string try_lock_sql() const override;
    std::string unlock_sql() const override;
};

}  // namespace rex::postgres
