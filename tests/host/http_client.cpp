#include "http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace rex::test {

HttpConnection::HttpConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

HttpConnection::~HttpConnection() {
    if (fd_ >= 0) ::close(fd_);
}

void HttpConnection::send_raw(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) throw std::runtime_error("send failed");
        sent += static_cast<std::size_t>(n);
    }
}

HttpReply HttpConnection::read_reply(bool head_request) {
    auto fill = [&]() {
        char buf[65536];
        const auto n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) return false;
        pending_.append(buf, static_cast<std::size_t>(n));
        return true;
    };
    std::size_t header_end;
    while ((header_end = pending_.find("\r\n\r\n")) == std::string::npos)
        if (!fill()) throw std::runtime_error("connection closed before a response header: '" + pending_ + "'");
    const std::string head = pending_.substr(0, header_end);
    pending_.erase(0, header_end + 4);

    HttpReply reply;
    const auto first_line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, first_line_end);
    reply.status = std::stoi(status_line.substr(9, 3));
    std::size_t pos = first_line_end == std::string::npos ? head.size() : first_line_end + 2;
    while (pos < head.size()) {
        auto end = head.find("\r\n", pos);
        if (end == std::string::npos) end = head.size();
        const auto line = head.substr(pos, end - pos);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
            std::string name = line.substr(0, colon);
            std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
            auto value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            reply.headers[name] = value;
        }
        pos = end + 2;
    }
    if (head_request) return reply;
    if (auto it = reply.headers.find("content-length"); it != reply.headers.end()) {
        const auto length = std::stoul(it->second);
        while (pending_.size() < length)
            if (!fill()) throw std::runtime_error("connection closed inside a response body");
        reply.body = pending_.substr(0, length);
        pending_.erase(0, length);
    } else {
        while (fill()) {
        }
        reply.body = std::move(pending_);
        pending_.clear();
    }
    return reply;
}

HttpReply HttpConnection::request(const std::string& method, const std::string& target, const std::string& body,
                                  const std::string& headers) {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers;
    if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    send_raw(req);
    return read_reply(method == "HEAD");
}

bool HttpConnection::closed_by_server(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char c;
    return ::recv(fd_, &c, 1, MSG_PEEK) == 0;
}

HttpReply http_get(int port, const std::string& target, const std::string& headers) {
    HttpConnection c(port);
    return c.request("GET", target, {}, headers);
}

}  // namespace rex::test
