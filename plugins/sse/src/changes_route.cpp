#include "routes.hpp"

#include "request_text.hpp"

#include <rex/sdk/change_stream.hpp>
#include <rex/sdk/error.hpp>
#include <rex/sdk/json_text.hpp>

#include <charconv>

namespace rex::sse {

namespace {

// A request this route refuses: one line, answered with 400.
struct Refusal {
    std::string message;
};

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        auto item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) out.emplace_back(item);
    }
    return out;
}

ChangeKind operation_of(const std::string& name) {
    if (name == "insert") return ChangeKind::insert;
    if (name == "update") return ChangeKind::update;
    if (name == "delete") return ChangeKind::remove;
    throw Refusal{"op: unknown operation '" + name + "' (use insert, update or delete)"};
}

std::uint64_t sequence_of(std::string_view text, const char* where) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        throw Refusal{std::string(where) + ": expected a sequence number (the id: of the last event received), got '" + std::string(text) + "'"};
    return n;
}

std::string end_message(std::string_view reason, bool refetch) {
    std::string out = "event: end\ndata: {\"reason\":";
    if (!append_json_string(out, reason)) out += "\"\"";
    out += refetch ? ",\"refetch\":true}\n\n" : ",\"refetch\":false}\n\n";
    return out;
}

// Change events into the stream: `id:` carries the sequence number EventSource resumes from.
class ChangesSink final : public ChangeStreamSink {
public:
    explicit ChangesSink(std::weak_ptr<EventStream> stream) : stream_(std::move(stream)) {}
    void event(std::uint64_t sequence, std::shared_ptr<const std::string> message) override {
        if (auto s = stream_.lock()) s->send_event(sequence, std::move(message));
    }
    void end(ChangeStreamEnd why) override {
        if (auto s = stream_.lock()) s->finish(end_message(why.reason, why.refetch));
    }

private:
    std::weak_ptr<EventStream> stream_;
};

ChangeStreamRequest stream_request(const HttpRequest& request) {
    ChangeStreamRequest r;
    bool where = false;
    for (auto& [name, value] : query_parameters(request.query)) {
        if (name == "entity") {
            for (auto& e : split_list(value)) r.entities.push_back(std::move(e));
        } else if (name == "op") {
            for (const auto& op : split_list(value)) r.kinds.push_back(operation_of(op));
        } else if (name == "where") {
            if (where) throw Refusal{"where: given twice (combine the filters with _and)"};
            where = true;
            r.where = std::move(value);
        } else if (name == "lastEventId") {
            r.after = sequence_of(value, "lastEventId");
        } else {
            throw Refusal{"unknown parameter '" + name + "' (known: entity, op, where, lastEventId)"};
        }
    }
    // EventSource sends the header when it reconnects: it wins over the URL it reconnects to.
    if (const auto* last = request.header("Last-Event-ID"); last && !last->empty()) r.after = sequence_of(*last, "Last-Event-ID");
    r.headers = request.headers;
    return r;
}

}  // namespace

HttpResponse ChangesRoute::handle(const HttpRequest& request) {
    HttpResponse response;
    response.status = 405;
    response.headers.push_back({"Allow", "GET"});
    response.body = error_body(405, request.method + " is not allowed on " + request.path + " (GET it as an event stream)");
    return response;
}

bool ChangesRoute::wants_stream(const HttpRequest& request) const { return request.method == "GET"; }

void ChangesRoute::take_stream(const HttpRequest& request, StreamSocket socket) {
    auto stream = context_->adopt(std::move(socket));
    if (!stream) return;
    auto* streams = context_->host.change_streams();
    if (!streams) return stream->respond(404, "application/json", error_body(404, "this host offers no change streams"));
    // A missing, forged or expired token is 401 before anything opens; what the role may not read
    // (ChangeStreams refuses it with category validation) is 403.
    if (const auto who = context_->host.identify({&request.headers, {}}); !who.identity)
        return stream->respond(401, "application/json", error_body(401, "identity refused: " + who.refusal), {{"WWW-Authenticate", "Bearer"}});
    std::string refusal;
    int status = 400;
    try {
        auto r = stream_request(request);
        stream->on_overflow(end_message("the client fell behind (more than " + std::to_string(context_->options.stream.queue_events) +
                                            " events or " + std::to_string(context_->options.stream.queue_bytes) +
                                            " bytes waited for it); reconnect with Last-Event-ID to resume",
                                        false));
        stream->on_shutdown(end_message("the server is shutting down", false));
        auto subscription = streams->open(std::move(r), std::make_shared<ChangesSink>(stream));
        stream->hold(std::shared_ptr<ChangeSubscription>(std::move(subscription)), true);
        stream->begin("retry: " + std::to_string(context_->options.retry.count()) + "\n\n");
        return;
    } catch (const Refusal& e) {
        refusal = e.message;
    } catch (const Error& e) {
        refusal = e.message();
        if (e.category() == ErrorCategory::validation) status = 403;
    }
    stream->respond(status, "application/json", error_body(status, refusal));
}

}  // namespace rex::sse
