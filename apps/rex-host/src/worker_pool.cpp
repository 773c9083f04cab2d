#include "worker_pool.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace rex::host {

struct WorkerPool::Impl {
    explicit Impl(unsigned threads) : pool(threads) {}
    boost::asio::thread_pool pool;
};

WorkerPool::WorkerPool(unsigned threads) : impl_(std::make_unique<Impl>(threads)), threads_(threads) {}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::post(std::function<void()> job) { boost::asio::post(impl_->pool, std::move(job)); }

void WorkerPool::stop() {
    impl_->pool.stop();
    impl_->pool.join();
}

}  // namespace rex::host
