// What a subscribed client receives: real events of workflow executions, nothing after it
// unsubscribes, only its entity's events with an entity-scoped pattern, and an error
// frame (the connection staying open) for every malformed message.
#include "ws_fixture.hpp"

#include <set>

using namespace chainbot::test;

namespace {

const std::string sum_workflow = R"({"name": "sum", "steps": [
    {"id": "sum", "type": "transform", "transform_type": "expression", "expression": "input.a + input.b"}]})";
const std::string slow_workflow = R"({"name": "slow", "steps": [
    {"id": "pause", "type": "wait", "duration": 30}, {"id": "after", "type": "transform", "value": "done"}]})";

std::string create_workflow(ws_module& m, const std::string& definition) {
    auto r = m.call("POST", "/api/chainbot/workflows", m.admin, definition);
    INFO(r.body);
    REQUIRE(r.status == 201);
    return std::string(r.json().at("id").as_string());
}

std::string execute(ws_module& m, const std::string& workflow, bool wait) {
    auto r = m.call("POST", "/api/chainbot/workflows/" + workflow + "/execute" + (wait ? "?wait=true" : ""), m.admin,
                    R"({"a": 2, "b": 3})");
    INFO(r.body);
    REQUIRE(r.status / 100 == 2);
    return std::string(r.json().at("execution_id").as_string());
}

