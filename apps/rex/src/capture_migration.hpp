// `rex realtime enable|disable --migration`: the capture set-up as a migration. The DDL that
// ChangeCapture::install (and, for down.sql, uninstall) would run is recorded instead of run,
// through a connection that answers the set-up's reads from the live database, so
// `rex migrate up` applies it like any other migration.
#pragma once

#include <rex/sdk/adapter.hpp>
#include <rex/sdk/capture.hpp>

#include <string>
#include <vector>

namespace rex::cli {

// What ChangeCapture::install / uninstall would run for `tables`, as a script. Reads the live
// database's tables and keys as they are now.
std::string install_script(ChangeCapture& capture, Connection& live, const std::vector<std::string>& tables);
std::string uninstall_script(ChangeCapture& capture, Connection& live, const std::vector<std::string>& tables);

}  // namespace rex::cli
