#include "agents/api_agent/api_client_config.hpp"

#include "http/client_url.hpp"
#include "orchestrator/task_registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>

namespace chainbot::agents {

namespace json = boost::json;

namespace {

[[noreturn]] void invalid(std::string_view key, std::string_view message) {
    throw orchestrator::step_failure("configuration", fmt::format("api agent config: {}: {}", key, message));
}

bool is_token_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool valid_header_name(std::string_view name) { return !name.empty() && std::all_of(name.begin(), name.end(), is_token_char); }

bool valid_header_value(std::string_view value) {
    return std::none_of(value.begin(), value.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// As the audit masker reads key names: lower-cased, '-' as '_'.
bool secret_header(std::string_view name) {
    std::string n(name);
    for (auto& c : n) c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::string_view word : {"token", "password", "passwd", "secret", "api_key", "apikey", "authorization",
                                  "credential", "private_key"})
        if (n.find(word) != std::string::npos) return true;
    return false;
}

bool valid_secret_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
    });
}

class reader {
public:
    reader(const json::object& config, const std::map<std::string, std::string>& secrets)
        : config_(config), secrets_(secrets) {}

    api_client_config read() {
        api_client_config c;
        read_base_url(c);
        read_headers(c);
        read_auth(c);
        read_rate_limit(c);
        if (auto t = number("timeout_seconds", config_, "timeout_seconds", 0.0, 3600.0, false))
            c.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(*t * 1000)));
        if (auto r = integer("max_retries", config_, "max_retries", 0, 10)) c.max_retries = static_cast<int>(*r);
        if (auto b = integer("backoff_ms", config_, "backoff_ms", 0, 600'000)) c.backoff = std::chrono::milliseconds(*b);
        c.max_backoff = std::max(c.max_backoff, c.backoff);
        if (auto b = integer("max_backoff_ms", config_, "max_backoff_ms", 0, 3'600'000)) {
            if (*b < c.backoff.count()) invalid("max_backoff_ms", fmt::format("expected at least backoff_ms ({})", c.backoff.count()));
            c.max_backoff = std::chrono::milliseconds(*b);
        }
        if (auto s = integer("max_retry_after_seconds", config_, "max_retry_after_seconds", 0, 86'400))
            c.max_retry_after = std::chrono::seconds(*s);
        if (auto m = integer("max_response_bytes", config_, "max_response_bytes", 1, std::int64_t{1} << 30))
            c.max_response_bytes = static_cast<std::size_t>(*m);
        c.secret_values = std::move(secret_values_);
        std::sort(c.secret_values.begin(), c.secret_values.end());
        c.secret_values.erase(std::unique(c.secret_values.begin(), c.secret_values.end()), c.secret_values.end());
        std::erase_if(c.secret_values, [](const std::string& s) { return s.empty(); });
        return c;
    }

private:
    void read_base_url(api_client_config& c) {
        const auto* v = config_.if_contains("base_url");
        if (!v || v->is_null()) return;
        if (!v->is_string() || v->as_string().empty()) invalid("base_url", "expected an http:// or https:// URL");
        std::string url(v->as_string());
        std::string error;
        if (url.find_first_of("?#") != std::string::npos) invalid("base_url", "expected a URL without query or fragment");
        if (!http::parse_client_url(url, error)) invalid("base_url", error);
        while (url.size() > 1 && url.back() == '/') url.pop_back();
        c.base_url = std::move(url);
    }

    void read_headers(api_client_config& c) {
        const auto* v = config_.if_contains("headers");
        if (!v || v->is_null()) return;
        if (!v->is_object()) invalid("headers", "expected an object of header names to string values");
        for (const auto& kv : v->as_object()) {
            const auto key = fmt::format("headers.{}", std::string_view(kv.key()));
            if (!valid_header_name(kv.key())) invalid(key, "not a valid header name");
            if (!kv.value().is_string()) invalid(key, "expected a string");
            // A header whose name looks secret (X-Api-Key, X-Auth-Token...) is a credential as
            // much as `auth`: its value is masked in results and messages too.
            c.headers.emplace_back(std::string(kv.key()), resolve(kv.value().as_string(), key, secret_header(kv.key())));
        }
    }

    void read_auth(api_client_config& c) {
        const auto* v = config_.if_contains("auth");
        if (!v || v->is_null()) return;
        if (!v->is_object()) invalid("auth", R"(expected an object with "type": "bearer", "basic" or "header")");
        const auto& auth = v->as_object();
        const auto type = text(auth, "auth.type", "type");
        if (type == "bearer") {
            only(auth, {"type", "token"});
            c.auth_header = "Authorization";
            c.auth_value = "Bearer " + secret_text(auth, "auth.token", "token", false);
        } else if (type == "basic") {
            only(auth, {"type", "username", "password"});
            const auto user = secret_text(auth, "auth.username", "username", false);
            if (user.find(':') != std::string::npos) invalid("auth.username", "must not contain ':'");
            const auto password = secret_text(auth, "auth.password", "password", true);
            const auto credential = http::base64_encode(user + ":" + password);
            secret_values_.push_back(credential);
            c.auth_header = "Authorization";
            c.auth_value = "Basic " + credential;
        } else if (type == "header") {
            only(auth, {"type", "name", "value"});
            c.auth_header = text(auth, "auth.name", "name");
            if (!valid_header_name(c.auth_header)) invalid("auth.name", "not a valid header name");
            c.auth_value = secret_text(auth, "auth.value", "value", false);
        } else {
            invalid("auth.type", fmt::format("expected bearer, basic or header, got '{}'", type));
        }
    }

    void read_rate_limit(api_client_config& c) {
        const auto* v = config_.if_contains("rate_limit");
        if (!v || v->is_null()) return;
        if (!v->is_object()) invalid("rate_limit", R"(expected {"requests_per_second": n, "burst": n})");
        const auto& rl = v->as_object();
        only(rl, {"requests_per_second", "burst"}, "rate_limit.");
        const auto rps = number("rate_limit.requests_per_second", rl, "requests_per_second", 0.0, 100'000.0, true);
        c.requests_per_second = *rps;
        c.burst = std::max(1.0, std::floor(c.requests_per_second));
        if (auto b = number("rate_limit.burst", rl, "burst", 1.0, 100'000.0, false, true)) c.burst = *b;
    }

    // Keys of a nested object other than `allowed` are typos: refuse them, naming them.
    void only(const json::object& o, std::initializer_list<std::string_view> allowed, std::string_view prefix = "auth.") {
        for (const auto& kv : o)
            if (std::find(allowed.begin(), allowed.end(), std::string_view(kv.key())) == allowed.end())
                invalid(fmt::format("{}{}", prefix, std::string_view(kv.key())), "unknown key");
    }

    std::string text(const json::object& o, std::string_view key, std::string_view field) {
        const auto* v = o.if_contains(field);
        if (!v) invalid(key, "missing");
        if (!v->is_string() || v->as_string().empty()) invalid(key, "expected a non-empty string");
        return std::string(v->as_string());
    }

    // An auth value: the text itself is a secret, with ${name} references resolved.
    std::string secret_text(const json::object& o, std::string_view key, std::string_view field, bool may_be_empty) {
        const auto* v = o.if_contains(field);
        if (!v) invalid(key, "missing");
        if (!v->is_string() || (!may_be_empty && v->as_string().empty()))
            invalid(key, may_be_empty ? "expected a string" : "expected a non-empty string (or a ${secret} reference)");
        auto value = resolve(v->as_string(), key, true);
        if (!may_be_empty && value.empty()) invalid(key, "resolves to an empty value");
        return value;
    }

    // Replaces each ${name} by secrets_[name]. Resolved values (and the whole text when
    // `whole_is_secret`) are remembered for masking; messages never show them.
    std::string resolve(std::string_view text, std::string_view key, bool whole_is_secret) {
        std::string out;
        std::size_t from = 0;
        for (auto at = text.find("${"); at != std::string_view::npos; at = text.find("${", from)) {
            const auto end = text.find('}', at + 2);
            if (end == std::string_view::npos) invalid(key, "unterminated ${ (a secret reference is ${name})");
            const auto name = text.substr(at + 2, end - at - 2);
            if (!valid_secret_name(name)) invalid(key, "a secret reference is ${name} with name of A-Z a-z 0-9 _ . -");
            const auto it = secrets_.find(std::string(name));
            if (it == secrets_.end())
                invalid(key, fmt::format("references secret '{}', which is not configured (workflow.credentials_file)", name));
            out.append(text.substr(from, at - from)).append(it->second);
            secret_values_.push_back(it->second);
            from = end + 1;
        }
        out.append(text.substr(from));
        if (!valid_header_value(out)) invalid(key, "contains a line break or NUL (not allowed in a header)");
        if (whole_is_secret) secret_values_.push_back(out);
        return out;
    }

    std::optional<double> number(std::string_view key, const json::object& o, std::string_view field, double min,
                                 double max, bool required, bool min_inclusive = false) {
        const auto* v = o.if_contains(field);
        if (!v || v->is_null()) {
            if (required) invalid(key, "missing");
            return std::nullopt;
        }
        if (!v->is_number()) invalid(key, "expected a number");
        const double d = v->to_number<double>();
        const bool above = min_inclusive ? d >= min : d > min;
        if (!above || d > max || !std::isfinite(d))
            invalid(key, fmt::format("expected a number {} {} and at most {}, got {}", min_inclusive ? ">=" : ">", min, max, d));
        return d;
    }

    std::optional<std::int64_t> integer(std::string_view key, const json::object& o, std::string_view field,
                                        std::int64_t min, std::int64_t max) {
        const auto* v = o.if_contains(field);
        if (!v || v->is_null()) return std::nullopt;
        std::optional<std::int64_t> i;
        if (v->is_int64()) i = v->as_int64();
        else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(max)) i = static_cast<std::int64_t>(v->as_uint64());
        else if (v->is_double() && std::isfinite(v->as_double()) && v->as_double() == std::floor(v->as_double()) &&
                 std::abs(v->as_double()) < 9e15)
            i = static_cast<std::int64_t>(v->as_double());
        if (!i) invalid(key, "expected an integer");
        if (*i < min || *i > max) invalid(key, fmt::format("expected an integer from {} to {}, got {}", min, max, *i));
        return i;
    }

    const json::object& config_;
    const std::map<std::string, std::string>& secrets_;
    std::vector<std::string> secret_values_;
};

}  // namespace

api_client_config parse_api_client_config(const json::object& config, const std::map<std::string, std::string>& secrets) {
    return reader(config, secrets).read();
}

}  // namespace chainbot::agents
