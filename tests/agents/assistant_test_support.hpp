#pragma once
// Helpers for the assistant tests. No language model can run on the test machines, so a
// small local HTTP server built on ChainBot's own http::server speaks the chat-completions
// protocol instead: it records every request it receives and answers the replies each
// test scripts, in order.

#include "agents/assistant/assistant.hpp"
#include "http/client.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "orchestrator/task_registry.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace assistant_test {

namespace json = boost::json;
namespace http = chainbot::http;
namespace orchestrator = chainbot::orchestrator;
namespace agents = chainbot::agents;
using orchestrator::step_failure;

/// @brief One request the server received.
struct received {
    std::string path;
    std::map<std::string, std::string> headers;  // lower-case names
    json::value body;                             // null when the body was not JSON

    const json::array& messages() const { return body.at("messages").as_array(); }
    std::string role(std::size_t i) const { return std::string(messages().at(i).at("role").as_string()); }
    std::string content(std::size_t i) const {
        const auto& c = messages().at(i).at("content");
        return c.is_string() ? std::string(c.as_string()) : std::string();
    }
    const json::array* tools() const {
        const auto* t = body.as_object().if_contains("tools");
        return t ? &t->as_array() : nullptr;
    }
    /// The names of the functions offered.
    std::vector<std::string> tool_names() const {
        std::vector<std::string> names;
        if (const auto* t = tools())
            for (const auto& tool : *t) names.emplace_back(tool.at("function").at("name").as_string());
        return names;
    }
};

/// @brief A scripted answer: a status and a body, or no answer at all (`hang`).
struct scripted {
    int status = 200;
    std::string body;
    bool hang = false;
};

/// @brief The chat-completions server on 127.0.0.1 (POST /v1/chat/completions), and an
/// http_client, both on one io_context run by two threads.
class chat_server {
public:
    chat_server() {
        routes_.add("POST", "/v1/chat/completions", [this](http::request& req, http::responder respond) {
            on_request(req, std::move(respond));
        });
        server_.emplace(ioc_, routes_);
        server_->listen("127.0.0.1", 0);
        client_.emplace(ioc_);
        for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
    }
    ~chat_server() {
        {
            // A dropped responder is answered (500) through the io_context: drop them while it runs.
            std::vector<http::responder> held;
            std::lock_guard lock(mutex_);
            held.swap(held_);
        }
        server_->stop();
        client_->cancel_all();
        work_.reset();
        ioc_.stop();
        for (auto& t : threads_) t.join();
    }
    chat_server(const chat_server&) = delete;
    chat_server& operator=(const chat_server&) = delete;

    /// @brief The base URL assistants are configured with.
    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1"; }
    http::http_client& client() { return *client_; }

    void script(scripted s) {
        std::lock_guard lock(mutex_);
        script_.push_back(std::move(s));
    }
    void reply(const json::value& completion) { script({200, json::serialize(completion)}); }
    void fail(int status, std::string body) { script({status, std::move(body)}); }
    void hang() { script({0, {}, true}); }

    std::vector<received> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    received request(std::size_t i) const {
        auto all = requests();
        REQUIRE(i < all.size());
        return all[i];
    }

private:
    void on_request(http::request& req, http::responder respond) {
        received r;
        r.path = req.path;
        r.headers = req.headers;
        boost::system::error_code ec;
        r.body = json::parse(req.body, ec);
        if (ec) r.body = nullptr;
        std::lock_guard lock(mutex_);
        requests_.push_back(std::move(r));
        if (script_.empty()) {
            respond(http::response::error(500, "unscripted", "the test scripted no reply for this request"));
            return;
        }
        auto s = std::move(script_.front());
        script_.pop_front();
        if (s.hang) {
            held_.push_back(std::move(respond));
            return;
        }
        respond(http::response::json(s.status, std::move(s.body)));
    }

    boost::asio::io_context ioc_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
        boost::asio::make_work_guard(ioc_)};
    http::router routes_;
    std::optional<http::server> server_;
    std::optional<http::http_client> client_;
    mutable std::mutex mutex_;
    std::deque<scripted> script_;
    std::vector<received> requests_;
    std::vector<http::responder> held_;
    std::vector<std::thread> threads_;
};

