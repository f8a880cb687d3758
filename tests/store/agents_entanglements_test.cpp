#include "scratch_database.hpp"

#include "store/errors.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <thread>

using namespace chainbot;
using chainbot::test::postgresql;
using chainbot::test::scratch_database;
using chainbot::test::sqlite;
using store::agent_state;
using store::delivery_state;

TEMPLATE_TEST_CASE("agents: state and private data and counters persist", "[store][agents]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    auto agents = db->agents();
    const auto a = agents.create({.type = "assistant", .name = "Ada", .config = R"({"personality": "terse"})"});
    agents.create({.type = "data_processor", .name = "Dee"});
    CHECK(a.state == agent_state::idle);

    agents.set_state(a.id, agent_state::working);
    agents.add_counters(a.id, {.tasks_completed = 2, .tasks_failed = 1});
    agents.add_counters(a.id, {.tasks_completed = 1, .messages_sent = 4, .messages_received = 3});
    agents.set_data(a.id, R"({"memory": ["hi"]})");

    auto got = agents.get(a.id);
    REQUIRE(got);
    CHECK(got->state == agent_state::working);
    CHECK(got->config == R"({"personality": "terse"})");
    CHECK(got->data == R"({"memory": ["hi"]})");
    CHECK(got->counters.tasks_completed == 3);
    CHECK(got->counters.tasks_failed == 1);
    CHECK(got->counters.messages_sent == 4);
    CHECK(got->counters.messages_received == 3);
    CHECK(got->last_active_at);
    CHECK_FALSE(got->terminated_at);

    agents.set_state(a.id, agent_state::terminated);
    CHECK(agents.get(a.id)->terminated_at);
    CHECK(agents.count({.state = agent_state::terminated}) == 1);
    CHECK(agents.count({.type = "data_processor"}) == 1);
    CHECK(agents.count_by_state() ==
          std::map<agent_state, std::size_t>{{agent_state::idle, 1}, {agent_state::terminated, 1}});
    CHECK(agents.list({.type = "assistant"}).size() == 1);
    CHECK_THROWS_AS(agents.set_state("missing", agent_state::idle), store::store_not_found);
    agents.remove(a.id);
    CHECK_FALSE(agents.get(a.id));
}

TEMPLATE_TEST_CASE("entanglements: members join and leave", "[store][entanglements]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    const auto a = db->agents().create({.type = "assistant", .name = "a"});
    const auto b = db->agents().create({.type = "assistant", .name = "b"});
    auto ents = db->entanglements();
    const auto e = ents.create({.name = "team", .description = "solves things", .owner_user_id = "u1"});
    ents.add_member(e.id, a.id);
    ents.add_member(e.id, b.id);
    ents.add_member(e.id, b.id);  // twice is once
    CHECK(ents.members(e.id).size() == 2);
    CHECK(ents.is_member(e.id, a.id));
    CHECK(ents.remove_member(e.id, a.id));
    CHECK_FALSE(ents.remove_member(e.id, a.id));
    CHECK_FALSE(ents.is_member(e.id, a.id));
    CHECK_THROWS_AS(ents.add_member(e.id, "no-agent"), store::store_not_found);
    CHECK_THROWS_AS(ents.add_member("no-entanglement", a.id), store::store_not_found);
    // Deleting an agent removes its memberships.
    db->agents().remove(b.id);
    CHECK(ents.members(e.id).empty());
    CHECK(ents.get(e.id)->owner_user_id == "u1");
    ents.remove(e.id);
    CHECK_FALSE(ents.get(e.id));
}

