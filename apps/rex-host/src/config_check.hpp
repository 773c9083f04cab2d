// rex-host --check: validates what a start would use, without serving or connecting — the
// config and environment (already parsed by then), the plugins it loads, the database URL's
// adapter, the exporter and its settings, model files, the snapshot, migrations — and prints
// one line per problem. For deploy pipelines: a bad config fails the build, not the rollout.
#pragma once

#include "host_options.hpp"

#include <iosfwd>

namespace rex::host {

// Writes "rex-host: check: <problem>" lines to `err`, or one "rex-host: config OK ..." line to
// `out`; returns the exit code (0 OK, 1 problems).
int check_config(const HostOptions& options, std::ostream& out, std::ostream& err);

}  // namespace rex::host
