// A thread for a test case. What it throws is kept and rethrown by join(), on the case's own
// thread: Catch's macros are not thread-safe (two threads in INFO corrupted the heap), and an
// exception leaving a std::thread ends the whole test program. The destructor joins too, so a
// case that fails early still waits for its worker instead of ending in std::terminate.
#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

namespace rex::test {

class Worker {
public:
    template <class Body>
    explicit Worker(Body body)
        : thread_([this, body = std::move(body)]() mutable {
              try {
                  body();
              } catch (...) {
                  failure_ = std::current_exception();
              }
          }) {}
    ~Worker() {
        if (thread_.joinable()) thread_.join();
    }
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Waits for the body; rethrows what it threw.
    void join() {
        if (thread_.joinable()) thread_.join();
        if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
    }

private:
    std::exception_ptr failure_;  // before thread_: set by the thread, which starts last
    std::thread thread_;
};

// Workers that loop until `stop` is set. Declared after what their bodies use, so that a case
// leaving early (a throw before its own `stop = true`) sets the flag and joins them here instead
// of waiting forever for loops nobody stops.
class StoppableWorkers {
public:
    explicit StoppableWorkers(std::atomic<bool>& stop) : stop_(stop) {}
    ~StoppableWorkers() {
        stop_ = true;  // each Worker's destructor then joins
    }
    StoppableWorkers(const StoppableWorkers&) = delete;
    StoppableWorkers& operator=(const StoppableWorkers&) = delete;

    template <class Body>
    void add(Body body) {
        workers_.push_back(std::make_unique<Worker>(std::move(body)));
    }
    // Sets the flag, waits for every worker; rethrows the first one's exception.
    void stop_and_join() {
        stop_ = true;
        std::exception_ptr first;
        for (auto& w : workers_) {
            try {
                w->join();
            } catch (...) {
                if (!first) first = std::current_exception();
            }
        }
        if (first) std::rethrow_exception(first);
    }

private:
    std::atomic<bool>& stop_;
    std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace rex::test
