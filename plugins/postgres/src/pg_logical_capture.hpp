// The capture's logical mode on PostgreSQL: writers pay no trigger; one reader at a time, the
// feeder (it holds a session advisory lock; another host's pump takes over when its session
// ends), streams a logical slot with wal2json (pg_logical_stream.hpp) and appends each committed
// transaction, in commit order, to the same log the triggers write (rex_changes,
// rex_capture_tx), numbered the same way. Every reader, resume, retention and refetch then work
// as in the trigger mode. Needs wal_level=logical and the REPLICATION attribute (or superuser).
#pragma once

#include <rex/sdk/adapter.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace rex::postgres::logical {

// The database's mode as recorded in the log's meta row ("triggers" when there is none).
std::string current_mode(Connection& c);
// Checks the server's settings and rights, creates the slot and the feeder's functions, and
// moves `tables` from their triggers to the slot (the caller has created the log tables).
void enable(Connection& c, const std::vector<std::string>& tables);
// Drops the slot and returns the tables the slot captured (the caller gives them triggers).
std::vector<std::string> disable(Connection& c);
// Captures / stops capturing tables through the slot.
void add_table(Connection& c, const std::string& table);
void remove_table(Connection& c, const std::string& table);
// The tables the slot captures (those dropped since are left out).
std::vector<std::string> tables(Connection& c);

// The feeder's turn in a reader's wait: when this session holds (or can take) the feeder lock,
// reads the slot's stream (opened on the first turn, kept with the session) and stores decoded
// transactions in the log until at least one was appended (true) or `timeout` passed (false).
// `std::nullopt` when another session is the feeder: wait for its NOTIFY.
std::optional<bool> feed(Connection& c, std::chrono::milliseconds timeout);

}  // namespace rex::postgres::logical
