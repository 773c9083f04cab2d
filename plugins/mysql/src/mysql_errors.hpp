// MySQL/MariaDB error numbers -> SDK error categories.
#pragma once

#include <rex/sdk/error.hpp>

#include <mysql.h>

#include <string_view>

namespace rex::mysql {

ErrorCategory category_of(unsigned error_number) noexcept;

// Throws the SDK error; native code "1062 (23000)".
[[noreturn]] void raise_error(unsigned error_number, std::string_view sqlstate, std::string_view message,
                              std::string_view sql);
[[noreturn]] void raise_error(MYSQL* conn, std::string_view sql);
[[noreturn]] void raise_error(MYSQL_STMT* stmt, std::string_view sql);

}  // namespace rex::mysql
