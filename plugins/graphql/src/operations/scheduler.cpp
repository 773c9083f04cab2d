#include "operations/scheduler.hpp"

namespace rex::graphql {

Scheduler::~Scheduler() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Scheduler::at(Clock::time_point when, std::function<void()> work) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        due_.emplace(when, std::move(work));
        if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
    }
    cv_.notify_all();
}

void Scheduler::loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (due_.empty()) {
            cv_.wait(lock);
            continue;
        }
        const auto first = due_.begin()->first;
        if (Clock::now() < first) {
            cv_.wait_until(lock, first);
            continue;
        }
        auto work = std::move(due_.begin()->second);
        due_.erase(due_.begin());
        lock.unlock();
        try {
            work();
        } catch (...) {  // a callback only posts; a failure to post loses that one run
        }
        lock.lock();
    }
}

}  // namespace rex::graphql
