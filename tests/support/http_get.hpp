#pragma once
// A minimal blocking HTTP/1.1 client over a POSIX socket, for tests that must not depend
// on the module's own HTTP code to check it: one request per connection, the status,
// the headers (lower-case names) and the body.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>

#include <cctype>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace chainbot::test {

struct http_reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;

    boost::json::value json() const { return boost::json::parse(body); }
    std::string error_code() const { return std::string(json().at("error").at("code").as_string()); }
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

using header_list = std::vector<std::pair<std::string, std::string>>;

/// @brief A socket connected to 127.0.0.1:`port`, or -1.
inline int connect_loopback(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

/// @brief A socket listening on 127.0.0.1 at a free port (stored in `port`), or -1.
inline int listen_loopback(int backlog, unsigned short& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, backlog) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        return -1;
    }
    port = ntohs(addr.sin_port);
    return fd;
}

/// @brief One request on its own connection (Connection: close). A body gets
/// Content-Type: application/json unless `headers` names a content-type.
inline http_reply http_request(unsigned short port, const std::string& method, const std::string& path,
                               const std::string& body = "", const header_list& headers = {}) {
    const int fd = connect_loopback(port);
    if (fd < 0) throw std::runtime_error("connect to port " + std::to_string(port) + " failed");
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    bool has_type = false;
    for (const auto& [name, value] : headers) {
        req += name + ": " + value + "\r\n";
        has_type = has_type || name == "Content-Type" || name == "content-type";
    }
    if (!body.empty() && !has_type) req += "Content-Type: application/json\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    for (std::size_t sent = 0; sent < req.size();) {
        const auto n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    std::string raw;
    char buf[8192];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    http_reply r;
    if (raw.rfind("HTTP/1.1 ", 0) == 0) r.status = std::stoi(raw.substr(9, 3));
    const auto split = raw.find("\r\n\r\n");
    for (std::size_t line = raw.find("\r\n") + 2; split != std::string::npos && line < split;) {
        const auto end = raw.find("\r\n", line);
        const auto colon = raw.find(':', line);
        if (colon != std::string::npos && colon < end) {
            std::string name = raw.substr(line, colon - line);
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            auto value = raw.substr(colon + 1, end - colon - 1);
            value.erase(0, value.find_first_not_of(' '));
            r.headers[name] = value;
        }
        line = end + 2;
    }
    if (split != std::string::npos) r.body = raw.substr(split + 4);
    return r;
}

/// @brief GET `path` on 127.0.0.1:`port`.
inline http_reply http_get(unsigned short port, const std::string& path) { return http_request(port, "GET", path); }

}  // namespace chainbot::test
