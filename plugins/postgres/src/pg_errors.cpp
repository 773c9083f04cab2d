#include "pg_errors.hpp"

#include <string>

namespace rex::postgres {

ErrorCategory category_of(std::string_view s) noexcept {
    if (s == "23505") return ErrorCategory::unique_violation;
    if (s == "23503") return ErrorCategory::foreign_key_violation;
    if (s == "23502") return ErrorCategory::not_null_violation;
    if (s == "23514") return ErrorCategory::check_violation;
    if (s == "40001") return ErrorCategory::serialization_failure;
    if (s == "40P01") return ErrorCategory::deadlock;
    if (s == "57014" || s == "55P03") return ErrorCategory::timeout;  // canceled (statement_timeout), lock not available
    if (s == "42501") return ErrorCategory::database;                 // insufficient privilege
    if (s == "0A000") return ErrorCategory::unsupported;
    if (s == "53300" || s == "28000" || s == "28P01" || s == "3D000") return ErrorCategory::connection;
    if (s.size() != 5) return ErrorCategory::database;
    const auto cls = s.substr(0, 2);
    if (cls == "08" || cls == "57") return ErrorCategory::connection;  // connection exception, operator intervention
    if (cls == "42") return ErrorCategory::syntax;                     // syntax error or unknown object
    if (cls == "22") return ErrorCategory::invalid_value;              // data exception
    if (cls == "40") return ErrorCategory::serialization_failure;
    if (cls == "23") return ErrorCategory::check_violation;            // other integrity constraints
    return ErrorCategory::database;
}

void raise_error(PGconn* conn, const PGresult* result, std::string_view sql) {
    std::string message = result ? PQresultErrorMessage(result) : "";
    if (message.empty() && conn) message = PQerrorMessage(conn);
    // libpq messages are "ERROR:  text\nDETAIL: ..." — keep the first line, without the prefix.
    if (const auto nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
    for (const char* prefix : {"ERROR:  ", "FATAL:  "})
        if (message.starts_with(prefix)) message.erase(0, std::string_view(prefix).size());
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string code = state ? state : "";
    auto category = category_of(code);
    const bool lost = !conn || PQstatus(conn) != CONNECTION_OK;
    if (lost) category = ErrorCategory::connection;
    // A parameter count mismatch is a protocol error that leaves the connection intact.
    if (code == "08P01" && !lost) category = ErrorCategory::invalid_value;
    if (code.empty() && lost) code = "08006";
    if (message.empty()) message = lost ? "connection lost" : "unknown error";
    raise({category, "postgres: " + message, code, std::string(sql)});
}

}  // namespace rex::postgres
