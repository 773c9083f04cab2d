// What rex-host serves: before it listens, the pending migrations are applied (when the config
// asks) and the catalog is filled — from the config's model files, or else from the catalog
// snapshot when it still matches the database, or else by introspecting the database (and then
// the snapshot is written, when one is configured). docs/rex-host.md, "Models".
#pragma once

#include <rex/config.hpp>
#include <rex/kernel.hpp>

namespace rex::host {

class HostExecutorContext;

// Throws rex::Error with one line saying what failed.
void apply_migrations_on_start(Kernel& kernel, const Config& config);
void fill_catalog(Kernel& kernel, const Config& config, HostExecutorContext& context);

}  // namespace rex::host
