// Change capture: every committed change to a set of tables, whoever wrote it (psql, mariadb,
// sqlite3, another service), kept by the database in a durable log and read back in commit
// order. An adapter that can capture returns a ChangeCapture from Adapter::capture(); the
// kernel's capture pump reads it and publishes the changes to the change bus.
//
// Why a fifth small interface reached from the Adapter, not more Connection methods: capture is
// a property of the database (triggers, log tables, positions shared by every host), not of one
// session; it acts through any connection the adapter made, so the pool, the CLI and the pump
// all use it the same way, and adapters without capture just return nullptr.
#pragma once

#include <rex/sdk/change.hpp>
#include <rex/sdk/value.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

REX_SDK_BEGIN

class Connection;

// One changed row as the database logged it. Rows are JSON objects keyed by column name, as
// the database's own JSON functions rendered them (row_to_json, JSON_OBJECT, json_object).
struct CapturedChange {
    std::string table;
    ChangeKind kind = ChangeKind::insert;
    Json key;                      // the primary key columns: {"id": 7}
    std::optional<Json> old_row;   // update and remove
    std::optional<Json> new_row;   // insert and update
};

// The changes of one committed transaction (on SQLite, of one change: see docs/realtime.md).
// Positions are the log's, the same for every reader of one database, strictly increasing in
// commit order; reading after a batch's position returns the batches committed after it.
struct CaptureBatch {
    std::int64_t position = 0;
    Timestamp committed_at;
    std::vector<CapturedChange> changes;
};

// What is set up in the database.
struct CaptureStatus {
    bool installed = false;            // the log tables exist
    std::vector<std::string> tables;   // tables whose writes are captured
    std::int64_t oldest_position = 0;  // the oldest batch still kept (0: the log is empty)
    std::int64_t last_position = 0;    // the newest committed batch (0: none yet)
    std::int64_t kept_changes = 0;     // rows in the log
    std::int64_t pruned_through = 0;   // batches up to this position were pruned: a reader
                                       // resuming before it has lost changes and must refetch
    std::string mode = "triggers";     // how changes reach the log: "triggers", or "logical"
                                       // (PostgreSQL: decoded from the WAL by one reader, the feeder)
};

// How much of the log to keep; unset limits keep everything.
struct CaptureRetention {
    std::optional<std::chrono::seconds> max_age;
    std::optional<std::int64_t> max_batches;
};

class REX_SDK_API ChangeCapture {
public:
    virtual ~ChangeCapture();

    // Creates the log tables if needed and (re)creates the capture triggers of `tables`
    // (re-run after a table's columns change). DDL: run it outside a transaction.
    virtual void install(Connection& connection, const std::vector<std::string>& tables) = 0;
    // Drops the triggers of `tables`; with no tables, every capture trigger and the log tables.
    virtual void uninstall(Connection& connection, const std::vector<std::string>& tables) = 0;
    virtual CaptureStatus status(Connection& connection) = 0;

    // The batches committed after `after`, oldest first, at most `max_batches` of them (a
    // batch is never split, so memory is bounded by max_batches times the largest transaction).
    virtual std::vector<CaptureBatch> read(Connection& connection, std::int64_t after, std::size_t max_batches) = 0;
    // Waits up to `timeout` for a batch after `after` (LISTEN/NOTIFY, data_version or a cheap
    // poll; a wake-up is only a hint, read() is the truth); true when one may be there.
    virtual bool wait(Connection& connection, std::int64_t after, std::chrono::milliseconds timeout) = 0;
    // Deletes the batches older than the retention allows, in short transactions that do not
    // block writers; returns how many batches went.
    virtual std::int64_t prune(Connection& connection, const CaptureRetention& retention) = 0;
    // Switches how changes reach the log for every captured table: "triggers" (the default, every
    // adapter) or an adapter's own mode ("logical" on PostgreSQL). The log, its positions and
    // read() stay the same. The default accepts "triggers" only.
    virtual void set_mode(Connection& connection, std::string_view mode);
};

// For adapters: groups the rows of a log read into batches. Columns, in order: position
// (integer), committed_at (timestamp, or its ISO text), table, op ('I', 'U' or 'D'), key, old
// row, new row (JSON text or NULL); rows of one batch are consecutive.
struct ResultSet;
REX_SDK_API std::vector<CaptureBatch> capture_batches(const ResultSet& rows);
// Fills oldest_position, last_position, kept_changes and pruned_through from the first row's
// four columns, in that order (NULL: 0).
REX_SDK_API void read_capture_counts(const ResultSet& rows, CaptureStatus& status);
// The integer in the first row's first column; 0 when there is no row or it is NULL.
REX_SDK_API std::int64_t first_integer(const ResultSet& rows);
// The 'I' / 'U' / 'D' the log tables store; InvalidValue for anything else.
REX_SDK_API ChangeKind capture_kind(std::string_view op);
// For adapters whose log has one row per change (MariaDB, SQLite): rex_changes (id,
// committed_at, table_name, op, `key`, old_row, new_row) and rex_capture_meta's pruned_through.
// The counts of status() once rex_capture_meta exists, and read().
REX_SDK_API void read_change_log_counts(Connection& connection, CaptureStatus& status);
REX_SDK_API std::vector<CaptureBatch> read_change_log(Connection& connection, std::int64_t after, std::size_t max_batches);

REX_SDK_END
