#pragma once
/// @file server.hpp
/// @brief The HTTP/1.1 server: accepts connections and feeds their requests to a router.
/// It starts no thread: whoever owns the io_context runs it on its pool.
///
/// @code
///   boost::asio::io_context ioc;
///   chainbot::http::router routes;
///   routes.add("GET", "/health", [](auto&, auto respond) { respond(response::json(200, "{}")); });
///   chainbot::http::server srv(ioc, routes);
///   srv.listen("127.0.0.1", 0);   // srv.port() is the port chosen
///   ... run ioc on the pool ...
///   srv.stop();                   // in-flight requests still get their response
/// @endcode

#include <chainbot/host_services.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace chainbot::http {

class router;

/// @brief Limits and timeouts of the server.
struct server_options {
    std::size_t max_header_bytes = 8 * 1024;  ///< request line + fields; beyond: 431
    std::size_t max_body_bytes = 1024 * 1024;  ///< beyond: 413
    std::chrono::seconds read_timeout{15};    ///< to receive a whole request once it started (and a new connection's first one)
    std::chrono::seconds idle_timeout{60};    ///< between requests on a keep-alive connection
    std::chrono::seconds write_timeout{15};   ///< to send one response
    std::shared_ptr<log_sink> log;            ///< connection-level failures (debug) and bind errors; may be null
};

/// @brief The HTTP server. The router and the io_context must outlive every connection,
/// i.e. until the io_context has stopped running.
class server {
public:
    server(boost::asio::io_context& ioc, router& routes, server_options options = {});
    /// @brief Stops (see stop()).
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// @brief Binds and starts accepting. `address` is an IP address or a host name.
    /// @throws std::system_error naming address:port when it cannot bind (port in use...)
    /// @throws std::logic_error when already listening
    void listen(const std::string& address, unsigned short port);
    /// @brief The bound port (the one chosen when listening on port 0); 0 before listen().
    unsigned short port() const;
    /// @brief Stops accepting at once (new connections are refused), lets requests in
    /// flight finish and be written (with `Connection: close`), closes idle keep-alive
    /// connections. Callable from any thread, any number of times.
    void stop();
    /// @brief Connections currently open.
    std::size_t active_sessions() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace chainbot::http
