// What the capture cases share: the backend's capture, its own command-line client, a captured
// table with every value type.
#pragma once

#include <rex/kernel.hpp>
#include <rex/sdk/capture.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rex::capture_test {

// The capture, switched once per program to capture_mode(): REX_TEST_CAPTURE_MODE, "triggers"
// by default; "logical" (PostgreSQL) also runs a feeder thread, as a host's pump would.
ChangeCapture& capture();
std::string capture_mode();
// In the logical mode, waits until the feeder has logged everything committed before the call
// (reads of the log right after a commit need it); nothing in the trigger mode.
void settle();
const std::string& engine();
// Runs `sql` through the engine's own command-line client (sqlite3, psql, mariadb), as another
// program would; throws with the client's stderr when it fails. Writer threads call it, so it
// uses no Catch macro (they are not thread-safe: two threads in INFO corrupted the heap).
void client(const std::string& sql);
std::string q(const std::string& identifier);
using Columns = std::vector<std::pair<std::string, ColumnType>>;
// A captured table named after `stem`, with `columns` ("id" is the key; none: the value types
// every engine has).
std::string make_table(Connection& c, const std::string& stem, const Columns& columns = {});
std::int64_t last_position();
std::string row_insert(const std::string& name, int id, const std::string& text);

}  // namespace rex::capture_test
