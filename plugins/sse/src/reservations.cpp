#include "reservations.hpp"

#include <rex/sdk/json_text.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <random>

namespace rex::sse {

using Clock = std::chrono::steady_clock;

struct Reservations::Reservation {
    std::mutex mutex;  // guards the fields below; held while a message goes to the stream
    std::weak_ptr<EventStream> stream;
    bool attached = false;
    std::deque<std::string> pending;
    std::size_t pending_limit = 0;
    bool overflowed = false;
    std::map<std::string, std::shared_ptr<OperationHandle>> operations;
    Clock::time_point created = Clock::now();

    void deliver(std::string message) {
        std::lock_guard lock(mutex);
        if (auto s = stream.lock()) return s->send(std::move(message));
        if (attached) return;  // closed
        if (pending.size() < pending_limit) pending.push_back(std::move(message));
        else overflowed = true;
    }
};

namespace {

// The operation's messages into its reservation, with its id.
class ReservedSink final : public OperationSink {
public:
    ReservedSink(std::weak_ptr<Reservations::Reservation> reservation, const std::string& id) : reservation_(std::move(reservation)) {
        append_json_string(id_, id);
    }
    void next(std::string result) override { deliver(sse_message("next", R"({"id":)" + id_ + R"(,"payload":)" + result + "}")); }
    void error(std::string errors) override {
        next(R"({"errors":)" + errors + "}");
        complete();
    }
    void complete() override { deliver(sse_message("complete", R"({"id":)" + id_ + "}")); }

private:
    void deliver(std::string message) {
        if (auto r = reservation_.lock()) r->deliver(std::move(message));
    }
    std::weak_ptr<Reservations::Reservation> reservation_;
    std::string id_;
};

}  // namespace

// Held by the stream: when it closes, its reservation goes, and with it its operations.
struct Reservations::Detach {
    Detach(std::weak_ptr<Reservations> o, std::string t) : owner(std::move(o)), token(std::move(t)) {}
    ~Detach() {
        if (auto o = owner.lock()) o->drop(token);
    }
    std::weak_ptr<Reservations> owner;
    std::string token;
};

namespace {

std::string new_token() {
    std::random_device random;
    std::string token;
    static constexpr char hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; ++i) {
        const auto word = random();
        for (int k = 0; k < 4; ++k) token += hex[(word >> (k * 4)) & 0xf];
    }
    return token;
}

}  // namespace

std::string Reservations::reserve() {
    std::vector<std::shared_ptr<Reservation>> expired;  // destroyed outside the lock
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    for (auto it = by_token_.begin(); it != by_token_.end();) {
        bool old = false;
        {
            std::lock_guard r(it->second->mutex);
            old = !it->second->attached && now - it->second->created > std::chrono::seconds(30);
        }
        if (old) {
            expired.push_back(std::move(it->second));
            it = by_token_.erase(it);
        } else {
            ++it;
        }
    }
    if (by_token_.size() >= max_) return {};
    auto token = new_token();
    auto reservation = std::make_shared<Reservation>();
    reservation->pending_limit = pending_;
    by_token_.emplace(token, std::move(reservation));
    return token;
}

Reservations::Outcome Reservations::attach(const std::string& token, const std::shared_ptr<EventStream>& stream) {
    std::shared_ptr<Reservation> r;
    {
        std::lock_guard lock(mutex_);
        const auto it = by_token_.find(token);
        if (it == by_token_.end()) return {404, "no stream is reserved with this token (PUT first)"};
        r = it->second;
    }
    std::string first = ":\n\n";
    bool overflowed = false;
    {
        std::lock_guard lock(r->mutex);
        if (r->attached) return {409, "the stream of this token is already open"};
        r->attached = true;
        r->stream = stream;
        for (auto& m : r->pending) first += m;
        r->pending.clear();
        overflowed = r->overflowed;
    }
    // Messages delivered from now on are queued behind `first`: begin() puts the head and it first.
    stream->hold(std::make_shared<Detach>(weak_from_this(), token));
    stream->begin(std::move(first));
    if (overflowed) stream->finish("");  // messages were lost before it opened: the client reconnects
    return {200, {}};
}

Reservations::Outcome Reservations::start(const std::string& token, const std::string& operation_id, OperationExecutor& executor,
                                          OperationRequest request) {
    std::shared_ptr<Reservation> r;
    {
        std::lock_guard lock(mutex_);
        const auto it = by_token_.find(token);
        if (it == by_token_.end()) return {404, "no stream is reserved with this token"};
        r = it->second;
    }
    if (operation_id.empty()) return {400, "the operation has no extensions.operationId"};
    {
        std::lock_guard lock(r->mutex);
        if (r->operations.count(operation_id)) return {409, "an operation with id '" + operation_id + "' is running on this stream"};
        r->operations[operation_id];  // reserved: a second POST with the id is refused
    }
    std::shared_ptr<OperationHandle> handle = executor.start(std::move(request), std::make_shared<ReservedSink>(r, operation_id));
    std::lock_guard lock(r->mutex);
    if (auto it = r->operations.find(operation_id); it != r->operations.end()) it->second = std::move(handle);
    return {202, {}};
}

Reservations::Outcome Reservations::stop(const std::string& token, const std::string& operation_id) {
    std::shared_ptr<Reservation> r;
    {
        std::lock_guard lock(mutex_);
        const auto it = by_token_.find(token);
        if (it == by_token_.end()) return {404, "no stream is reserved with this token"};
        r = it->second;
    }
    if (operation_id.empty()) return {400, "operationId is missing"};
    std::shared_ptr<OperationHandle> handle;
    {
        std::lock_guard lock(r->mutex);
        if (auto it = r->operations.find(operation_id); it != r->operations.end()) {
            handle = std::move(it->second);
            r->operations.erase(it);
        }
    }
    handle.reset();  // stops it, outside the lock its sink takes
    return {200, {}};
}

void Reservations::drop(const std::string& token) {
    std::shared_ptr<Reservation> r;
    {
        std::lock_guard lock(mutex_);
        const auto it = by_token_.find(token);
        if (it == by_token_.end()) return;
        r = std::move(it->second);
        by_token_.erase(it);
    }
    std::map<std::string, std::shared_ptr<OperationHandle>> operations;
    {
        std::lock_guard lock(r->mutex);
        operations.swap(r->operations);
    }
    operations.clear();  // stops them, outside the lock their sinks take
}

}  // namespace rex::sse
