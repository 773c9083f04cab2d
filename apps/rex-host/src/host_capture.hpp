// rex-host's change capture (docs/realtime.md): when the config's realtime.capture is set, the
// kernel's capture pump reads the database's change log into the change bus, the last position
// delivered is kept in a state file so a restart resumes right after it, and the log is pruned
// by the configured retention on a thread of its own.
#pragma once

#include <rex/config.hpp>
#include <rex/kernel.hpp>

#include <memory>

namespace rex::host {

class HostCapture {
public:
    // nullptr when realtime.capture is off. Throws ConfigurationError for a bad or busy state
    // file or a database without capture set up, ConnectionError when it cannot connect.
    static std::unique_ptr<HostCapture> start(Kernel& kernel, const Config& config);
    virtual ~HostCapture();  // stops pruning, then the pump

protected:
    HostCapture() = default;
};

}  // namespace rex::host
