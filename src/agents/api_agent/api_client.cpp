#include "agents/api_agent/api_client.hpp"

#include "agents/api_agent/retry_after.hpp"
#include "http/client.hpp"
#include "http/client_url.hpp"
#include "orchestrator/task_registry.hpp"
#include "util/ascii.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <random>
#include <thread>

namespace chainbot::agents {

namespace json = boost::json;
using orchestrator::step_failure;

namespace {

constexpr std::size_t max_body_in_message = 512;
constexpr std::size_t min_secret_length = 4;  // shorter values would mask ordinary words
constexpr std::string_view mask_text = "***";

std::string percent_encode(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out.push_back(static_cast<char>(c));
        else out += fmt::format("%{:02X}", c);
    }
    return out;
}

// The first `limit` bytes, not cutting a UTF-8 sequence in two.
std::string cut(std::string_view s, std::size_t limit) {
    if (s.size() <= limit) return std::string(s);
    while (limit > 0 && (static_cast<unsigned char>(s[limit]) & 0xC0) == 0x80) --limit;
    return std::string(s.substr(0, limit)) + "...";
}

void replace_all(std::string& text, const std::string& secret) {
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + mask_text.size()))
        text.replace(pos, secret.size(), mask_text);
}

bool is_json_type(std::string_view content_type) {
    const auto t = util::ascii_lower(content_type.substr(0, content_type.find(';')));
    return t.find("/json") != std::string::npos || t.find("+json") != std::string::npos;
}

// What went wrong with one attempt, and whether another attempt may help.
struct attempt_failure {
    std::string kind;
    std::string message;
    bool retryable = false;
    std::optional<std::chrono::milliseconds> retry_after;
};

attempt_failure transport_failure(const http::client_result& r) {
    using k = http::client_error_kind;
    switch (r.error) {
        case k::timeout: return {"timeout", r.message, true, {}};
        case k::resolve:
        case k::connect: return {"http_transport", r.message, true, {}};
        case k::too_large: return {"response_too_large", r.message, false, {}};
        case k::bad_url: return {"validation", r.message, false, {}};
        case k::cancelled: return {"cancelled", r.message, false, {}};
        default: return {"http_transport", r.message, false, {}};  // tls, protocol: another try would fail the same way
    }
}

}  // namespace

json::object api_response::to_json() const {
    return {{"status_code", status_code}, {"headers", headers}, {"body", body}, {"attempts", attempts}};
}

api_client::api_client(http::http_client& http, api_client_config config, std::function<void(const std::string&)> log)
    : http_(http), config_(std::move(config)), log_(std::move(log)), bucket_(config_.requests_per_second, config_.burst) {}

std::string api_client::mask(std::string text) const {
    for (const auto& s : config_.secret_values)
        if (s.size() >= min_secret_length) replace_all(text, s);
    return text;
}

json::value api_client::mask(const json::value& v) const {
    switch (v.kind()) {
        case json::kind::string: return json::value(mask(std::string(v.as_string())));
        case json::kind::array: {
            json::array out;
            out.reserve(v.as_array().size());
            for (const auto& e : v.as_array()) out.push_back(mask(e));
            return out;
        }
        case json::kind::object: {
            json::object out;
            for (const auto& kv : v.as_object()) out[mask(std::string(kv.key()))] = mask(kv.value());
            return out;
        }
        default: return v;
    }
}

bool api_client::same_origin(std::string_view url) const {
    if (config_.base_url.empty()) return true;
    std::string error;
    const auto base = http::parse_client_url(config_.base_url, error);
    const auto other = http::parse_client_url(url, error);
    return base && other && base->tls == other->tls && util::ascii_iequals(base->host, other->host) && base->port == other->port;
}

std::string api_client::target_url(const api_request& req) const {
    std::string url;
    if (!req.url.empty()) {
        if (!req.path.empty()) throw step_failure("validation", "give either url or path, not both");
        std::string error;
        if (!http::parse_client_url(req.url, error)) throw step_failure("validation", "url: " + error);
        url = req.url;
    } else {
        if (config_.base_url.empty())
            throw step_failure("configuration", "api agent config: base_url: missing (a request with a path needs it)");
        const auto& p = req.path;
        if (p.find("://") != std::string::npos || p.starts_with("//") || p.find_first_of(" \r\n\t#") != std::string::npos)
            throw step_failure("validation", "path: expected a path (and query) below base_url, e.g. /users/7");
        url = config_.base_url;
        if (!p.empty() && p.front() != '/' && p.front() != '?') url += '/';
        url += p;
    }
    if (!req.query.empty()) {
        char sep = url.find('?') == std::string::npos ? '?' : '&';
        for (const auto& [k, v] : req.query) {
            url += sep;
            url += percent_encode(k) + "=" + percent_encode(v);
            sep = '&';
        }
    }
    return url;
}

