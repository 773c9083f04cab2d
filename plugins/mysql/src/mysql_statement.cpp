#include "mysql_statement.hpp"

#include "mysql_errors.hpp"

#include <rex/sdk/adapter.hpp>

#include <errmsg.h>

#include <algorithm>
#include <cctype>

namespace rex::mysql {

namespace {

constexpr unsigned binary_charset = 63;
// A string buffer this much larger than a result needs is given back (one huge value read
// once does not stay with the cached statement).
constexpr std::size_t keep_buffer_bytes = 64 * 1024;

// MariaDB's extended metadata: the data type name of plugin types (UUID, INET6) and the format
// name of JSON columns, which are LONGTEXT on the wire.
std::string_view field_attr(const MYSQL_FIELD* field, mariadb_field_attr_t which) {
    MARIADB_CONST_STRING attr{nullptr, 0};
    if (mariadb_field_attr(&attr, field, which) == 0 && attr.str) return {attr.str, attr.length};
    return {};
}

ValueKind kind_of(const MYSQL_FIELD* f) {
    if (field_attr(f, MARIADB_FIELD_ATTR_FORMAT_NAME) == "json") return ValueKind::json;
    if (field_attr(f, MARIADB_FIELD_ATTR_DATA_TYPE_NAME) == "uuid") return ValueKind::uuid;
    switch (f->type) {
        case MYSQL_TYPE_TINY: return f->length == 1 ? ValueKind::boolean : ValueKind::int64;  // TINYINT(1)
        case MYSQL_TYPE_SHORT:
        case MYSQL_TYPE_LONG:
        case MYSQL_TYPE_INT24:
        case MYSQL_TYPE_LONGLONG:
        case MYSQL_TYPE_YEAR:
        case MYSQL_TYPE_BIT: return ValueKind::int64;
        case MYSQL_TYPE_FLOAT:
        case MYSQL_TYPE_DOUBLE: return ValueKind::float64;
        case MYSQL_TYPE_DECIMAL:
        case MYSQL_TYPE_NEWDECIMAL: return ValueKind::decimal;
        case MYSQL_TYPE_DATE:
        case MYSQL_TYPE_NEWDATE: return ValueKind::date;
        case MYSQL_TYPE_TIME: return ValueKind::time;
        case MYSQL_TYPE_DATETIME:
        case MYSQL_TYPE_TIMESTAMP: return ValueKind::timestamp;
        case MYSQL_TYPE_JSON: return ValueKind::json;
        case MYSQL_TYPE_NULL: return ValueKind::null;
        case MYSQL_TYPE_GEOMETRY: return ValueKind::bytes;
        default: return f->charsetnr == binary_charset ? ValueKind::bytes : ValueKind::text;
    }
}

bool fixed_size(enum_field_types t) { return is_integer(t) || is_float(t) || is_temporal(t); }

}  // namespace

MysqlStatement::MysqlStatement(MYSQL* conn, std::string_view sql)
    : stmt_(mysql_stmt_init(conn)), sql_(sql),
      is_insert_(starts_with_keyword(sql, "INSERT") || starts_with_keyword(sql, "REPLACE")),
      is_read_only_(starts_with_keyword(sql, "SELECT") || starts_with_keyword(sql, "WITH") ||
                    starts_with_keyword(sql, "SHOW") || starts_with_keyword(sql, "VALUES") ||
                    starts_with_keyword(sql, "DESC") || starts_with_keyword(sql, "EXPLAIN")) {
    if (!stmt_) raise_error(conn, sql);
    if (mysql_stmt_prepare(stmt_, sql_.data(), sql_.size()) != 0) {
        try {
            raise_error(stmt_, sql_);
        } catch (...) {
            mysql_stmt_close(stmt_);
            throw;
        }
    }
    my_bool update_max_length = 1;  // store_result measures each column's longest value
    mysql_stmt_attr_set(stmt_, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max_length);
    parameter_count_ = mysql_stmt_param_count(stmt_);
}

MysqlStatement::~MysqlStatement() { mysql_stmt_close(stmt_); }

bool MysqlStatement::execute(std::span<const Value> row, const std::vector<std::size_t>* map) {
    const auto given = map ? map->size() : row.size();
    if (given != parameter_count_)
        raise({ErrorCategory::invalid_value,
               "mysql: statement has " + std::to_string(parameter_count_) + " parameters, " + std::to_string(given) +
                   " values given",
               {}, sql_});
    if (given > 0) {
        params_.bind(row, map);
        if (mysql_stmt_bind_param(stmt_, params_.data()) != 0) raise_error(stmt_, sql_);
    }
    if (mysql_stmt_execute(stmt_) != 0) {
        if (mysql_stmt_errno(stmt_) == CR_NEW_STMT_METADATA) return false;
        raise_error(stmt_, sql_);
    }
    const unsigned count = mysql_stmt_field_count(stmt_);
    if (count == 0) {
        columns_.clear();
        slots_.clear();
        return true;
    }
    if (mysql_stmt_store_result(stmt_) != 0) raise_error(stmt_, sql_);
    const MYSQL_FIELD* fields = mariadb_stmt_fetch_fields(stmt_);
    if (!fields) raise_error(stmt_, sql_);
    if (!same_columns(fields, count)) describe(fields, count);
    size_buffers(fields);
    // libmariadb keeps the result binds between runs and converts by each run's field types
    // at fetch time: they are bound again only when a buffer moved.
    if (rebind_) bind_results();
    return true;
}

void MysqlStatement::finish() noexcept {
    // Results are buffered (store_result), so freeing them leaves the statement ready to run
    // again; COM_STMT_RESET would cost a round trip per run. Only a failed one is reset.
    mysql_stmt_free_result(stmt_);
    if (mysql_stmt_errno(stmt_) != 0) {
        mysql_stmt_reset(stmt_);
        rebind_ = true;
    }
}

bool MysqlStatement::same_columns(const MYSQL_FIELD* fields, unsigned count) const {
    if (count != slots_.size()) return false;
    for (unsigned i = 0; i < count; ++i) {
        const auto& f = fields[i];
        const auto& s = slots_[i];
        const auto& c = columns_[i];
        if (f.type != s.type || static_cast<bool>(f.flags & UNSIGNED_FLAG) != s.is_unsigned ||
            std::string_view(f.name, f.name_length) != c.name)
            return false;
        // Numbers and times are told apart by their type (and TINYINT(1) by its length); text,
        // JSON, UUID and blobs share types and need the extended metadata.
        const bool kind_from_type = fixed_size(f.type) && f.type != MYSQL_TYPE_TINY;
        if (!kind_from_type && kind_of(&f) != c.kind) return false;
    }
    return true;
}

void MysqlStatement::describe(const MYSQL_FIELD* fields, unsigned count) {
    rebind_ = true;
    columns_.clear();
    columns_.reserve(count);
    slots_.assign(count, {});
    binds_.assign(count, MYSQL_BIND{});
    for (unsigned i = 0; i < count; ++i) {
        const auto& f = fields[i];
        auto& s = slots_[i];
        auto& b = binds_[i];
        columns_.push_back({std::string(f.name, f.name_length), kind_of(&f), std::to_string(f.type)});
        s.type = f.type;
        s.is_unsigned = f.flags & UNSIGNED_FLAG;
        if (is_integer(f.type)) {
            s.buffer.resize(sizeof(long long));
            b.buffer_type = MYSQL_TYPE_LONGLONG;
            b.is_unsigned = s.is_unsigned;
        } else if (is_float(f.type)) {
            s.buffer.resize(sizeof(double));
            b.buffer_type = MYSQL_TYPE_DOUBLE;
        } else if (is_temporal(f.type)) {
            s.buffer.resize(sizeof(MYSQL_TIME));
            b.buffer_type = f.type == MYSQL_TYPE_NEWDATE ? MYSQL_TYPE_DATE : f.type;
        } else {
            b.buffer_type = f.charsetnr == binary_charset ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
        }
    }
}

void MysqlStatement::size_buffers(const MYSQL_FIELD* fields) {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        auto& s = slots_[i];
        if (fixed_size(s.type)) continue;
        // max_length is exact: STMT_ATTR_UPDATE_MAX_LENGTH was set before store_result.
        const std::size_t need = std::max<unsigned long>(fields[i].max_length, 1);
        if (s.buffer.size() < need) {
            s.buffer.resize(std::max(need, std::min(2 * s.buffer.size(), keep_buffer_bytes)));
            rebind_ = true;
        } else if (s.buffer.size() > keep_buffer_bytes && s.buffer.size() / 4 > need) {
            s.buffer.resize(need);
            s.buffer.shrink_to_fit();
            rebind_ = true;
        }
    }
}

void MysqlStatement::bind_results() {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        auto& s = slots_[i];
        auto& b = binds_[i];
        b.buffer = s.buffer.data();
        b.buffer_length = s.buffer.size();
        b.length = &s.length;
        b.is_null = &s.null;
        b.error = &s.error;
    }
    if (mysql_stmt_bind_result(stmt_, binds_.data()) != 0) raise_error(stmt_, sql_);
    rebind_ = false;
}

void MysqlStatement::refetch_truncated() {
    for (unsigned i = 0; i < slots_.size(); ++i) {
        auto& s = slots_[i];
        if (!s.error || s.length <= s.buffer.size()) continue;
        s.buffer.resize(s.length);
        auto& b = binds_[i];
        b.buffer = s.buffer.data();
        b.buffer_length = s.buffer.size();
        if (mysql_stmt_fetch_column(stmt_, &b, i, 0) != 0) raise_error(stmt_, sql_);
    }
    // Rebound so the next fetch writes into the grown buffers.
    bind_results();
}

}  // namespace rex::mysql
