// rex-sse.so loaded from disk and started on a test TransportContext whose GraphQL executor is a
// scripted fake: the graphql-sse protocol on real TCP sockets, in both modes, with the bytes the
// client sees. (The npm clients test the same against rex-host once its executor offers
// operations: tests/js/graphql-sse.test.mjs.)
#include <rex/kernel.hpp>
#include <rex/sdk/operation.hpp>
#include <rex/sdk/transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Answers "{ one }" with one result, "bad" with errors, and keeps a "subscription" open for
// the test to feed.
class FakeExecutor final : public rex::OperationExecutor {
public:
    struct Handle final : rex::OperationHandle {
        FakeExecutor* owner;
        explicit Handle(FakeExecutor* o) : owner(o) {}
        ~Handle() override {
            std::lock_guard lock(owner->mutex);
            owner->live.reset();
            ++owner->stopped;
        }
    };
    std::unique_ptr<rex::OperationHandle> start(rex::OperationRequest request, std::shared_ptr<rex::OperationSink> sink) override {
        std::lock_guard lock(mutex);
        requests.push_back(request);
        if (request.query == "bad") {
            sink->error(R"([{"message":"Cannot query field 'bad'"}])");
        } else if (request.query.starts_with("subscription")) {
            live = sink;
        } else {
            sink->next(R"({"data":{"one":1}})");
            sink->complete();
        }
        return std::make_unique<Handle>(this);
    }
    std::mutex mutex;
    std::vector<rex::OperationRequest> requests;
    std::shared_ptr<rex::OperationSink> live;
    int stopped = 0;
};

// The I/O context goes first, while the plugin and the executor its handlers refer to are there.
struct Context final : rex::TransportContext {
    rex::Kernel kernel;
    FakeExecutor executor;
    rex::PluginSettings sse{"test: /settings/sse"};
    std::map<std::string, std::shared_ptr<rex::HttpRoute>> routes;
    net::io_context io;

    net::io_context& io_context() override { return io; }
    void add_route(std::string path, std::shared_ptr<rex::HttpRoute> route) override { routes[path] = std::move(route); }
    rex::ChangeBus& changes() override { return kernel.changes(); }
    const rex::CatalogView& catalog() const override { return kernel.catalog(); }
    rex::Logger& logger() override { return kernel.logger(); }
    const rex::PluginSettings& settings(std::string_view) const override { return sse; }
    rex::OperationExecutor* operations() override { return &executor; }
};

// The transport on its own I/O thread, and connections handed to its routes as rex-host does.
struct Harness {
    Context context;
    std::shared_ptr<rex::RealtimeTransport> transport;
    net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(context.io);
    std::thread runner;

    // `settings`: the transport's keys, as under "settings": {"sse": {...}} in rex.json.
    explicit Harness(std::vector<std::pair<std::string, std::string>> settings = {}) {
        for (auto& [key, value] : settings) context.sse.set(std::move(key), std::move(value));
        const auto report = context.kernel.load_plugins(std::string(REX_TEST_PLUGIN_DIR) + "/rex-sse.so");
        REQUIRE(report.failures.empty());
        for (auto& t : context.kernel.transports())
            if (t->name() == "sse") transport = t;
        REQUIRE(transport);
        transport->start(context);
        runner = std::thread([this] { context.io.run(); });
    }
    ~Harness() {
        transport->stop();  // every stream ends, so the I/O thread runs out of work
        work.reset();
        runner.join();
    }

    rex::HttpRoute& route() { return *context.routes.at("/graphql/stream"); }

