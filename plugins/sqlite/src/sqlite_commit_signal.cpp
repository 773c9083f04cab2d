#include "sqlite_commit_signal.hpp"

#include <map>

namespace rex::sqlite {

std::uint64_t CommitSignal::generation() {
    std::lock_guard lock(mutex_);
    return generation_;
}

void CommitSignal::notify() {
    {
        std::lock_guard lock(mutex_);
        ++generation_;
    }
    changed_.notify_all();
}

std::uint64_t CommitSignal::wait(std::uint64_t seen, std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, until, [&] { return generation_ != seen; });
    return generation_;
}

std::shared_ptr<CommitSignal> commit_signal_for(const std::string& path) {
    static std::mutex mutex;
    static std::map<std::string, std::weak_ptr<CommitSignal>> signals;
    std::lock_guard lock(mutex);
    for (auto it = signals.begin(); it != signals.end();) it = it->second.expired() ? signals.erase(it) : std::next(it);
    auto& slot = signals[path];
    auto signal = slot.lock();
    if (!signal) slot = signal = std::make_shared<CommitSignal>();
    return signal;
}

}  // namespace rex::sqlite
