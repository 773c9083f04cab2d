#include "change_bus.hpp"

#include <algorithm>
#include <vector>

namespace rex {

namespace {

struct Subscriber {
    ChangeFilter filter;
    std::function<void(const ChangeEvent&)> on_event;
    bool active = true;

    bool wants(const ChangeEvent& e) const {
        return filter.entities.empty() ||
               std::find(filter.entities.begin(), filter.entities.end(), e.entity()) != filter.entities.end();
    }
};

}  // namespace

struct InMemoryChangeBus::Shared {
    std::size_t history_limit;
    mutable std::mutex mutex;      // guards the fields below
    std::recursive_mutex delivery;  // keeps delivery in sequence order; reentrant for nested publish
    std::uint64_t last = 0;
    std::deque<std::shared_ptr<const ChangeEvent>> history;  // shared, so publishing copies no row
    std::vector<std::shared_ptr<Subscriber>> subscribers;
};

namespace {

class BusSubscription final : public ChangeSubscription {
public:
    BusSubscription(std::weak_ptr<InMemoryChangeBus::Shared> bus, std::shared_ptr<Subscriber> sub)
        : bus_(std::move(bus)), sub_(std::move(sub)) {}
    ~BusSubscription() override {
        auto bus = bus_.lock();
        if (!bus) return;
        std::lock_guard delivery(bus->delivery);  // no callback runs after we return
        std::lock_guard lock(bus->mutex);
        sub_->active = false;
        std::erase(bus->subscribers, sub_);
    }

private:
    std::weak_ptr<InMemoryChangeBus::Shared> bus_;
    std::shared_ptr<Subscriber> sub_;
};

}  // namespace

InMemoryChangeBus::InMemoryChangeBus(std::size_t history) : shared_(std::make_shared<Shared>()) {
    shared_->history_limit = history;
}

InMemoryChangeBus::~InMemoryChangeBus() = default;

std::uint64_t InMemoryChangeBus::publish(ChangeEvent event) {
    std::lock_guard delivery(shared_->delivery);
    std::shared_ptr<const ChangeEvent> shared;
    std::vector<std::shared_ptr<Subscriber>> targets;
    {
        std::lock_guard lock(shared_->mutex);
        event.sequence = ++shared_->last;
        shared = std::make_shared<const ChangeEvent>(std::move(event));
        if (shared_->history_limit > 0) {
            shared_->history.push_back(shared);
            if (shared_->history.size() > shared_->history_limit) shared_->history.pop_front();
        }
        if (!shared_->subscribers.empty()) targets = shared_->subscribers;
    }
    for (const auto& s : targets)
        if (s->active && s->wants(*shared)) s->on_event(*shared);
    return shared->sequence;
}

std::uint64_t InMemoryChangeBus::publish_all(std::vector<ChangeEvent>& events) {
    std::lock_guard delivery(shared_->delivery);
    std::vector<std::shared_ptr<const ChangeEvent>> published;
    std::vector<std::shared_ptr<Subscriber>> targets;
    std::uint64_t last = 0;
    {
        std::lock_guard lock(shared_->mutex);
        if (!shared_->subscribers.empty()) targets = shared_->subscribers;
        // Without subscribers an event matters only while the history holds it: of a batch
        // longer than the history, the first ones would be dropped by the last ones at once, so
        // they only take their sequence numbers.
        const auto limit = shared_->history_limit;
        const std::size_t skip = targets.empty() ? (events.size() > limit ? events.size() - limit : 0) : 0;
        shared_->last += skip;
        if (!targets.empty()) published.reserve(events.size());
        for (std::size_t i = skip; i < events.size(); ++i) {
            events[i].sequence = ++shared_->last;
            auto shared = std::make_shared<const ChangeEvent>(std::move(events[i]));
            if (limit > 0) {
                shared_->history.push_back(shared);
                if (shared_->history.size() > limit) shared_->history.pop_front();
            }
            if (!targets.empty()) published.push_back(std::move(shared));
        }
        last = shared_->last;
    }
    events.clear();
    for (const auto& e : published)
        for (const auto& s : targets)
            if (s->active && s->wants(*e)) s->on_event(*e);
    return last;
}

std::unique_ptr<ChangeSubscription> InMemoryChangeBus::subscribe(ChangeFilter filter, std::uint64_t after_sequence,
                                                                 std::function<void(const ChangeEvent&)> on_event) {
    auto sub = std::make_shared<Subscriber>(Subscriber{std::move(filter), std::move(on_event), true});
    std::lock_guard delivery(shared_->delivery);
    std::vector<std::shared_ptr<const ChangeEvent>> backlog;
    {
        std::lock_guard lock(shared_->mutex);
        for (const auto& e : shared_->history)
            if (e->sequence > after_sequence && sub->wants(*e)) backlog.push_back(e);
        shared_->subscribers.push_back(sub);
    }
    for (const auto& e : backlog) sub->on_event(*e);
    return std::make_unique<BusSubscription>(shared_, sub);
}

std::uint64_t InMemoryChangeBus::last_sequence() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->last;
}

}  // namespace rex
