#include <rex/sdk/error.hpp>

REX_SDK_BEGIN

std::string_view to_string(ErrorCategory category) noexcept {
    switch (category) {
        case ErrorCategory::connection: return "connection";
        case ErrorCategory::syntax: return "syntax";
        case ErrorCategory::unique_violation: return "unique violation";
        case ErrorCategory::foreign_key_violation: return "foreign key violation";
        case ErrorCategory::not_null_violation: return "not-null violation";
        case ErrorCategory::check_violation: return "check violation";
        case ErrorCategory::serialization_failure: return "serialization failure";
        case ErrorCategory::deadlock: return "deadlock";
        case ErrorCategory::timeout: return "timeout";
        case ErrorCategory::pool_exhausted: return "pool exhausted";
        case ErrorCategory::validation: return "validation";
        case ErrorCategory::plugin_load: return "plugin load";
        case ErrorCategory::configuration: return "configuration";
        case ErrorCategory::not_found: return "not found";
        case ErrorCategory::invalid_value: return "invalid value";
        case ErrorCategory::unsupported: return "unsupported";
        case ErrorCategory::database: return "database";
        case ErrorCategory::internal: return "internal";
    }
    return "unknown";
}

Error::Error(ErrorInfo info)
    : std::runtime_error(info.message),
      category_(info.category),
      message_(std::move(info.message)),
      native_code_(std::move(info.native_code)),
      sql_(std::move(info.sql)) {}

Error::~Error() = default;

bool Error::is_retryable() const noexcept {
    return category_ == ErrorCategory::serialization_failure || category_ == ErrorCategory::deadlock;
}

#define REX_DEFINE_ERROR(Name, Base)                 \
    Name::Name(ErrorInfo info) : Base(std::move(info)) {} \
    Name::~Name() = default;

REX_DEFINE_ERROR(ConnectionError, Error)
REX_DEFINE_ERROR(SyntaxError, Error)
REX_DEFINE_ERROR(ConstraintViolation, Error)
REX_DEFINE_ERROR(UniqueViolation, ConstraintViolation)
REX_DEFINE_ERROR(ForeignKeyViolation, ConstraintViolation)
REX_DEFINE_ERROR(NotNullViolation, ConstraintViolation)
REX_DEFINE_ERROR(CheckViolation, ConstraintViolation)
REX_DEFINE_ERROR(TransactionConflict, Error)
REX_DEFINE_ERROR(SerializationFailure, TransactionConflict)
REX_DEFINE_ERROR(DeadlockDetected, TransactionConflict)
REX_DEFINE_ERROR(TimeoutError, Error)
REX_DEFINE_ERROR(PoolExhausted, Error)
REX_DEFINE_ERROR(ValidationError, Error)
REX_DEFINE_ERROR(PluginLoadError, Error)
REX_DEFINE_ERROR(ConfigurationError, Error)
REX_DEFINE_ERROR(NotFoundError, Error)
REX_DEFINE_ERROR(InvalidValue, Error)
REX_DEFINE_ERROR(UnsupportedError, Error)
REX_DEFINE_ERROR(DatabaseError, Error)

#undef REX_DEFINE_ERROR

void raise(ErrorInfo info) {
    switch (info.category) {
        case ErrorCategory::connection: throw ConnectionError(std::move(info));
        case ErrorCategory::syntax: throw SyntaxError(std::move(info));
        case ErrorCategory::unique_violation: throw UniqueViolation(std::move(info));
        case ErrorCategory::foreign_key_violation: throw ForeignKeyViolation(std::move(info));
        case ErrorCategory::not_null_violation: throw NotNullViolation(std::move(info));
        case ErrorCategory::check_violation: throw CheckViolation(std::move(info));
        case ErrorCategory::serialization_failure: throw SerializationFailure(std::move(info));
        case ErrorCategory::deadlock: throw DeadlockDetected(std::move(info));
        case ErrorCategory::timeout: throw TimeoutError(std::move(info));
        case ErrorCategory::pool_exhausted: throw PoolExhausted(std::move(info));
        case ErrorCategory::validation: throw ValidationError(std::move(info));
        case ErrorCategory::plugin_load: throw PluginLoadError(std::move(info));
        case ErrorCategory::configuration: throw ConfigurationError(std::move(info));
        case ErrorCategory::not_found: throw NotFoundError(std::move(info));
        case ErrorCategory::invalid_value: throw InvalidValue(std::move(info));
        case ErrorCategory::unsupported: throw UnsupportedError(std::move(info));
        case ErrorCategory::database: throw DatabaseError(std::move(info));
        case ErrorCategory::internal: break;
    }
    throw Error(std::move(info));
}

REX_SDK_END