std::string field(const boost::json::object& event, const char* name) {
    const auto* v = event.at("payload").as_object().if_contains(name);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

TEST_CASE("ws client receives the events of a workflow executed through REST", "[ws]") {
    ws_module m;
    auto c = m.connect();
    c->send(R"({"action": "subscribe", "topics": ["chainbot.workflow.*"]})");
    auto reply = c->next_of("subscribed");
    REQUIRE(reply);
    CHECK(reply->at("topics") == boost::json::array{"chainbot.workflow.*"});

    const auto workflow = create_workflow(m, sum_workflow);
    const auto execution = execute(m, workflow, true);
    REQUIRE(c->wait_for([&](const auto& frames) {
        for (const auto& f : frames)
            if (topic_of(f) == "chainbot.workflow.completed" && field(f, "execution_id") == execution) return true;
        return false;
    }));
    std::vector<std::string> topics;
    for (const auto& f : c->frames()) {
        if (type_of(f) != "event" || field(f, "execution_id") != execution) continue;
        topics.push_back(topic_of(f));
        CHECK(field(f, "workflow_id") == workflow);
        CHECK_FALSE(field(f, "timestamp").empty());
    }
    const std::vector<std::string> expected{"chainbot.workflow.started", "chainbot.workflow.step.started",
                                            "chainbot.workflow.step.completed", "chainbot.workflow.completed"};
    CHECK(topics == expected);
    CHECK(m.metric("events_sent") >= 4);
}

TEST_CASE("ws unsubscribe stops delivery of those topics and answers the remaining patterns", "[ws]") {
    ws_module m;
    auto c = m.connect();
    m.subscribe(*c, R"(["chainbot.test.a", "chainbot.test.marker"])");
    m.publish("chainbot.test.a", {{"n", 1}});
    auto first = c->next_of("event");
    REQUIRE(first);
    CHECK(topic_of(*first) == "chainbot.test.a");

    c->send(R"({"action": "unsubscribe", "topics": ["chainbot.test.a", "chainbot.never.subscribed"]})");
    auto reply = c->next_of("unsubscribed");
    REQUIRE(reply);
    CHECK(reply->at("topics") == boost::json::array{"chainbot.test.marker"});
    // Frames of one client keep their order: "a" would arrive before the marker.
    m.publish("chainbot.test.a", {{"n", 2}});
    m.publish("chainbot.test.marker");
    auto next = c->next_of("event");
    REQUIRE(next);
    CHECK(topic_of(*next) == "chainbot.test.marker");
}

TEST_CASE("ws entity-scoped patterns receive only that entity's events", "[ws]") {
    ws_module m;
    auto c = m.connect("?topics=chainbot.entanglement.E1.*,chainbot.test.marker");
    auto subscribed = c->next_of("subscribed");
    REQUIRE(subscribed);
    CHECK(subscribed->at("topics").as_array().size() == 2);

    m.publish("chainbot.entanglement.message", {{"entanglement_id", "E2"}, {"n", 1}});
    m.publish("chainbot.entanglement.message", {{"entanglement_id", "E1"}, {"n", 2}});
    m.publish("chainbot.entanglement.agent_added", {{"entanglement_id", "E1"}, {"agent_id", "A1"}, {"n", 3}});
    m.publish("chainbot.agent.spawned", {{"agent_id", "E1"}, {"n", 4}});  // another entity with a look-alike id
    m.publish("chainbot.test.marker");
    REQUIRE(c->wait_for([](const auto& frames) {
        for (const auto& f : frames)
            if (topic_of(f) == "chainbot.test.marker") return true;
        return false;
    }));
    std::vector<std::int64_t> received;
    for (const auto& f : c->frames())
        if (type_of(f) == "event" && topic_of(f) != "chainbot.test.marker")
            received.push_back(f.at("payload").at("n").to_number<std::int64_t>());
    CHECK(received == std::vector<std::int64_t>{2, 3});
}

TEST_CASE("ws execution-scoped pattern receives only that execution's events", "[ws]") {
    ws_module m;
    const auto slow = create_workflow(m, slow_workflow);
    const auto quick = create_workflow(m, sum_workflow);
    const auto watched = execute(m, slow, false);
    auto c = m.connect();
    m.subscribe(*c, R"(["chainbot.execution.)" + watched + R"(.*"])");
    const auto other = execute(m, quick, true);  // completes while the watched one waits
    auto cancel = m.call("POST", "/api/chainbot/executions/" + watched + "/cancel", m.admin, "{}");
    REQUIRE(cancel.status == 202);
    REQUIRE(c->wait_for([](const auto& frames) {
        for (const auto& f : frames)
            if (topic_of(f) == "chainbot.workflow.cancelled") return true;
        return false;
    }));
    std::size_t events = 0;
    for (const auto& f : c->frames()) {
        if (type_of(f) != "event") continue;
        ++events;
        CHECK(field(f, "execution_id") == watched);
        CHECK(field(f, "execution_id") != other);
    }
    CHECK(events >= 1);
}

TEST_CASE("ws malformed messages get an error frame and the connection stays open", "[ws]") {
    ws_module m;
    auto c = m.connect();
    const std::vector<std::pair<std::string, std::string>> cases{
        {"{not json", "invalid_json"},
        {"[1, 2]", "invalid_message"},
        {R"({"topics": ["a"]})", "invalid_message"},
        {R"({"action": "dance"})", "unknown_action"},
        {R"({"action": "subscribe"})", "invalid_message"},
        {R"({"action": "subscribe", "topics": "chainbot.*"})", "invalid_message"},
        {R"({"action": "subscribe", "topics": [""]})", "invalid_pattern"},
        {R"({"action": "subscribe", "topics": ["has space"]})", "invalid_pattern"},
        {R"({"action": "subscribe", "topics": [42]})", "invalid_pattern"},
    };
    for (const auto& [message, code] : cases) {
        INFO(message);
        c->send(message);
        auto reply = c->next();
        REQUIRE(reply);
        CHECK(type_of(*reply) == "error");
        CHECK(reply->at("error").at("code").as_string() == code);
        CHECK_FALSE(reply->at("error").at("message").as_string().empty());
    }
    // A bad pattern among good ones subscribes none of them.
    c->send(R"({"action": "subscribe", "topics": ["chainbot.test.*", ""]})");
    REQUIRE(c->next_of("error"));
    c->send(R"({"action": "ping"})");
    auto pong = c->next();
    REQUIRE(pong);
    CHECK(type_of(*pong) == "pong");
    m.subscribe(*c, R"(["chainbot.test.after"])");
    auto reply = c->frames().back();
    CHECK(reply.at("topics") == boost::json::array{"chainbot.test.after"});
    m.publish("chainbot.test.after");
    auto e = c->next_of("event");
    REQUIRE(e);
    CHECK_FALSE(c->closed());
}

TEST_CASE("ws subscribers receive a workflow's notification steps and an entanglement's messages", "[ws][agents]") {
    ws_module m;
    auto c = m.connect();
    const auto workflow = create_workflow(m, R"({"name": "notify", "steps": [
        {"id": "tell", "type": "notification", "message": "sum is ${input.a + input.b}", "level": "warning"}]})");
    // Scoped to this workflow only.
    m.subscribe(*c, R"(["chainbot.workflow.)" + workflow + R"(.notification"])");
    execute(m, workflow, true);
    auto note = c->next_of("event");
    REQUIRE(note);
    CHECK(topic_of(*note) == "chainbot.workflow.notification");
    CHECK(note->at("payload").at("message") == "sum is 5");
    CHECK(field(*note, "level") == "warning");

    // Agents talking in an entanglement, watched through its scoped pattern.
    auto spawn = [&](const char* type) {
        auto r = m.call("POST", "/api/chainbot/agents", m.admin, std::string(R"({"agent_type": ")") + type + R"("})");
        REQUIRE(r.status == 201);
        return std::string(r.json().at("id").as_string());
    };
    const auto boss = spawn("workflow");
    const auto worker = spawn("data_processor");
    auto made = m.call("POST", "/api/chainbot/entanglements", m.admin,
                       R"({"name": "watched", "agent_ids": [")" + boss + R"(", ")" + worker + R"("]})");
    REQUIRE(made.status == 201);
    const auto team = std::string(made.json().at("id").as_string());
    auto w = m.connect();
    m.subscribe(*w, R"(["chainbot.entanglement.)" + team + R"(.*"])");
    auto sent = m.call("POST", "/api/chainbot/entanglements/" + team + "/messages", m.admin,
                       R"({"sender_id": ")" + boss + R"(", "receiver_id": ")" + worker +
                           R"(", "message_type": "task", "content": {"task": "compute_statistics",
                              "input": {"records": [{"v": 4}]}}})");
    REQUIRE(sent.status == 201);
    // The task and the worker's result, in that order.
    REQUIRE(w->wait_for([&](const auto& frames) {
        int n = 0;
        for (const auto& f : frames) n += topic_of(f) == "chainbot.entanglement.message";
        return n >= 2;
    }));
    std::vector<std::string> types;
    for (const auto& f : w->frames())
        if (topic_of(f) == "chainbot.entanglement.message") types.push_back(field(f, "message_type"));
    CHECK(types == std::vector<std::string>{"task", "result"});
}
