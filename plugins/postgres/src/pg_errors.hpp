// SQLSTATE -> SDK error categories.
#pragma once

#include <rex/sdk/error.hpp>

#include <libpq-fe.h>

#include <string_view>

namespace rex::postgres {

ErrorCategory category_of(std::string_view sqlstate) noexcept;

// Throws the SDK error for a failed result (or, with result == nullptr, the connection's error).
// A connection that is no longer usable always gives a ConnectionError.
[[noreturn]] void raise_error(PGconn* conn, const PGresult* result, std::string_view sql);

}  // namespace rex::postgres
