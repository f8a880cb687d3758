// Tool calling: the model asks for a data task or an entanglement message, the assistant
// runs it and sends the result back as a tool message, the model answers.
#include "assistant_test_support.hpp"

#include "agents/tasks/register.hpp"

using namespace assistant_test;

namespace {

constexpr const char* records_json = R"({"records": [{"x": 1}, {"x": 2}, {"x": 3}, {"x": 10}]})";

struct fixture {
    chat_server server;
    orchestrator::task_registry registry;
    agents::assistant_environment env;
    std::shared_ptr<memory_store> memory = std::make_shared<memory_store>();
    std::vector<json::object> sent;  // what send_message received
    std::shared_ptr<orchestrator::agent_handle> agent = make_agent("Ada", "{}", memory);

    fixture() {
        chainbot::agents::register_data_processor_tasks(registry);
        env = environment(server, settings_for(server.endpoint()), &registry);
    }
    void allow_sending() {
        agent->send_message = [this](const json::object& m) -> json::value {
            sent.push_back(m);
            if (m.contains("receiver_id") && m.at("receiver_id") == "ghost")
                throw step_failure("validation", "agent 'ghost' is not a member of entanglement 'ent-1'");
            json::object stored = m;
            stored["id"] = "msg-" + std::to_string(sent.size());
            return stored;
        };
    }
    agents::assistant_chat_output say(const std::string& text, json::value data = nullptr) {
        agents::assistant_chat_input input;
        input.message = text;
        input.data = std::move(data);
        input.origin.entanglement_id = "ent-1";
        return agents::assistant_chat(env, agent.get(), input);
    }
};

// The JSON content of the message at `i` of request `r`.
json::value tool_result(const received& r, std::size_t i) {
    REQUIRE(r.role(i) == "tool");
    return json::parse(r.content(i));
}

}  // namespace

TEST_CASE("assistant tools: run_data_task offers the data tasks, send_message only when the agent can send",
          "[agents][assistant]") {
    fixture f;
    f.server.reply(completion("no tools needed"));
    f.say("hi");
    auto req = f.server.request(0);
    REQUIRE(req.tool_names() == std::vector<std::string>{"run_data_task"});
    CHECK(req.body.at("tool_choice") == "auto");
    const auto& params = req.tools()->at(0).at("function").at("parameters");
    const auto& names = params.at("properties").at("task").at("enum").as_array();
    CHECK(names.size() == 7);
    for (const char* task : {"validate_input_data", "analyze_data_quality", "compute_statistics", "aggregate"})
        CHECK(std::find(names.begin(), names.end(), json::value(task)) != names.end());
    CHECK(params.at("required") == json::array{"task"});
    CHECK_THAT(req.content(0), Catch::Contains("call a tool"));

    f.allow_sending();
    f.server.reply(completion("ok"));
    f.say("hi again");
    req = f.server.request(1);
    CHECK(req.tool_names() == std::vector<std::string>{"run_data_task", "send_message"});
}

TEST_CASE("assistant tools: a data task round trip, its result sent back as a tool message", "[agents][assistant]") {
    fixture f;
    f.server.reply(tool_call_completion("call_1", "run_data_task",
                                        std::string(R"({"task": "compute_statistics", "input": )") + records_json +
                                            R"(, "config": {"fields": "x"}})"));
    f.server.reply(completion("The mean of x is 4."));
    const auto out = f.say("What is the mean of x?");

    CHECK(out.reply == "The mean of x is 4.");
    REQUIRE(out.tool_calls.size() == 1);
    CHECK(out.tool_calls[0].at("name") == "run_data_task");
    CHECK(out.tool_calls[0].at("ok") == true);
    CHECK(out.tool_calls[0].at("arguments").at("task") == "compute_statistics");
    CHECK(out.tool_calls[0].at("result").at("fields").at("x").at("mean") == 4.0);
    CHECK(out.usage.at("total_tokens") == 27 + 15);  // both requests counted

    REQUIRE(f.server.requests().size() == 2);
    const auto second = f.server.request(1);
    REQUIRE(second.messages().size() == 4);  // system, user, assistant (tool_calls), tool
    CHECK(second.role(2) == "assistant");
    const auto& calls = second.messages().at(2).at("tool_calls").as_array();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].at("id") == "call_1");
    CHECK(calls[0].at("function").at("name") == "run_data_task");
    CHECK(second.messages().at(3).at("tool_call_id") == "call_1");
    const auto result = tool_result(second, 3);
    CHECK(result.at("fields").at("x").at("count") == 4);
    CHECK(result.at("fields").at("x").at("max") == 10);

    // Only the dialogue is remembered.
    const auto stored = f.memory->conversation();
    REQUIRE(stored.size() == 2);
    CHECK(stored[1].at("content") == "The mean of x is 4.");
}

TEST_CASE("assistant tools: without an input the task runs on the data given with the message",
          "[agents][assistant]") {
    fixture f;
    f.server.reply(tool_call_completion("q", "run_data_task", R"({"task": "analyze_data_quality"})"));
    f.server.reply(completion("Quality is perfect."));
    const auto out = f.say("How good is this data?", json::parse(records_json));
    CHECK(out.reply == "Quality is perfect.");
    REQUIRE(out.tool_calls.size() == 1);
    CHECK(out.tool_calls[0].at("result").at("quality_score") == 1.0);
    const auto first = f.server.request(0);
    CHECK_THAT(first.content(1), Catch::StartsWith("How good is this data?") && Catch::Contains("\"x\":10"));
    CHECK(tool_result(f.server.request(1), 3).at("quality_score") == 1.0);
}

