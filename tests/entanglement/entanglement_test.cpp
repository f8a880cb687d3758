// Entanglements: membership rules, private and broadcast messages stored before they are
// acknowledged and handled in order per receiver, agents reacting to what they receive,
// and unprocessed messages delivered again after a restart.
#include "swarm_fixture.hpp"

#include <atomic>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {

entanglement::create_request group(const std::string& name, std::vector<std::string> agents) {
    return {name, "a test group", std::nullopt, std::move(agents)};
}

}  // namespace

TEST_CASE("creating an entanglement checks every agent and stores all or nothing", "[entanglement]") {
    swarm s;
    s.start();
    const auto a = s.spawn("data_processor");
    const auto b = s.spawn("assistant");
    std::string why;
    CHECK(status_of([&] { s.ents().create(group("g", {a, "ghost"})); }, &why) == 404);
    CHECK_THAT(why, Catch::Contains("agent_ids[1]") && Catch::Contains("ghost"));
    CHECK(s.d().entanglements().list().empty());
    CHECK(status_of([&] { s.ents().create(group("", {a})); }) == 400);
    const auto c = s.spawn("api");
    s.spawner().terminate(c);
    CHECK(status_of([&] { s.ents().create(group("g", {a, c})); }, &why) == 409);
    CHECK_THAT(why, Catch::Contains("terminated"));

    auto e = s.ents().create(group("team", {a, b, a}));
    auto members = s.d().entanglements().members(e.id);
    CHECK(members.size() == 2);  // a listed twice joins once
    auto created = s.events->of("chainbot.entanglement.created");
    REQUIRE(created.size() == 1);
    CHECK(created[0].at("entanglement_id") == json::value(e.id));
    CHECK(created[0].at("agent_ids").as_array().size() == 2);

    const auto d = s.spawn("data_processor");
    s.ents().add_member(e.id, d);
    s.ents().add_member(e.id, d);  // again: no change, no second event
    CHECK(s.events->of("chainbot.entanglement.member_added").size() == 1);
    s.ents().remove_member(e.id, b);
    CHECK(status_of([&] { s.ents().remove_member(e.id, b); }) == 404);
    CHECK(s.events->of("chainbot.entanglement.member_removed").size() == 1);
    CHECK(s.d().entanglements().members(e.id).size() == 2);
    s.ents().remove(e.id);
    CHECK_FALSE(s.d().entanglements().get(e.id));
    CHECK(status_of([&] { s.ents().remove(e.id); }) == 404);
}

TEST_CASE("messages follow the rules: members only, live receivers, known types", "[entanglement]") {
    swarm s;
    s.start();
    const auto a = s.spawn("data_processor");
    const auto b = s.spawn("data_processor");
    const auto outsider = s.spawn("data_processor");
    const auto e = s.ents().create(group("g", {a, b})).id;
    std::string why;
    CHECK(status_of([&] { s.send(e, outsider, b, "notification", R"("hi")"); }, &why) == 409);
    CHECK_THAT(why, Catch::Contains("sender") && Catch::Contains("not a member"));
    CHECK(status_of([&] { s.send(e, a, outsider, "notification", R"("hi")"); }, &why) == 409);
    CHECK_THAT(why, Catch::Contains("receiver") && Catch::Contains("not a member"));
    CHECK(status_of([&] { s.send(e, a, b, "gossip", R"("hi")"); }, &why) == 400);
    CHECK_THAT(why, Catch::Contains("message_type") && Catch::Contains("gossip"));
    CHECK(status_of([&] { s.send(e, a, a, "notification", R"("hi")"); }) == 409);
    CHECK(status_of([&] { s.send("nowhere", a, b, "notification", R"("hi")"); }) == 404);
    CHECK(s.messages(e).empty());  // nothing refused was stored

    auto m = s.send(e, a, b, "notification", R"({"note": "stored first"})");
    CHECK(m.sequence == 1);
    CHECK(s.d().entanglements().get_message(m.id));
    CHECK(eventually([&] { return s.d().entanglements().get_message(m.id)->state == store::delivery_state::processed; }));
    auto ev = s.events->of("chainbot.entanglement.message");
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].at("entanglement_id") == json::value(e));
    CHECK(ev[0].at("content").at("note") == "stored first");

    s.spawner().terminate(b);
    CHECK(status_of([&] { s.send(e, a, b, "notification", R"("hi")"); }, &why) == 409);
    CHECK_THAT(why, Catch::Contains("terminated"));
    CHECK(status_of([&] { s.send(e, b, a, "notification", R"("hi")"); }) == 409);
}

