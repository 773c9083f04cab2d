// rex's exit codes (docs/cli.md).
#pragma once

namespace rex::cli {

enum ExitCode : int {
    exit_ok = 0,
    exit_failure = 1,        // the database or Rex reported an error
    exit_usage = 2,          // wrong usage, bad config or URL
    exit_plugin_failed = 3,  // --strict and a plugin could not be loaded
    exit_connection = 4,     // the database could not be reached
    exit_attention = 5,      // migrate status: a migration changed, stopped half-way or is missing
};

}  // namespace rex::cli
