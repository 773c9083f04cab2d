#include "change_streams.hpp"

#include "row_filter.hpp"
#include "stream_access.hpp"

#include <rex/sdk/error.hpp>
#include <rex/sdk/json_text.hpp>

#include <algorithm>
#include <exception>
#include <optional>

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

// A stream that ended before it began (refetch): nothing to cancel.
class EndedSubscription final : public ChangeSubscription {};

struct StreamState {
    std::vector<ChangeKind> kinds;  // empty: all
    RowFilter filter;
    StreamAccess access;
    std::shared_ptr<ChangeStreamSink> sink;
    Logger* logger = nullptr;

    void deliver(const ChangeEvent& event) const {
        if (!event.shape) return;
        // First what the role sees of the event (its rows and columns), then the client's choice.
        // The admin's stream (a host without permissions) uses the event as it is, uncopied.
        std::optional<ChangeEvent> seen;
        if (!access.admin() && !(seen = access.view(event))) return;
        const auto& e = seen ? *seen : event;
        if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), e.kind) == kinds.end()) return;
        // An update is shown when the row matched before or after it, so a client also learns
        // that a row left its filter.
        const bool before = e.kind == ChangeKind::update && !e.old_values.empty() && filter.matches(*e.shape, e.old_values);
        if (!before && !filter.matches(*e.shape, e.values)) return;
        sink->event(e.sequence, change_message(e));
    }
};

}  // namespace

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
    auto state = std::make_shared<StreamState>();
    state->access = StreamAccess::of(identity, entities, catalog_, named);
    state->kinds = std::move(request.kinds);
    state->filter = RowFilter::parse(request.where);
    const auto fits = [&](const EntityInfo& entity) {
        state->filter.check(entity);
        state->access.check_client_filter(state->filter, entity.name);
    };
    ChangeFilter wanted;
    if (!state->filter.empty()) {
        if (named)
            for (const auto& e : entities) fits(*e);
        else {
            // Every entity the filter fits (it names their fields); none at all is a mistake.
            std::string first_problem;
            for (const auto& name : identity.admin ? catalog_.entity_names() : state->access.entity_names()) {
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
    if (wanted.entities.empty()) wanted.entities = identity.admin ? request.entities : state->access.entity_names();
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
