// Conversations: the system prompt an agent's name and personality shape, memory kept
// per agent through its persisted data, and trimmed.
#include "assistant_test_support.hpp"

using namespace assistant_test;

namespace {

agents::assistant_chat_output say(const agents::assistant_environment& env, const orchestrator::agent_handle* agent,
                                  const std::string& text) {
    agents::assistant_chat_input input;
    input.message = text;
    return agents::assistant_chat(env, agent, input);
}

}  // namespace

TEST_CASE("assistant chat: the system prompt carries the agent's name, personality and system_prompt",
          "[agents][assistant]") {
    chat_server server;
    server.reply(completion("Arr, hello."));
    const auto env = environment(server, settings_for(server.endpoint(), "sk-abc"));
    const auto agent = make_agent("Captain", R"({"personality": "a cheerful pirate",
        "system_prompt": "Always mention the sea."})");
    const auto out = say(env, agent.get(), "Hello?");

    CHECK(out.reply == "Arr, hello.");
    CHECK(out.model == "test-model");
    CHECK(out.tool_calls.empty());
    CHECK(out.usage.at("total_tokens") == 15);

    const auto req = server.request(0);
    CHECK(req.headers.at("authorization") == "Bearer sk-abc");
    REQUIRE(req.messages().size() == 2);
    CHECK(req.role(0) == "system");
    CHECK_THAT(req.content(0), Catch::Contains("You are Captain") && Catch::Contains("a cheerful pirate") &&
                                   Catch::EndsWith("Always mention the sea."));
    CHECK(req.role(1) == "user");
    CHECK(req.content(1) == "Hello?");
}

TEST_CASE("assistant chat: the second message is sent with the first exchange, and memory is persisted",
          "[agents][assistant]") {
    chat_server server;
    server.reply(completion("Nice to meet you, Sam."));
    server.reply(completion("Your name is Sam."));
    const auto env = environment(server, settings_for(server.endpoint()));
    auto memory = std::make_shared<memory_store>();
    memory->data = json::object{{"notes", "kept"}};  // other private data of the agent survives
    const auto agent = make_agent("Ada", R"({"personality": "patient"})", memory);

    CHECK(say(env, agent.get(), "My name is Sam.").reply == "Nice to meet you, Sam.");
    CHECK(memory->saves == 1);
    CHECK(say(env, agent.get(), "What is my name?").reply == "Your name is Sam.");
    CHECK(memory->saves == 2);

    const auto second = server.request(1);
    REQUIRE(second.messages().size() == 4);
    CHECK(second.role(0) == "system");
    CHECK(second.role(1) == "user");
    CHECK(second.content(1) == "My name is Sam.");
    CHECK(second.role(2) == "assistant");
    CHECK(second.content(2) == "Nice to meet you, Sam.");
    CHECK(second.content(3) == "What is my name?");

    const auto stored = memory->conversation();
    REQUIRE(stored.size() == 4);  // the system prompt is not stored
    CHECK(stored[0].at("role") == "user");
    CHECK(stored[3].at("content") == "Your name is Sam.");
    CHECK(memory->get().at("notes") == "kept");

    // Another agent has a memory of its own.
    server.reply(completion("Who are you?"));
    const auto other = make_agent("Bob", "{}", std::make_shared<memory_store>());
    say(env, other.get(), "Hi");
    CHECK(server.request(2).messages().size() == 2);
}

