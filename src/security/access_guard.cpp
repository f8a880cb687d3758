#include "security/access_guard.hpp"

#include <boost/json/object.hpp>

#include <fmt/format.h>

namespace chainbot::security {

namespace json = boost::json;

namespace {

constexpr std::string_view denied_action = "auth.denied";

void strip_identity(http::request& req) {
    for (auto h : {user_id_header, user_name_header, token_id_header}) req.headers.erase(std::string(h));
}

// Browsers cannot set headers on a WebSocket request: a GET may carry its token as
// ?access_token=<token> instead (an Authorization header wins). The parameter is taken
// out of the query and the target, so nothing after the hook (handlers, logs) sees it.
void take_query_token(http::request& req) {
    const auto it = req.query.find(std::string(access_token_parameter));
    if (it == req.query.end()) return;
    if (req.method == "GET" && !req.headers.contains("authorization")) req.headers["authorization"] = "Bearer " + it->second;
    req.query.erase(it);
    const auto question = req.target.find('?');
    if (question != std::string::npos) req.target.erase(question);
}

void set_identity(http::request& req, const principal& who) {
    req.headers[std::string(user_id_header)] = who.user_id;
    req.headers[std::string(user_name_header)] = who.user_name;
    req.headers[std::string(token_id_header)] = who.token_id;
}

http::response unauthorized(std::string_view message, std::string_view bearer_error) {
    auto res = http::response::error(401, "unauthorized", message);
    std::string challenge = R"(Bearer realm="chainbot")";
    if (!bearer_error.empty()) challenge += fmt::format(R"(, error="{}")", bearer_error);
    res.headers.emplace_back("WWW-Authenticate", std::move(challenge));
    return res;
}

http::response with_retry_after(http::response res, std::chrono::seconds after) {
    res.headers.emplace_back("Retry-After", std::to_string(after.count()));
    return res;
}

}  // namespace

std::optional<request_identity> identity_of(const http::request& req) {
    const auto user = req.headers.find(std::string(user_id_header));
    if (user == req.headers.end()) return std::nullopt;
    return request_identity{user->second, std::string(req.header(std::string(user_name_header))),
                            std::string(req.header(std::string(token_id_header)))};
}

audit::record audit_record_for(const http::request& req, std::string action, std::string resource,
                               json::value metadata, bool success) {
    audit::record r{.action = std::move(action), .resource = std::move(resource), .metadata = std::move(metadata),
                    .success = success};
    if (auto who = identity_of(req)) {
        r.user_id = who->user_id;
        r.token_id = who->token_id;
    }
    if (!req.remote_address.empty()) r.client = req.remote_address;
    return r;
}

access_guard::access_guard(std::shared_ptr<authenticator> auth, std::shared_ptr<audit::audit_trail> trail)
    : auth_(std::move(auth)), trail_(std::move(trail)) {}

std::optional<http::response> access_guard::authorize(http::request& req, std::string_view permission) {
    strip_identity(req);
    take_query_token(req);
    if (permission == permission::public_access) return std::nullopt;
    return decide(req, permission, auth_->authenticate(req));
}

void access_guard::authorize_async(http::request& req, std::string_view permission,
                                   const blocking_poster& run_blocking, completion done) {
    strip_identity(req);
    take_query_token(req);
    if (permission == permission::public_access) return done(std::nullopt);
    if (auto quick = auth_->try_cached(req)) return done(decide(req, permission, *quick));
    // The request stays valid until its response is sent, which `done` leads to.
    auto shared_done = std::make_shared<completion>(std::move(done));
    const bool queued = run_blocking([self = shared_from_this(), &req, perm = std::string(permission), shared_done] {
        (*shared_done)(self->decide(req, perm, self->auth_->authenticate(req)));
    });
    if (!queued) {
        (*shared_done)(with_retry_after(http::response::error(503, "unavailable", "the server is busy; try again shortly"),
                                        std::chrono::seconds(1)));
    }
}

std::optional<http::response> access_guard::decide(http::request& req, std::string_view permission,
                                                   const auth_result& r) {
    switch (r.status) {
        case auth_status::ok:
            if (r.who->has(permission)) {
                set_identity(req, *r.who);
                return std::nullopt;
            }
            deny(req, permission, r, 403, "missing permission");
            return http::response::error(403, "forbidden", fmt::format("this token lacks the permission {}", permission),
                                         json::object{{"permission", permission}});
        case auth_status::missing:
            deny(req, permission, r, 401, r.reason);
            return unauthorized("a bearer token is required (Authorization: Bearer <token>)", "");
        case auth_status::malformed:
            deny(req, permission, r, 401, r.reason);
            return unauthorized("the Authorization header must be 'Bearer <token>'", "invalid_request");
        case auth_status::invalid:
            deny(req, permission, r, 401, r.reason);
            return unauthorized("the bearer token is not valid (unknown, revoked or expired)", "invalid_token");
        case auth_status::rate_limited:
            if (r.first_refusal) deny(req, permission, r, 429, r.reason);
            return with_retry_after(
                http::response::error(429, "rate_limited", "too many failed authentication attempts; try again later",
                                      json::object{{"retry_after_seconds", r.retry_after.count()}}),
                r.retry_after);
        case auth_status::unavailable:
            deny(req, permission, r, 503, r.reason);
            return with_retry_after(http::response::error(503, "unavailable", "authentication is unavailable: " + r.reason),
                                    std::chrono::seconds(5));
    }
    return unauthorized("the bearer token is not valid", "invalid_token");
}

void access_guard::deny(const http::request& req, std::string_view permission, const auth_result& r, int status,
                        std::string_view reason) {
    if (!trail_) return;
    audit::record rec{.action = std::string(denied_action), .resource = req.path.empty() ? req.target : req.path,
                      .success = false};
    if (r.who) {
        rec.user_id = r.who->user_id;
        rec.token_id = r.who->token_id;
    }
    if (!req.remote_address.empty()) rec.client = req.remote_address;
    rec.metadata = json::object{{"method", req.method},
                                {"status", status},
                                {"reason", reason},
                                {"auth", to_string(r.status)},
                                {"permission", permission}};
    trail_->record(std::move(rec));
}

}  // namespace chainbot::security
