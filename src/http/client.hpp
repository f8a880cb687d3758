#pragma once
/// @file client.hpp
/// @brief An asynchronous HTTP/1.1 and HTTPS client over the runtime's io_context. Free
/// of Beast: callers (the `api` agent, `api_call` and `webhook` steps) include no
/// networking header.
///
/// One connection per request (no pooling, no keep-alive yet); redirects are not
/// followed (the 3xx is returned as is); each request runs on a strand of its own.
///
/// @code
///   chainbot::http::http_client client(ioc);
///   client_request req;
///   req.method = "POST";
///   req.url = "https://api.example.com/process";
///   req.headers = {{"Content-Type", "application/json"}};
///   req.body = R"({"x": 1})";
///   client.send(std::move(req), [](client_result r) {
///       if (!r.ok()) { /* r.error, r.message */ return; }
///       // r.response.status, r.response.header("retry-after"), r.response.body
///   });
/// @endcode

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace chainbot::http {

class client_state;

/// @brief One outgoing request.
struct client_request {
    std::string method = "GET";  ///< sent as given (methods are case-sensitive)
    std::string url;             ///< http://[user[:password]@]host[:port][/path][?query]; https:// likewise
    /// Extra fields. They override Host and User-Agent; Content-Length and
    /// Transfer-Encoding are always computed from `body`. User-info in the URL becomes
    /// Basic authorization unless an Authorization field is given here.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::chrono::milliseconds timeout{30000};  ///< the whole exchange: resolve, connect, TLS, write, read
    std::size_t max_response_bytes = 10 * 1024 * 1024;  ///< response body limit, enforced while reading
    bool verify_tls = true;  ///< false only for tests: accepts any certificate
};

/// @brief A complete response (any status: 4xx and 5xx are responses, not errors).
struct client_response {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  ///< lower-case names, in received order
    std::string body;  ///< decoded from chunked transfer-encoding when it was used

    /// @brief The first field named `name` (any case), or "" when absent.
    std::string header(std::string_view name) const;
};

/// @brief Why a request produced no response.
enum class client_error_kind {
    none,
    bad_url,    ///< the URL is malformed, not http(s), or its port is out of range
    resolve,    ///< the host name did not resolve
    connect,    ///< no connection, or the connection broke before a complete response
    tls,        ///< the TLS handshake failed (untrusted certificate, wrong host name...) or TLS broke
    timeout,    ///< client_request::timeout elapsed
    too_large,  ///< the response exceeds max_response_bytes (or 64 KiB of header)
    protocol,   ///< the peer's bytes are not HTTP/1.x, or the request itself is invalid (method, field)
    cancelled,  ///< http_client::cancel_all() (or its destructor)
};

/// @brief The outcome of one request.
struct client_result {
    client_error_kind error = client_error_kind::none;
    /// Empty on success; otherwise "METHOD url: cause". The URL is shown with its
    /// password and query masked; header values never appear.
    std::string message;
    client_response response;  ///< meaningful when ok()

    /// @brief A response arrived (whatever its status).
    bool ok() const { return error == client_error_kind::none; }
};

/// @brief The client. Safe to use from any thread; it starts no thread. The io_context
/// must outlive every request in flight (i.e. run until they completed).
class http_client {
public:
    /// @throws boost::system::system_error when OpenSSL's context cannot be created.
    explicit http_client(boost::asio::io_context& ioc);
    /// @brief Cancels the requests in flight (see cancel_all()).
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    /// @brief Starts a request. `done` is called exactly once, on one of the io_context's
    /// threads, never from inside send(); it must not throw. Nothing is thrown on this
    /// path: every failure is a client_result.
    void send(client_request req, std::function<void(client_result)> done);

    /// @brief Sends and waits. For threads that do not run the io_context (and tests).
    /// @throws std::logic_error when called on a thread running the io_context (it would deadlock).
    client_result send_sync(client_request req);

    /// @brief Ends every request in flight: each `done` receives `cancelled` (asynchronously,
    /// on the io_context). Requests sent afterwards are not affected. For shutdown.
    void cancel_all();

    /// @brief Requests in flight.
    std::size_t in_flight() const;

private:
    boost::asio::io_context& ioc_;
    std::shared_ptr<client_state> state_;  // shared with the requests in flight
};

}  // namespace chainbot::http
