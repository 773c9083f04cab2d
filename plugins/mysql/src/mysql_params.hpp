// Rex values as MYSQL_BIND parameters. Text and blobs point into the caller's values (which
// outlive mysql_stmt_execute); numbers and times live in this object.
#pragma once

#include <rex/sdk/value.hpp>

#include <mysql.h>

#include <span>
#include <string>
#include <vector>

namespace rex::mysql {

class BoundParams {
public:
    // Binds row[k] as parameter k, or row[(*map)[k]] when a map is given
    // (Connection::execute_batch), in place of the last ones and reusing this object's room. The
    // values must outlive the statement's execution.
    void bind(std::span<const Value> row, const std::vector<std::size_t>* map = nullptr);
    MYSQL_BIND* data() { return binds_.data(); }

private:
    std::vector<MYSQL_BIND> binds_;
    std::vector<long long> integers_;
    std::vector<double> doubles_;
    std::vector<MYSQL_TIME> times_;
    std::vector<std::string> texts_;
    std::vector<char> nulls_;
};

MYSQL_TIME to_mysql_time(const Value& value);

}  // namespace rex::mysql
