#include "change_streams.hpp"

#include "row_filter.hpp"
#include "stream_access.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/json_text.hpp>

#include <algorithm>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace rex::host {

namespace {

[[noreturn]] void refuse(ErrorCategory category, std::string message) { raise({category, std::move(message), {}, {}}); }

std::string entity_list(const CatalogView& catalog) {
    const auto names = catalog.entity_names();
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < 20; ++i) out += (i ? ", " : "") + names[i];
    if (names.size() > 20) out += ", … (" + std::to_string(names.size()) + " in all)";
    return out.empty() ? "the catalog is empty" : "entities: " + out;
}

// The work one event costs, shared by every stream that asks the same of it: with a thousand
// subscribers of one table and one filter, the filter runs once per event and the message is
// rendered once, then handed to each sink as the same shared string. One event's calls come
// one after another from the bus's delivering thread, so a view remembers only the last event
// it decided (identified by its sequence number and its row's storage: a resume replayed from
// the log is a different copy and decided again); the lock only guards against a second bus.
class EventView {
public:
    EventView(std::vector<ChangeKind> kinds, RowFilter filter, StreamAccess access)
        : kinds_(std::move(kinds)), filter_(std::move(filter)), access_(std::move(access)) {}

    // The message for `e`, or nullptr when this view does not show it.
    std::shared_ptr<const std::string> message(const ChangeEvent& e) {
        std::lock_guard lock(mutex_);
        if (e.sequence != sequence_ || e.values.data() != row_) {
            // Decided before it is remembered: a throw leaves no stale message for this event.
            auto message = decide(e);
            sequence_ = e.sequence;
            row_ = e.values.data();
            message_ = std::move(message);
        }
        return message_;
    }

private:
    // The message of `event` for this view, or nullptr. First what the role sees of the event (its
    // rows and columns), then the client's choice; the admin's view (a host without permissions)
    // uses the event as it is, uncopied.
    std::shared_ptr<const std::string> decide(const ChangeEvent& event) const {
        if (!event.shape) return nullptr;
        std::optional<ChangeEvent> seen;
        if (!access_.admin() && !(seen = access_.view(event))) return nullptr;
        const auto& e = seen ? *seen : event;
        if (!kinds_.empty() && std::find(kinds_.begin(), kinds_.end(), e.kind) == kinds_.end()) return nullptr;
        // An update is shown when the row matched before or after it, so a client also learns
        // that a row left its filter.
        const bool before = e.kind == ChangeKind::update && !e.old_values.empty() && filter_.matches(*e.shape, e.old_values);
        if (!before && !filter_.matches(*e.shape, e.values)) return nullptr;
        return std::make_shared<const std::string>(change_message(e));
    }

    const std::vector<ChangeKind> kinds_;
    const RowFilter filter_;
    const StreamAccess access_;  // its view() is not thread-safe: called under mutex_
    std::mutex mutex_;
    std::uint64_t sequence_ = 0;
    const Value* row_ = nullptr;
    std::shared_ptr<const std::string> message_;
};

// A stream that ended before it began (refetch): nothing to cancel.
class EndedSubscription final : public ChangeSubscription {};

struct StreamState {
    std::shared_ptr<EventView> view;
    std::shared_ptr<ChangeStreamSink> sink;
    Logger* logger = nullptr;

    void deliver(const ChangeEvent& e) const {
        if (auto message = view->message(e)) sink->event(e.sequence, std::move(message));
    }
};

// What a requester's identity makes of a stream: streams of one role with the same session
// variables see the same rows and columns, so they may share a view.
std::string identity_key(const Identity& identity) {
    if (identity.admin) return "admin";
    std::string key = "role:" + identity.role;
    auto variables = identity.variables;
    std::sort(variables.begin(), variables.end());
    for (const auto& [name, value] : variables) key += '\n' + name + '=' + std::to_string(value.size()) + ':' + value;
    return key;
}

}  // namespace

// The views of open streams by what they ask (operations, where, access): a new stream asking
// the same as an open one shares its view.
struct HostChangeStreams::Views {
    std::mutex mutex;
    std::unordered_map<std::string, std::weak_ptr<EventView>> by_key;

    std::shared_ptr<EventView> find_or_make(const std::string& key, const std::function<std::shared_ptr<EventView>()>& make) {
        std::lock_guard lock(mutex);
        if (auto it = by_key.find(key); it != by_key.end())
            if (auto view = it->second.lock()) return view;
        // Forget the views no stream uses any more, now and then (amortised over the opens).
        if (by_key.size() >= 2 * swept_at) {
            std::erase_if(by_key, [](const auto& entry) { return entry.second.expired(); });
            swept_at = std::max<std::size_t>(by_key.size(), 16);
        }
        auto view = make();
        by_key[key] = view;
        return view;
    }

private:
    std::size_t swept_at = 16;
};

