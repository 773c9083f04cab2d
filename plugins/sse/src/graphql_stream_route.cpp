#include "routes.hpp"

#include "request_text.hpp"

#include <rex/sdk/json_text.hpp>
#include <rex/sdk/operation.hpp>

namespace rex::sse {

namespace {

std::string graphql_errors(std::string_view message) {
    std::string out = R"({"errors":[{"message":)";
    if (!append_json_string(out, message)) out += R"("")";
    return out + "}]}";
}

// An SSE message whose data is `payload`: a payload with line breaks takes one data: line each
// (the client joins them with \n again).
std::string message(std::string_view event, std::string_view payload) {
    std::string out = "event: ";
    out += event;
    out += "\ndata: ";
    for (const char c : payload) {
        if (c == '\n') out += "\ndata: ";
        else if (c != '\r') out += c;
    }
    out += "\n\n";
    return out;
}

const std::string complete_message = "event: complete\ndata:\n\n";

class OperationStreamSink final : public OperationSink {
public:
    explicit OperationStreamSink(std::weak_ptr<EventStream> stream) : stream_(std::move(stream)) {}
    void next(std::string result) override {
        if (auto s = stream_.lock()) s->send(message("next", result));
    }
    // Refused before execution: the errors as a result, then the end (as graphql-sse's own
    // server answers an event-stream request that does not validate).
    void error(std::string errors) override {
        if (auto s = stream_.lock()) {
            s->send(message("next", R"({"errors":)" + errors + "}"));
            s->finish(complete_message);
        }
    }
    void complete() override {
        if (auto s = stream_.lock()) s->finish(complete_message);
    }

private:
    std::weak_ptr<EventStream> stream_;
};

// A member that must be a JSON object (or null, or absent).
bool object_or_null(const std::string& json) { return json.empty() || json == "null" || json.front() == '{'; }

// The GraphQL request of a POST body ({"query", "variables", "operationName", "extensions"}) or
// of GET parameters; a message in `problem` when it is not one.
OperationRequest operation_request(const HttpRequest& request, std::string& problem) {
    OperationRequest op;
    op.headers = request.headers;
    std::string variables, extensions;
    bool has_query = false;
    if (request.method == "POST") {
        const auto members = json_members(request.body);
        if (!members) {
            problem = "the body must be a JSON object with a \"query\" (a GraphQL request)";
            return op;
        }
        for (const auto& [name, value] : *members) {
            if (name == "query") {
                auto q = json_string_value(value);
                if (!q) {
                    problem = "\"query\" must be a string";
                    return op;
                }
                op.query = std::move(*q);
                has_query = true;
            } else if (name == "operationName") {
                if (value != "null") {
                    auto n = json_string_value(value);
                    if (!n) {
                        problem = "\"operationName\" must be a string";
                        return op;
                    }
                    op.operation_name = std::move(*n);
                }
            } else if (name == "variables") {
                variables = value;
            } else if (name == "extensions") {
                extensions = value;
            }
        }
    } else {
        for (auto& [name, value] : query_parameters(request.query)) {
            if (name == "query") {
                op.query = std::move(value);
                has_query = true;
            } else if (name == "operationName") {
                op.operation_name = std::move(value);
            } else if (name == "variables" || name == "extensions") {
                std::string compact;
                if (!append_json_document(compact, value)) {
                    problem = "\"" + name + "\" must be a JSON object";
                    return op;
                }
                (name == "variables" ? variables : extensions) = std::move(compact);
            }
        }
    }
    if (!has_query) {
        problem = "the request has no \"query\"";
    } else if (!object_or_null(variables)) {
        problem = "\"variables\" must be an object";
    } else if (!object_or_null(extensions)) {
        problem = "\"extensions\" must be an object";
    }
    op.variables = variables == "null" ? std::string() : std::move(variables);
    op.extensions = extensions == "null" ? std::string() : std::move(extensions);
    return op;
}

}  // namespace

HttpResponse GraphqlStreamRoute::handle(const HttpRequest& request) {
    HttpResponse response;
    if (!context_->host.operations()) {
        response.status = 404;
        response.body = error_body(404, "this host serves no GraphQL executor, so no " + request.path);
        return response;
    }
    response.status = 405;
    response.headers.push_back({"Allow", "GET, POST"});
    response.body = error_body(405, request.method + " is not allowed on " + request.path +
                                        " (POST a GraphQL request, or GET ?query=…, with Accept: text/event-stream)");
    return response;
}

bool GraphqlStreamRoute::wants_stream(const HttpRequest& request) const {
    return (request.method == "POST" || request.method == "GET") && context_->host.operations() != nullptr;
}

void GraphqlStreamRoute::take_stream(const HttpRequest& request, StreamSocket socket) {
    auto stream = context_->adopt(std::move(socket));
    if (!stream) return;
    auto* operations = context_->host.operations();
    if (!operations) return stream->respond(404, "application/json", error_body(404, "this host serves no GraphQL executor"));
    std::string problem;
    auto op = operation_request(request, problem);
    if (!problem.empty()) return stream->respond(400, "application/json; charset=utf-8", graphql_errors(problem));
    // A client that cannot keep up gets the reason as an error and loses the connection (no
    // complete: the graphql-sse client then reconnects).
    stream->on_overflow(message("next", graphql_errors("the client fell behind: more than " +
                                                       std::to_string(context_->options.stream.queue_events) +
                                                       " results waited for it; the stream ends")));
    auto handle = operations->start(std::move(op), std::make_shared<OperationStreamSink>(stream));
    stream->hold(std::shared_ptr<OperationHandle>(std::move(handle)));
    stream->begin(":\n\n");
}

}  // namespace rex::sse