std::chrono::milliseconds api_client::backoff_delay(int retry) const {
    const auto cap = static_cast<double>(config_.max_backoff.count());
    const double base = std::min(cap, static_cast<double>(config_.backoff.count()) * std::pow(2.0, retry - 1));
    // "Equal jitter": half the delay fixed, half random, so that clients that failed
    // together do not retry together.
    std::random_device rd;
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    return std::chrono::milliseconds(static_cast<std::int64_t>(base * jitter(rd)));
}

void api_client::sleep_for(std::chrono::milliseconds d, const api_request& req) const {
    const auto until = std::chrono::steady_clock::now() + d;
    // In slices, so that a cancelled or timed-out step does not hold its thread for the whole wait.
    for (auto now = std::chrono::steady_clock::now(); now < until; now = std::chrono::steady_clock::now()) {
        if (req.cancelled && req.cancelled->load()) throw step_failure("cancelled", "cancelled while waiting to retry");
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - now, std::chrono::milliseconds(50)));
    }
}

void api_client::take_token(const api_request& req, std::string_view what) {
    const auto wait = bucket_.reserve(config_.timeout);
    if (!wait)
        throw step_failure("rate_limited",
                           fmt::format("{}: the agent's rate limit ({} requests per second, burst {}) has no slot "
                                       "within the timeout of {} ms",
                                       what, config_.requests_per_second, config_.burst, config_.timeout.count()));
    try {
        sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(*wait), req);
    } catch (...) {
        bucket_.refund();
        throw;
    }
}

api_response api_client::send(const api_request& req) {
    if (req.cancelled && req.cancelled->load()) throw step_failure("cancelled", "cancelled");
    const auto url = target_url(req);
    const auto shown = fmt::format("{} {}", req.method, http::masked_url(url));

    http::client_request out;
    out.method = req.method;
    out.url = url;
    out.timeout = config_.timeout;
    out.max_response_bytes = config_.max_response_bytes;
    if (same_origin(url)) {
        out.headers = config_.headers;
        if (!config_.auth_header.empty()) {
            std::erase_if(out.headers, [&](const auto& h) { return util::ascii_iequals(h.first, config_.auth_header); });
            out.headers.emplace_back(config_.auth_header, config_.auth_value);
        }
    }
    for (const auto& [name, value] : req.headers) {
        std::erase_if(out.headers, [&](const auto& h) { return util::ascii_iequals(h.first, name); });
        out.headers.emplace_back(name, value);
    }
    const bool has_key = std::any_of(out.headers.begin(), out.headers.end(),
                                     [](const auto& h) { return util::ascii_iequals(h.first, "idempotency-key"); });
    if (!has_key && !req.idempotency_key.empty()) out.headers.emplace_back("Idempotency-Key", req.idempotency_key);
    if (req.body) out.body = *req.body;

    for (int attempt = 1;; ++attempt) {
        take_token(req, shown);
        auto result = http_.send_sync(out);
        attempt_failure failure;
        if (!result.ok()) {
            failure = transport_failure(result);
        } else {
            const int status = result.response.status;
            if (status < 400) {
                api_response r;
                r.status_code = status;
                r.attempts = attempt;
                for (const auto& [name, value] : result.response.headers) {
                    if (auto* existing = r.headers.if_contains(name))
                        *existing = json::string(std::string(existing->as_string()) + ", " + value);
                    else
                        r.headers[name] = value;
                }
                const auto& body = result.response.body;
                const auto type = result.response.header("content-type");
                if (body.empty()) {
                    r.body = nullptr;
                } else if (is_json_type(type) || type.empty()) {
                    boost::system::error_code ec;
                    auto parsed = json::parse(body, ec);
                    r.body = ec ? json::value(body) : std::move(parsed);
                } else {
                    r.body = body;
                }
                r.headers = mask(json::value(std::move(r.headers))).as_object();
                r.body = mask(r.body);
                return r;
            }
            const auto excerpt = cut(mask(cut(result.response.body, max_body_in_message + 256)), max_body_in_message);
            const auto with_body = excerpt.empty() ? std::string() : ": " + excerpt;
            if (status != 429 && status < 500)
                throw step_failure("http_4xx", mask(fmt::format("HTTP {} from {}{}", status, shown, with_body)));
            failure.kind = status == 429 ? "http_429" : "http_5xx";
            failure.message = fmt::format("HTTP {}{} from {}{}", status,
                                          status == 429 ? " (rate limited by the server)" : "", shown, with_body);
            failure.retryable = true;
            if (auto ra = result.response.header("retry-after"); !ra.empty())
                failure.retry_after = parse_retry_after(ra, std::chrono::system_clock::now());
        }
        if (!failure.retryable || attempt > config_.max_retries) {
            if (attempt > 1) failure.message += fmt::format(" (after {} attempts)", attempt);
            throw step_failure(failure.kind, mask(std::move(failure.message)));
        }
        auto delay = backoff_delay(attempt);
        if (failure.retry_after) delay = std::min<std::chrono::milliseconds>(*failure.retry_after, config_.max_retry_after);
        if (log_)
            log_(mask(fmt::format("{}; retry {} of {} in {} ms", failure.message, attempt, config_.max_retries,
                                  delay.count())));
        sleep_for(delay, req);
    }
}

}  // namespace chainbot::agents
