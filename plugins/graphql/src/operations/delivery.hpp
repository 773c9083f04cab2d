// One operation's link to its OperationSink. Every sink call goes through it, so stopping the
// operation (its handle destroyed) is one call after which no sink call starts: stop() waits for
// a call in progress on another thread, and may be called from inside a sink call (the lock is
// recursive). A sink must therefore not wait for a lock that its owner holds while destroying
// the handle.
#pragma once

#include <rex/sdk/operation.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace rex::graphql {

class Delivery {
public:
    explicit Delivery(std::shared_ptr<OperationSink> sink) : sink_(std::move(sink)) {}

    bool active() const;
    // Each returns false when the operation was stopped (nothing was delivered). error() and
    // complete() end the operation. A sink that throws ends it too.
    bool next(std::string result);
    bool error(std::string errors);
    bool complete();
    void stop();

private:
    template <class Call>
    bool deliver(Call&& call, bool last);

    mutable std::recursive_mutex mutex_;
    std::shared_ptr<OperationSink> sink_;  // null once stopped or ended
};

// A handle that stops its delivery when destroyed, then releases what feeds it.
class StoppingHandle final : public OperationHandle {
public:
    // What a running subscription holds (filled on a worker, after start() returned the handle).
    struct Keep {
        std::mutex mutex;
        std::shared_ptr<void> membership;                     // a live query's or a stream's
        std::shared_ptr<std::atomic<std::size_t>> counted;    // the subscription count it takes part in
        ~Keep() {
            if (counted) --*counted;
        }
    };
    StoppingHandle(std::shared_ptr<Delivery> delivery, std::shared_ptr<Keep> keep) : delivery_(std::move(delivery)), keep_(std::move(keep)) {}
    ~StoppingHandle() override;

private:
    std::shared_ptr<Delivery> delivery_;
    std::shared_ptr<Keep> keep_;
};

}  // namespace rex::graphql
