// A thread for a test case. What it throws is kept and rethrown by join(), on the case's own
// thread: Catch's macros are not thread-safe (two threads in INFO corrupted the heap), and an
// exception leaving a std::thread ends the whole test program. The destructor joins too, so a
// case that fails early still waits for its worker instead of ending in std::terminate.
#pragma once

#include <exception>
#include <thread>
#include <utility>

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

}  // namespace rex::test
