#include "context.hpp"

#include <cstdlib>

namespace rex::conformance {

const BackendContext& backend() {
    static const BackendContext context = [] {
        BackendContext c;
        c.name = "mysql";
        c.url_variable = "REX_TEST_MYSQL_URL";
        if (const char* url = std::getenv("REX_TEST_MYSQL_URL")) c.url = url;
        c.auto_id_column = "id BIGINT AUTO_INCREMENT PRIMARY KEY";
        c.text_keeps_nul = true;
        c.float_nan_inf = false;  // MySQL DOUBLE has no NaN or Infinity
        c.deadlocks = true;
        c.deferred_constraints = false;  // checked per statement: COMMIT never fails on a constraint
        c.connection_id_sql = "SELECT CONNECTION_ID()";
        c.kill_sql = "KILL CONNECTION ?";
        c.alive_sql = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ?";
        return c;
    }();
    return context;
}

}  // namespace rex::conformance
