// The raw C API runners: sqlite3, libpq and libmariadb, written the way an experienced user of
// each API would write them (prepared statements reused across calls, one transaction for
// writes, multi-row inserts over the network, typed results where the API has them).
#include "bench.hpp"

#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>

#include <charconv>
#include <cstring>
#include <unordered_map>

namespace bench {

namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

std::int64_t to_i64(const char* s, std::size_t n) {
    std::int64_t v = 0;
    std::from_chars(s, s + n, v);
    return v;
}

double to_f64(const char* s, std::size_t n) {
    double v = 0;
    std::from_chars(s, s + n, v);
    return v;
}

// Parents read so far, and where each one is by id (to attach its children).
struct ParentIndex {
    std::vector<Parent> parents;
    std::unordered_map<std::int64_t, std::size_t> at;
    std::vector<std::int64_t> ids;
    void add(Parent p) {
        at.emplace(p.id, parents.size());
        ids.push_back(p.id);
        parents.push_back(std::move(p));
    }
    void attach(Child c) {
        auto it = at.find(c.parent_id);
        if (it != at.end()) parents[it->second].children.push_back(std::move(c));
    }
};

// ---- sqlite3 -----------------------------------------------------------------------------------

class SqliteRaw final : public Runner {
public:
    SqliteRaw(const std::string& path, const Tables& t) : t_(t) {
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
            SQLITE_OK)
            fail("sqlite: cannot open " + path);
        sqlite3_busy_timeout(db_, 5000);
        // The same settings as Rex's SQLite adapter: WAL, synchronous=NORMAL.
        exec("PRAGMA journal_mode = WAL");
        exec("PRAGMA synchronous = NORMAL");
    }
    ~SqliteRaw() override {
        for (auto* s : {pk_, all_, parents_, insert_, update_})
            if (s) sqlite3_finalize(s);
        sqlite3_close_v2(db_);
    }

    std::string method(Workload w) const override {
        switch (w) {
            case Workload::pk_lookup: return "prepared SELECT by id, reused";
            case Workload::select_rows: return "prepared SELECT, step loop";
            case Workload::insert_rows: return "prepared single-row INSERT reused in one transaction, ids from last_insert_rowid";
            case Workload::update_rows: return "prepared UPDATE by id reused in one transaction";
            case Workload::eager_load: return "SELECT parents; SELECT children WHERE parent_id IN (literal ids) ORDER BY id";
        }
        return "";
    }

    std::int64_t pk_lookup(const std::vector<std::int64_t>& ids) override {
        auto* s = statement(pk_, "SELECT id, name, qty, price FROM " + t_.items + " WHERE id = ?");
        std::int64_t sum = 0;
        for (auto id : ids) {
            sqlite3_bind_int64(s, 1, id);
            if (sqlite3_step(s) == SQLITE_ROW) {
                Item it = item(s);
                sum += it.qty;
            }
            sqlite3_reset(s);
        }
        return sum;
    }

