#include "operation_support.hpp"

namespace rex::graphql::test {

ExecutorOptions fast_live_options() {
    ExecutorOptions o;
    o.live_debounce = std::chrono::milliseconds(5);
    return o;
}

WorkerFixture::WorkerFixture(const Backend& backend, ExecutorOptions options) : Fixture(backend, std::move(options)) {
    for (int i = 0; i < 2; ++i)
        threads_.emplace_back([this] {
            for (;;) {
                std::function<void()> job;
                {
                    std::unique_lock lock(mutex_);
                    cv_.wait(lock, [&] { return stopping_ || (!held_ && !jobs_.empty()); });
                    if (stopping_) return;
                    job = std::move(jobs_.front());
                    jobs_.pop_front();
                }
                job();
            }
        });
}

WorkerFixture::~WorkerFixture() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
}

void WorkerFixture::post(std::function<void()> work) {
    const int n = ++posts_;
    if (on_post) on_post(n);
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(work));
    }
    cv_.notify_one();
}

void WorkerFixture::hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
}

void WorkerFixture::release() {
    {
        std::lock_guard lock(mutex_);
        held_ = false;
    }
    cv_.notify_all();
}

void RecordingSink::add(Message m) {
    {
        std::lock_guard lock(mutex_);
        messages_.push_back(std::move(m));
    }
    cv_.notify_all();
}

std::vector<RecordingSink::Message> RecordingSink::wait(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
    return messages_;
}

std::vector<RecordingSink::Message> RecordingSink::messages() {
    std::lock_guard lock(mutex_);
    return messages_;
}

std::string RecordingSink::text(std::size_t i, std::chrono::milliseconds timeout) {
    const auto all = wait(i + 1, timeout);
    if (all.size() <= i) {
        FAIL("message " << i << " did not arrive (" << all.size() << " arrived)");
        return {};
    }
    return all[i].kind + " " + all[i].text;
}

OperationRequest operation(std::string query, std::string variables) {
    OperationRequest r;
    r.query = std::move(query);
    r.variables = std::move(variables);
    return r;
}

std::string data_of(const std::string& message) {
    const auto at = message.find(",\"extensions\":{\"rex\"");
    return at == std::string::npos ? message : message.substr(0, at) + "}";
}

std::uint64_t sequence_of(const std::string& message) {
    const std::string marker = "\"sequence\":";
    const auto at = message.find(marker);
    return at == std::string::npos ? 0 : std::stoull(message.substr(at + marker.size()));
}

}  // namespace rex::graphql::test
