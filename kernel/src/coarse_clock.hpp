// steady_clock time read from the coarse monotonic clock: the same epoch (both count from boot),
// a resolution of a few milliseconds, at a fraction of a precise reading's cost, which on
// virtual machines is a noticeable part of a short statement. For bookkeeping that compares
// with intervals of milliseconds or more: pool idle times and lifetimes, slow-query thresholds.
#pragma once

#include <chrono>
#include <ctime>

namespace rex {

inline std::chrono::steady_clock::time_point coarse_steady_now() noexcept {
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
    return std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec)));
}

}  // namespace rex