    std::vector<Item> select_rows() override {
        auto* s = statement(all_, "SELECT id, name, qty, price FROM " + t_.items);
        std::vector<Item> out;
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.push_back(item(s));
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) fail(std::string("sqlite: ") + sqlite3_errmsg(db_));
        return out;
    }

    void insert_rows(std::vector<Item>& items) override {
        auto* s = statement(insert_, "INSERT INTO " + t_.items + " (name, qty, price) VALUES (?, ?, ?)");
        exec("BEGIN");
        for (auto& it : items) {
            sqlite3_bind_text(s, 1, it.name.data(), static_cast<int>(it.name.size()), SQLITE_STATIC);
            sqlite3_bind_int64(s, 2, it.qty);
            sqlite3_bind_double(s, 3, it.price);
            if (sqlite3_step(s) != SQLITE_DONE) fail(std::string("sqlite insert: ") + sqlite3_errmsg(db_));
            sqlite3_reset(s);
            it.id = sqlite3_last_insert_rowid(db_);
        }
        exec("COMMIT");
    }

    void update_rows(std::vector<Item>& items) override {
        auto* s = statement(update_, "UPDATE " + t_.items + " SET name = ?, qty = ?, price = ? WHERE id = ?");
        exec("BEGIN");
        for (const auto& it : items) {
            sqlite3_bind_text(s, 1, it.name.data(), static_cast<int>(it.name.size()), SQLITE_STATIC);
            sqlite3_bind_int64(s, 2, it.qty);
            sqlite3_bind_double(s, 3, it.price);
            sqlite3_bind_int64(s, 4, it.id);
            if (sqlite3_step(s) != SQLITE_DONE) fail(std::string("sqlite update: ") + sqlite3_errmsg(db_));
            sqlite3_reset(s);
            if (sqlite3_changes(db_) != 1) fail("sqlite update: row not found");
        }
        exec("COMMIT");
    }

    std::vector<Parent> eager_load() override {
        ParentIndex index;
        auto* p = statement(parents_, "SELECT id, name FROM " + t_.parents);
        while (sqlite3_step(p) == SQLITE_ROW) index.add(Parent{sqlite3_column_int64(p, 0), text(p, 1), {}});
        sqlite3_reset(p);
        if (index.ids.empty()) return {};
        // The list changes with the parents, so this statement is prepared for the call.
        const auto sql = "SELECT id, parent_id, name FROM " + t_.children + " WHERE parent_id IN " + in_list(index.ids) +
                         " ORDER BY id";
        sqlite3_stmt* c = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &c, nullptr) != SQLITE_OK)
            fail(std::string("sqlite: ") + sqlite3_errmsg(db_));
        while (sqlite3_step(c) == SQLITE_ROW) index.attach(Child{sqlite3_column_int64(c, 0), sqlite3_column_int64(c, 1), text(c, 2)});
        sqlite3_finalize(c);
        return std::move(index.parents);
    }

private:
    static std::string text(sqlite3_stmt* s, int i) {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
    }
    static Item item(sqlite3_stmt* s) {
        return Item{sqlite3_column_int64(s, 0), text(s, 1), sqlite3_column_int64(s, 2), sqlite3_column_double(s, 3)};
    }
    sqlite3_stmt* statement(sqlite3_stmt*& slot, const std::string& sql) {
        if (!slot && sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &slot,
                                        nullptr) != SQLITE_OK)
            fail(std::string("sqlite prepare: ") + sqlite3_errmsg(db_) + ": " + sql);
        return slot;
    }
    void exec(const char* sql) {
        char* error = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
            std::string message = error ? error : "?";
            sqlite3_free(error);
            fail(std::string("sqlite: ") + sql + ": " + message);
        }
    }

    Tables t_;
    sqlite3* db_ = nullptr;
    sqlite3_stmt* pk_ = nullptr;
    sqlite3_stmt* all_ = nullptr;
    sqlite3_stmt* parents_ = nullptr;
    sqlite3_stmt* insert_ = nullptr;
    sqlite3_stmt* update_ = nullptr;
};

// ---- libpq -------------------------------------------------------------------------------------

struct PgResult {
    PGresult* r;
    explicit PgResult(PGresult* result) : r(result) {}
    ~PgResult() { PQclear(r); }
    PgResult(const PgResult&) = delete;
    PgResult& operator=(const PgResult&) = delete;
};

class PgRaw final : public Runner {
public:
    static constexpr int batch = 500;  // rows per multi-row INSERT (as Rex's insert_many)

    PgRaw(const std::string& url, const Tables& t) : t_(t) {
        // libpq takes the postgres:// URL as it is.
        conn_ = PQconnectdb(url.c_str());
        if (PQstatus(conn_) != CONNECTION_OK) fail(std::string("libpq: ") + PQerrorMessage(conn_));
    }
    ~PgRaw() override { PQfinish(conn_); }

