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

const std::string complete_message = "event: complete\ndata:\n\n";

class OperationStreamSink final : public OperationSink {
public:
    explicit OperationStreamSink(std::weak_ptr<EventStream> stream) : stream_(std::move(stream)) {}
    void next(std::string result) override {
        if (auto s = stream_.lock()) s->send(sse_message("next", result));
    }
    // Refused before execution: the errors as a result, then the end (as graphql-sse's own
    // server answers an event-stream request that does not validate).
    void error(std::string errors) override {
        if (auto s = stream_.lock()) {
            s->send(sse_message("next", R"({"errors":)" + errors + "}"));
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

// The token of a single-connection stream: graphql-sse's header, or its query parameter.
std::string token_of(const HttpRequest& request) {
    if (const auto* h = request.header("X-GraphQL-Event-Stream-Token")) return *h;
    for (auto& [name, value] : query_parameters(request.query))
        if (name == "token") return value;
    return {};
}

std::string parameter(const HttpRequest& request, std::string_view wanted) {
    for (auto& [name, value] : query_parameters(request.query))
        if (name == wanted) return value;
    return {};
}

HttpResponse json_response(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.content_type = "application/json; charset=utf-8";
    response.body = std::move(body);
    return response;
}

}  // namespace

GraphqlStreamRoute::GraphqlStreamRoute(std::shared_ptr<const StreamContext> context)
    : StreamRoute(std::move(context)),
      reservations_(std::make_shared<Reservations>(context_->options.max_connections, context_->options.stream.queue_events)) {}

HttpResponse GraphqlStreamRoute::handle(const HttpRequest& request) {
    auto* operations = context_->host.operations();
    if (!operations) return json_response(404, error_body(404, "this host serves no GraphQL executor, so no " + request.path));
    const auto token = token_of(request);
    if (request.method == "PUT") {
        auto reserved = reservations_->reserve();
        if (reserved.empty()) return json_response(503, graphql_errors("too many reserved streams"));
        HttpResponse response;
        response.status = 201;
        response.content_type = "text/plain; charset=utf-8";
        response.body = std::move(reserved);
        return response;
    }
    if (request.method == "POST" && !token.empty()) {
        std::string problem;
        auto op = operation_request(request, problem);
        if (!problem.empty()) return json_response(400, graphql_errors(problem));
        std::string id;
        if (const auto members = json_members(op.extensions))
            for (const auto& [name, value] : *members)
                if (name == "operationId") id = json_string_value(value).value_or(value);
        const auto outcome = reservations_->start(token, id, *operations, std::move(op));
        HttpResponse response = json_response(outcome.status, outcome.status == 202 ? std::string() : graphql_errors(outcome.problem));
        return response;
    }
    if (request.method == "DELETE") {
        if (token.empty()) return json_response(404, graphql_errors("no stream token (the X-GraphQL-Event-Stream-Token header)"));
        const auto outcome = reservations_->stop(token, parameter(request, "operationId"));
        return json_response(outcome.status, outcome.status == 200 ? std::string() : graphql_errors(outcome.problem));
    }
    HttpResponse response = json_response(405, error_body(405, request.method + " is not allowed on " + request.path +
                                                                   " (POST a GraphQL request, or GET ?query=…, with Accept: text/event-stream)"));
    response.headers.push_back({"Allow", "GET, POST, PUT, DELETE"});
    return response;
}

bool GraphqlStreamRoute::wants_stream(const HttpRequest& request) const {
    if (!context_->host.operations()) return false;
    return request.method == "GET" || (request.method == "POST" && token_of(request).empty());
}

void GraphqlStreamRoute::take_stream(const HttpRequest& request, StreamSocket socket) {
    auto stream = context_->adopt(std::move(socket));
    if (!stream) return;
    auto* operations = context_->host.operations();
    if (!operations) return stream->respond(404, "application/json", error_body(404, "this host serves no GraphQL executor"));
    if (request.method == "GET") {
        if (const auto token = token_of(request); !token.empty()) {
            stream->on_overflow(sse_message("next", graphql_errors("the client fell behind; the stream ends")));
            const auto outcome = reservations_->attach(token, stream);
            if (outcome.status != 200) stream->respond(outcome.status, "application/json; charset=utf-8", graphql_errors(outcome.problem));
            return;
        }
    }
    std::string problem;
    auto op = operation_request(request, problem);
    if (!problem.empty()) return stream->respond(400, "application/json; charset=utf-8", graphql_errors(problem));
    // A client that cannot keep up gets the reason as an error and loses the connection (no
    // complete: the graphql-sse client then reconnects).
    stream->on_overflow(sse_message("next", graphql_errors("the client fell behind: more than " +
                                                           std::to_string(context_->options.stream.queue_events) +
                                                           " results waited for it; the stream ends")));
    auto handle = operations->start(std::move(op), std::make_shared<OperationStreamSink>(stream));
    stream->hold(std::shared_ptr<OperationHandle>(std::move(handle)), true);
    stream->begin(":\n\n");
}

}  // namespace rex::sse
