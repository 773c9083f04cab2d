#include "sqlite_cursor.hpp"

#include "sqlite_errors.hpp"
#include "sqlite_types.hpp"

namespace rex::sqlite {

SqliteCursor::SqliteCursor(sqlite3* db, PreparedStatement* statement, StatementCache& cache, std::shared_ptr<StatementCache> keep)
    : db_(db), statement_(statement), cache_(&cache), keep_(std::move(keep)), stmt_(statement->stmt), sql_(statement->sql) {
    try {
        step();
    } catch (...) {
        cache_->give_back(statement_);
        stmt_ = nullptr;
        throw;
    }
    // A schema change makes SQLite re-prepare the statement on its first step; its columns may differ.
    if (sqlite3_stmt_status(stmt_, SQLITE_STMTSTATUS_REPREPARE, 0) != statement_->reprepared) statement_->refresh_columns();
    pending_row_ = on_row_;
    on_row_ = false;
}

SqliteCursor::~SqliteCursor() {
    if (stmt_) cache_->give_back(statement_);
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
        if (statement_->is_insert && affected_rows_ > 0) last_insert_id_ = sqlite3_last_insert_rowid(db_);
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

void SqliteCursor::raise_bad_read(std::size_t column) const {
    if (!on_row_) raise({ErrorCategory::internal, "cursor is not on a row (call next() first)", {}, std::string(sql_)});
    raise({ErrorCategory::not_found,
           "column " + std::to_string(column) + " out of range (" + std::to_string(statement_->columns.size()) + " columns)", {},
           std::string(sql_)});
}

Value SqliteCursor::value(std::size_t column) const {
    check_row(column);
    return read_value(stmt_, static_cast<int>(column), statement_->columns[column].kind);
}

bool SqliteCursor::is_null(std::size_t column) const {
    check_row(column);
    return sqlite3_column_type(stmt_, static_cast<int>(column)) == SQLITE_NULL;
}

// The typed getters read the cell through sqlite3_column_value: one checked API call per cell,
// then the cheap sqlite3_value_* accessors (safe here: a connection is used by one thread).
std::int64_t SqliteCursor::int64(std::size_t column) const {
    check_row(column);
    auto* v = sqlite3_column_value(stmt_, static_cast<int>(column));
    if (sqlite3_value_type(v) == SQLITE_INTEGER) return sqlite3_value_int64(v);
    return value(column).as_int64();  // NULL, text, or a REAL that must not be truncated
}

double SqliteCursor::float64(std::size_t column) const {
    check_row(column);
    auto* v = sqlite3_column_value(stmt_, static_cast<int>(column));
    const int storage = sqlite3_value_type(v);
    if (storage == SQLITE_FLOAT || storage == SQLITE_INTEGER) return sqlite3_value_double(v);
    return value(column).as_double();
}

std::string_view SqliteCursor::text(std::size_t column) const {
    check_row(column);
    // Text and blobs alike (a blob's bytes come back unchanged); a NULL reads as empty, and
    // callers that care ask is_null() for empty text.
    auto* v = sqlite3_column_value(stmt_, static_cast<int>(column));
    const auto* data = reinterpret_cast<const char*>(sqlite3_value_text(v));
    if (!data) return {};
    return {data, static_cast<std::size_t>(sqlite3_value_bytes(v))};
}

// A cell is taken as it is stored: an INTEGER for int64, a REAL or INTEGER for float64, TEXT
// (or a blob's bytes) for text. Anything else (text in an integer column, a number in a text column) goes through
// value(), which converts it or names what is wrong.
void SqliteCursor::read_row(std::span<const ValueKind> kinds, std::span<Cell> cells) const {
    if (!cells.empty()) check_row(cells.size() - 1);
    for (std::size_t i = 0; i < cells.size(); ++i) {
        auto& cell = cells[i];
        auto* v = sqlite3_column_value(stmt_, static_cast<int>(i));
        const int storage = sqlite3_value_type(v);
        if (storage == SQLITE_NULL) {
            cell.state = CellState::null;
            continue;
        }
        cell.state = CellState::fallback;
        switch (i < kinds.size() ? kinds[i] : ValueKind::null) {
        case ValueKind::int64:
            if (storage == SQLITE_INTEGER) {
                cell.integer = sqlite3_value_int64(v);
                cell.state = CellState::ready;
            }
            break;
        case ValueKind::float64:
            if (storage == SQLITE_FLOAT || storage == SQLITE_INTEGER) {
                cell.real = sqlite3_value_double(v);
                cell.state = CellState::ready;
            }
            break;
        case ValueKind::text:
            if (storage == SQLITE_TEXT || storage == SQLITE_BLOB) {
                const void* data = storage == SQLITE_TEXT ? static_cast<const void*>(sqlite3_value_text(v)) : sqlite3_value_blob(v);
                cell.text = {static_cast<const char*>(data), static_cast<std::size_t>(sqlite3_value_bytes(v))};
                cell.state = CellState::ready;
            }
            break;
        default: break;
        }
    }
}

}  // namespace rex::sqlite