    std::string method(Workload w) const override {
        switch (w) {
            case Workload::pk_lookup: return "PQprepare once, PQexecPrepared per id, text results";
            case Workload::select_rows: return "PQexecPrepared, text results";
            case Workload::insert_rows: return "prepared 500-row INSERT ... RETURNING id, in one transaction";
            case Workload::update_rows: return "prepared UPDATE by id, one PQexecPrepared per row, in one transaction";
            case Workload::eager_load: return "SELECT parents; SELECT children WHERE parent_id = ANY($1::bigint[]) ORDER BY id";
        }
        return "";
    }

    std::int64_t pk_lookup(const std::vector<std::int64_t>& ids) override {
        prepare("bench_pk", "SELECT id, name, qty, price FROM " + t_.items + " WHERE id = $1", 1);
        std::int64_t sum = 0;
        char buf[24];
        for (auto id : ids) {
            auto [end, ec] = std::to_chars(buf, buf + sizeof buf - 1, id);
            *end = '\0';
            const char* values[1] = {buf};
            PgResult r(PQexecPrepared(conn_, "bench_pk", 1, values, nullptr, nullptr, 0));
            check(r.r, PGRES_TUPLES_OK);
            if (PQntuples(r.r) == 1) {
                Item it = item(r.r, 0);
                sum += it.qty;
            }
        }
        return sum;
    }

    std::vector<Item> select_rows() override {
        prepare("bench_all", "SELECT id, name, qty, price FROM " + t_.items, 0);
        PgResult r(PQexecPrepared(conn_, "bench_all", 0, nullptr, nullptr, nullptr, 0));
        check(r.r, PGRES_TUPLES_OK);
        const int n = PQntuples(r.r);
        std::vector<Item> out;
        out.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) out.push_back(item(r.r, i));
        return out;
    }

    void insert_rows(std::vector<Item>& items) override {
        simple("BEGIN");
        std::vector<std::string> text;  // qty and price as text; names are passed as they are
        std::vector<const char*> values;
        std::size_t done = 0;
        while (done < items.size()) {
            const int rows = static_cast<int>(std::min<std::size_t>(batch, items.size() - done));
            const std::string name = "bench_insert_" + std::to_string(rows);
            prepare(name, insert_sql(rows), rows * 3);
            text.assign(static_cast<std::size_t>(rows) * 2, {});
            values.assign(static_cast<std::size_t>(rows) * 3, nullptr);
            for (int i = 0; i < rows; ++i) {
                const auto& it = items[done + static_cast<std::size_t>(i)];
                text[2 * i] = std::to_string(it.qty);
                char buf[32];
                auto [end, ec] = std::to_chars(buf, buf + sizeof buf, it.price);
                text[2 * i + 1].assign(buf, end);
                values[3 * i] = it.name.c_str();
                values[3 * i + 1] = text[2 * i].c_str();
                values[3 * i + 2] = text[2 * i + 1].c_str();
            }
            PgResult r(PQexecPrepared(conn_, name.c_str(), rows * 3, values.data(), nullptr, nullptr, 0));
            check(r.r, PGRES_TUPLES_OK);
            for (int i = 0; i < PQntuples(r.r); ++i)
                items[done + static_cast<std::size_t>(i)].id = to_i64(PQgetvalue(r.r, i, 0), static_cast<std::size_t>(PQgetlength(r.r, i, 0)));
            done += static_cast<std::size_t>(rows);
        }
        simple("COMMIT");
    }

    void update_rows(std::vector<Item>& items) override {
        prepare("bench_update", "UPDATE " + t_.items + " SET name = $1, qty = $2, price = $3 WHERE id = $4", 4);
        simple("BEGIN");
        char qty[24], price[32], id[24];
        for (const auto& it : items) {
            *std::to_chars(qty, qty + sizeof qty - 1, it.qty).ptr = '\0';
            *std::to_chars(price, price + sizeof price - 1, it.price).ptr = '\0';
            *std::to_chars(id, id + sizeof id - 1, it.id).ptr = '\0';
            const char* values[4] = {it.name.c_str(), qty, price, id};
            PgResult r(PQexecPrepared(conn_, "bench_update", 4, values, nullptr, nullptr, 0));
            check(r.r, PGRES_COMMAND_OK);
            if (std::strcmp(PQcmdTuples(r.r), "1") != 0) fail("libpq update: row not found");
        }
        simple("COMMIT");
    }

    std::vector<Parent> eager_load() override {
        prepare("bench_parents", "SELECT id, name FROM " + t_.parents, 0);
        prepare("bench_children",
                "SELECT id, parent_id, name FROM " + t_.children + " WHERE parent_id = ANY($1::bigint[]) ORDER BY id", 1);
        ParentIndex index;
        {
            PgResult r(PQexecPrepared(conn_, "bench_parents", 0, nullptr, nullptr, nullptr, 0));
            check(r.r, PGRES_TUPLES_OK);
            const int n = PQntuples(r.r);
            index.parents.reserve(static_cast<std::size_t>(n));
            for (int i = 0; i < n; ++i) index.add(Parent{i64(r.r, i, 0), str(r.r, i, 1), {}});
        }
        if (index.ids.empty()) return {};
        std::string array = "{";
        for (std::size_t i = 0; i < index.ids.size(); ++i) {
            if (i) array += ',';
            array += std::to_string(index.ids[i]);
        }
        array += '}';
        const char* values[1] = {array.c_str()};
        PgResult r(PQexecPrepared(conn_, "bench_children", 1, values, nullptr, nullptr, 0));
        check(r.r, PGRES_TUPLES_OK);
        const int n = PQntuples(r.r);
        for (int i = 0; i < n; ++i) index.attach(Child{i64(r.r, i, 0), i64(r.r, i, 1), str(r.r, i, 2)});
        return std::move(index.parents);
    }

