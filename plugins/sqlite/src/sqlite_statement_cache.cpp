#include "sqlite_statement_cache.hpp"

#include "sqlite_types.hpp"

namespace rex::sqlite {

void PreparedStatement::refresh_columns() {
    const int count = sqlite3_column_count(stmt);
    columns.clear();
    columns.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const char* declared = sqlite3_column_decltype(stmt, i);
        columns.push_back({sqlite3_column_name(stmt, i), kind_of_declared_type(declared ? declared : ""), declared ? declared : ""});
    }
    reprepared = sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_REPREPARE, 0);
}

StatementCache::~StatementCache() { clear(); }

PreparedStatement* StatementCache::take(std::string_view sql) {
    // The statement run last is the likeliest: compared before hashing the text.
    if (!entries_.empty() && !entries_.front().in_use && entries_.front().sql == sql) {
        entries_.front().in_use = true;
        return &entries_.front();
    }
    auto it = index_.find(sql);
    if (it == index_.end() || it->second->in_use) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);  // most recent first; no allocation
    it->second->in_use = true;
    return &*it->second;
}

PreparedStatement* StatementCache::add(std::string_view sql, sqlite3_stmt* stmt, bool is_insert) {
    PreparedStatement p{std::string(sql), stmt, {}, is_insert, true, true, 0};
    p.refresh_columns();
    if (capacity_ == 0 || closed_ || index_.contains(sql)) {
        p.cached = false;
        return new PreparedStatement(std::move(p));
    }
    entries_.push_front(std::move(p));
    index_.emplace(entries_.front().sql, entries_.begin());
    evict_idle();
    return &entries_.front();
}

void StatementCache::give_back(PreparedStatement* statement) noexcept {
    // Bindings stay (borrowed text may now dangle): every use binds all of a statement's
    // parameters again before stepping it, and nothing reads bindings in between.
    sqlite3_reset(statement->stmt);
    if (!statement->cached) {
        sqlite3_finalize(statement->stmt);
        delete statement;
        return;
    }
    statement->in_use = false;
    if (closed_) {
        auto it = index_.find(statement->sql);
        sqlite3_finalize(statement->stmt);
        const auto entry = it->second;
        index_.erase(it);
        entries_.erase(entry);
        return;
    }
    evict_idle();
}

void StatementCache::evict_idle() {
    // Over capacity: drop the least recently lent idle statements (those in use stay).
    for (auto it = entries_.end(); entries_.size() > capacity_ && it != entries_.begin();) {
        --it;
        if (it->in_use) continue;
        index_.erase(it->sql);
        sqlite3_finalize(it->stmt);
        it = entries_.erase(it);
    }
}

void StatementCache::clear() noexcept {
    closed_ = true;
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (it->in_use) {
            ++it;
            continue;
        }
        index_.erase(it->sql);
        sqlite3_finalize(it->stmt);
        it = entries_.erase(it);
    }
}

}  // namespace rex::sqlite
