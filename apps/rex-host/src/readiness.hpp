// GET /ready for load balancers and orchestrators: 200 when this host can serve, else 503 with
// the reason — shutting down, a plugin that did not load, the database not reachable. Runs on a
// worker (it may wait for the database); GET /health stays the cheap "alive" answer.
#pragma once

#include <rex/sdk/http.hpp>

#include <atomic>

namespace rex {
class Kernel;
}

namespace rex::host {

class HostExecutorContext;

class Readiness {
public:
    Readiness(Kernel& kernel, HostExecutorContext& context) : kernel_(kernel), context_(context) {}
    void set_draining() noexcept { draining_ = true; }
    bool draining() const noexcept { return draining_; }
    HttpResponse check();

private:
    Kernel& kernel_;
    HostExecutorContext& context_;
    std::atomic<bool> draining_{false};
};

}  // namespace rex::host
