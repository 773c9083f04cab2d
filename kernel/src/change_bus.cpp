#include "change_bus.hpp"

#include <rex/sdk/error.hpp>

#include <algorithm>
#include <vector>

namespace rex {

namespace {

struct Subscriber {
    ChangeFilter filter;
    std::function<void(const ChangeEvent&)> on_event;
    std::uint64_t after = 0;  // it has seen everything up to here (maybe on another host)
    bool active = true;

    bool wants(const ChangeEvent& e) const {
        if (e.sequence <= after) return false;
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
    std::uint64_t floor = 0;  // sequences up to here were never in this bus's memory
    bool log_numbered = false;
    std::shared_ptr<ChangeHistory> log;  // serves resumes from before the memory
    std::uint64_t dropped = 0;
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
    // A resume reads at most this many changes back from the log (while publishers wait);
    // from further back the client must refetch.
    static constexpr std::uint64_t log_replay_limit = 1 << 16;
    // The oldest sequence number a resume is served from: the memory, or the log when it
    // numbers this bus.
    std::uint64_t first_servable() const {
        const auto memory = memory_first();
        if (!log) return memory;
        const auto reach = last > log_replay_limit ? last - log_replay_limit + 1 : 1;
        return std::min(memory, std::max({reach, log->first_available(), std::uint64_t{1}}));
    }
    // The oldest sequence number the memory may hold.
    std::uint64_t memory_first() const {
        const auto oldest = last >= history_limit ? last - history_limit + 1 : 1;
        return std::max(oldest, floor + 1);
    }
    // Numbers the events (keeping the ones they carry, which must go up), drops the unnumbered
    // ones of a log-numbered bus; returns the new last sequence without storing it.
    std::uint64_t number(std::vector<ChangeEvent>& events) {
        if (log_numbered) {  // unnumbered, or already published by another pump on this bus
            const auto before = events.size();
            auto seen = last;
            std::erase_if(events, [&](const ChangeEvent& e) {
                if (e.sequence <= seen) return true;
                seen = e.sequence;
                return false;
            });
            dropped += before - events.size();
        }
        auto at = last;
        for (auto& e : events) {
            if (e.sequence == 0) {
                e.sequence = ++at;
            } else if (e.sequence > at) {
                at = e.sequence;
            } else {
                raise({ErrorCategory::invalid_value,
                       "change bus: sequence " + std::to_string(e.sequence) + " is not after " + std::to_string(at), {}, {}});
            }
        }
        return at;
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
        const auto before = shared_->last;
        last = shared_->number(events);
        // A bus whose first numbers come from a log starts there: it never held the ones before.
        if (before == 0 && !events.empty() && events.front().sequence > 1) shared_->floor = events.front().sequence - 1;
        shared_->last = last;
        if (targets.empty() && events.size() > limit) skip = events.size() - limit;
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
    auto sub = std::make_shared<Subscriber>(Subscriber{std::move(filter), std::move(on_event), after_sequence, true});
    std::lock_guard delivery(shared_->delivery);
    std::vector<ChangeEvent> backlog;  // copied, so no lock is held while the subscriber runs
    std::shared_ptr<ChangeHistory> log;
    std::uint64_t log_through = 0;
    {
        std::lock_guard lock(shared_->mutex);
        const auto last = shared_->last;
        const auto oldest = shared_->memory_first();
        // 0 is no resume point (nothing was seen yet): the memory only.
        if (shared_->log && after_sequence > 0 && after_sequence + 1 < oldest) {
            log = shared_->log;
            log_through = oldest - 1;
            after_sequence = std::max(after_sequence, shared_->first_servable() - 1);
            if (after_sequence >= log_through) log.reset();
        }
        for (auto seq = std::max(after_sequence + 1, oldest); seq <= last; ++seq)
            if (const auto* e = shared_->retained(seq); e && sub->wants(*e)) backlog.push_back(*e);
        shared_->subscribers.push_back(sub);
    }
    // Older than the memory: read back from the log (publishers wait; delivery stays in order).
    if (log) {
        try {
            log->replay(after_sequence, log_through, [&](const ChangeEvent& e) {
                if (sub->wants(e)) sub->on_event(e);
            });
        } catch (...) {  // the log is unreachable: no subscription, the caller hears why
            std::lock_guard lock(shared_->mutex);
            std::erase(shared_->subscribers, sub);
            throw;
        }
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
    return shared_->first_servable();
}

bool InMemoryChangeBus::numbered_by_log() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->log_numbered;
}

void InMemoryChangeBus::number_from_log(std::uint64_t sequence, std::shared_ptr<ChangeHistory> history) {
    std::lock_guard delivery(shared_->delivery);
    std::lock_guard lock(shared_->mutex);
    if (shared_->log_numbered) return;  // a second pump on this bus
    // The host starts its pump before anyone subscribes; numbers made in-process before it
    // (if any) are forgotten, since the log's numbering replaces them.
    if (shared_->last != sequence) {
        for (auto& e : shared_->history) e = ChangeEvent{};
        shared_->last = sequence;
    }
    shared_->floor = sequence;
    shared_->log_numbered = true;
    shared_->log = std::move(history);
}

void InMemoryChangeBus::number_in_process() {
    std::lock_guard delivery(shared_->delivery);
    std::lock_guard lock(shared_->mutex);
    shared_->log_numbered = false;
    shared_->log.reset();
}

std::uint64_t InMemoryChangeBus::dropped() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->dropped;
}

}  // namespace rex