TEST_CASE("a data_processor runs a task it receives and answers the sender with the result", "[entanglement]") {
    swarm s;
    s.start();
    const auto coordinator = s.spawn("workflow", "coordinator");
    const auto worker = s.spawn("data_processor", "worker");
    const auto e = s.ents().create(group("g", {coordinator, worker})).id;
    auto task = s.send(e, coordinator, worker, "task",
                       R"({"task": "compute_statistics", "input": {"records": [{"v": 2}, {"v": 4}, {"v": 9}]}})");
    REQUIRE(eventually([&] { return s.inbox(e, coordinator).size() == 1; }));
    const auto reply = s.inbox(e, coordinator)[0];
    CHECK(reply.type == "result");
    CHECK(reply.sender_id == worker);
    const auto content = json::parse(reply.content);
    CHECK(content.at("ok") == true);
    CHECK(content.at("task") == "compute_statistics");
    CHECK(content.at("output").at("fields").at("v").at("mean").to_number<double>() == Approx(5.0));
    const auto meta = json::parse(*reply.metadata);
    CHECK(meta.at("in_reply_to") == json::value(task.id));
    CHECK(meta.at("reply_depth") == 1);

    // A task it does not have is answered with an error result, not silence.
    s.send(e, coordinator, worker, "task", R"({"task": "juggle"})");
    REQUIRE(eventually([&] { return s.inbox(e, coordinator).size() == 2; }));
    const auto err = json::parse(s.inbox(e, coordinator)[1].content);
    CHECK(err.at("ok") == false);
    CHECK_THAT(std::string(err.at("error").as_string()), Catch::Contains("juggle"));
    CHECK(eventually([&] { return s.d().agents().get(worker)->counters.messages_received == 2; }));
    CHECK(s.d().agents().get(worker)->counters.messages_sent == 2);
}

TEST_CASE("a broadcast reaches every other live member and each answers", "[entanglement]") {
    swarm s(R"("agents": {"max_instances_per_type": 20})");
    s.start();
    const auto coordinator = s.spawn("workflow");
    std::vector<std::string> members{coordinator};
    for (int i = 0; i < 12; ++i) members.push_back(s.spawn("data_processor"));
    const auto gone = members.back();
    const auto e = s.ents().create(group("many", members)).id;
    s.spawner().terminate(gone);  // still a member, but terminated: receives nothing
    auto b = s.send(e, coordinator, std::nullopt, "task",
                    R"({"task": "compute_statistics", "input": {"records": [{"v": 1}, {"v": 3}]}})");
    CHECK(b.broadcast());
    REQUIRE(eventually([&] { return s.inbox(e, coordinator).size() == 11; }));
    std::set<std::string> senders;
    for (const auto& r : s.inbox(e, coordinator)) {
        senders.insert(r.sender_id);
        CHECK(json::parse(r.content).at("output").at("fields").at("v").at("mean").to_number<double>() == Approx(2.0));
    }
    CHECK(senders.size() == 11);
    CHECK_FALSE(senders.count(gone));
    CHECK_FALSE(senders.count(coordinator));
    CHECK(eventually([&] { return s.d().entanglements().get_message(b.id)->state == store::delivery_state::processed; }));
}

TEST_CASE("each receiver handles its messages in sequence order", "[entanglement]") {
    swarm s;
    std::mutex m;
    std::vector<std::int64_t> seen;
    s.orch->tasks().add("data_processor", "record", [&](const orchestrator::task_call& call) -> json::value {
        std::lock_guard lock(m);
        seen.push_back(call.input.as_int64());
        return nullptr;
    });
    s.start();
    const auto a = s.spawn("workflow");
    const auto b = s.spawn("workflow");
    const auto r = s.spawn("data_processor");
    const auto e = s.ents().create(group("g", {a, b, r})).id;
    // Two senders at once: the receiver's order is the entanglement's sequence order.
    auto sender = [&](const std::string& who, int base) {
        for (int i = 0; i < 40; ++i)
            s.send(e, who, r, "task", R"({"task": "record", "input": )" + std::to_string(base + i) + "}");
    };
    std::thread t1(sender, a, 0), t2(sender, b, 1000);
    t1.join();
    t2.join();
    REQUIRE(eventually([&] {
        std::lock_guard lock(m);
        return seen.size() == 80;
    }));
    std::vector<std::int64_t> by_sequence;
    for (const auto& msg : s.inbox(e, r)) by_sequence.push_back(json::parse(msg.content).at("input").as_int64());
    std::lock_guard lock(m);
    CHECK(seen == by_sequence);
}

