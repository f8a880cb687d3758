#pragma once
/// @file access_guard.hpp
/// @brief The authorization hook of the route table: may this request reach a route that
/// needs `permission`?
///
/// - "public" → allowed, no token looked at;
/// - no, malformed or unknown/revoked/expired token → 401 `unauthorized` with
///   `WWW-Authenticate: Bearer realm="chainbot"` (plus `error="invalid_token"` or
///   `error="invalid_request"` when a token was presented);
/// - too many failed attempts from the client address → 429 `rate_limited` with Retry-After;
/// - a principal lacking the permission → 403 `forbidden` naming it in details.permission;
/// - the store unreachable → 503 `unavailable` with Retry-After.
/// Every refusal is recorded in the audit trail as `auth.denied` (a rate-limited address
/// once per window, so a flood of guesses cannot flood the trail).
///
/// A GET request may carry its token as the query parameter `access_token` instead of
/// the Authorization header (browsers cannot set headers on a WebSocket request); an
/// Authorization header wins. The hook removes the parameter from req.query and drops the
/// query from req.target, so that neither handlers nor logs see the token.
///
/// On every request (public ones included) the hook first removes the identity headers
/// below, so a client cannot forge them; on success it sets them for the handler
/// (identity_of(req)).
///
/// authorize() blocks on a cache miss of the token (see authenticator). authorize_async()
/// answers at once when it can and otherwise runs the lookup through `run_blocking`:
/// @code
///   guard->authorize_async(req, route.permission,
///       [&rt](std::function<void()> job) { return rt.post_blocking(std::move(job)); },
///       [..](std::optional<http::response> refusal) { refusal ? respond(*refusal) : run_handler(); });
/// @endcode

#include "security/authenticator.hpp"

#include "audit/audit_trail.hpp"
#include "http/message.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace chainbot::security {

/// Set by the hook for the handler; any such header a client sends is removed first.
inline constexpr std::string_view user_id_header = "x-chainbot-user-id";
inline constexpr std::string_view user_name_header = "x-chainbot-user-name";
inline constexpr std::string_view token_id_header = "x-chainbot-token-id";
/// The query parameter a GET request may carry its bearer token in.
inline constexpr std::string_view access_token_parameter = "access_token";

/// @brief Who the hook let through (from the headers it set).
struct request_identity {
    std::string user_id;
    std::string user_name;
    std::string token_id;
};

/// @brief The identity the hook resolved for `req`; nullopt on a public route.
std::optional<request_identity> identity_of(const http::request& req);

/// @brief An audit record of `req` by its caller (identity, client address filled in).
audit::record audit_record_for(const http::request& req, std::string action, std::string resource,
                               boost::json::value metadata = nullptr, bool success = true);

/// Make it with std::make_shared: authorize_async keeps it alive while a lookup is pending.
class access_guard : public std::enable_shared_from_this<access_guard> {
public:
    /// @brief Posts a job to a blocking pool; false when it was not queued (pool full).
    using blocking_poster = std::function<bool(std::function<void()>)>;
    using completion = std::function<void(std::optional<http::response>)>;

    /// @param trail records refusals; may be null (nothing recorded).
    access_guard(std::shared_ptr<authenticator> auth, std::shared_ptr<audit::audit_trail> trail);

    /// @brief nullopt to let the request through, else the response to send.
    std::optional<http::response> authorize(http::request& req, std::string_view permission);
    /// @brief Same decision; `done` runs inline or on the blocking pool. When the pool
    /// refuses the job, `done` gets a 503 at once.
    void authorize_async(http::request& req, std::string_view permission, const blocking_poster& run_blocking,
                         completion done);

private:
    std::optional<http::response> decide(http::request& req, std::string_view permission, const auth_result& r);
    void deny(const http::request& req, std::string_view permission, const auth_result& r, int status,
              std::string_view reason);

    std::shared_ptr<authenticator> auth_;
    std::shared_ptr<audit::audit_trail> trail_;
};

}  // namespace chainbot::security
