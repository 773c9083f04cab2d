// SQLite result codes -> SDK error categories.
#pragma once

#include <rex/sdk/error.hpp>

#include <sqlite3.h>

#include <string>
#include <string_view>

namespace rex::sqlite {

ErrorCategory category_of(int extended_code, std::string_view message) noexcept;

// "SQLITE_CONSTRAINT_UNIQUE (2067)"
std::string native_code(int extended_code);

// Throws the SDK error for the connection's last failure.
[[noreturn]] void raise_error(sqlite3* db, int code, std::string_view sql);

}  // namespace rex::sqlite
