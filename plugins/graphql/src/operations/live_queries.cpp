#include "operations/live_queries.hpp"

#include "executor/executor.hpp"
#include "operations/read_entities.hpp"
#include "operations/row_match.hpp"

#include <rex/sdk/log.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <vector>

namespace rex::graphql {

namespace {

struct Member {
    std::shared_ptr<Delivery> delivery;
    std::mutex mutex;        // one delivery at a time, in sequence order
    std::uint64_t sent = 0;  // the sequence of the last result delivered
    bool any = false;

    void send(const std::string& body, std::uint64_t sequence) {
        std::lock_guard lock(mutex);
        if (any && sequence <= sent) return;  // an older result than one already delivered
        any = true;
        sent = sequence;
        delivery->next(with_sequence(body, sequence));
    }
};

}  // namespace

struct LiveQueries::Registry {
    Registry(ExecutorContext& context, std::chrono::milliseconds debounce) : context(context), debounce(debounce) {}
    ExecutorContext& context;
    std::chrono::milliseconds debounce;
    Scheduler scheduler;
    mutable std::mutex mutex;
    std::map<std::string, std::weak_ptr<Live>, std::less<>> running;
};

class LiveQueries::Live : public std::enable_shared_from_this<Live> {
public:
    Live(SubscriptionRequest request, std::shared_ptr<Registry> registry) : request_(std::move(request)), registry_(registry) {
        const auto& field = request_.operation.fields.front();
        root_ = request_.api->subscription_fields.at(field.name);
        reads_ = read_entities(*request_.api, root_, field, request_.requester);
    }

    ~Live() { subscription_.reset(); }  // waits for a bus callback in progress

    const std::string& key() const { return request_.key; }

    // Adds a member; returns the result to deliver to it now, if there is one.
    std::optional<std::pair<std::string, std::uint64_t>> add(const std::shared_ptr<Member>& member) {
        std::lock_guard lock(mutex_);
        members_.push_back(member);
        if (!have_result_) return std::nullopt;
        return std::pair{last_body_, last_sequence_};
    }

    // Removes a member; true when none is left (the execution stops).
    bool remove(const std::shared_ptr<Member>& member) {
        std::lock_guard lock(mutex_);
        std::erase(members_, member);
        stopped_ = members_.empty();
        return stopped_;
    }

    void start() {
        {
            std::lock_guard lock(mutex_);
            scheduled_ = true;
        }
        post_run();
    }

    // On a worker: runs the query, delivers a changed result, re-runs later when changes came meanwhile.
    void run() {
        {
            std::lock_guard lock(mutex_);
            scheduled_ = false;
            if (stopped_ || running_) return;
            running_ = true;
            dirty_ = false;
        }
        auto& bus = request_.executor->context().changes();
        // Taken before the SQL runs: every change up to it is in the result, and the bus
        // delivers every later one (some may be in the result too: a re-run that finds the same
        // result sends nothing).
        const auto sequence = bus.last_sequence();
        std::string body;
        try {
            if (!subscription_) {
                ChangeFilter filter;
                if (reads_.entities) filter.entities = *reads_.entities;
                std::weak_ptr<Live> weak = weak_from_this();
                subscription_ = bus.subscribe(std::move(filter), sequence, [weak](const ChangeEvent& e) {
                    if (auto live = weak.lock()) live->changed(e);
                });
            }
            body = request_.executor->run_prepared(*request_.api, request_.operation, nullptr, &request_.requester).body;
        } catch (const std::exception& e) {
            request_.executor->context().logger().log(LogLevel::error, "graphql", std::string("live query failed: ") + e.what());
            body = R"({"data":null,"errors":[{"message":"Internal error","extensions":{"code":"internal"}}]})";
        }
        std::vector<std::shared_ptr<Member>> targets;
        bool again = false;
        {
            std::lock_guard lock(mutex_);
            running_ = false;
            const bool changed = !have_result_ || body != last_body_;
            if (changed) {
                last_body_ = body;
                last_sequence_ = sequence;
                have_result_ = true;
                targets = members_;
            }
            again = dirty_ && !stopped_ && !scheduled_;
            if (again) scheduled_ = true;
        }
        for (const auto& m : targets) m->send(body, sequence);
        if (again) schedule();
    }

private:
    // On the bus's publishing thread: quick.
    void changed(const ChangeEvent& event) noexcept {
        try {
            if (!affects(event)) return;
        } catch (...) {  // never into the publisher; a change we cannot judge counts
        }
        bool start = false;
        {
            std::lock_guard lock(mutex_);
            if (stopped_) return;
            dirty_ = true;
            start = !running_ && !scheduled_;
            if (start) scheduled_ = true;
        }
        if (start) schedule();
    }