/// @brief A completion whose message is `content`.
inline json::value completion(const std::string& content, const std::string& model = "test-model") {
    return json::object{
        {"id", "chatcmpl-1"},
        {"object", "chat.completion"},
        {"model", model},
        {"choices", json::array{json::object{{"index", 0},
                                             {"message", json::object{{"role", "assistant"}, {"content", content}}},
                                             {"finish_reason", "stop"}}}},
        {"usage", json::object{{"prompt_tokens", 10}, {"completion_tokens", 5}, {"total_tokens", 15}}}};
}

/// @brief A completion asking for one function call (`arguments` as JSON text).
inline json::value tool_call_completion(const std::string& id, const std::string& name, const std::string& arguments) {
    json::object call{{"id", id},
                      {"type", "function"},
                      {"function", json::object{{"name", name}, {"arguments", arguments}}}};
    return json::object{
        {"model", "test-model"},
        {"choices", json::array{json::object{
                        {"index", 0},
                        {"message", json::object{{"role", "assistant"}, {"content", nullptr}, {"tool_calls", json::array{call}}}},
                        {"finish_reason", "tool_calls"}}}},
        {"usage", json::object{{"prompt_tokens", 20}, {"completion_tokens", 7}, {"total_tokens", 27}}}};
}

/// @brief An agent's persisted data, in memory.
struct memory_store {
    mutable std::mutex mutex;
    json::value data;
    int saves = 0;

    json::value get() const {
        std::lock_guard lock(mutex);
        return data;
    }
    /// The stored conversation ([] when none).
    json::array conversation() const {
        const auto d = get();
        const auto* c = d.is_object() ? d.as_object().if_contains("conversation") : nullptr;
        return c ? c->as_array() : json::array{};
    }
};

/// @brief An agent handle with in-memory load/save (what the spawner fills in for real).
inline std::shared_ptr<orchestrator::agent_handle> make_agent(const std::string& name, const char* config_json,
                                                              std::shared_ptr<memory_store> memory = nullptr) {
    auto agent = std::make_shared<orchestrator::agent_handle>();
    agent->id = "agent-" + name;
    agent->type = "assistant";
    agent->name = name;
    agent->config = json::parse(config_json).as_object();
    if (memory) {
        agent->load_data = [memory] { return memory->get(); };
        agent->save_data = [memory](const json::value& v) {
            std::lock_guard lock(memory->mutex);
            memory->data = v;
            ++memory->saves;
        };
    }
    return agent;
}

/// @brief Settings naming the server's endpoint and a model (and `api_key`).
inline std::shared_ptr<const chainbot::config::settings> settings_for(const std::string& endpoint,
                                                                      const std::string& api_key = "",
                                                                      int max_memory_messages = 40) {
    auto s = std::make_shared<chainbot::config::settings>();
    s->agents.assistant.endpoint = endpoint;
    s->agents.assistant.model = "test-model";
    s->agents.assistant.api_key = api_key;
    s->agents.assistant.timeout_seconds = 10;
    s->agents.assistant.max_memory_messages = max_memory_messages;
    return s;
}

/// @brief An environment over the server's client and the given settings.
inline agents::assistant_environment environment(chat_server& server,
                                                 std::shared_ptr<const chainbot::config::settings> settings,
                                                 const orchestrator::task_registry* tools = nullptr) {
    auto* client = &server.client();
    return {[settings] { return settings; }, [client] { return client; }, tools};
}

/// @brief A task call with `input`, running on `agent` (may be null).
inline orchestrator::task_call task_call_with(json::value input, std::shared_ptr<const orchestrator::agent_handle> agent,
                                              const char* config_json = "{}") {
    orchestrator::task_call c;
    c.execution_id = "e1";
    c.step_id = "ask";
    c.idempotency_key = "e1:ask:1";
    c.input = std::move(input);
    c.config = json::parse(config_json).as_object();
    c.cancelled = std::make_shared<std::atomic<bool>>(false);
    c.agent = std::move(agent);
    return c;
}

/// @brief The step_failure `fn` throws (fails the test when it throws nothing or something else).
template <typename Fn>
step_failure failure_of(Fn&& fn) {
    try {
        fn();
    } catch (const step_failure& e) {
        return e;
    }
    FAIL("expected a step_failure");
    return step_failure("none", "");
}

}  // namespace assistant_test
