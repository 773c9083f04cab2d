#include "operations.hpp"

#include "messages.hpp"

#include <rex/sdk/error.hpp>

#include <atomic>

namespace rex::websocket {

// Turns results into messages. Called from the host's workers; sends stop once the operation
// was stopped, so nothing of it reaches the client after the client's own complete / stop.
class Operations::Sink final : public OperationSink {
public:
    Sink(std::weak_ptr<Peer> peer, Wording wording, std::string id, std::uint64_t generation, Operations* owner,
         std::weak_ptr<bool> owner_alive)
        : peer_(std::move(peer)), wording_(wording), id_(std::move(id)), generation_(generation), owner_(owner),
          owner_alive_(std::move(owner_alive)) {}

    void next(std::string result) override {
        if (stopped_.load()) return;
        if (auto peer = peer_.lock()) peer->send(message(wording_.next, id_, result));
    }
    void error(std::string errors) override { finish(message(wording_.error, id_, errors)); }
    void complete() override { finish(message(wording_.complete, id_)); }

    void stop() { stopped_.store(true); }

private:
    void finish(std::string last) {
        if (stopped_.exchange(true)) return;
        auto peer = peer_.lock();
        if (!peer) return;
        peer->send(std::move(last));
        peer->post([owner = owner_, alive = owner_alive_, id = id_, generation = generation_] {
            if (!alive.expired()) owner->forget(id, generation);
        });
    }

    std::weak_ptr<Peer> peer_;
    Wording wording_;
    const std::string id_;
    const std::uint64_t generation_;
    Operations* owner_;
    std::weak_ptr<bool> owner_alive_;
    std::atomic<bool> stopped_{false};
};

void Operations::start(const std::string& id, OperationRequest request, std::string connection_params) {
    auto peer = peer_.lock();
    if (!peer) return;
    const auto max = peer->services().limits.max_subscriptions;
    if (running_.size() >= max) {
        peer->send(message(wording_.error, id, error_list("too many operations on this connection (at most " + std::to_string(max) + ")")));
        return;
    }
    request.headers = peer->request().headers;
    request.connection_params = std::move(connection_params);
    auto* executor = peer->services().operations;
    if (!executor) {
        peer->send(message(wording_.error, id, error_list("this host serves no GraphQL executor")));
        return;
    }
    const auto generation = ++generations_;
    auto sink = std::make_shared<Sink>(peer_, wording_, id, generation, this, alive_);
    // Entered before start: a result may come (and finish) before start returns.
    running_[id] = Running{sink, nullptr, generation, GaugeHold(peer->services().gauges.subscriptions)};
    try {
        auto handle = executor->start(std::move(request), sink);
        auto it = running_.find(id);
        if (it != running_.end() && it->second.generation == generation) it->second.handle = std::move(handle);
    } catch (const Error& e) {
        running_.erase(id);
        sink->stop();
        peer->send(message(wording_.error, id, error_list(e.what())));
    } catch (...) {
        running_.erase(id);
        sink->stop();
        throw;
    }
}

void Operations::forget(const std::string& id, std::uint64_t generation) {
    auto it = running_.find(id);
    if (it != running_.end() && it->second.generation == generation) running_.erase(it);
}

bool Operations::stop(const std::string& id) {
    auto it = running_.find(id);
    if (it == running_.end()) return false;
    it->second.sink->stop();
    running_.erase(it);  // destroying the handle stops the operation
    return true;
}

void Operations::stop_all() {
    for (auto& [id, running] : running_) running.sink->stop();
    running_.clear();
}

}  // namespace rex::websocket
