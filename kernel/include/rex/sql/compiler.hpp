// Renders query ASTs as SQL for one dialect: identifiers quoted by the dialect, every value a
// bound parameter in order.
#pragma once

#include <rex/kernel/export.hpp>
#include <rex/sdk/dialect.hpp>
#include <rex/sql/ast.hpp>

#include <string>

namespace rex::sql {

struct CompiledQuery {
    std::string sql;
    Params params;
};

// Throws UnsupportedError for what the dialect cannot express (RIGHT JOIN on old SQLite,
// NULLS FIRST on MySQL, RETURNING without support, ...), naming the construct and the dialect.
REX_KERNEL_API CompiledQuery compile(const Statement& statement, const Dialect& dialect);
REX_KERNEL_API CompiledQuery compile(const Select& select, const Dialect& dialect);

}  // namespace rex::sql
