// The adapter conformance suite runs the same cases against every adapter (after SOCI's
// common tests): each backend provides one BackendContext, in <backend>_context.cpp.
#pragma once

#include <rex/kernel.hpp>

#include <memory>
#include <string>

namespace rex::conformance {

struct BackendContext {
    std::string name;            // "sqlite", "postgres", "mysql"
    std::string url;             // empty: the backend is not available (the suite skips or fails)
    std::string url_variable;    // the environment variable it came from, for messages
    std::string auto_id_column;  // DDL of an auto-generated integer primary key column named id
    bool text_keeps_nul = true;  // text values may contain U+0000
    bool float_nan_inf = true;   // NaN and +-Infinity round-trip in float columns
    bool deadlocks = false;      // the database detects deadlocks (two writers, crossed locks)
    bool deferred_constraints = false;  // DEFERRABLE INITIALLY DEFERRED foreign keys: COMMIT can fail
    // How one connection finds its server-side id and another ends it; empty: not a server.
    std::string connection_id_sql;
    std::string kill_sql;        // one parameter: the id
    std::string alive_sql;       // one parameter: the id; counts the sessions with it (0 once killed)
};

// Defined once per backend program.
const BackendContext& backend();

// The kernel with every in-tree plugin loaded, shared by the cases.
Kernel& kernel();
// A new connection to the backend; the case is skipped (or fails under REX_REQUIRE_SERVERS=1)
// when the backend is not available.
std::shared_ptr<Connection> connect();
// True if the backend is available; otherwise reports why (WARN or FAIL).
bool available();
// The backend's dialect.
const Dialect& dialect();
// Rewrites each '?' of `sql` into the dialect's placeholder, in order.
std::string sql(const std::string& text);
// A fresh table name for this process and case, and a statement dropping it if it exists.
std::string table(const std::string& stem);
void drop_table(Connection& c, const std::string& name);

}  // namespace rex::conformance
