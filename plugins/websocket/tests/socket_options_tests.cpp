// rex-websocket.so loaded from disk and started on a test TransportContext: the options its
// sockets get. (The protocols are tested with the npm clients against rex-host: tests/js.)
#include <rex/kernel.hpp>
#include <rex/sdk/transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <map>
#include <string>

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

struct Context final : rex::TransportContext {
    rex::Kernel kernel;
    rex::PluginSettings websocket{"test: /settings/websocket"};
    std::map<std::string, std::shared_ptr<rex::HttpRoute>> routes;
    net::io_context io;  // the host's; the transport runs its sessions on threads of its own

    net::io_context& io_context() override { return io; }
    void add_route(std::string path, std::shared_ptr<rex::HttpRoute> route) override { routes[path] = std::move(route); }
    rex::ChangeBus& changes() override { return kernel.changes(); }
    const rex::CatalogView& catalog() const override { return kernel.catalog(); }
    rex::Logger& logger() override { return kernel.logger(); }
    const rex::PluginSettings& settings(std::string_view) const override { return websocket; }
};

// Hands a connection's server end to /changes as rex-host does after reading the upgrade request,
// waits for the handshake's answer (the transport has set the socket up by then) and returns
// whether that end has TCP_NODELAY.
bool nodelay_of_a_connection(std::vector<std::pair<std::string, std::string>> settings) {
    Context context;
    for (auto& [key, value] : settings) context.websocket.set(std::move(key), std::move(value));
    const auto report = context.kernel.load_plugins(std::string(REX_TEST_PLUGIN_DIR) + "/rex-websocket.so");
    REQUIRE(report.failures.empty());
    std::shared_ptr<rex::RealtimeTransport> transport;
    for (auto& t : context.kernel.transports())
        if (t->name() == "websocket") transport = t;
    REQUIRE(transport);
    transport->start(context);

    tcp::acceptor acceptor(context.io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(context.io);
    client.connect(acceptor.local_endpoint());
    tcp::socket server = acceptor.accept();
    timeval timeout{5, 0};
    ::setsockopt(client.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

    rex::HttpRequest upgrade;
    upgrade.method = "GET";
    upgrade.path = upgrade.target = "/changes";
    upgrade.headers = {{"Host", "127.0.0.1"},
                       {"Upgrade", "websocket"},
                       {"Connection", "Upgrade"},
                       {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                       {"Sec-WebSocket-Version", "13"}};
    auto& route = *context.routes.at("/changes");
    REQUIRE(route.wants_stream(upgrade));
    const int fd = server.native_handle();
    route.take_stream(upgrade, rex::StreamSocket{server.release(), {}});

    std::string answer;
    char chunk[1024];
    while (answer.find("\r\n\r\n") == std::string::npos) {
        const auto n = ::recv(client.native_handle(), chunk, sizeof chunk, 0);
        REQUIRE(n > 0);
        answer.append(chunk, static_cast<std::size_t>(n));
    }
    CHECK(answer.starts_with("HTTP/1.1 101"));
    int value = -1;
    socklen_t size = sizeof value;
    REQUIRE(::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &size) == 0);
    client.close();  // gone before the transport stops: no close handshake to wait for
    transport->stop();
    return value != 0;
}

}  // namespace

// A small message must not wait for the client's ACK of the one before (Nagle), which a client
// that delays its ACKs holds back for up to its delayed-ACK timer.
TEST_CASE("connections have TCP_NODELAY unless settings.websocket.tcp_nodelay is false", "[websocket]") {
    CHECK(nodelay_of_a_connection({}));
    CHECK_FALSE(nodelay_of_a_connection({{"tcp_nodelay", "false"}}));
    CHECK(nodelay_of_a_connection({{"tcp_nodelay", "true"}}));
}
