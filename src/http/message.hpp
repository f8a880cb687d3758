#pragma once
/// @file message.hpp
/// @brief The request and response types handlers see. Free of Beast: handlers and
/// the REST layer never include a networking header.

#include <boost/json/value.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chainbot::http {

/// @brief One HTTP request, as handed to a handler.
struct request {
    std::string method;  ///< "GET", "POST", ... (case as sent; methods are case-sensitive)
    std::string target;  ///< the request-target as sent, e.g. "/api/x%20y?limit=10"
    std::string path;    ///< target without query or fragment, still percent-encoded
    std::map<std::string, std::string> query;    ///< decoded query parameters (first occurrence wins)
    std::map<std::string, std::string> headers;  ///< lower-case names; repeated fields joined with ", "
    std::string body;
    std::map<std::string, std::string> params;  ///< decoded `{name}` captures of the matched route
    std::string remote_address;                 ///< peer IP address, e.g. "127.0.0.1"

    /// @brief The header `name` (lower-case), or `fallback` when absent.
    std::string_view header(const std::string& name, std::string_view fallback = {}) const;
};

/// @brief True when the comma-separated header value `list` holds `token`, compared
/// case-insensitively ("Connection: keep-alive, Upgrade" holds "upgrade").
bool has_token(std::string_view list, std::string_view token);

/// @brief A connection handed over to another protocol (http/upgrade.hpp defines it; only
/// code that speaks the new protocol, such as src/ws/, includes that Beast header).
struct upgraded_connection;

/// @brief Takes over the connection of an upgrade request (see response::upgrade).
using upgrade_acceptor = std::function<void(upgraded_connection&&)>;

/// @brief One HTTP response. Content-Length, Connection and `Server: chainbot` are set by
/// the server; `headers` are extra fields (a "content-type" entry there overrides
/// `content_type`).
struct response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    /// @brief Set by a handler that accepts an upgrade (WebSocket, with status 101): the server
    /// writes nothing and calls it on the connection's strand with the socket and the parsed
    /// request; the new protocol answers the handshake itself. A server that is stopping
    /// answers 503 instead.
    upgrade_acceptor upgrade;

    /// @brief A JSON response with an already serialized body (boost::json::serialize).
    static response json(int status, std::string body);
    /// @brief The uniform error body `{"error": {"code": ..., "message": ..., "details": ...}}`.
    /// @code
    ///   respond(response::error(404, "not_found", "no workflow 'w1'", {{"id", "w1"}}));
    /// @endcode
    static response error(int status, std::string_view code, std::string_view message,
                          boost::json::value details = nullptr);
};

}  // namespace chainbot::http
