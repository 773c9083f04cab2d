#include "sql/runner.hpp"

namespace rex::graphql {

void SqlRunner::log(const Statement& statement) {
    // The SQL text only: values may be secrets and stay out of logs.
    if (logger_) logger_->log(LogLevel::debug, "sql", statement.sql);
}

ResultSet SqlRunner::execute(const Statement& statement) {
    log(statement);
    return connection_.execute(statement.sql, statement.params);
}

std::optional<std::string> SqlRunner::json(const Statement& statement) {
    log(statement);
    struct Context {
        std::optional<std::string> out;
    } context;
    RowVisitor visitor{&context, [](void* c, Cursor& row) {
                           auto& ctx = *static_cast<Context*>(c);
                           if (!row.is_null(0)) ctx.out = std::string(row.text(0));
                           return false;
                       }};
    connection_.visit_rows(statement.sql, statement.params, visitor);
    return context.out;
}

}  // namespace rex::graphql