    // A connected client socket whose server end went to the route's take_stream(); `server_fd`,
    // when given, receives that end's descriptor (the transport's from then on).
    tcp::socket stream(rex::HttpRequest request, int* server_fd = nullptr) {
        net::io_context local;
        tcp::acceptor acceptor(local, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
        tcp::socket client(local);
        client.connect(acceptor.local_endpoint());
        tcp::socket server = acceptor.accept();
        timeval timeout{5, 0};
        ::setsockopt(client.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        REQUIRE(route().wants_stream(request));
        if (server_fd) *server_fd = server.native_handle();
        route().take_stream(request, rex::StreamSocket{server.release(), {}});
        // A socket of its own context outliving `local` is fine for blocking reads.
        return tcp::socket(context.io, tcp::v4(), client.release());
    }
};

rex::HttpRequest request(std::string method, std::string body = {}, std::vector<rex::HttpHeader> headers = {}, std::string query = {}) {
    rex::HttpRequest r;
    r.method = std::move(method);
    r.path = "/graphql/stream";
    r.query = std::move(query);
    r.target = r.path + (r.query.empty() ? "" : "?" + r.query);
    r.body = std::move(body);
    r.headers = std::move(headers);
    r.headers.push_back({"Accept", "text/event-stream"});
    return r;
}

// Reads until `text` has arrived (or the connection ends, or 5 s pass); returns all read so far.
std::string read_until(tcp::socket& socket, std::string& buffer, std::string_view text) {
    char chunk[4096];
    while (buffer.find(text) == std::string::npos) {
        const auto n = ::recv(socket.native_handle(), chunk, sizeof chunk, 0);
        if (n <= 0) break;
        buffer.append(chunk, static_cast<std::size_t>(n));
    }
    return buffer;
}

std::string read_all(tcp::socket& socket) {
    std::string buffer;
    return read_until(socket, buffer, std::string(1, '\0'));  // never sent: reads to the end
}

}  // namespace

TEST_CASE("graphql-sse distinct connections: a query's result, then complete, then the end", "[sse][graphql-sse]") {
    Harness h;
    auto client = h.stream(request("POST", R"({"query":"{ one }","variables":{"a":[1,2]},"operationName":null,"extensions":{}})"));
    const auto text = read_all(client);
    CHECK(text.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(text.find("Content-Type: text/event-stream; charset=utf-8\r\n") != std::string::npos);
    CHECK(text.ends_with("\r\n\r\n:\n\nevent: next\ndata: {\"data\":{\"one\":1}}\n\nevent: complete\ndata:\n\n"));
    std::lock_guard lock(h.context.executor.mutex);
    REQUIRE(h.context.executor.requests.size() == 1);
    CHECK(h.context.executor.requests[0].query == "{ one }");
    CHECK(h.context.executor.requests[0].variables == R"({"a":[1,2]})");
    CHECK(h.context.executor.requests[0].operation_name.empty());
}

TEST_CASE("graphql-sse distinct connections: GET ?query=, errors as a result, bad requests", "[sse][graphql-sse]") {
    Harness h;
    {
        auto client = h.stream(request("GET", {}, {}, "query=%7B+one+%7D&variables=%7B%22x%22%3A1%7D"));
        CHECK(read_all(client).ends_with("event: next\ndata: {\"data\":{\"one\":1}}\n\nevent: complete\ndata:\n\n"));
        std::lock_guard lock(h.context.executor.mutex);
        CHECK(h.context.executor.requests.back().query == "{ one }");
        CHECK(h.context.executor.requests.back().variables == R"({"x":1})");
    }
    {
        auto client = h.stream(request("POST", R"({"query":"bad"})"));
        CHECK(read_all(client).ends_with(
            "event: next\ndata: {\"errors\":[{\"message\":\"Cannot query field 'bad'\"}]}\n\nevent: complete\ndata:\n\n"));
    }
    for (const auto& [body, message] : std::vector<std::pair<std::string, std::string>>{
             {"{", "the body must be a JSON object with a \\\"query\\\" (a GraphQL request)"},
             {R"({"query":1})", "\\\"query\\\" must be a string"},
             {R"({"query":"{ one }","variables":[]})", "\\\"variables\\\" must be an object"},
             {R"({"variables":{}})", "the request has no \\\"query\\\""}}) {
        auto client = h.stream(request("POST", body));
        const auto text = read_all(client);
        CHECK(text.starts_with("HTTP/1.1 400 Bad Request\r\n"));
        CHECK(text.ends_with(R"({"errors":[{"message":")" + message + R"("}]})"));
    }
}

TEST_CASE("graphql-sse distinct connections: a subscription streams until the client leaves", "[sse][graphql-sse]") {
    Harness h;
    std::string buffer;
    {
        auto client = h.stream(request("POST", R"({"query":"subscription { s }"})"));
        read_until(client, buffer, ":\n\n");
        std::shared_ptr<rex::OperationSink> sink;
        for (int i = 0; i < 100 && !sink; ++i) {
            {
                std::lock_guard lock(h.context.executor.mutex);
                sink = h.context.executor.live;
            }
            if (!sink) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        REQUIRE(sink);
        sink->next(R"({"data":{"s":1}})");
        sink->next("{\"data\":\n{\"s\":2}}");  // a line break becomes a second data: line
        read_until(client, buffer, "\"s\":2}}\n\n");
        CHECK(buffer.ends_with(":\n\nevent: next\ndata: {\"data\":{\"s\":1}}\n\nevent: next\ndata: {\"data\":\ndata: {\"s\":2}}\n\n"));
    }
    // The client went away: the operation is stopped.
    for (int i = 0; i < 200; ++i) {
        {
            std::lock_guard lock(h.context.executor.mutex);
            if (h.context.executor.stopped == 1) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard lock(h.context.executor.mutex);
    CHECK(h.context.executor.stopped == 1);
}

TEST_CASE("graphql-sse single connection: reserve, open, operate with ids, stop", "[sse][graphql-sse]") {
    Harness h;
    auto& route = h.route();
    const auto put = route.handle(request("PUT"));
    REQUIRE(put.status == 201);
    const std::string token = put.body;
    CHECK(token.size() == 32);
    const rex::HttpHeader token_header{"X-GraphQL-Event-Stream-Token", token};

    // An operation started before the stream opens waits for it.
    auto early = route.handle(request("POST", R"({"query":"{ one }","extensions":{"operationId":"a"}})", {token_header}));
    CHECK(early.status == 202);
    CHECK_FALSE(route.wants_stream(request("POST", "{}", {token_header})));  // operations are plain requests

    auto client = h.stream(request("GET", {}, {token_header}));
    std::string buffer;
    read_until(client, buffer, "event: complete\ndata: {\"id\":\"a\"}\n\n");
    CHECK(buffer.find(":\n\nevent: next\ndata: {\"id\":\"a\",\"payload\":{\"data\":{\"one\":1}}}\n\nevent: complete\ndata: {\"id\":\"a\"}\n\n") !=
          std::string::npos);

    CHECK(route.handle(request("POST", R"({"query":"bad","extensions":{"operationId":"b"}})", {token_header})).status == 202);
    read_until(client, buffer, "event: complete\ndata: {\"id\":\"b\"}\n\n");
    CHECK(buffer.find("event: next\ndata: {\"id\":\"b\",\"payload\":{\"errors\":[{\"message\":\"Cannot query field 'bad'\"}]}}\n\n") !=
          std::string::npos);

    CHECK(route.handle(request("POST", R"({"query":"subscription { s }","extensions":{"operationId":"c"}})", {token_header})).status == 202);
    CHECK(route.handle(request("POST", R"({"query":"subscription { s }","extensions":{"operationId":"c"}})", {token_header})).status == 409);
    CHECK(route.handle(request("POST", R"({"query":"{ one }"})", {token_header})).status == 400);  // no operationId
    CHECK(route.handle(request("POST", R"({"query":"{ one }","extensions":{"operationId":"d"}})", {{"X-GraphQL-Event-Stream-Token", "nope"}})).status ==
          404);
    int stopped_before = 0;
    {
        std::lock_guard lock(h.context.executor.mutex);
        stopped_before = h.context.executor.stopped;
    }
    CHECK(route.handle(request("DELETE", {}, {token_header}, "operationId=c")).status == 200);
    {
        std::lock_guard lock(h.context.executor.mutex);
        CHECK(h.context.executor.stopped == stopped_before + 1);
    }
    // One stream per token.
    auto second = h.stream(request("GET", {}, {token_header}));
    CHECK(read_all(second).starts_with("HTTP/1.1 409 Conflict\r\n"));
    auto unknown = h.stream(request("GET", {}, {{"X-GraphQL-Event-Stream-Token", "nope"}}));
    CHECK(read_all(unknown).starts_with("HTTP/1.1 404 Not Found\r\n"));
}

TEST_CASE("stopping the transport closes graphql-sse streams without a message the client would reject", "[sse][graphql-sse]") {
    Harness h;
    auto client = h.stream(request("POST", R"({"query":"subscription { s }"})"));
    std::string buffer;
    read_until(client, buffer, ":\n\n");
    const auto stopping = std::chrono::steady_clock::now();
    h.transport->stop();
    CHECK(read_all(client).empty());  // nothing after the opening comment: the connection just ends
    CHECK(std::chrono::steady_clock::now() - stopping < std::chrono::seconds(4));  // at once, not at the read timeout
    std::lock_guard lock(h.context.executor.mutex);
    CHECK(h.context.executor.stopped == 1);
}

// A small message must not wait for the client's ACK of the one before (Nagle), which a client
// that delays its ACKs holds back for up to its delayed-ACK timer.
TEST_CASE("stream sockets have TCP_NODELAY unless settings.sse.tcp_nodelay is false", "[sse]") {
    const auto nodelay_of_stream = [](Harness& h) {
        int fd = -1;
        auto client = h.stream(request("POST", R"({"query":"subscription { s }"})"), &fd);
        std::string buffer;
        read_until(client, buffer, ":\n\n");  // the stream is open: its socket was set up
        int value = -1;
        socklen_t size = sizeof value;
        REQUIRE(::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &size) == 0);
        return value != 0;
    };
    {
        Harness h;
        CHECK(nodelay_of_stream(h));
    }
    {
        Harness h(std::vector<std::pair<std::string, std::string>>{{"tcp_nodelay", "false"}});
        CHECK_FALSE(nodelay_of_stream(h));
    }
}