TEMPLATE_TEST_CASE("entanglements: messages are numbered in order and read back in order",
                   "[store][entanglements]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    auto ents = db->entanglements();
    const auto e = ents.create({.name = "team"});
    const auto other = ents.create({.name = "other team"});

    for (int i = 1; i <= 12; ++i) {
        const auto m = ents.append({.entanglement_id = e.id,
                                    .sender_id = i % 2 ? "a" : "b",
                                    .receiver_id = i % 3 ? std::optional<std::string>(i % 2 ? "b" : "a") : std::nullopt,
                                    .type = "chat",
                                    .content = R"({"n": )" + std::to_string(i) + "}",
                                    .metadata = R"({"priority": "low"})"});
        CHECK(m.sequence == i);
    }
    CHECK(ents.append({.entanglement_id = other.id, .sender_id = "a", .type = "task", .content = "{}"}).sequence == 1);
    CHECK(ents.get(e.id)->last_sequence == 12);
    const auto totals = ents.totals();
    CHECK(totals.entanglements == 2);
    CHECK(totals.messages == 13);

    const auto all = ents.messages(e.id);
    REQUIRE(all.size() == 12);
    for (std::size_t i = 0; i < all.size(); ++i) {
        CHECK(all[i].sequence == static_cast<std::int64_t>(i + 1));
        CHECK(all[i].content == R"({"n": )" + std::to_string(i + 1) + "}");
    }
    CHECK(all[2].broadcast());
    CHECK(all[2].metadata == R"({"priority": "low"})");

    const auto later = ents.messages(e.id, {.after_sequence = 9});
    REQUIRE(later.size() == 3);
    CHECK(later[0].sequence == 10);

    // What "b" receives: addressed to it, or broadcasts sent by someone else.
    const auto for_b = ents.messages(e.id, {.for_receiver = "b"});
    for (const auto& m : for_b) CHECK((m.receiver_id == "b" || (m.broadcast() && m.sender_id != "b")));
    CHECK(std::is_sorted(for_b.begin(), for_b.end(),
                         [](const auto& x, const auto& y) { return x.sequence < y.sequence; }));
    CHECK(for_b.size() == 6);  // 1 5 7 11 (to b) + 3 9 (broadcasts from a)

    // With no receivers to wait for, a message is processed as it is stored.
    CHECK(all[0].state == delivery_state::processed);
    CHECK(all[0].delivered_at);
    CHECK(all[0].processed_at);
    CHECK(ents.messages(e.id, {.state = delivery_state::pending}).empty());
    CHECK_THROWS_AS(ents.append({.entanglement_id = "missing", .sender_id = "a", .type = "chat", .content = "{}"}),
                    store::store_not_found);
}

TEMPLATE_TEST_CASE("entanglements: each receiver's delivery moves on its own and the message follows the slowest",
                   "[store][entanglements]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    auto ents = db->entanglements();
    const auto here = db->agents().create({.type = "data_processor", .name = "here", .owner_instance = "i1"});
    const auto there = db->agents().create({.type = "data_processor", .name = "there", .owner_instance = "i2"});
    const auto sender = db->agents().create({.type = "workflow", .name = "sender", .owner_instance = "i1"});
    const auto e = ents.create({.name = "team"});
    for (const auto* a : {&here, &there, &sender}) ents.add_member(e.id, a->id);
    auto live = ents.live_members(e.id);
    std::vector<std::string> all_three{here.id, there.id, sender.id};
    std::sort(live.begin(), live.end());
    std::sort(all_three.begin(), all_three.end());
    CHECK(live == all_three);
    db->agents().set_state(there.id, agent_state::terminated);
    CHECK(ents.live_members(e.id).size() == 2);
    db->agents().set_state(there.id, agent_state::idle);

    const auto m1 = ents.append({.entanglement_id = e.id, .sender_id = sender.id, .type = "notification",
                                 .content = "1", .receivers = {here.id, there.id}});
    const auto m2 = ents.append({.entanglement_id = e.id, .sender_id = sender.id, .receiver_id = here.id,
                                 .type = "notification", .content = "2", .receivers = {here.id}});
    CHECK(m1.state == delivery_state::pending);

    // Each instance sees only its agents' deliveries, in sequence order.
    const auto mine = ents.pending_deliveries(e.id, std::string("i1"));
    REQUIRE(mine.size() == 2);
    CHECK(mine[0].msg.id == m1.id);
    CHECK(mine[0].agent_id == here.id);
    CHECK(mine[1].msg.id == m2.id);
    CHECK(mine[1].msg.content == "2");
    CHECK(ents.pending_deliveries(e.id, std::string("i2")).size() == 1);
    CHECK(ents.pending_deliveries(e.id, std::nullopt).size() == 3);
    CHECK(ents.with_pending_deliveries(std::string("i2")) == std::vector<std::string>{e.id});
    CHECK(ents.with_pending_deliveries(std::string("i3")).empty());

    // One receiver is quick: the broadcast stays pending until the other has it too.
    CHECK(ents.advance_delivery(m1.id, here.id, delivery_state::delivered));
    CHECK_FALSE(ents.advance_delivery(m1.id, here.id, delivery_state::delivered));  // never twice
    CHECK(ents.get_message(m1.id)->state == delivery_state::pending);
    CHECK(ents.advance_delivery(m1.id, here.id, delivery_state::processed));
    CHECK_FALSE(ents.advance_delivery(m1.id, here.id, delivery_state::delivered));  // never back
    CHECK(ents.get_message(m1.id)->state == delivery_state::pending);
    CHECK(ents.advance_delivery(m1.id, there.id, delivery_state::delivered));
    auto now_delivered = ents.get_message(m1.id);
    CHECK(now_delivered->state == delivery_state::delivered);
    CHECK(now_delivered->delivered_at);
    CHECK_FALSE(now_delivered->processed_at);
    CHECK(ents.advance_delivery(m1.id, there.id, delivery_state::processed));
    CHECK(ents.get_message(m1.id)->state == delivery_state::processed);
    CHECK(ents.get_message(m1.id)->processed_at);
    CHECK_FALSE(ents.advance_delivery("no-message", here.id, delivery_state::processed));
    CHECK_THROWS_AS(ents.advance_delivery(m2.id, here.id, delivery_state::pending), store::store_error);

    // A mailbox lost with its process: delivered becomes pending again, processed stays.
    CHECK(ents.advance_delivery(m2.id, here.id, delivery_state::delivered));
    CHECK(ents.pending_deliveries(e.id, std::string("i1")).empty());
    CHECK(ents.deliveries_to(here.id).size() == 1);
    CHECK(ents.reset_delivered(here.id) == 1);
    CHECK(ents.reset_delivered(there.id) == 0);
    REQUIRE(ents.pending_deliveries(e.id, std::string("i1")).size() == 1);
    CHECK(ents.pending_deliveries(e.id, std::string("i1"))[0].msg.id == m2.id);

    // Deleting the entanglement takes the deliveries with it.
    ents.remove(e.id);
    CHECK(ents.deliveries_to(here.id).empty());
}

