// How Rex values are stored in SQLite and read back.
//
// SQLite has five storage classes; Rex keeps the other kinds in declared-type columns:
//   bool       INTEGER 0/1 in a BOOLEAN column
//   decimal    TEXT (read back from NUMERIC storage too) in a DECIMAL/NUMERIC column
//   date       TEXT 'YYYY-MM-DD' in a DATE column
//   time       TEXT 'HH:MM:SS[.ffffff]' in a TIME column
//   timestamp  TEXT 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC) in a TIMESTAMP/DATETIME column;
//              INTEGER storage there is read as Unix seconds
//   uuid       TEXT, canonical lower-case form, in a UUID column (16-byte BLOBs read too)
//   json       TEXT in a JSON column
// Columns without a declared type (expressions) read back by storage class.
#pragma once

#include <rex/sdk/value.hpp>

#include <sqlite3.h>

#include <string_view>

namespace rex::sqlite {

// The value kind a declared column type stands for; ValueKind::null when none is declared.
ValueKind kind_of_declared_type(std::string_view declared) noexcept;

// Whether a bound text or blob is copied by SQLite, or borrowed because the caller's value
// outlives every step of the statement.
enum class BindLifetime { copy, borrowed };

// Binds `value` to parameter `index` (1-based); returns the SQLite result code.
int bind_value(sqlite3_stmt* stmt, int index, const Value& value, BindLifetime lifetime = BindLifetime::copy);

// Reads column `column` of the current row as the declared kind (or by storage class).
Value read_value(sqlite3_stmt* stmt, int column, ValueKind declared);

}  // namespace rex::sqlite
