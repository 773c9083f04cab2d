// The error hierarchy shared by kernel and plugins. Every error carries a category, the
// native code (SQLSTATE, MySQL errno, SQLite extended result code) and the SQL that failed.
#pragma once

#include <rex/sdk/abi.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

REX_SDK_BEGIN

enum class ErrorCategory : std::uint8_t {
    connection,             // cannot connect, connection lost
    syntax,                 // SQL syntax or unknown table/column
    unique_violation,
    foreign_key_violation,
    not_null_violation,
    check_violation,
    serialization_failure,  // retry the transaction
    deadlock,               // retry the transaction
    timeout,                // statement, lock or busy timeout
    pool_exhausted,
    validation,             // a model failed its validation rules
    plugin_load,
    configuration,          // bad config file, URL or option
    not_found,              // a named thing (plugin, adapter, row) does not exist
    invalid_value,          // a value of the wrong kind or out of range
    unsupported,            // the database or plugin cannot do this
    database,               // any other error reported by the database
    internal,               // a bug in Rex or a plugin
};

REX_SDK_API std::string_view to_string(ErrorCategory category) noexcept;

struct ErrorInfo {
    ErrorCategory category = ErrorCategory::internal;
    std::string message;
    std::string native_code;  // "23505", "1062", "SQLITE_CONSTRAINT_UNIQUE (2067)"; empty if none
    std::string sql;          // the statement that failed; empty if none
};

class REX_SDK_API Error : public std::runtime_error {
public:
    explicit Error(ErrorInfo info);
    ~Error() override;

    ErrorCategory category() const noexcept { return category_; }
    const std::string& message() const noexcept { return message_; }
    const std::string& native_code() const noexcept { return native_code_; }
    const std::string& sql() const noexcept { return sql_; }

    // True for serialization failures and deadlocks: running the transaction again may succeed.
    bool is_retryable() const noexcept;

private:
    ErrorCategory category_;
    std::string message_;
    std::string native_code_;
    std::string sql_;
};

// One class per family, so callers can catch what they handle:
//   catch (const rex::UniqueViolation&) / catch (const rex::ConstraintViolation&).
#define REX_DECLARE_ERROR(Name, Base)           \
    class REX_SDK_API Name : public Base {      \
    public:                                     \
        explicit Name(ErrorInfo info);          \
        ~Name() override;                       \
    }

REX_DECLARE_ERROR(ConnectionError, Error);
REX_DECLARE_ERROR(SyntaxError, Error);
REX_DECLARE_ERROR(ConstraintViolation, Error);
REX_DECLARE_ERROR(UniqueViolation, ConstraintViolation);
REX_DECLARE_ERROR(ForeignKeyViolation, ConstraintViolation);
REX_DECLARE_ERROR(NotNullViolation, ConstraintViolation);
REX_DECLARE_ERROR(CheckViolation, ConstraintViolation);
REX_DECLARE_ERROR(TransactionConflict, Error);
REX_DECLARE_ERROR(SerializationFailure, TransactionConflict);
REX_DECLARE_ERROR(DeadlockDetected, TransactionConflict);
REX_DECLARE_ERROR(TimeoutError, Error);
REX_DECLARE_ERROR(PoolExhausted, Error);
REX_DECLARE_ERROR(ValidationError, Error);
REX_DECLARE_ERROR(PluginLoadError, Error);
REX_DECLARE_ERROR(ConfigurationError, Error);
REX_DECLARE_ERROR(NotFoundError, Error);
REX_DECLARE_ERROR(InvalidValue, Error);
REX_DECLARE_ERROR(UnsupportedError, Error);
REX_DECLARE_ERROR(DatabaseError, Error);

#undef REX_DECLARE_ERROR

// Throws the class that matches info.category (internal -> Error).
[[noreturn]] REX_SDK_API void raise(ErrorInfo info);

REX_SDK_END
