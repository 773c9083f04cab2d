// The operation tests' parts: a fixture whose ExecutorContext::post runs work on its own worker
// threads (as rex-host's does), and a sink that records what an operation delivers.
#pragma once

#include "api_support.hpp"

#include <rex/sdk/operation.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rex::graphql::test {

// Executor options for live-query tests: a 5 ms debounce, so updates come quickly.
ExecutorOptions fast_live_options();

// Fixture + two worker threads behind post().
class WorkerFixture : public Fixture {
public:
    explicit WorkerFixture(const Backend& backend, ExecutorOptions options = {});
    ~WorkerFixture() override;
    void post(std::function<void()> work) override;
    // Holds the workers until release() (work posted meanwhile waits).
    void hold();
    void release();
    using Fixture::post;
    // Called by post() before it queues the work, on the posting thread (a test's hook to act
    // between two steps of an operation); `n` counts the posts from 1.
    std::function<void(int n)> on_post;

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    bool held_ = false;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
    std::atomic<int> posts_{0};
};

class RecordingSink : public OperationSink {
public:
    struct Message {
        std::string kind;  // "next", "error", "complete"
        std::string text;
    };
    void next(std::string result) override { add({"next", std::move(result)}); }
    void error(std::string errors) override { add({"error", std::move(errors)}); }
    void complete() override { add({"complete", {}}); }

    // Waits until at least `n` messages arrived (or `timeout` passed); returns a copy of all.
    std::vector<Message> wait(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    std::vector<Message> messages();
    // The i-th message's text; fails the test when it did not arrive in time.
    std::string text(std::size_t i, std::chrono::milliseconds timeout = std::chrono::seconds(10));

private:
    void add(Message m);
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<Message> messages_;
};

OperationRequest operation(std::string query, std::string variables = {});

// A subscription message without its extensions, and the bus sequence they carry (0: none).
std::string data_of(const std::string& message);
std::uint64_t sequence_of(const std::string& message);

}  // namespace rex::graphql::test
