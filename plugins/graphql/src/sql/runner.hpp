// Runs the compiler's statements on one connection, logging each (component "sql", debug level).
#pragma once

#include "sql/writer.hpp"

#include <rex/sdk/adapter.hpp>
#include <rex/sdk/log.hpp>

#include <optional>
#include <string>

namespace rex::graphql {

class SqlRunner {
public:
    SqlRunner(Connection& connection, Logger* logger) : connection_(connection), logger_(logger) {}

    Connection& connection() noexcept { return connection_; }
    ResultSet execute(const Statement& statement);
    // The first column of the first row as text (a JSON document); nullopt when there is no row
    // or the value is NULL.
    std::optional<std::string> json(const Statement& statement);

private:
    void log(const Statement& statement);
    Connection& connection_;
    Logger* logger_;
};

}  // namespace rex::graphql
