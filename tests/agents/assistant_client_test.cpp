// The chat-completions client: what it sends, and how each failure of the service is
// classified (the kinds retry_on selects), without ever showing the API key.
#include "assistant_test_support.hpp"

#include "agents/assistant/chat_client.hpp"
#include "agents/assistant/options.hpp"

using namespace assistant_test;
namespace assistant = chainbot::agents::assistant;

namespace {

constexpr const char* secret_key = "sk-test-SECRET-1234";

assistant::assistant_options options_for(const chat_server& server, const std::string& api_key = secret_key) {
    assistant::assistant_options o;
    o.endpoint = server.endpoint();
    o.model = "test-model";
    o.api_key = api_key;
    o.timeout = std::chrono::seconds(10);
    return o;
}

json::array one_message() { return json::array{json::object{{"role", "user"}, {"content", "hi"}}}; }

}  // namespace

TEST_CASE("assistant client: posts to endpoint/chat/completions with the model, the messages and a Bearer key",
          "[agents][assistant]") {
    chat_server server;
    server.reply(completion("hello there"));
    auto o = options_for(server);
    o.temperature = 0.25;
    o.max_tokens = 64;
    const auto reply = assistant::complete_chat(server.client(), o, one_message());

    CHECK(reply.content == "hello there");
    CHECK(reply.tool_calls.empty());
    CHECK(reply.model == "test-model");
    CHECK(reply.finish_reason == "stop");
    CHECK(reply.usage.at("total_tokens") == 15);

    REQUIRE(server.requests().size() == 1);
    const auto req = server.request(0);
    CHECK(req.path == "/v1/chat/completions");
    CHECK(req.headers.at("authorization") == std::string("Bearer ") + secret_key);
    CHECK(req.headers.at("content-type") == "application/json");
    CHECK(req.body.at("model") == "test-model");
    CHECK(req.body.at("stream") == false);
    CHECK(req.body.at("temperature") == 0.25);
    CHECK(req.body.at("max_tokens") == 64);
    CHECK(req.role(0) == "user");
    CHECK(req.content(0) == "hi");
    CHECK(req.tools() == nullptr);  // none offered: no tools and no tool_choice
    CHECK_FALSE(req.body.as_object().contains("tool_choice"));
}

TEST_CASE("assistant client: no Authorization without a key, tools offered with tool_choice auto",
          "[agents][assistant]") {
    chat_server server;
    server.reply(completion("ok"));
    const json::array tools{json::object{
        {"type", "function"},
        {"function", json::object{{"name", "f"}, {"parameters", json::object{{"type", "object"}}}}}}};
    assistant::complete_chat(server.client(), options_for(server, ""), one_message(), tools);
    const auto req = server.request(0);
    CHECK_FALSE(req.headers.count("authorization"));
    CHECK(req.tool_names() == std::vector<std::string>{"f"});
    CHECK(req.body.at("tool_choice") == "auto");
    CHECK_FALSE(req.body.as_object().contains("temperature"));
}

TEST_CASE("assistant client: tool calls are parsed, arguments as text or as an object", "[agents][assistant]") {
    chat_server server;
    server.reply(tool_call_completion("call_7", "run_data_task", R"({"task": "compute_statistics"})"));
    // Some servers send the arguments object itself, and no id.
    server.reply(json::parse(R"({"choices": [{"message": {"role": "assistant", "content": "",
        "tool_calls": [{"type": "function", "function": {"name": "send_message", "arguments": {"content": "x"}}}]}}]})"));
    const auto first = assistant::complete_chat(server.client(), options_for(server), one_message());
    REQUIRE(first.tool_calls.size() == 1);
    CHECK(first.tool_calls[0].id == "call_7");
    CHECK(first.tool_calls[0].name == "run_data_task");
    CHECK(json::parse(first.tool_calls[0].arguments).at("task") == "compute_statistics");
    const auto message = first.as_message();
    CHECK(message.at("content").is_null());
    CHECK(message.at("tool_calls").at(0).at("function").at("arguments").is_string());

    const auto second = assistant::complete_chat(server.client(), options_for(server), one_message());
    REQUIRE(second.tool_calls.size() == 1);
    CHECK(second.tool_calls[0].id == "call_0");
    CHECK(json::parse(second.tool_calls[0].arguments).at("content") == "x");
    CHECK(second.model == "test-model");  // the requested one: the reply named none
    CHECK(second.usage.empty());
}

TEST_CASE("assistant client: 500, 429, 401 and 404 replies map to http_5xx, http_429 and http_4xx",
          "[agents][assistant]") {
    chat_server server;
    server.fail(500, R"({"error": {"message": "model crashed"}})");
    server.fail(503, "upstream down");
    server.fail(429, R"({"error": "slow down"})");
    // Hosted services quote the key they refused: it must not reach the message.
    server.fail(401, std::string(R"({"error": {"message": "Incorrect API key provided: )") + secret_key + "\"}}");
    server.fail(404, R"({"error": "model 'test-model' not found"})");
    const auto o = options_for(server);
    auto ask = [&] { return failure_of([&] { assistant::complete_chat(server.client(), o, one_message()); }); };

    const auto e500 = ask();
    CHECK(e500.kind() == "http_5xx");
    CHECK_THAT(e500.what(), Catch::Contains("HTTP 500") && Catch::Contains("model crashed"));
    const auto e503 = ask();
    CHECK(e503.kind() == "http_5xx");
    CHECK_THAT(e503.what(), Catch::Contains("upstream down"));
    const auto e429 = ask();
    CHECK(e429.kind() == "http_429");
    CHECK_THAT(e429.what(), Catch::Contains("slow down"));
    const auto e401 = ask();
    CHECK(e401.kind() == "http_4xx");
    CHECK_THAT(e401.what(), Catch::Contains("HTTP 401") && Catch::Contains("Incorrect API key provided: ***"));
    CHECK_THAT(e401.what(), !Catch::Contains(secret_key) && !Catch::Contains("SECRET"));
    const auto e404 = ask();
    CHECK(e404.kind() == "http_4xx");
    CHECK_THAT(e404.what(), Catch::Contains("not found"));
    CHECK(server.requests().size() == 5);
}