private:
    static std::int64_t i64(const PGresult* r, int row, int col) {
        return to_i64(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
    }
    static std::string str(const PGresult* r, int row, int col) {
        return std::string(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
    }
    static Item item(const PGresult* r, int row) {
        return Item{i64(r, row, 0), str(r, row, 1), i64(r, row, 2),
                    to_f64(PQgetvalue(r, row, 3), static_cast<std::size_t>(PQgetlength(r, row, 3)))};
    }
    std::string insert_sql(int rows) const {
        std::string sql = "INSERT INTO " + t_.items + " (name, qty, price) VALUES ";
        for (int i = 0; i < rows; ++i) {
            for (int k = 1; k <= 3; ++k) {
                sql += k == 1 ? (i ? ", ($" : "($") : ", $";
                sql += std::to_string(3 * i + k);
            }
            sql += ')';
        }
        return sql + " RETURNING id";
    }
    // Prepares a named statement once per connection.
    void prepare(const std::string& name, const std::string& sql, int params) {
        if (prepared_.count(name)) return;
        PgResult r(PQprepare(conn_, name.c_str(), sql.c_str(), params, nullptr));
        check(r.r, PGRES_COMMAND_OK);
        prepared_[name] = true;
    }
    void simple(const char* sql) {
        PgResult r(PQexec(conn_, sql));
        check(r.r, PGRES_COMMAND_OK);
    }
    void check(const PGresult* r, ExecStatusType expected) {
        if (PQresultStatus(r) != expected) fail(std::string("libpq: ") + PQerrorMessage(conn_));
    }

    Tables t_;
    PGconn* conn_ = nullptr;
    std::unordered_map<std::string, bool> prepared_;
};

// ---- libmariadb (the MySQL C API) --------------------------------------------------------------

class MysqlRaw final : public Runner {
public:
    static constexpr int batch = 500;  // rows per multi-row INSERT (as Rex's insert_many)

    MysqlRaw(const std::string& url, const Tables& t) : t_(t) {
        const auto u = parse_server_url(url, "mysql");
        db_ = mysql_init(nullptr);
        if (!mysql_real_connect(db_, u.host.c_str(), u.user.c_str(), u.password.c_str(), u.database.c_str(), u.port ? u.port : 3306, nullptr,
                                CLIENT_FOUND_ROWS))
            fail(std::string("mysql: ") + mysql_error(db_));
        mysql_set_character_set(db_, "utf8mb4");
    }
    ~MysqlRaw() override {
        for (auto& [sql, s] : statements_) mysql_stmt_close(s);
        mysql_close(db_);
    }

    std::string method(Workload w) const override {
        switch (w) {
            case Workload::pk_lookup: return "mysql_stmt prepared once, binary protocol, bound results";
            case Workload::select_rows: return "mysql_stmt, binary protocol, bound results, mysql_stmt_store_result";
            case Workload::insert_rows: return "prepared 500-row INSERT, ids from mysql_stmt_insert_id, in one transaction";
            case Workload::update_rows: return "prepared UPDATE by id, one execute per row, in one transaction";
            case Workload::eager_load: return "SELECT parents; SELECT children WHERE parent_id IN (?, ...) ORDER BY id; mysql_stmt, buffered (store_result)";
        }
        return "";
    }

    std::int64_t pk_lookup(const std::vector<std::int64_t>& ids) override {
        auto* s = statement("SELECT id, name, qty, price FROM " + t_.items + " WHERE id = ?");
        long long key = 0;
        MYSQL_BIND param{};
        param.buffer_type = MYSQL_TYPE_LONGLONG;
        param.buffer = &key;
        if (mysql_stmt_bind_param(s, &param)) stmt_fail(s);
        ItemBinding out;
        if (mysql_stmt_bind_result(s, out.bind)) stmt_fail(s);
        std::int64_t sum = 0;
        for (auto id : ids) {
            key = id;
            if (mysql_stmt_execute(s)) stmt_fail(s);
            int rc;
            while ((rc = mysql_stmt_fetch(s)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
                Item it = out.item(s);
                sum += it.qty;
            }
            if (rc == 1) stmt_fail(s);
        }
        return sum;
    }

    std::vector<Item> select_rows() override {
        auto* s = statement("SELECT id, name, qty, price FROM " + t_.items);
        ItemBinding out;
        if (mysql_stmt_execute(s)) stmt_fail(s);
        if (mysql_stmt_store_result(s)) stmt_fail(s);
        if (mysql_stmt_bind_result(s, out.bind)) stmt_fail(s);
        std::vector<Item> items;
        items.reserve(mysql_stmt_num_rows(s));
        int rc;
        while ((rc = mysql_stmt_fetch(s)) == 0 || rc == MYSQL_DATA_TRUNCATED) items.push_back(out.item(s));
        if (rc == 1) stmt_fail(s);
        mysql_stmt_free_result(s);
        return items;
    }

    void insert_rows(std::vector<Item>& items) override {
        query("START TRANSACTION");
        std::vector<MYSQL_BIND> binds;
        std::size_t done = 0;
        while (done < items.size()) {
            const int rows = static_cast<int>(std::min<std::size_t>(batch, items.size() - done));
            std::string sql = "INSERT INTO " + t_.items + " (name, qty, price) VALUES ";
            for (int i = 0; i < rows; ++i) sql += i ? ", (?, ?, ?)" : "(?, ?, ?)";
            auto* s = statement(sql);
            binds.assign(static_cast<std::size_t>(rows) * 3, MYSQL_BIND{});
            for (int i = 0; i < rows; ++i) {
                auto& it = items[done + static_cast<std::size_t>(i)];
                auto* b = &binds[static_cast<std::size_t>(i) * 3];
                b[0].buffer_type = MYSQL_TYPE_STRING;
                b[0].buffer = it.name.data();
                b[0].buffer_length = it.name.size();
                b[1].buffer_type = MYSQL_TYPE_LONGLONG;
                b[1].buffer = &it.qty;
                b[2].buffer_type = MYSQL_TYPE_DOUBLE;
                b[2].buffer = &it.price;
            }
            if (mysql_stmt_bind_param(s, binds.data())) stmt_fail(s);
            if (mysql_stmt_execute(s)) stmt_fail(s);
            // InnoDB gives a multi-row insert consecutive keys; the first is reported.
            const auto first = static_cast<std::int64_t>(mysql_stmt_insert_id(s));
            for (int i = 0; i < rows; ++i) items[done + static_cast<std::size_t>(i)].id = first + i;
            done += static_cast<std::size_t>(rows);
        }
        query("COMMIT");
    }

    void update_rows(std::vector<Item>& items) override {
        auto* s = statement("UPDATE " + t_.items + " SET name = ?, qty = ?, price = ? WHERE id = ?");
        query("START TRANSACTION");
        MYSQL_BIND b[4]{};
        for (auto& it : items) {
            b[0].buffer_type = MYSQL_TYPE_STRING;
            b[0].buffer = it.name.data();
            b[0].buffer_length = it.name.size();
            b[1].buffer_type = MYSQL_TYPE_LONGLONG;
            b[1].buffer = &it.qty;
            b[2].buffer_type = MYSQL_TYPE_DOUBLE;
            b[2].buffer = &it.price;
            b[3].buffer_type = MYSQL_TYPE_LONGLONG;
            b[3].buffer = &it.id;
            if (mysql_stmt_bind_param(s, b)) stmt_fail(s);
            if (mysql_stmt_execute(s)) stmt_fail(s);
            if (mysql_stmt_affected_rows(s) != 1) fail("mysql update: row not found");
        }
        query("COMMIT");
    }

    std::vector<Parent> eager_load() override {
        ParentIndex index;
        {
            auto* s = statement("SELECT id, name FROM " + t_.parents);
            long long id = 0;
            char name[256];
            unsigned long length = 0;
            MYSQL_BIND b[2]{};
            b[0].buffer_type = MYSQL_TYPE_LONGLONG;
            b[0].buffer = &id;
            b[1].buffer_type = MYSQL_TYPE_STRING;
            b[1].buffer = name;
            b[1].buffer_length = sizeof name;
            b[1].length = &length;
            if (mysql_stmt_execute(s)) stmt_fail(s);
            if (mysql_stmt_store_result(s)) stmt_fail(s);
            if (mysql_stmt_bind_result(s, b)) stmt_fail(s);
            index.parents.reserve(mysql_stmt_num_rows(s));
            int rc;
            while ((rc = mysql_stmt_fetch(s)) == 0)
                index.add(Parent{id, std::string(name, std::min<unsigned long>(length, sizeof name)), {}});
            if (rc == 1) stmt_fail(s);
            mysql_stmt_free_result(s);
        }
        if (index.ids.empty()) return {};
        // Bound parameters, not literals: MariaDB rewrites an IN list of 1000+ literals into a
        // subquery (in_predicate_conversion_threshold), which is slower here.
        std::string sql = "SELECT id, parent_id, name FROM " + t_.children + " WHERE parent_id IN (";
        for (std::size_t i = 0; i < index.ids.size(); ++i) sql += i ? ", ?" : "?";
        sql += ") ORDER BY id";
        auto* s = statement(sql);
        std::vector<MYSQL_BIND> params(index.ids.size(), MYSQL_BIND{});
        for (std::size_t i = 0; i < params.size(); ++i) {
            params[i].buffer_type = MYSQL_TYPE_LONGLONG;
            params[i].buffer = &index.ids[i];
        }
        long long id = 0, parent_id = 0;
        char name[256];
        unsigned long length = 0;
        MYSQL_BIND b[3]{};
        b[0].buffer_type = MYSQL_TYPE_LONGLONG;
        b[0].buffer = &id;
        b[1].buffer_type = MYSQL_TYPE_LONGLONG;
        b[1].buffer = &parent_id;
        b[2].buffer_type = MYSQL_TYPE_STRING;
        b[2].buffer = name;
        b[2].buffer_length = sizeof name;
        b[2].length = &length;
        if (mysql_stmt_bind_param(s, params.data())) stmt_fail(s);
        if (mysql_stmt_execute(s)) stmt_fail(s);
        if (mysql_stmt_store_result(s)) stmt_fail(s);
        if (mysql_stmt_bind_result(s, b)) stmt_fail(s);
        int rc;
        while ((rc = mysql_stmt_fetch(s)) == 0)
            index.attach(Child{id, parent_id, std::string(name, std::min<unsigned long>(length, sizeof name))});
        if (rc == 1) stmt_fail(s);
        mysql_stmt_free_result(s);
        return std::move(index.parents);
    }

private:
    // Result buffers for (id, name, qty, price).
    struct ItemBinding {
        long long id = 0, qty = 0;
        double price = 0;
        char name[256];
        unsigned long length = 0;
        MYSQL_BIND bind[4]{};
        ItemBinding() {
            bind[0].buffer_type = MYSQL_TYPE_LONGLONG;
            bind[0].buffer = &id;
            bind[1].buffer_type = MYSQL_TYPE_STRING;
            bind[1].buffer = name;
            bind[1].buffer_length = sizeof name;
            bind[1].length = &length;
            bind[2].buffer_type = MYSQL_TYPE_LONGLONG;
            bind[2].buffer = &qty;
            bind[3].buffer_type = MYSQL_TYPE_DOUBLE;
            bind[3].buffer = &price;
        }
        Item item(MYSQL_STMT*) const { return Item{id, std::string(name, std::min<unsigned long>(length, sizeof name)), qty, price}; }
    };

    MYSQL_STMT* statement(const std::string& sql) {
        auto it = statements_.find(sql);
        if (it != statements_.end()) return it->second;
        MYSQL_STMT* s = mysql_stmt_init(db_);
        if (mysql_stmt_prepare(s, sql.data(), sql.size())) {
            std::string message = mysql_stmt_error(s);
            mysql_stmt_close(s);
            fail("mysql prepare: " + message + ": " + sql.substr(0, 200));
        }
        statements_.emplace(sql, s);
        return s;
    }
    void query(const std::string& sql) {
        if (mysql_real_query(db_, sql.data(), sql.size())) fail(std::string("mysql: ") + mysql_error(db_));
    }
    [[noreturn]] static void stmt_fail(MYSQL_STMT* s) { fail(std::string("mysql stmt: ") + mysql_stmt_error(s)); }

    Tables t_;
    MYSQL* db_ = nullptr;
    std::unordered_map<std::string, MYSQL_STMT*> statements_;
};

}  // namespace

std::unique_ptr<Runner> make_raw_sqlite(const std::string& path, const Tables& tables) {
    return std::make_unique<SqliteRaw>(path, tables);
}
std::unique_ptr<Runner> make_raw_postgres(const std::string& url, const Tables& tables) {
    return std::make_unique<PgRaw>(url, tables);
}
std::unique_ptr<Runner> make_raw_mysql(const std::string& url, const Tables& tables) {
    return std::make_unique<MysqlRaw>(url, tables);
}

std::string sqlite_version() { return sqlite3_libversion(); }
std::string libpq_version() {
    const int v = PQlibVersion();
    return std::to_string(v / 10000) + "." + std::to_string(v % 10000);
}
std::string mariadb_client_version() { return mysql_get_client_info(); }

}  // namespace bench
