// Runs callbacks at a time (the live queries' debounce): one thread, started on first use. A
// callback only hands work on (ExecutorContext::post); it must be quick and must not destroy
// the scheduler.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace rex::graphql {

class Scheduler {
public:
    using Clock = std::chrono::steady_clock;
    Scheduler() = default;
    ~Scheduler();  // drops what is not due yet and joins
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    void at(Clock::time_point when, std::function<void()> work);

private:
    void loop();
    std::mutex mutex_;
    std::condition_variable cv_;
    std::multimap<Clock::time_point, std::function<void()>> due_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace rex::graphql