TEMPLATE_TEST_CASE("agents: an instance adopts the agents without a live owner and lets its own go",
                   "[store][agents][cluster]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    db->cluster().register_instance("alive", "h", 1, "0");
    const auto a = db->agents().create({.type = "data_processor", .name = "a", .owner_instance = "alive"});
    const auto b = db->agents().create({.type = "data_processor", .name = "b", .owner_instance = "gone"});
    const auto c = db->agents().create({.type = "data_processor", .name = "c"});
    const auto d = db->agents().create({.type = "data_processor", .name = "d", .owner_instance = "gone"});
    db->agents().set_state(d.id, agent_state::terminated);

    auto taken = db->agents().adopt("me", 60000);  // "alive" heartbeated within the lease
    std::vector<std::string> expected{b.id, c.id};
    std::sort(expected.begin(), expected.end());
    CHECK(taken == expected);
    CHECK(db->agents().get(a.id)->owner_instance == "alive");
    CHECK(db->agents().get(d.id)->owner_instance == "gone");  // terminated agents stay where they were
    CHECK(db->agents().adopt("me", 60000).empty());            // its own are not taken again
    CHECK(db->agents().list({.owner_instance = "me"}).size() == 2);

    // A lease of 0: every heartbeat is too old, so "alive"'s agent is taken as well.
    CHECK(db->agents().adopt("other", 0).size() == 3);
    CHECK(db->agents().release("other") == 3);
    CHECK_FALSE(db->agents().get(a.id)->owner_instance);
    CHECK(db->agents().adopt("me", 60000).size() == 3);
}

TEMPLATE_TEST_CASE("entanglements: concurrent senders never share or skip a sequence number",
                   "[store][entanglements][concurrency]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    const auto e = db->entanglements().create({.name = "busy"});
    constexpr int threads_n = 4, per_thread = 25;
    std::vector<std::thread> threads;
    for (int t = 0; t < threads_n; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i)
                db->entanglements().append({.entanglement_id = e.id,
                                            .sender_id = "agent-" + std::to_string(t),
                                            .type = "result",
                                            .content = std::to_string(i)});
        });
    for (auto& t : threads) t.join();
    const auto all = db->entanglements().messages(e.id, {}, {.limit = 1000});
    REQUIRE(all.size() == threads_n * per_thread);
    for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i].sequence == static_cast<std::int64_t>(i + 1));
    // Each sender's own messages keep the order it sent them in.
    for (int t = 0; t < threads_n; ++t) {
        int expected = 0;
        for (const auto& m : all)
            if (m.sender_id == "agent-" + std::to_string(t)) CHECK(m.content == std::to_string(expected++));
        CHECK(expected == per_thread);
    }
}
