#pragma once
// The api agent's configuration (its spawn config), read and checked once per client:
// base URL, authentication with `${secret}` references resolved, default headers, rate
// limit, timeouts, retries and the response size limit. See docs/api_agent.md.

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace chainbot::agents {

struct api_client_config {
    std::string base_url;  ///< "" when requests give full URLs
    /// Sent with every request to base_url's origin: the default headers, then the
    /// authorization field. Secrets in them are resolved.
    std::vector<std::pair<std::string, std::string>> headers;
    /// The authorization field's name ("" without auth): only sent to base_url's origin.
    std::string auth_header;
    std::string auth_value;
    double requests_per_second = 0;  ///< 0: no rate limit
    double burst = 1;
    std::chrono::milliseconds timeout{30000};  ///< per attempt; also the longest wait for a rate-limit token
    int max_retries = 2;                       ///< attempts after the first, on 5xx, 429 and transport errors
    std::chrono::milliseconds backoff{200};    ///< before the first retry; doubles each retry (with jitter)
    std::chrono::milliseconds max_backoff{10000};
    std::chrono::seconds max_retry_after{60};  ///< a longer Retry-After is cut to this
    std::size_t max_response_bytes = 10 * 1024 * 1024;
    /// Every secret value in the config (resolved references, auth values, the Basic
    /// credential): masked in messages and results.
    std::vector<std::string> secret_values;

    bool operator==(const api_client_config&) const = default;
};

/// @brief Reads an api agent's config. `${name}` in auth values and header values is
/// replaced by secrets[name].
/// @throws orchestrator::step_failure of kind "configuration" naming the key (e.g.
/// "api agent config: rate_limit.burst: expected a number >= 1"); never showing a secret.
api_client_config parse_api_client_config(const boost::json::object& config,
                                          const std::map<std::string, std::string>& secrets);

}  // namespace chainbot::agents