HostChangeStreams::HostChangeStreams(const CatalogView& catalog, ChangeBus& bus, Logger& logger, Identify identify)
    : catalog_(catalog), bus_(bus), logger_(logger), identify_(std::move(identify)), views_(std::make_unique<Views>()) {}

HostChangeStreams::~HostChangeStreams() = default;

std::string change_message(const ChangeEvent& event) {
    std::string out = R"({"event":")";
    out += event.kind == ChangeKind::insert ? "insert" : event.kind == ChangeKind::update ? "update" : "delete";
    out += R"(","model":)";
    if (!append_json_string(out, event.entity())) out += R"("")";
    out += R"(,"data":)";
    out += row_to_json(event).text;
    if (event.kind == ChangeKind::update && !event.old_values.empty()) {
        ChangeEvent old = event;
        old.values = event.old_values;
        out += R"(,"old":)";
        out += row_to_json(old).text;
    }
    out += R"(,"seq":)";
    out += std::to_string(event.sequence);
    out += '}';
    return out;
}

std::unique_ptr<ChangeSubscription> HostChangeStreams::open(ChangeStreamRequest request, std::shared_ptr<ChangeStreamSink> sink) {
    if (!sink) refuse(ErrorCategory::internal, "change stream: no sink");
    const auto who = identify_ ? identify_(IdentityRequest{&request.headers, request.connection_params}) : IdentifyResult{Identity::administrator(), {}};
    if (!who.identity) refuse(ErrorCategory::validation, "identity refused: " + who.refusal);
    const auto& identity = *who.identity;
    const bool named = !request.entities.empty();
    std::vector<std::shared_ptr<const EntityInfo>> entities;
    for (const auto& name : request.entities) {
        auto entity = catalog_.find_entity(name);
        // A role is not told which other entities exist.
        if (!entity)
            refuse(ErrorCategory::not_found, "entity: no entity named '" + name + "'" + (identity.admin ? " (" + entity_list(catalog_) + ")" : std::string()));
        entities.push_back(std::move(entity));
    }
    if (!named && !identity.admin)
        for (const auto& name : catalog_.entity_names())
            if (auto entity = catalog_.find_entity(name)) entities.push_back(std::move(entity));
    auto access = StreamAccess::of(identity, entities, catalog_, named);
    auto filter = RowFilter::parse(request.where);
    const auto fits = [&](const EntityInfo& entity) {
        filter.check(entity);
        access.check_client_filter(filter, entity.name);
    };
    ChangeFilter wanted;
    if (!filter.empty()) {
        if (named)
            for (const auto& e : entities) fits(*e);
        else {
            // Every entity the filter fits (it names their fields); none at all is a mistake.
            std::string first_problem;
            for (const auto& name : identity.admin ? catalog_.entity_names() : access.entity_names()) {
                const auto entity = catalog_.find_entity(name);
                if (!entity) continue;
                try {
                    fits(*entity);
                    wanted.entities.push_back(name);
                } catch (const Error& e) {
                    if (first_problem.empty()) first_problem = e.message();
                }
            }
            if (wanted.entities.empty())
                refuse(ErrorCategory::invalid_value,
                       first_problem.empty() ? "where: the catalog has no entity to filter" : first_problem + " (and no other entity fits it either)");
        }
    }
    // The bus's entity filter: a role's stream never asks for all entities.
    if (wanted.entities.empty()) wanted.entities = identity.admin ? request.entities : access.entity_names();
    // Streams asking the same (operations, where, entities, identity) share one view of each event.
    std::string key;
    for (const auto kind : request.kinds) key += static_cast<char>('0' + static_cast<int>(kind));
    key += '\n' + request.where + '\n' + identity_key(identity);
    for (const auto& name : wanted.entities) key += '\n' + name;
    auto state = std::make_shared<StreamState>();
    state->view = views_->find_or_make(key, [&] { return std::make_shared<EventView>(std::move(request.kinds), std::move(filter), std::move(access)); });
    state->sink = std::move(sink);
    state->logger = &logger_;

    std::uint64_t after = bus_.last_sequence();
    if (request.after) {
        // Sequence numbers are the capture log's, the same on every host: a position ahead of
        // this host's newest comes from a host further on, and the stream starts after it. One
        // older than the bus and the log still hold has lost events in between: refetch.
        const auto first = bus_.first_retained();
        if (*request.after + 1 < first) {
            state->sink->end({true, "resume position " + std::to_string(*request.after) + " is no longer retained (the oldest kept is " +
                                        std::to_string(first) + "); refetch and open a new stream"});
            return std::make_unique<EndedSubscription>();
        }
        after = *request.after;
    }
    return bus_.subscribe(std::move(wanted), after, [state](const ChangeEvent& e) {
        try {
            state->deliver(e);
        } catch (const std::exception& x) {  // never into the publisher
            state->logger->log(LogLevel::error, "changes", "change stream event " + std::to_string(e.sequence) + " dropped: " + x.what());
        }
    });
}

}  // namespace rex::host
