#include "agents/api_agent/api_tasks.hpp"

#include "agents/api_agent/api_client.hpp"
#include "runtime/logger.hpp"
#include "util/ascii.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

namespace chainbot::agents {

namespace json = boost::json;
using orchestrator::step_failure;

namespace {

constexpr std::size_t max_cached_clients = 1024;

[[noreturn]] void invalid_input(std::string_view key, std::string_view message) {
    throw step_failure("validation", fmt::format("input.{}: {}", key, message));
}

bool valid_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
}

// A query or header value: strings as they are, numbers and booleans as JSON writes them.
std::optional<std::string> scalar_text(const json::value& v) {
    if (v.is_string()) return std::string(v.as_string());
    if (v.is_number() || v.is_bool()) return json::serialize(v);
    return std::nullopt;
}

std::string optional_text(const json::object& in, std::string_view key) {
    const auto* v = in.if_contains(key);
    if (!v || v->is_null()) return {};
    if (!v->is_string()) invalid_input(key, "expected a string");
    return std::string(v->as_string());
}

// {"method", "path" | "url", "query", "headers", "body"} -> api_request. `fixed_method`
// (get, post) is the only method the task sends.
api_request read_request(const orchestrator::task_call& call, std::string_view fixed_method) {
    const auto* in = call.input.if_object();
    if (!in) throw step_failure("validation", R"(input: expected an object {"method", "path" or "url", "query", "headers", "body"})");
    api_request req;
    req.idempotency_key = call.idempotency_key;
    req.cancelled = call.cancelled;
    const auto method = optional_text(*in, "method");
    if (!fixed_method.empty()) {
        if (!method.empty() && method != fixed_method)
            invalid_input("method", fmt::format("this task always sends {}; use the request task for {}", fixed_method, method));
        req.method = fixed_method;
    } else if (!method.empty()) {
        if (!valid_token(method)) invalid_input("method", "expected an HTTP method such as GET or POST");
        req.method = method;
    }
    req.path = optional_text(*in, "path");
    req.url = optional_text(*in, "url");
    if (req.path.empty() && req.url.empty()) throw step_failure("validation", "input: give path (below base_url) or url");
    if (const auto* q = in->if_contains("query"); q && !q->is_null()) {
        if (!q->is_object()) invalid_input("query", "expected an object of names to values");
        for (const auto& kv : q->as_object()) {
            const auto key = fmt::format("query.{}", std::string_view(kv.key()));
            if (kv.value().is_null()) continue;
            if (kv.value().is_array()) {
                for (const auto& e : kv.value().as_array()) {
                    auto text = scalar_text(e);
                    if (!text) invalid_input(key, "expected strings, numbers or booleans");
                    req.query.emplace_back(std::string(kv.key()), std::move(*text));
                }
                continue;
            }
            auto text = scalar_text(kv.value());
            if (!text) invalid_input(key, "expected a string, number, boolean or an array of them");
            req.query.emplace_back(std::string(kv.key()), std::move(*text));
        }
    }
    bool has_content_type = false;
    if (const auto* h = in->if_contains("headers"); h && !h->is_null()) {
        if (!h->is_object()) invalid_input("headers", "expected an object of header names to values");
        for (const auto& kv : h->as_object()) {
            const auto key = fmt::format("headers.{}", std::string_view(kv.key()));
            if (!valid_token(kv.key())) invalid_input(key, "not a valid header name");
            auto text = scalar_text(kv.value());
            if (!text) invalid_input(key, "expected a string");
            if (text->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
                invalid_input(key, "contains a line break or NUL");
            has_content_type = has_content_type || util::ascii_iequals(kv.key(), "content-type");
            req.headers.emplace_back(std::string(kv.key()), std::move(*text));
        }
    }
    if (const auto* b = in->if_contains("body"); b && !b->is_null()) {
        // A string goes as it is; anything else as JSON.
        req.body = b->is_string() ? std::string(b->as_string()) : json::serialize(*b);
        if (!has_content_type)
            req.headers.emplace_back("Content-Type", b->is_string() ? "text/plain; charset=utf-8" : "application/json");
    }
    return req;
}

// The clients, one per agent: each keeps its rate limiter between tasks.
class client_cache {
public:
    explicit client_cache(api_agent_environment env) : env_(std::move(env)) {}

    std::shared_ptr<api_client> client_for(const orchestrator::task_call& call) {
        // An agent spawned for the step (with no config of its own) uses the step's config.
        const bool own = call.agent && !call.agent->config.empty();
        const auto& source = own ? call.agent->config : call.config;
        const auto key = own ? "agent:" + call.agent->id : "config:" + json::serialize(source);
        auto config = parse_api_client_config(source, env_.secrets ? env_.secrets() : std::map<std::string, std::string>{});
        std::lock_guard lock(mutex_);
        auto& e = clients_[key];
        e.last_use = ++uses_;
        if (!e.client || e.client->config() != config) {
            std::function<void(const std::string&)> log;
            if (env_.log) {
                const auto who = call.agent ? fmt::format("agent {}", call.agent->id) : std::string("api task");
                log = [l = env_.log, who](const std::string& line) { l->info("api_agent", "{}: {}", who, line); };
            }
            e.client = std::make_shared<api_client>(env_.http, std::move(config), std::move(log));
        }
        auto client = e.client;
        if (clients_.size() > max_cached_clients) evict_oldest();
        return client;
    }

private:
    struct entry {
        std::shared_ptr<api_client> client;
        std::uint64_t last_use = 0;
    };

    void evict_oldest() {  // with mutex_ held
        auto oldest = std::min_element(clients_.begin(), clients_.end(),
                                       [](const auto& a, const auto& b) { return a.second.last_use < b.second.last_use; });
        clients_.erase(oldest);  // a task still using it keeps it alive through its shared_ptr
    }

    api_agent_environment env_;
    std::mutex mutex_;
    std::map<std::string, entry> clients_;
    std::uint64_t uses_ = 0;
};

orchestrator::task_fn task(std::shared_ptr<client_cache> cache, std::string fixed_method) {
    return [cache, fixed_method](const orchestrator::task_call& call) -> json::value {
        if (call.cancelled && call.cancelled->load()) throw step_failure("cancelled", "step cancelled");
        auto client = cache->client_for(call);
        return client->send(read_request(call, fixed_method)).to_json();
    };
}

}  // namespace

void register_api_agent_tasks(orchestrator::task_registry& registry, api_agent_environment env) {
    auto cache = std::make_shared<client_cache>(std::move(env));
    registry.add("api", "request", task(cache, ""));
    registry.add("api", "get", task(cache, "GET"));
    registry.add("api", "post", task(cache, "POST"));
}

}  // namespace chainbot::agents
