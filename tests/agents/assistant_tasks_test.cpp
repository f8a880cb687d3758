// The assistant's tasks as agent_task steps run them through the task registry: chat,
// summarize, generate_text; and the analysis tasks that need no model.
#include "assistant_test_support.hpp"

#include "agents/tasks/register.hpp"

using namespace assistant_test;

namespace {

struct assistant_fixture {
    chat_server server;
    orchestrator::task_registry registry;
    std::shared_ptr<memory_store> memory = std::make_shared<memory_store>();
    std::shared_ptr<orchestrator::agent_handle> agent = make_agent("Ada", R"({"personality": "terse"})", memory);

    explicit assistant_fixture(bool with_endpoint = true) {
        chainbot::agents::register_data_processor_tasks(registry);
        chainbot::agents::register_assistant_analysis_tasks(registry);
        auto settings = with_endpoint ? settings_for(server.endpoint()) : std::make_shared<chainbot::config::settings>();
        chainbot::agents::register_assistant_model_tasks(registry, environment(server, settings));
    }
    json::value run(const char* task, json::value input, const char* config = "{}") {
        const auto fn = registry.find("assistant", task);
        REQUIRE(fn);
        return (*fn)(task_call_with(std::move(input), agent, config));
    }
};

}  // namespace

TEST_CASE("assistant tasks: chat, summarize and generate_text are registered beside the analysis tasks",
          "[agents][assistant]") {
    assistant_fixture f;
    for (auto task : {"chat", "summarize", "generate_text", "analyze_data_quality", "compute_statistics",
                      "validate_input_data"})
        CHECK(f.registry.contains("assistant", task));
    CHECK_FALSE(f.registry.contains("data_processor", "chat"));
}

TEST_CASE("assistant tasks: the analysis tasks work with no endpoint, the model tasks name the missing key",
          "[agents][assistant]") {
    assistant_fixture f(false);
    const auto quality = f.run("analyze_data_quality", json::parse(R"({"records": [{"a": 1}, {"a": null}]})"));
    CHECK(quality.at("quality_score").to_number<double>() < 1.0);
    CHECK(quality.at("completeness") == 0.5);
    const auto stats = f.run("compute_statistics", json::parse(R"([{"v": 2}, {"v": 4}])"));
    CHECK(stats.at("fields").at("v").at("mean") == 3.0);

    for (auto task : {"chat", "summarize", "generate_text"}) {
        INFO(task);
        const auto e = failure_of([&] { f.run(task, "hello"); });
        CHECK(e.kind() == "configuration");
        CHECK(std::string(e.what()) == "agents.assistant.endpoint is not set (nor the agent's config \"endpoint\")");
    }
    CHECK(f.server.requests().empty());
}

TEST_CASE("assistant tasks: chat takes a message or a string and returns reply, tool_calls, model and usage",
          "[agents][assistant]") {
    assistant_fixture f;
    f.server.reply(tool_call_completion("c1", "run_data_task", R"({"task": "analyze_data_quality"})"));
    f.server.reply(completion("Half of the values are missing.", "test-model:7b"));
    f.server.reply(completion("You asked about quality."));
    const auto out = f.run("chat", json::parse(R"({"message": "Is this data complete?",
        "data": {"records": [{"a": 1}, {"a": null}]}})"));
    CHECK(out.at("reply") == "Half of the values are missing.");
    CHECK(out.at("model") == "test-model:7b");
    CHECK(out.at("usage").at("prompt_tokens") == 30);
    REQUIRE(out.at("tool_calls").as_array().size() == 1);
    CHECK(out.at("tool_calls").at(0).at("result").at("completeness") == 0.5);

    const auto again = f.run("chat", "What did I ask?");
    CHECK(again.at("reply") == "You asked about quality.");
    CHECK(again.at("tool_calls").as_array().empty());
    const auto third = f.server.request(2);
    REQUIRE(third.messages().size() == 4);
    CHECK_THAT(third.content(1), Catch::StartsWith("Is this data complete?"));
    CHECK(third.content(2) == "Half of the values are missing.");
    CHECK(f.memory->conversation().size() == 4);

    const auto e = failure_of([&] { f.run("chat", json::parse(R"({"text": "wrong key"})")); });
    CHECK(e.kind() == "validation");
    CHECK(std::string(e.what()) == "input: expected {\"message\": \"...\"} or a string");
    CHECK(failure_of([&] { f.run("chat", json::parse(R"({"message": 5})")); }).kind() == "validation");
}

