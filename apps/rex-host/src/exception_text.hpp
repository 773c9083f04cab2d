// Describes the exception being handled, whatever its type, for the one log line a failure of
// plugin code gets: "std::runtime_error: boom", "an exception of type int".
#pragma once

#include <string>

namespace rex::host {

// Call only inside a catch block.
std::string current_exception_text();

}  // namespace rex::host
