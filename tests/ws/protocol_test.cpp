// The feed's protocol without sockets: message parsing, pattern checks, the topics an
// event answers to, and a client's bounded queue.
#include "ws/client.hpp"
#include "ws/protocol.hpp"

#include <catch2/catch.hpp>

#include <variant>

using namespace chainbot;

TEST_CASE("ws parse_client_message accepts the three actions and names every mistake", "[ws][protocol]") {
    auto sub = ws::parse_client_message(R"({"action": "subscribe", "topics": ["chainbot.workflow.*", "a.?"]})");
    REQUIRE(std::holds_alternative<ws::client_message>(sub));
    CHECK(std::get<ws::client_message>(sub).action == ws::action::subscribe);
    CHECK(std::get<ws::client_message>(sub).topics == std::vector<std::string>{"chainbot.workflow.*", "a.?"});
    CHECK(std::get<ws::client_message>(ws::parse_client_message(R"({"action": "ping"})")).action == ws::action::ping);
    auto code = [](std::string_view text) {
        auto r = ws::parse_client_message(text);
        return std::holds_alternative<ws::protocol_error>(r) ? std::get<ws::protocol_error>(r).code : std::string("ok");
    };
    CHECK(code("nope") == "invalid_json");
    CHECK(code("42") == "invalid_message");
    CHECK(code(R"({"action": 1})") == "invalid_message");
    CHECK(code(R"({"action": "publish"})") == "unknown_action");
    CHECK(code(R"({"action": "unsubscribe", "topics": [null]})") == "invalid_pattern");
    CHECK(code(R"({"action": "subscribe", "topics": ["tab\there"]})") == "invalid_pattern");
    CHECK(code(R"({"action": "subscribe", "topics": [")" + std::string(ws::max_pattern_length + 1, 'a') + R"("]})") ==
          "invalid_pattern");
}

TEST_CASE("ws topic_aliases scope an event by its own entity id and executions by theirs", "[ws][protocol]") {
    events::event message{"chainbot.entanglement.message", {{"entanglement_id", "E1"}, {"agent_id", "A1"}}};
    CHECK(ws::topic_aliases(message) ==
          std::vector<std::string>{"chainbot.entanglement.message", "chainbot.entanglement.E1.message"});
    events::event step{"chainbot.workflow.step.completed", {{"workflow_id", "W"}, {"execution_id", "X"}}};
    CHECK(ws::topic_aliases(step) == std::vector<std::string>{"chainbot.workflow.step.completed",
                                                              "chainbot.workflow.W.step.completed",
                                                              "chainbot.execution.X.step.completed"});
    events::event odd{"custom", {{"workflow_id", "W"}}};
    CHECK(ws::topic_aliases(odd) == std::vector<std::string>{"custom"});
    events::event numeric{"chainbot.agent.spawned", {{"agent_id", 7}}};
    CHECK(ws::topic_aliases(numeric).size() == 1);

    CHECK(ws::any_matches({"chainbot.entanglement.E1.*"}, ws::topic_aliases(message)));
    CHECK_FALSE(ws::any_matches({"chainbot.entanglement.E2.*"}, ws::topic_aliases(message)));
    CHECK_FALSE(ws::any_matches({"chainbot.agent.A1.*"}, ws::topic_aliases(message)));
    CHECK(ws::any_matches({"chainbot.execution.X.*"}, ws::topic_aliases(step)));
}

namespace {

struct recording_client : ws::client {
    int wakes = 0;
    void close_going_away() override {}
    void wake() override { ++wakes; }
    using client::take;
};

}  // namespace

TEST_CASE("ws client queue drops the oldest frames when full and reports them with the next", "[ws][protocol]") {
    recording_client c;
    auto frame = [](int i) { return std::make_shared<const std::string>(std::to_string(i)); };
    CHECK(c.offer(frame(1), 3) == 0);
    CHECK(c.wakes == 1);
    for (int i = 2; i <= 5; ++i) c.offer(frame(i), 3);
    CHECK(c.wakes == 1);  // still draining: one wake-up is enough
    auto first = c.take();
    REQUIRE(first);
    CHECK(*first->frame == "3");
    CHECK(first->dropped_before == 2);
    CHECK(*c.take()->frame == "4");
    auto last = c.take();
    CHECK(*last->frame == "5");
    CHECK(last->dropped_before == 0);
    CHECK_FALSE(c.take());
    c.offer(frame(6), 3);
    CHECK(c.wakes == 2);  // found idle again

    CHECK(c.subscribe({"a", "b", "a"}) == std::vector<std::string>{"a", "b"});
    CHECK(c.unsubscribe({"a", "zzz"}) == std::vector<std::string>{"b"});
    std::vector<std::string> many;
    for (std::size_t i = 0; i < ws::max_patterns; ++i) many.push_back("t" + std::to_string(i));
    CHECK_FALSE(c.subscribe(many));  // 65 in all: refused whole
    CHECK(c.topics() == std::vector<std::string>{"b"});
}
