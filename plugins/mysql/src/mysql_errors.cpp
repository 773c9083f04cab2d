#include "mysql_errors.hpp"

#include <string>

namespace rex::mysql {

ErrorCategory category_of(unsigned e) noexcept {
    switch (e) {
        case 1062:  // ER_DUP_ENTRY
        case 1586:  // ER_DUP_ENTRY_WITH_KEY_NAME
            return ErrorCategory::unique_violation;
        case 1451:  // ER_ROW_IS_REFERENCED_2
        case 1452:  // ER_NO_REFERENCED_ROW_2
        case 1216:
        case 1217: return ErrorCategory::foreign_key_violation;
        case 1048:  // ER_BAD_NULL_ERROR
        case 1364:  // ER_NO_DEFAULT_FOR_FIELD
            return ErrorCategory::not_null_violation;
        case 3819:  // MySQL ER_CHECK_CONSTRAINT_VIOLATED
        case 4025:  // MariaDB ER_CONSTRAINT_FAILED
            return ErrorCategory::check_violation;
        case 1064:  // ER_PARSE_ERROR
        case 1146:  // ER_NO_SUCH_TABLE
        case 1054:  // ER_BAD_FIELD_ERROR
        case 1049:  // ER_BAD_DB_ERROR on USE
        case 1305:  // ER_SP_DOES_NOT_EXIST (unknown function)
        case 1052:  // ER_NON_UNIQ_ERROR (ambiguous column)
            return ErrorCategory::syntax;
        case 1213: return ErrorCategory::deadlock;             // ER_LOCK_DEADLOCK
        case 1205:                                             // ER_LOCK_WAIT_TIMEOUT
        case 3024:                                             // MySQL max_execution_time
        case 1317:                                             // ER_QUERY_INTERRUPTED (KILL QUERY: a cancel)
        case 1969: return ErrorCategory::timeout;              // MariaDB max_statement_time
        case 2002: case 2003: case 2005: case 2006: case 2013:  // CR_* connection errors
        case 2026: case 2055: case 1040: case 1045: case 1927: case 4031:
            return ErrorCategory::connection;
        case 1406:  // ER_DATA_TOO_LONG
        case 1264:  // ER_WARN_DATA_OUT_OF_RANGE
        case 1366:  // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
        case 1292:  // ER_TRUNCATED_WRONG_VALUE
        case 1265:  // WARN_DATA_TRUNCATED
        case 1690:  // ER_DATA_OUT_OF_RANGE
        case 2031:  // CR_PARAMS_NOT_BOUND
        case 2034:  // CR_INVALID_PARAMETER_NO
            return ErrorCategory::invalid_value;
        case 1295: return ErrorCategory::unsupported;  // ER_UNSUPPORTED_PS
        default: break;
    }
    return e >= 2000 && e < 3000 ? ErrorCategory::connection : ErrorCategory::database;
}

void raise_error(unsigned error_number, std::string_view sqlstate, std::string_view message, std::string_view sql) {
    std::string code = std::to_string(error_number);
    if (!sqlstate.empty()) code += " (" + std::string(sqlstate) + ")";
    raise({category_of(error_number), "mysql: " + std::string(message), code, std::string(sql)});
}

void raise_error(MYSQL* conn, std::string_view sql) {
    raise_error(mysql_errno(conn), mysql_sqlstate(conn), mysql_error(conn), sql);
}

void raise_error(MYSQL_STMT* stmt, std::string_view sql) {
    raise_error(mysql_stmt_errno(stmt), mysql_stmt_sqlstate(stmt), mysql_stmt_error(stmt), sql);
}

}  // namespace rex::mysql
