#pragma once
// One api agent's HTTP client: its configuration, its own rate limiter, retries with
// backoff on 5xx, 429 and transport errors (honouring Retry-After), and the response read
// back as JSON when it is JSON. Secrets never leave it unmasked: error messages, results
// and log lines have every secret value of the config replaced by "***".
//
//   api_client client(http, parse_api_client_config(agent_config, secrets));
//   auto r = client.send({.method = "GET", .path = "/users/7"});  // blocks; throws step_failure
//   // r.status_code, r.headers, r.body (JSON or string), r.attempts

#include "agents/api_agent/api_client_config.hpp"
#include "agents/api_agent/token_bucket.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chainbot::http {
class http_client;
}

namespace chainbot::agents {

struct api_request {
    std::string method = "GET";
    std::string path;  ///< joined to base_url; or
    std::string url;   ///< an absolute http(s) URL (auth is sent only to base_url's origin)
    std::vector<std::pair<std::string, std::string>> query;    ///< appended, percent-encoded
    std::vector<std::pair<std::string, std::string>> headers;  ///< override the configured ones (any case)
    std::optional<std::string> body;
    std::string idempotency_key;  ///< sent as Idempotency-Key unless `headers` has one
    std::shared_ptr<std::atomic<bool>> cancelled;  ///< may be null; checked while waiting
};

struct api_response {
    int status_code = 0;
    boost::json::object headers;  ///< lower-case names; repeated fields joined with ", "
    boost::json::value body;      ///< parsed when JSON, else the text; null when empty
    int attempts = 0;

    boost::json::object to_json() const;
};

class api_client {
public:
    /// @brief `log` (may be empty) receives one line per retry, already masked.
    api_client(http::http_client& http, api_client_config config, std::function<void(const std::string&)> log = {});

    /// @brief Sends `req`, retrying as configured. Blocks: not on an I/O thread.
    /// @throws orchestrator::step_failure: rate_limited (no token within the timeout),
    /// http_4xx (with the status and the start of the body), http_429, http_5xx (after the
    /// retries), timeout, http_transport, response_too_large, validation (a bad request:
    /// path, URL, header), configuration (no base_url for a path), cancelled.
    api_response send(const api_request& req);

    const api_client_config& config() const noexcept { return config_; }

    /// @brief `text` with every secret value of the config replaced by "***".
    std::string mask(std::string text) const;
    /// @brief A copy of `v` with every secret value in its strings (keys too) replaced by "***".
    boost::json::value mask(const boost::json::value& v) const;

private:
    std::string target_url(const api_request& req) const;
    bool same_origin(std::string_view url) const;
    std::chrono::milliseconds backoff_delay(int retry) const;
    void sleep_for(std::chrono::milliseconds d, const api_request& req) const;
    void take_token(const api_request& req, std::string_view what);

    http::http_client& http_;
    const api_client_config config_;
    std::function<void(const std::string&)> log_;
    token_bucket bucket_;
};

}  // namespace chainbot::agents
