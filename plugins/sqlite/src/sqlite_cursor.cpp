#include "sqlite_cursor.hpp"

#include "sqlite_errors.hpp"
#include "sqlite_types.hpp"

namespace rex::sqlite {

SqliteCursor::SqliteCursor(sqlite3* db, sqlite3_stmt* stmt, std::string_view sql, bool is_insert, Release release)
    : db_(db), stmt_(stmt), sql_(sqlite3_sql(stmt)), is_insert_(is_insert), release_(std::move(release)) {
    (void)sql;
    const int count = sqlite3_column_count(stmt_);
    columns_.reserve(static_cast<std::size_t>(count));
    kinds_.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const char* declared = sqlite3_column_decltype(stmt_, i);
        const auto kind = kind_of_declared_type(declared ? declared : "");
        columns_.push_back({sqlite3_column_name(stmt_, i), kind, declared ? declared : ""});
        kinds_.push_back(kind);
    }
    try {
        step();
    } catch (...) {
        release_(stmt_);
        stmt_ = nullptr;
        throw;
    }
    pending_row_ = on_row_;
    on_row_ = false;
}

SqliteCursor::~SqliteCursor() {
    if (stmt_) release_(stmt_);
}

void SqliteCursor::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        on_row_ = true;
        return;
    }
    on_row_ = false;
    if (rc == SQLITE_DONE) {
        done_ = true;
        if (!sqlite3_stmt_readonly(stmt_)) affected_rows_ = sqlite3_changes64(db_);
        if (is_insert_ && affected_rows_ > 0) last_insert_id_ = sqlite3_last_insert_rowid(db_);
        return;
    }
    raise_error(db_, rc, sql_);
}

bool SqliteCursor::next() {
    if (pending_row_) {
        pending_row_ = false;
        on_row_ = true;
        return true;
    }
    if (done_) {
        on_row_ = false;
        return false;
    }
    step();
    return on_row_;
}

void SqliteCursor::check_row(std::size_t column) const {
    if (!on_row_) raise({ErrorCategory::internal, "cursor is not on a row (call next() first)", {}, std::string(sql_)});
    if (column >= columns_.size())
        raise({ErrorCategory::not_found,
               "column " + std::to_string(column) + " out of range (" + std::to_string(columns_.size()) + " columns)", {},
               std::string(sql_)});
}

Value SqliteCursor::value(std::size_t column) const {
    check_row(column);
    return read_value(stmt_, static_cast<int>(column), kinds_[column]);
}

bool SqliteCursor::is_null(std::size_t column) const {
    check_row(column);
    return sqlite3_column_type(stmt_, static_cast<int>(column)) == SQLITE_NULL;
}

std::int64_t SqliteCursor::int64(std::size_t column) const {
    check_row(column);
    if (sqlite3_column_type(stmt_, static_cast<int>(column)) == SQLITE_INTEGER)
        return sqlite3_column_int64(stmt_, static_cast<int>(column));
    return value(column).as_int64();
}

double SqliteCursor::float64(std::size_t column) const {
    check_row(column);
    const int storage = sqlite3_column_type(stmt_, static_cast<int>(column));
    if (storage == SQLITE_FLOAT || storage == SQLITE_INTEGER) return sqlite3_column_double(stmt_, static_cast<int>(column));
    return value(column).as_double();
}

std::string_view SqliteCursor::text(std::size_t column) const {
    check_row(column);
    const int c = static_cast<int>(column);
    if (sqlite3_column_type(stmt_, c) == SQLITE_BLOB) {
        const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, c));
        return {data ? data : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c))};
    }
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, c));
    return {data ? data : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c))};
}

}  // namespace rex::sqlite
