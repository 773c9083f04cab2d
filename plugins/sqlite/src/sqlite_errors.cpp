#include "sqlite_errors.hpp"

namespace rex::sqlite {

namespace {

struct CodeName {
    int code;
    const char* name;
};

// The extended codes an application meets; others print as their primary code's name.
constexpr CodeName code_names[] = {
    {SQLITE_CONSTRAINT_UNIQUE, "SQLITE_CONSTRAINT_UNIQUE"},
    {SQLITE_CONSTRAINT_PRIMARYKEY, "SQLITE_CONSTRAINT_PRIMARYKEY"},
    {SQLITE_CONSTRAINT_FOREIGNKEY, "SQLITE_CONSTRAINT_FOREIGNKEY"},
    {SQLITE_CONSTRAINT_NOTNULL, "SQLITE_CONSTRAINT_NOTNULL"},
    {SQLITE_CONSTRAINT_CHECK, "SQLITE_CONSTRAINT_CHECK"},
    {SQLITE_CONSTRAINT_TRIGGER, "SQLITE_CONSTRAINT_TRIGGER"},
    {SQLITE_CONSTRAINT_DATATYPE, "SQLITE_CONSTRAINT_DATATYPE"},
    {SQLITE_BUSY_SNAPSHOT, "SQLITE_BUSY_SNAPSHOT"},
    {SQLITE_BUSY_RECOVERY, "SQLITE_BUSY_RECOVERY"},
    {SQLITE_READONLY_DBMOVED, "SQLITE_READONLY_DBMOVED"},
    {SQLITE_CANTOPEN_ISDIR, "SQLITE_CANTOPEN_ISDIR"},
    {SQLITE_IOERR_SHORT_READ, "SQLITE_IOERR_SHORT_READ"},
    {SQLITE_ERROR, "SQLITE_ERROR"},
    {SQLITE_INTERNAL, "SQLITE_INTERNAL"},
    {SQLITE_PERM, "SQLITE_PERM"},
    {SQLITE_ABORT, "SQLITE_ABORT"},
    {SQLITE_BUSY, "SQLITE_BUSY"},
    {SQLITE_LOCKED, "SQLITE_LOCKED"},
    {SQLITE_NOMEM, "SQLITE_NOMEM"},
    {SQLITE_READONLY, "SQLITE_READONLY"},
    {SQLITE_INTERRUPT, "SQLITE_INTERRUPT"},
    {SQLITE_IOERR, "SQLITE_IOERR"},
    {SQLITE_CORRUPT, "SQLITE_CORRUPT"},
    {SQLITE_FULL, "SQLITE_FULL"},
    {SQLITE_CANTOPEN, "SQLITE_CANTOPEN"},
    {SQLITE_SCHEMA, "SQLITE_SCHEMA"},
    {SQLITE_TOOBIG, "SQLITE_TOOBIG"},
    {SQLITE_CONSTRAINT, "SQLITE_CONSTRAINT"},
    {SQLITE_MISMATCH, "SQLITE_MISMATCH"},
    {SQLITE_MISUSE, "SQLITE_MISUSE"},
    {SQLITE_RANGE, "SQLITE_RANGE"},
    {SQLITE_NOTADB, "SQLITE_NOTADB"},
};

}  // namespace

std::string native_code(int extended_code) {
    for (const auto& c : code_names)
        if (c.code == extended_code) return std::string(c.name) + " (" + std::to_string(extended_code) + ")";
    for (const auto& c : code_names)
        if (c.code == (extended_code & 0xff)) return std::string(c.name) + " (" + std::to_string(extended_code) + ")";
    return "SQLITE (" + std::to_string(extended_code) + ")";
}

ErrorCategory category_of(int code, std::string_view message) noexcept {
    switch (code) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY: return ErrorCategory::unique_violation;
        case SQLITE_CONSTRAINT_FOREIGNKEY: return ErrorCategory::foreign_key_violation;
        case SQLITE_CONSTRAINT_NOTNULL: return ErrorCategory::not_null_violation;
        case SQLITE_CONSTRAINT_CHECK: return ErrorCategory::check_violation;
        case SQLITE_CONSTRAINT_DATATYPE: return ErrorCategory::invalid_value;
        // A write-write conflict between WAL snapshots: the transaction must be retried.
        case SQLITE_BUSY_SNAPSHOT: return ErrorCategory::serialization_failure;
        default: break;
    }
    switch (code & 0xff) {
        case SQLITE_CONSTRAINT: return ErrorCategory::check_violation;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_INTERRUPT: return ErrorCategory::timeout;
        case SQLITE_CANTOPEN:
        case SQLITE_NOTADB:
        case SQLITE_CORRUPT:
        case SQLITE_IOERR: return ErrorCategory::connection;
        case SQLITE_MISMATCH:
        case SQLITE_TOOBIG:
        case SQLITE_RANGE: return ErrorCategory::invalid_value;
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_AUTH: return ErrorCategory::database;
        case SQLITE_ERROR:
            // Prepare-time errors: bad syntax, unknown table or column.
            if (message.find("syntax error") != std::string_view::npos || message.find("no such") != std::string_view::npos ||
                message.find("incomplete input") != std::string_view::npos ||
                message.find("unrecognized token") != std::string_view::npos ||
                message.find("has no column") != std::string_view::npos ||
                message.find("ambiguous column") != std::string_view::npos)
                return ErrorCategory::syntax;
            return ErrorCategory::database;
        default: return ErrorCategory::database;
    }
}

void raise_error(sqlite3* db, int code, std::string_view sql) {
    const int extended = db ? sqlite3_extended_errcode(db) : code;
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    raise({category_of(extended, message), "sqlite: " + message, native_code(extended), std::string(sql)});
}

}  // namespace rex::sqlite
