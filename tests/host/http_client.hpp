// A small blocking HTTP/1.1 client over a real TCP socket. It can also send raw bytes, which a
// well-behaved client library would refuse to (malformed requests).
#pragma once

#include <map>
#include <string>

namespace rex::test {

struct HttpReply {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
};

class HttpConnection {
public:
    explicit HttpConnection(int port);
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    void send_raw(const std::string& bytes);
    // Reads one response (Content-Length bodies, or until the server closes); the answer to a
    // HEAD request has no body, whatever its Content-Length says.
    HttpReply read_reply(bool head = false);
    // `headers`: extra header lines, each ending in \r\n.
    HttpReply request(const std::string& method, const std::string& target, const std::string& body = {},
                      const std::string& headers = {});
    // True if the server closed the connection (read returns 0) within timeout_ms.
    bool closed_by_server(int timeout_ms = 2000);

private:
    int fd_ = -1;
    std::string pending_;
};

HttpReply http_get(int port, const std::string& target, const std::string& headers = {});

}  // namespace rex::test