TEST_CASE("assistant chat: memory is trimmed to max_memory_messages, oldest first", "[agents][assistant]") {
    chat_server server;
    for (int i = 1; i <= 4; ++i) server.reply(completion("reply " + std::to_string(i)));
    const auto env = environment(server, settings_for(server.endpoint(), "", 4));
    auto memory = std::make_shared<memory_store>();
    const auto agent = make_agent("Ada", "{}", memory);
    for (int i = 1; i <= 3; ++i) say(env, agent.get(), "message " + std::to_string(i));

    auto stored = memory->conversation();
    REQUIRE(stored.size() == 4);
    CHECK(stored[0].at("content") == "message 2");
    CHECK(stored[1].at("content") == "reply 2");
    CHECK(stored[3].at("content") == "reply 3");
    // The third request carried the two exchanges before it, the fourth only the last two.
    CHECK(server.request(2).messages().size() == 6);

    // An agent's own limit wins; an odd limit never leaves a reply first.
    const auto strict = make_agent("Ada", R"({"max_memory_messages": 3})", memory);
    say(env, strict.get(), "message 4");
    const auto fourth = server.request(3);
    REQUIRE(fourth.messages().size() == 4);  // system, message 3, reply 3, message 4
    CHECK(fourth.content(1) == "message 3");
    stored = memory->conversation();
    REQUIRE(stored.size() == 2);
    CHECK(stored[0].at("content") == "message 4");
    CHECK(stored[1].at("content") == "reply 4");
}

TEST_CASE("assistant chat: a failed turn is not remembered, and max_memory_messages 0 keeps nothing",
          "[agents][assistant]") {
    chat_server server;
    server.fail(500, "boom");
    server.reply(completion("fine"));
    const auto env = environment(server, settings_for(server.endpoint()));
    auto memory = std::make_shared<memory_store>();
    const auto agent = make_agent("Ada", "{}", memory);
    CHECK(failure_of([&] { say(env, agent.get(), "first"); }).kind() == "http_5xx");
    CHECK(memory->saves == 0);
    CHECK(memory->conversation().empty());

    const auto forgetful = make_agent("Ada", R"({"max_memory_messages": 0})", memory);
    CHECK(say(env, forgetful.get(), "second").reply == "fine");
    CHECK(memory->conversation().empty());
}

TEST_CASE("assistant chat: assistant_reply answers an entanglement chat message with the agent's memory",
          "[agents][assistant]") {
    chat_server server;
    server.reply(completion("Split it in two halves."));
    const auto env = environment(server, settings_for(server.endpoint()));
    auto memory = std::make_shared<memory_store>();
    const auto agent = make_agent("Planner", R"({"personality": "methodical"})", memory);
    const auto reply =
        agents::assistant_reply(env, *agent, "How do we split the data set?", {"ent-1", "agent-coordinator"});
    CHECK(reply == "Split it in two halves.");
    const auto req = server.request(0);
    CHECK_THAT(req.content(0), Catch::Contains("Planner") && Catch::Contains("ent-1") &&
                                   Catch::Contains("agent-coordinator"));
    CHECK(req.content(1) == "How do we split the data set?");
    CHECK(memory->conversation().size() == 2);
}

TEST_CASE("assistant chat: a missing endpoint fails before any request, naming the key", "[agents][assistant]") {
    chat_server server;
    auto settings = std::make_shared<chainbot::config::settings>();  // the defaults: no endpoint, no model
    const auto env = environment(server, settings);
    const auto agent = make_agent("Ada", "{}", std::make_shared<memory_store>());
    auto e = failure_of([&] { agents::assistant_reply(env, *agent, "hello"); });
    CHECK(e.kind() == "configuration");
    CHECK(std::string(e.what()) == "agents.assistant.endpoint is not set (nor the agent's config \"endpoint\")");

    // The agent's own endpoint is enough for the endpoint; the model is still missing.
    const auto own = make_agent("Ada", (R"({"endpoint": ")" + server.endpoint() + "\"}").c_str());
    e = failure_of([&] { agents::assistant_reply(env, *own, "hello"); });
    CHECK(std::string(e.what()) == "agents.assistant.model is not set (nor the agent's config \"model\")");
    CHECK(server.requests().empty());

    // No HTTP client wired: a configuration failure too, not a crash.
    agents::assistant_environment no_client{[s = settings_for(server.endpoint())] { return s; }, nullptr, nullptr};
    e = failure_of([&] { agents::assistant_reply(no_client, *agent, "hello"); });
    CHECK(e.kind() == "configuration");
}
