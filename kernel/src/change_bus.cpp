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
    // The newest events by value, event `s` in slot (s - 1) % history_limit: publishing moves an
    // event in, replacing the one it evicts, with no allocation of its own.
    std::vector<ChangeEvent> history;
    std::vector<std::shared_ptr<Subscriber>> subscribers;

    void keep(ChangeEvent&& event) {
        if (history_limit == 0) return;
        const auto slot = static_cast<std::size_t>((event.sequence - 1) % history_limit);
        if (history.size() <= slot) history.resize(slot + 1);
        history[slot] = std::move(event);
    }
    // The retained event with this sequence number, if still retained.
    const ChangeEvent* retained(std::uint64_t sequence) const {
        if (history_limit == 0 || sequence == 0) return nullptr;
        const auto slot = static_cast<std::size_t>((sequence - 1) % history_limit);
        return slot < history.size() && history[slot].sequence == sequence ? &history[slot] : nullptr;
    }
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
    std::vector<ChangeEvent> one;
    one.push_back(std::move(event));
    return publish_all(one);
}

std::uint64_t InMemoryChangeBus::publish_all(std::vector<ChangeEvent>& events) {
    std::lock_guard delivery(shared_->delivery);
    std::vector<std::shared_ptr<Subscriber>> targets;
    std::uint64_t last = 0;
    std::size_t skip = 0;
    {
        std::lock_guard lock(shared_->mutex);
        if (!shared_->subscribers.empty()) targets = shared_->subscribers;
        // Without subscribers an event matters only while the history holds it: of a batch
        // longer than the history, the first ones would be evicted by the last ones at once, so
        // they only take their sequence numbers.
        const auto limit = shared_->history_limit;
        if (targets.empty() && events.size() > limit) skip = events.size() - limit;
        for (auto& e : events) e.sequence = ++shared_->last;
        last = shared_->last;
    }
    // Delivered before they are kept (delivery is serialised, so no other publisher runs in
    // between); a subscription made inside a callback starts after the event being delivered.
    for (const auto& e : events)
        for (const auto& s : targets)
            if (s->active && s->wants(e)) s->on_event(e);
    {
        std::lock_guard lock(shared_->mutex);
        for (std::size_t i = skip; i < events.size(); ++i) shared_->keep(std::move(events[i]));
    }
    events.clear();
    return last;
}

std::unique_ptr<ChangeSubscription> InMemoryChangeBus::subscribe(ChangeFilter filter, std::uint64_t after_sequence,
                                                                 std::function<void(const ChangeEvent&)> on_event) {
    auto sub = std::make_shared<Subscriber>(Subscriber{std::move(filter), std::move(on_event), true});
    std::lock_guard delivery(shared_->delivery);
    std::vector<ChangeEvent> backlog;  // copied, so no lock is held while the subscriber runs
    {
        std::lock_guard lock(shared_->mutex);
        const auto last = shared_->last;
        const auto oldest = last > shared_->history_limit ? last - shared_->history_limit + 1 : 1;
        for (auto seq = std::max(after_sequence + 1, oldest); seq <= last; ++seq)
            if (const auto* e = shared_->retained(seq); e && sub->wants(*e)) backlog.push_back(*e);
        shared_->subscribers.push_back(sub);
    }
    for (const auto& e : backlog) sub->on_event(e);
    return std::make_unique<BusSubscription>(shared_, sub);
}

std::uint64_t InMemoryChangeBus::last_sequence() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->last;
}

std::uint64_t InMemoryChangeBus::first_retained() const {
    std::lock_guard lock(shared_->mutex);
    const auto last = shared_->last;
    return last >= shared_->history_limit ? last - shared_->history_limit + 1 : 1;
}

}  // namespace rex
