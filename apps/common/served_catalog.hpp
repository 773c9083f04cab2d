// What rex-host and `rex schema export` introspect, from the config: every table but the
// migrations history table, or only catalog.tables.
#pragma once

#include <rex/config.hpp>
#include <rex/introspect.hpp>

namespace rex::app {

inline IntrospectOptions introspect_options(const Config& config) {
    IntrospectOptions options;
    options.skip = {config.migrations.table};
    options.only = config.catalog.tables;
    return options;
}

}  // namespace rex::app
