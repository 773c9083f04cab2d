#include "context.hpp"

#include <filesystem>
#include <unistd.h>

namespace rex::conformance {

const BackendContext& backend() {
    static const BackendContext context = [] {
        const auto file = std::filesystem::temp_directory_path() / ("rex-conformance-" + std::to_string(::getpid()) + ".db");
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
        BackendContext c;
        c.name = "sqlite";
        c.url = "sqlite:" + file.string();
        c.url_variable = "(built in)";
        c.auto_id_column = "id INTEGER PRIMARY KEY";
        c.text_keeps_nul = true;
        c.float_nan_inf = false;  // SQLite stores NaN as NULL
        c.deadlocks = false;      // writers queue on the database lock (busy timeout)
        c.deferred_constraints = true;
        return c;
    }();
    return context;
}

}  // namespace rex::conformance
