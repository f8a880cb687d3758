#pragma once
/// @file router.hpp
/// @brief Maps (method, path pattern) to asynchronous handlers and turns every failure
/// into the uniform JSON error body.
///
/// @code
///   router r;
///   r.add("POST", "/api/chainbot/workflows/{id}/execute", [&](request& req, responder respond) {
///       // req.params["id"] is the decoded segment; respond now or from any thread later.
///       respond(response::json(202, R"({"execution_id": "e1"})"));
///   });
/// @endcode

#include "http/message.hpp"

#include <chainbot/host_services.hpp>

#include <boost/json/value.hpp>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace chainbot::http {

/// @brief Delivers the response of one request. Callable from any thread (the server
/// posts it back to the connection's strand); only the first call counts. If every copy
/// is destroyed without a call, the client receives a 500 error.
using responder = std::function<void(response)>;

/// @brief Handles one request. Runs on an I/O thread: blocking work goes elsewhere and
/// answers through the responder. `request` stays valid until the responder is called.
using handler = std::function<void(request&, responder)>;

/// @brief What a handler throws to answer with a specific error; its what() is the
/// message sent to the client. Any other exception becomes a 500 "internal error".
class http_error : public std::runtime_error {
public:
    http_error(int status, std::string code, const std::string& message, boost::json::value details = nullptr);

    int status() const noexcept { return status_; }
    const std::string& code() const noexcept { return code_; }
    const boost::json::value& details() const noexcept { return details_; }
    /// @brief The error as a JSON response.
    response to_response() const;

private:
    int status_;
    std::string code_;
    boost::json::value details_;
};

/// @brief The route table. Add every route before serving; dispatch() is then safe to
/// call from many threads at once.
class router {
public:
    /// @param log receives handler exceptions (their text never reaches the client); may be null.
    explicit router(std::shared_ptr<log_sink> log = nullptr);
    ~router();
    router(router&&) noexcept;
    router& operator=(router&&) noexcept;

    /// @brief Adds a route. `pattern` is a path whose segments are literals or `{name}`,
    /// which captures one whole segment into request::params (percent-decoded). A
    /// literal segment wins over a capture at the same position.
    /// @throws std::invalid_argument on a malformed pattern or a duplicate route.
    void add(std::string method, std::string pattern, handler h);

    /// @brief Fills req.path and req.query from req.target (when the target is set),
    /// matches the route and calls its handler. Answers by itself with 400 (bad
    /// percent-encoding), 404 (no such path), 405 plus Allow (path known, method not),
    /// 500 (handler threw) or the status of a thrown http_error.
    void dispatch(request& req, responder respond) const;

private:
    struct route;
    std::vector<route> routes_;
    std::shared_ptr<log_sink> log_;
};

}  // namespace chainbot::http