TEST_CASE("messages not processed when the module stopped are delivered after a restart", "[entanglement]") {
    temp_dir dir;
    const auto url = "sqlite:///" + (dir.path() / "m.db").string();
    std::string e, sender, worker;
    std::vector<store::message> sent;
    {
        swarm s("", url);
        gate g;
        s.orch->tasks().add("data_processor", "record", [&](const orchestrator::task_call& call) -> json::value {
            if (call.input == 0) g.pass();
            return nullptr;
        });
        s.start();
        sender = s.spawn("workflow");
        worker = s.spawn("data_processor");
        e = s.ents().create(group("g", {sender, worker})).id;
        for (int i = 0; i < 4; ++i)
            sent.push_back(s.send(e, sender, worker, "task", R"({"task": "record", "input": )" + std::to_string(i) + "}"));
        REQUIRE(eventually([&] { return g.waiters() == 1; }));  // message 0 is being handled
        std::thread opener([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            g.release();
        });
        s.module.stop();  // 1..3 wait in the mailbox: they are dropped, not lost
        opener.join();
        for (int i = 1; i < 4; ++i)
            CHECK(s.d().entanglements().get_message(sent[i].id)->state != store::delivery_state::processed);
    }
    swarm again("", url);
    std::mutex m;
    std::vector<std::int64_t> seen;
    again.orch->tasks().add("data_processor", "record", [&](const orchestrator::task_call& call) -> json::value {
        std::lock_guard lock(m);
        seen.push_back(call.input.as_int64());
        return nullptr;
    });
    again.start();
    REQUIRE(eventually([&] {
        std::lock_guard lock(m);
        return seen.size() >= 3;
    }));
    {
        std::lock_guard lock(m);
        CHECK(std::vector<std::int64_t>(seen.end() - 3, seen.end()) == std::vector<std::int64_t>{1, 2, 3});
    }
    for (int i = 1; i < 4; ++i)
        CHECK(eventually([&] {
            return again.d().entanglements().get_message(sent[i].id)->state == store::delivery_state::processed;
        }));
    CHECK(again.messages(e).size() >= 4);
}

TEST_CASE("an assistant answers chat through its responder and replies stop at the depth limit", "[entanglement]") {
    swarm s;
    std::atomic<int> asked{0};
    s.start();
    s.ents().set_chat_responder([&](const orchestrator::agent_handle& agent, const std::string& text,
                                    const std::string& entanglement_id, const std::string& sender) {
        ++asked;
        CHECK_FALSE(entanglement_id.empty());
        CHECK(sender != agent.id);
        return agent.name + " heard: " + text;
    });
    const auto alice = s.spawn("assistant", "alice");
    const auto bob = s.spawn("assistant", "bob");
    const auto e = s.ents().create(group("chat", {alice, bob})).id;
    s.send(e, alice, bob, "chat", R"("hello")");
    // bob answers alice, alice answers bob... until the depth limit.
    REQUIRE(eventually([&] { return s.messages(e).size() == 1 + entanglement::max_reply_depth; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto all = s.messages(e);
    CHECK(all.size() == 1 + entanglement::max_reply_depth);
    CHECK(asked == entanglement::max_reply_depth);
    CHECK(json::parse(all[1].content) == "bob heard: hello");
    CHECK(all[1].type == "chat");

    // Without a responder an assistant answers with an error naming why.
    s.ents().set_chat_responder(nullptr);
    const auto carol = s.spawn("assistant", "carol");
    s.ents().add_member(e, carol);
    s.send(e, alice, carol, "chat", R"("anyone?")");
    REQUIRE(eventually([&] { return s.inbox(e, alice).size() >= 3; }));
    const auto last = s.inbox(e, alice).back();
    CHECK(last.type == "error");
    CHECK(last.sender_id == carol);
}

TEST_CASE("messages an agent sends while it handles one count as replies, so tool loops end", "[entanglement]") {
    swarm s;
    std::string ent, a, b;
    // "bounce" sends a bounce task to the other processor through the agent's own send_message.
    s.orch->tasks().add("data_processor", "bounce", [&](const orchestrator::task_call& call) -> json::value {
        const auto to = call.agent->id == a ? b : a;
        call.agent->send_message(json::object{{"entanglement_id", ent},
                                              {"receiver_id", to},
                                              {"message_type", "task"},
                                              {"content", json::object{{"task", "bounce"}}}});
        return nullptr;
    });
    s.start();
    const auto c = s.spawn("workflow");
    a = s.spawn("data_processor");
    b = s.spawn("data_processor");
    ent = s.ents().create(group("loop", {c, a, b})).id;
    s.send(ent, c, a, "task", R"({"task": "bounce"})");
    auto bounces = [&] {
        std::size_t n = 0;
        for (const auto& m : s.messages(ent)) n += m.type == "task";
        return n;
    };
    REQUIRE(eventually([&] { return bounces() == 1 + entanglement::max_reply_depth; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(bounces() == 1 + entanglement::max_reply_depth);  // and no more
    const auto all = s.messages(ent);
    const auto last_task = std::find_if(all.rbegin(), all.rend(), [](const auto& m) { return m.type == "task"; });
    CHECK(json::parse(*last_task->metadata).at("reply_depth") == entanglement::max_reply_depth);
}