    bool affects(const ChangeEvent& event) const {
        const auto& e = *root_.entity;
        if (event.entity() == e.entity->name && root_affects(event)) return true;
        return reads_.related_change_matters(event);
    }

    // Whether a change of the root field's entity may change the rows the root field selects.
    bool root_affects(const ChangeEvent& event) const {
        const auto& e = *root_.entity;
        const auto& field = request_.operation.fields.front();
        const auto match = [&](std::span<const Value> row) {
            if (root_.kind == RootKind::by_pk) return match_key(e, request_.api->names, field.arguments, event, row);
            const auto* where = field.argument("where");
            return where ? match_where(e, *where, event, row) : Match::yes;
        };
        if (match(event.values) != Match::no) return true;
        if (event.kind != ChangeKind::update) return false;
        // An update may move a row out of the result: its old values decide, or, unknown, yes.
        return event.old_values.empty() || match(event.old_values) != Match::no;
    }

    void schedule() {
        auto registry = registry_.lock();
        if (!registry) return;
        std::weak_ptr<Live> weak = weak_from_this();
        auto& context = registry->context;
        // The scheduler thread only posts: it never holds the execution (nor ends it).
        registry->scheduler.at(Scheduler::Clock::now() + registry->debounce, [weak, &context] {
            context.post([weak] {
                if (auto live = weak.lock()) live->run();
            });
        });
    }

    void post_run() {
        std::weak_ptr<Live> weak = weak_from_this();
        request_.executor->context().post([weak] {
            if (auto live = weak.lock()) live->run();
        });
    }

    SubscriptionRequest request_;
    std::weak_ptr<Registry> registry_;
    RootField root_;
    LiveReads reads_;
    std::unique_ptr<ChangeSubscription> subscription_;  // made by the first run; touched by runs only (never two at once)

    std::mutex mutex_;
    std::vector<std::shared_ptr<Member>> members_;
    std::string last_body_;
    std::uint64_t last_sequence_ = 0;
    bool have_result_ = false;
    bool running_ = false, dirty_ = false, scheduled_ = false, stopped_ = false;
};

namespace {

// Leaves the execution when destroyed.
struct Membership {
    Membership(std::shared_ptr<LiveQueries::Live> l, std::shared_ptr<Member> m, std::weak_ptr<LiveQueries::Registry> r)
        : live(std::move(l)), member(std::move(m)), registry(std::move(r)) {}
    Membership(const Membership&) = delete;
    Membership& operator=(const Membership&) = delete;
    std::shared_ptr<LiveQueries::Live> live;
    std::shared_ptr<Member> member;
    std::weak_ptr<LiveQueries::Registry> registry;

    ~Membership() {
        auto r = registry.lock();
        if (!r) {
            live->remove(member);
            return;
        }
        // Under the registry's lock, as join() adds: nobody joins an execution that stopped.
        std::lock_guard lock(r->mutex);
        if (!live->remove(member)) return;
        const auto it = r->running.find(live->key());
        if (it != r->running.end() && it->second.lock() == live) r->running.erase(it);
    }
};

}  // namespace

LiveQueries::LiveQueries(ExecutorContext& context, std::chrono::milliseconds debounce)
    : registry_(std::make_shared<Registry>(context, debounce)) {}

LiveQueries::~LiveQueries() = default;

std::shared_ptr<void> LiveQueries::join(SubscriptionRequest request, std::shared_ptr<Delivery> delivery) {
    auto member = std::make_shared<Member>();
    member->delivery = std::move(delivery);
    std::shared_ptr<Live> live;
    bool fresh = false;
    std::optional<std::pair<std::string, std::uint64_t>> now;
    {
        std::lock_guard lock(registry_->mutex);
        auto& slot = registry_->running[request.key];
        live = slot.lock();
        if (!live) {
            live = std::make_shared<Live>(std::move(request), registry_);
            slot = live;
            fresh = true;
        }
        now = live->add(member);  // under the registry's lock: a last member leaving cannot stop it in between
    }
    auto membership = std::make_shared<Membership>(live, member, registry_);
    if (fresh) live->start();
    else if (now) member->send(now->first, now->second);
    return membership;
}

std::size_t LiveQueries::executions() const {
    std::lock_guard lock(registry_->mutex);
    std::size_t n = 0;
    for (const auto& [key, live] : registry_->running) n += live.expired() ? 0 : 1;
    return n;
}

std::string with_sequence(const std::string& body, std::uint64_t sequence) {
    if (body.empty() || body.back() != '}') return body;
    std::string out = body;
    out.pop_back();
    out += ",\"extensions\":{\"rex\":{\"sequence\":" + std::to_string(sequence) + "}}}";
    return out;
}

}  // namespace rex::graphql
