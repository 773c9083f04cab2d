// Times one statement for the query log. When statements are logged at debug level the precise
// monotonic clock is read; otherwise only the slow-query threshold needs the duration, and the
// coarse monotonic clock (a few milliseconds' resolution) serves it for a fraction of the cost
// of a precise reading, which on virtual machines is a noticeable part of a short statement.
#pragma once

#include <chrono>
#include <ctime>

namespace rex {

class StatementTimer {
public:
    explicit StatementTimer(bool precise) : precise_(precise), start_(now(precise)) {}
    std::chrono::nanoseconds elapsed() const { return now(precise_) - start_; }

private:
    static std::chrono::nanoseconds now(bool precise) {
        timespec t{};
        clock_gettime(precise ? CLOCK_MONOTONIC : CLOCK_MONOTONIC_COARSE, &t);
        return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
    }
    bool precise_;
    std::chrono::nanoseconds start_;
};

}  // namespace rex
