// Extension point "adapter": a database driver. It opens connections from a URL; a
// connection runs SQL with bound parameters, returns typed rows, runs transactions and
// savepoints, maps native errors to ErrorCategory and may expose a change feed.
#pragma once

#include <rex/sdk/result.hpp>
#include <rex/sdk/value.hpp>

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

REX_SDK_BEGIN

class ChangeCapture;
class Error;
class Logger;

enum class IsolationLevel : std::uint8_t {
    database_default,
    read_uncommitted,
    read_committed,
    repeatable_read,
    serializable,
};

struct TransactionOptions {
    IsolationLevel isolation = IsolationLevel::database_default;
    bool read_only = false;
};

struct Notification {
    std::string channel;
    std::string payload;
};

// Database-side notifications (PostgreSQL LISTEN/NOTIFY, SQLite update hooks, ...), the raw
// material of the kernel's change bus.
class REX_SDK_API ChangeFeed {
public:
    virtual ~ChangeFeed();
    virtual void listen(std::string_view channel) = 0;
    virtual void unlisten(std::string_view channel) = 0;
    // Waits up to `timeout` for notifications; returns those that arrived (maybe none).
    virtual std::vector<Notification> poll(std::chrono::milliseconds timeout) = 0;
    // A file descriptor that becomes readable when notifications arrive; -1 if none.
    virtual int native_handle() const { return -1; }
};

// The values of a batch, row after row: row r is values[r * width, (r + 1) * width).
struct ValueRows {
    std::span<const Value> values;
    std::size_t width = 0;

    std::size_t size() const noexcept { return width ? values.size() / width : 0; }
    std::span<const Value> row(std::size_t r) const noexcept { return values.subspan(r * width, width); }
};

// Sees each row of a result (Connection::visit_rows) and returns false to stop early. Two
// pointers rather than a std::function: calling it allocates nothing.
struct RowVisitor {
    void* context = nullptr;
    bool (*visit)(void* context, Cursor& row) = nullptr;
};

// Shows each row of `cursor` to `visitor` until it returns false; returns how many it was shown
// (what a visit_rows override does once it has its cursor).
inline std::int64_t visit_all(Cursor& cursor, RowVisitor visitor) {
    std::int64_t rows = 0;
    while (cursor.next()) {
        ++rows;
        if (!visitor.visit(visitor.context, cursor)) break;
    }
    return rows;
}

class REX_SDK_API Connection {
public:
    virtual ~Connection();

    // Runs one statement with bound parameters. Values are never spliced into SQL. The cursor
    // may outlive `sql` and `params`: keep copies of what it needs of them (the conformance
    // suite checks it).
    virtual std::unique_ptr<Cursor> query(std::string_view sql, const Params& params = {}) = 0;
    // Runs one statement and materialises its rows (default: collect(*query(...))).
    virtual ResultSet execute(std::string_view sql, const Params& params = {});
    // Runs one statement and shows each row to `visitor` until it returns false or the rows
    // end; returns how many rows it was shown. The parameters are read during the call only, so
    // an adapter may bind them without copies and keep its cursor on the stack. The default
    // goes through query().
    virtual std::int64_t visit_rows(std::string_view sql, std::span<const Value> params, RowVisitor visitor);
    // Runs one statement once per row of values, in order (bulk UPDATE, single-row INSERT
    // batches), and reports what each run did. Parameter k of a run is row[parameter_map[k]],
    // or row[k] when the map is empty: callers bind whole objects' rows, kept in one block,
    // without reordering copies. Rows the statement returns are discarded. Stops at the first failure and raises it
    // with "parameter row N: " before its message; the runs before it stay done, so callers wrap
    // a batch in a transaction. The default calls execute() per row; adapters that can prepare
    // once or pipeline override it.
    virtual std::vector<StatementOutcome> execute_batch(std::string_view sql, ValueRows rows,
                                                        const std::vector<std::size_t>& parameter_map = {});
    // Runs several ';'-separated statements without parameters (DDL scripts, dumps).
    virtual void execute_script(std::string_view sql) = 0;