TEST_CASE("assistant tasks: a step's config sets temperature and max_tokens, a short agent timeout applies",
          "[agents][assistant]") {
    assistant_fixture f;
    f.server.reply(completion("x"));
    f.run("generate_text", "Say x.", R"({"temperature": 0.0, "max_tokens": 5})");
    const auto req = f.server.request(0);
    CHECK(req.body.at("temperature") == 0.0);
    CHECK(req.body.at("max_tokens") == 5);

    f.server.hang();
    f.agent->config["timeout_seconds"] = 0.3;
    const auto started = std::chrono::steady_clock::now();
    const auto e = failure_of([&] { f.run("chat", "Are you there?"); });
    CHECK(e.kind() == "timeout");
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
    CHECK(f.memory->conversation().empty());
}

TEST_CASE("assistant tasks: summarize sends the data with the instructions, without memory or tools",
          "[agents][assistant]") {
    assistant_fixture f;
    f.server.reply(completion("Two sensors, one offline."));
    const auto out = f.run("summarize", json::parse(R"({"sensors": [{"id": "s1", "on": true}, {"id": "s2", "on": false}]})"),
                           R"({"max_words": 20, "focus": "which sensors are offline"})");
    CHECK(out.at("summary") == "Two sensors, one offline.");
    CHECK(out.at("truncated") == false);
    CHECK(out.at("model") == "test-model");
    const auto req = f.server.request(0);
    REQUIRE(req.messages().size() == 2);
    CHECK(req.tools() == nullptr);
    CHECK_THAT(req.content(0), Catch::Contains("You are Ada") && Catch::Contains("terse"));
    CHECK_THAT(req.content(1), Catch::StartsWith("Summarize the following JSON data in at most 20 words, focusing on "
                                                 "which sensors are offline.") &&
                                   Catch::Contains(R"("id":"s2")"));

    f.server.reply(completion("Short."));
    f.run("summarize", json::parse(R"({"text": "A long story about a cat."})"));
    CHECK_THAT(f.server.request(1).content(1),
               Catch::StartsWith("Summarize the following text in at most 120 words.") &&
                   Catch::EndsWith("A long story about a cat."));

    f.server.reply(completion("Cut."));
    const auto big = f.run("summarize", json::string(std::string(100000, 'a')));
    CHECK(big.at("truncated") == true);
    CHECK(f.server.request(2).content(1).size() < 70000);
    CHECK(f.memory->saves == 0);
    CHECK(failure_of([&] { f.run("summarize", nullptr); }).kind() == "validation");
    CHECK(failure_of([&] { f.run("summarize", "x", R"({"max_words": "many"})"); }).kind() == "validation");
}

TEST_CASE("assistant tasks: generate_text answers one prompt with no memory", "[agents][assistant]") {
    assistant_fixture f;
    f.server.reply(completion("Roses are red."));
    f.server.reply(completion("Violets are blue."));
    CHECK(f.run("generate_text", json::parse(R"({"prompt": "A poem, line 1"})")).at("text") == "Roses are red.");
    const auto out = f.run("generate_text", "A poem, line 2");
    CHECK(out.at("text") == "Violets are blue.");
    CHECK(out.at("usage").at("completion_tokens") == 5);
    const auto second = f.server.request(1);
    REQUIRE(second.messages().size() == 2);  // no history
    CHECK(second.content(1) == "A poem, line 2");
    CHECK(f.memory->saves == 0);
    const auto e = failure_of([&] { f.run("generate_text", json::parse(R"({"message": "wrong"})")); });
    CHECK(e.kind() == "validation");
    CHECK(std::string(e.what()) == "input: expected {\"prompt\": \"...\"} or a string");
}

TEST_CASE("assistant tasks: a task without an agent uses the settings alone", "[agents][assistant]") {
    assistant_fixture f;
    f.server.reply(completion("Hello from nobody."));
    const auto fn = f.registry.find("assistant", "chat");
    REQUIRE(fn);
    const auto out = (*fn)(task_call_with("hi", nullptr));
    CHECK(out.at("reply") == "Hello from nobody.");
    const auto req = f.server.request(0);
    CHECK_THAT(req.content(0), Catch::Contains("You are assistant"));
    CHECK(req.tool_names() == std::vector<std::string>{"run_data_task"});  // no send_message without an agent
}
