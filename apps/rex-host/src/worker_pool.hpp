// The threads that run plugin code (executors, plugin routes) for rex-host, so a slow query never
// holds an I/O thread: the I/O threads only read, parse and write. Asio stays out of this header.
#pragma once

#include <functional>
#include <memory>

namespace rex::host {

class WorkerPool {
public:
    explicit WorkerPool(unsigned threads);
    ~WorkerPool();  // joins
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Runs `job` on one of the threads; jobs start in the order posted. `job` must not throw.
    void post(std::function<void()> job);
    // Waits for the jobs started to finish and drops those not started.
    void stop();
    unsigned size() const noexcept { return threads_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    unsigned threads_;
};

}  // namespace rex::host