TEST_CASE("assistant tools: send_message goes through the agent handle", "[agents][assistant]") {
    fixture f;
    f.allow_sending();
    f.server.reply(tool_call_completion(
        "s1", "send_message", R"({"content": "Please process part 1", "receiver_id": "agent-p1", "message_type": "task"})"));
    f.server.reply(completion("Sent."));
    const auto out = f.say("Ask processor 1 to start.");
    CHECK(out.reply == "Sent.");
    REQUIRE(f.sent.size() == 1);
    CHECK(f.sent[0].at("content") == "Please process part 1");
    CHECK(f.sent[0].at("receiver_id") == "agent-p1");
    CHECK(f.sent[0].at("message_type") == "task");
    CHECK(f.sent[0].at("entanglement_id") == "ent-1");  // the conversation's entanglement
    CHECK(tool_result(f.server.request(1), 3).at("id") == "msg-1");

    // A broken rule is reported to the model, which can say so.
    f.server.reply(tool_call_completion("s2", "send_message", R"({"content": "boo", "receiver_id": "ghost"})"));
    f.server.reply(completion("I could not reach ghost."));
    const auto failed = f.say("Tell ghost.");
    CHECK(failed.reply == "I could not reach ghost.");
    CHECK(failed.tool_calls[0].at("ok") == false);
    CHECK(f.sent.size() == 2);
    CHECK(f.sent[1].at("message_type") == "chat");  // the default
    const auto fourth = f.server.request(3);  // after the first exchange, remembered
    const auto error = tool_result(fourth, fourth.messages().size() - 1);
    CHECK_THAT(std::string(error.at("error").as_string()), Catch::Contains("not a member"));
    CHECK(error.at("kind") == "validation");
}

TEST_CASE("assistant tools: unknown tools, bad arguments and failing tasks become error results",
          "[agents][assistant]") {
    fixture f;  // no send_message: that tool is unknown here
    f.server.reply(tool_call_completion("u1", "delete_everything", "{}"));
    f.server.reply(tool_call_completion("u2", "send_message", R"({"content": "x"})"));
    f.server.reply(tool_call_completion("u3", "run_data_task", "{not json"));
    f.server.reply(tool_call_completion("u4", "run_data_task", R"({"task": "aggregate", "input": 7})"));
    f.server.reply(tool_call_completion("u5", "run_data_task", R"({"task": "launch_rockets", "input": {}})"));
    f.server.reply(completion("I could not do it."));
    const auto out = f.say("Do something odd.");
    CHECK(out.reply == "I could not do it.");
    REQUIRE(out.tool_calls.size() == 5);
    for (const auto& c : out.tool_calls) CHECK(c.at("ok") == false);
    CHECK(out.tool_calls[2].at("arguments") == "{not json");  // kept as sent

    const auto requests = f.server.requests();
    REQUIRE(requests.size() == 6);
    auto error_of = [&](std::size_t request) {
        const auto& r = requests[request];
        return std::string(json::parse(r.content(r.messages().size() - 1)).at("error").as_string());
    };
    CHECK_THAT(error_of(1), Catch::Contains("unknown tool 'delete_everything'") && Catch::Contains("run_data_task"));
    CHECK_THAT(error_of(2), Catch::Contains("unknown tool 'send_message'"));
    CHECK_THAT(error_of(3), Catch::Contains("not a JSON object"));
    CHECK_THAT(error_of(4), Catch::Contains("input: expected an array of records"));
    CHECK_THAT(error_of(5), Catch::Contains("unknown task 'launch_rockets'"));
    // Each round sends the whole exchange so far: 2 + 2 per tool call.
    CHECK(requests[5].messages().size() == 2 + 2 * 5);
}

TEST_CASE("assistant tools: a model that never stops calling tools is stopped after the bounded rounds",
          "[agents][assistant]") {
    fixture f;
    for (int i = 0; i <= agents::assistant_max_tool_rounds; ++i)
        f.server.reply(tool_call_completion("loop" + std::to_string(i), "run_data_task",
                                            std::string(R"({"task": "compute_statistics", "input": )") + records_json + "}"));
    const auto e = failure_of([&] { f.say("Loop forever."); });
    CHECK(e.kind() == "agent");
    CHECK_THAT(e.what(), Catch::Contains("5 rounds"));
    const auto requests = f.server.requests();
    REQUIRE(requests.size() == agents::assistant_max_tool_rounds + 1);
    CHECK(requests[4].tools() != nullptr);
    CHECK(requests.back().tools() == nullptr);  // the last request offers no tools
    CHECK(f.memory->saves == 0);
}

TEST_CASE("assistant tools: a cancelled step stops between rounds", "[agents][assistant]") {
    fixture f;
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    orchestrator::task_registry registry;
    // A data task that cancels the step while it runs, as a step timeout would.
    registry.add("data_processor", "compute_statistics", [cancelled](const orchestrator::task_call&) -> json::value {
        cancelled->store(true);
        return json::object{{"done", true}};
    });
    f.env.tools = &registry;
    f.server.reply(tool_call_completion("c1", "run_data_task", R"({"task": "compute_statistics", "input": {}})"));
    f.server.reply(completion("never asked"));
    auto call = task_call_with(json::object{{"message", "go"}}, f.agent);
    call.cancelled = cancelled;
    agents::assistant_chat_input input;
    input.message = "go";
    const auto e = failure_of([&] { agents::assistant_chat(f.env, f.agent.get(), input, &call); });
    CHECK(e.kind() == "cancelled");
    CHECK(f.server.requests().size() == 1);
}
