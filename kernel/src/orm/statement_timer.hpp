// Times one statement for the query log. When statements are logged at debug level the precise
// monotonic clock is read; otherwise only the slow-query threshold needs the duration, and the
// coarse clock (coarse_clock.hpp) serves it.
#pragma once

#include "coarse_clock.hpp"

#include <chrono>

namespace rex {

class StatementTimer {
public:
    explicit StatementTimer(bool precise) : precise_(precise), start_(now(precise)) {}
    std::chrono::steady_clock::duration elapsed() const { return now(precise_) - start_; }
    // Statements were logged at debug level when this one began.
    bool precise() const { return precise_; }

private:
    static std::chrono::steady_clock::time_point now(bool precise) {
        return precise ? std::chrono::steady_clock::now() : coarse_steady_now();
    }
    bool precise_;
    std::chrono::steady_clock::time_point start_;
};

}  // namespace rex