    virtual void begin(const TransactionOptions& options = {}) = 0;
    virtual void commit() = 0;
    virtual void rollback() = 0;
    virtual bool in_transaction() const = 0;
    // Savepoint names must be plain identifiers ([A-Za-z_][A-Za-z0-9_]*); the defaults run
    // SAVEPOINT "name" / RELEASE SAVEPOINT "name" / ROLLBACK TO SAVEPOINT "name".
    virtual void savepoint(std::string_view name);
    virtual void release_savepoint(std::string_view name);
    virtual void rollback_to_savepoint(std::string_view name);

    // Round-trip liveness check; the pool runs it on connections idle longer than its
    // validation interval. False (never a throw) when the connection is unusable.
    virtual bool ping() = 0;
    // Local check without a round trip, run by the pool before it reuses a connection idle for
    // a while: false once the connection is known to be lost (a failed statement, the server
    // closed the socket; may ask the OS). The default trusts the connection.
    virtual bool is_usable() noexcept { return true; }
    // Whether the connection already knows it is lost, from its own state alone (no system
    // call): checked by the pool on every give-back and reuse.
    virtual bool is_lost() const noexcept { return false; }
    // Drops session state (open transaction, temporary settings) before the pool reuses it.
    virtual void reset() {
        if (in_transaction()) rollback();
    }
    // Asks the server to stop the statement this connection is running now, from any thread
    // (PostgreSQL PQcancel, MariaDB KILL QUERY on a second connection, SQLite sqlite3_interrupt);
    // the running call then fails (TimeoutError or DatabaseError). Nothing running: no effect,
    // or the next statement may fail at once where the engine keeps the request (SQLite does not);
    // a server adapter then reports is_lost(), so a pool never lends the session again (a late
    // MariaDB KILL QUERY stalled a later statement, a late PostgreSQL cancel may stop one).
    // False when the adapter cannot cancel; the default cannot.
    virtual bool cancel() noexcept { return false; }

    virtual std::string_view dialect() const = 0;
    virtual std::string server_version() const = 0;
    // nullptr when the adapter has no change feed.
    virtual ChangeFeed* change_feed() { return nullptr; }
};

struct ConnectOptions {
    std::string url;                                      // may hold a password: never log it
    std::chrono::milliseconds connect_timeout{10'000};
    std::string application_name = "rex";
    Logger* logger = nullptr;                             // may be null
};

class REX_SDK_API Adapter {
public:
    virtual ~Adapter();
    virtual std::string_view name() const = 0;
    virtual std::string_view description() const = 0;
    // URL schemes this adapter opens, e.g. {"postgres", "postgresql"}.
    virtual std::vector<std::string> url_schemes() const = 0;
    // Name of the query dialect to use with this adapter's connections.
    virtual std::string_view dialect() const = 0;
    // Throws ConnectionError or ConfigurationError (with the redacted URL) on failure.
    virtual std::unique_ptr<Connection> connect(const ConnectOptions& options) = 0;
    // Change capture for databases this adapter opens (rex/sdk/capture.hpp); nullptr when the
    // adapter has none. Owned by the adapter; its methods take a connection the adapter made.
    virtual ChangeCapture* capture() { return nullptr; }
};

// Throws ConfigurationError unless `name` is a plain identifier safe to splice into SQL.
REX_SDK_API void require_identifier(std::string_view name, std::string_view what);
// row[index] for execute_batch's parameter map; InvalidValue when the row is too short.
REX_SDK_API const Value& batch_parameter(std::span<const Value> row, std::size_t index);
// Raises `e` again with "parameter row N: " before its message (execute_batch's failures).
[[noreturn]] REX_SDK_API void raise_in_batch_row(const Error& e, std::size_t row);
// Whether `sql` begins (after whitespace) with `keyword`, given in upper case, in any case:
// how an adapter tells an INSERT (whose generated key it reports) or a read from other SQL.
REX_SDK_API bool starts_with_keyword(std::string_view sql, std::string_view keyword) noexcept;

REX_SDK_END