TEST_CASE("assistant client: malformed replies are protocol failures", "[agents][assistant]") {
    chat_server server;
    server.fail(200, "{not json");
    server.fail(200, "[1, 2]");
    server.fail(200, R"({"choices": []})");
    server.fail(200, R"({"choices": [{"text": "legacy completion"}]})");
    server.fail(200, R"({"choices": [{"message": {"role": "assistant", "content": 42}}]})");
    server.fail(200, R"({"choices": [{"message": {"role": "assistant", "tool_calls": [{"function": {}}]}}]})");
    const auto o = options_for(server);
    for (const char* expected : {"not valid JSON", "not a JSON object", "no choices", "has no message",
                                 "neither text nor null", "tool_calls[0] has no function name"}) {
        INFO(expected);
        const auto e = failure_of([&] { assistant::complete_chat(server.client(), o, one_message()); });
        CHECK(e.kind() == "protocol");
        CHECK_THAT(e.what(), Catch::Contains(expected));
    }
}

TEST_CASE("assistant client: no reply within the timeout is a timeout failure", "[agents][assistant]") {
    chat_server server;
    server.hang();
    auto o = options_for(server);
    o.timeout = std::chrono::milliseconds(300);
    const auto started = std::chrono::steady_clock::now();
    const auto e = failure_of([&] { assistant::complete_chat(server.client(), o, one_message()); });
    const auto elapsed = std::chrono::steady_clock::now() - started;
    CHECK(e.kind() == "timeout");
    CHECK_THAT(e.what(), Catch::Contains("300 ms"));
    CHECK(elapsed >= std::chrono::milliseconds(250));
    CHECK(elapsed < std::chrono::seconds(5));
}

TEST_CASE("assistant client: a refused connection is http_transport and hides the endpoint's password",
          "[agents][assistant]") {
    std::string endpoint;
    {
        chat_server gone;  // a port that was just served and is closed now
        endpoint = gone.endpoint();
    }
    chat_server server;
    auto o = options_for(server);
    o.endpoint = "http://user:hunter2@" + endpoint.substr(std::string("http://").size());
    const auto e = failure_of([&] { assistant::complete_chat(server.client(), o, one_message()); });
    CHECK(e.kind() == "http_transport");
    CHECK_THAT(e.what(), !Catch::Contains("hunter2") && !Catch::Contains(secret_key));
}

TEST_CASE("assistant options: settings, then the agent's config, then the step's", "[agents][assistant]") {
    chainbot::config::assistant_settings s;
    s.endpoint = "http://model.local/v1/";
    s.model = "small";
    s.api_key = "k1";
    s.timeout_seconds = 30;
    s.max_memory_messages = 8;
    auto o = assistant::resolve_options(s, nullptr, {});
    CHECK(o.endpoint == "http://model.local/v1");  // trailing '/' dropped
    CHECK(o.model == "small");
    CHECK(o.timeout == std::chrono::seconds(30));
    CHECK(o.name == "assistant");
    CHECK_FALSE(o.temperature);

    const auto agent = make_agent("Ada", R"({"model": "big", "api_key": "k2", "endpoint": "",
        "timeout_seconds": 0.5, "max_memory_messages": 2, "personality": "dry wit", "temperature": 0.9,
        "max_tokens": 100})");
    o = assistant::resolve_options(s, agent.get(), json::parse(R"({"temperature": 0.1})").as_object());
    CHECK(o.endpoint == "http://model.local/v1");  // "" in the agent's config keeps the setting
    CHECK(o.model == "big");
    CHECK(o.api_key == "k2");
    CHECK(o.timeout == std::chrono::milliseconds(500));
    CHECK(o.max_memory_messages == 2);
    CHECK(o.name == "Ada");
    CHECK(o.personality == "dry wit");
    CHECK(o.temperature == 0.1);
    CHECK(o.max_tokens == 100);

    const auto bad_type = make_agent("Ada", R"({"model": 7})");
    auto e = failure_of([&] { assistant::resolve_options(s, bad_type.get(), {}); });
    CHECK(e.kind() == "configuration");
    CHECK(std::string(e.what()) == "agent config \"model\": expected a string");
    e = failure_of([&] { assistant::resolve_options(s, nullptr, json::parse(R"({"temperature": 3})").as_object()); });
    CHECK(e.kind() == "configuration");
    CHECK(std::string(e.what()) == "config.temperature: expected a number from 0 to 2");
}

TEST_CASE("assistant options: a missing endpoint or model names the key", "[agents][assistant]") {
    assistant::assistant_options o;
    auto e = failure_of([&] { assistant::require_model_service(o); });
    CHECK(e.kind() == "configuration");
    CHECK(std::string(e.what()) == "agents.assistant.endpoint is not set (nor the agent's config \"endpoint\")");
    o.endpoint = "http://127.0.0.1:1/v1";
    e = failure_of([&] { assistant::require_model_service(o); });
    CHECK(std::string(e.what()) == "agents.assistant.model is not set (nor the agent's config \"model\")");
    o.model = "m";
    o.endpoint = "127.0.0.1:11434";
    e = failure_of([&] { assistant::require_model_service(o); });
    CHECK(e.kind() == "configuration");
    CHECK_THAT(e.what(), Catch::Contains("http:// or https://"));
}
