// Scale-out: an agent runs on one instance (its owner); entanglement messages reach it from
// any instance on the same PostgreSQL, its answers come back the same way, a terminate
// through another instance stops it where it runs, and the agents of an instance that is
// gone are taken over by another, with what was waiting for them.
#include <chainbot/module.hpp>

#include "../store/scratch_database.hpp"
#include "agents/spawner.hpp"
#include "entanglement/entanglement_manager.hpp"
#include "orchestrator/orchestrator.hpp"
#include "runtime/runtime.hpp"
#include "store/database.hpp"
#include "support/eventually.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <chrono>
#include <functional>
#include <mutex>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr auto patience = std::chrono::seconds(15);

struct cluster_node {
    temp_dir data{"chainbot-ent-cluster"};
    chainbot_module module;
    std::string id;

    explicit cluster_node(const std::string& url, const std::function<void(chainbot_module&)>& setup = {}) {
        const std::string config = R"({"api": {"port": 0}, "module": {"data_dir": ")" + data.path().string() +
                                   R"("}, "database": {"url": ")" + url +
                                   R"("}, "raspberry_pi": {"enable_hardware_monitoring": false},
                                      "cluster": {"heartbeat_seconds": 0.3, "lease_seconds": 4.0, "poll_seconds": 0.5}})";
        module.initialize({}, config);
        if (setup) setup(module);
        module.start();
        id = module.get_orchestrator()->instance_id();
    }
    ~cluster_node() { module.stop(); }
    agents::agent_spawner& spawner() { return *module.get_spawner(); }
    entanglement::entanglement_manager& ents() { return *module.get_entanglements(); }
    std::string spawn(const std::string& type, const std::string& name) { return spawner().spawn({type, name, {}}).id; }
    store::message send(const std::string& e, const std::string& from, std::optional<std::string> to,
                        const std::string& type, const std::string& content_json) {
        entanglement::send_request r;
        r.entanglement_id = e;
        r.sender_id = from;
        r.receiver_id = std::move(to);
        r.message_type = type;
        r.content = json::parse(content_json);
        return ents().send(r);
    }
};

std::vector<store::message> inbox(store::database& db, const std::string& e, const std::string& agent) {
    std::vector<store::message> out;
    for (auto& m : db.entanglements().messages(e, {}, {1000, 0}))
        if (m.receiver_id == agent) out.push_back(std::move(m));
    return out;
}

const char* statistics_task = R"({"task": "compute_statistics", "input": {"records": [{"v": 1}, {"v": 2}, {"v": 6}]}})";

}  // namespace

TEST_CASE("entanglement messages reach agents on other instances and their answers come back",
          "[cluster][postgresql][entanglement]") {
    scratch_database sdb(store::backend_kind::postgresql);
    auto db = sdb.open_migrated();
    std::mutex seen_mutex;
    std::vector<std::int64_t> seen;  // what the worker (on b) handled, in order
    cluster_node a(sdb.url());
    cluster_node b(sdb.url(), [&](chainbot_module& m) {
        m.get_orchestrator()->tasks().add("data_processor", "record", [&](const orchestrator::task_call& call) -> json::value {
            std::lock_guard lock(seen_mutex);
            seen.push_back(call.input.as_int64());
            return nullptr;
        });
    });
    REQUIRE(a.id != b.id);
    const auto coordinator = a.spawn("workflow", "coordinator");  // runs on a
    const auto worker = b.spawn("data_processor", "worker");       // runs on b
    const auto helper = b.spawn("data_processor", "helper");       // runs on b
    CHECK(db->agents().get(coordinator)->owner_instance == a.id);
    CHECK(db->agents().get(worker)->owner_instance == b.id);
    CHECK(a.spawner().is_live(coordinator));
    CHECK_FALSE(a.spawner().is_live(worker));
    CHECK(b.spawner().is_live(worker));

    // Created on a with members of both instances.
    const auto e = a.ents().create({"mixed", "", std::nullopt, {coordinator, worker, helper}}).id;

    // a -> b privately: the worker runs the task on b and its result comes back to a.
    const auto task = a.send(e, coordinator, worker, "task", statistics_task);
    REQUIRE(eventually([&] { return inbox(*db, e, coordinator).size() == 1; }, patience));
    const auto reply = inbox(*db, e, coordinator)[0];
    CHECK(reply.sender_id == worker);
    CHECK(reply.type == "result");
    const auto content = json::parse(reply.content);
    CHECK(content.at("ok") == true);
    CHECK(content.at("output").at("fields").at("v").at("mean").to_number<double>() == Approx(3.0));
    CHECK(eventually([&] { return db->entanglements().get_message(task.id)->state == store::delivery_state::processed; },
                     patience));
    CHECK(eventually([&] { return db->entanglements().get_message(reply.id)->state == store::delivery_state::processed; },
                     patience));

    // A broadcast sent on a reaches both agents on b; each answers the coordinator.
    const auto all = a.send(e, coordinator, std::nullopt, "task", statistics_task);
    REQUIRE(eventually([&] { return inbox(*db, e, coordinator).size() == 3; }, patience));
    CHECK(eventually([&] { return db->entanglements().get_message(all.id)->state == store::delivery_state::processed; },
                     patience));
    std::vector<std::string> answered;
    for (const auto& m : inbox(*db, e, coordinator)) answered.push_back(m.sender_id);
    CHECK(std::count(answered.begin(), answered.end(), helper) == 1);
    CHECK(std::count(answered.begin(), answered.end(), worker) == 2);

    // Sent through b for an agent of a (the sender need not run where it is sent from).
    b.send(e, worker, coordinator, "notification", R"("from b")");
    CHECK(eventually([&] { return db->agents().get(coordinator)->counters.messages_received == 4; }, patience));

    // Each receiver sees its messages in sequence order, whichever instance sent them.
    std::vector<std::string> sent;
    std::vector<std::int64_t> expected;
    for (int i = 0; i < 20; ++i) {
        auto& via = i % 2 ? a : b;
        sent.push_back(via.send(e, coordinator, worker, "task", R"({"task": "record", "input": )" + std::to_string(i) + "}").id);
        expected.push_back(i);
    }
    REQUIRE(eventually([&] {
        std::lock_guard lock(seen_mutex);
        return seen.size() >= expected.size();
    }, patience));
    {
        std::lock_guard lock(seen_mutex);
        CHECK(seen == expected);
    }
    REQUIRE(eventually([&] {
        for (const auto& id : sent)
            if (db->entanglements().get_message(id)->state != store::delivery_state::processed) return false;
        return true;
    }, patience));
    CHECK(db->entanglements().deliveries_to(worker).empty());
}

TEST_CASE("an agent terminated through another instance stops where it runs",
          "[cluster][postgresql][entanglement]") {
    scratch_database sdb(store::backend_kind::postgresql);
    auto db = sdb.open_migrated();
    cluster_node a(sdb.url()), b(sdb.url());
    const auto worker = a.spawn("data_processor", "worker");
    REQUIRE(a.spawner().is_live(worker));
    const auto after = b.spawner().terminate(worker);
    CHECK(after.state == store::agent_state::terminated);
    CHECK(eventually([&] { return !a.spawner().is_live(worker); }, patience));
    CHECK(a.spawner().counts().idle == 0);
}

TEST_CASE("the agents of an instance that is gone are taken over with the messages waiting for them",
          "[cluster][postgresql][entanglement]") {
    scratch_database sdb(store::backend_kind::postgresql);
    auto db = sdb.open_migrated();
    cluster_node b(sdb.url());
    const auto coordinator = b.spawn("workflow", "coordinator");

    // An instance that heartbeated just now and then died (its row is all that is left).
    db->cluster().register_instance("dead-instance", "elsewhere", 1, "0");
    store::new_agent orphan;
    orphan.type = "data_processor";
    orphan.name = "orphan";
    orphan.owner_instance = "dead-instance";
    const auto worker = db->agents().create(orphan).id;
    const auto e = b.ents().create({"takeover", "", std::nullopt, {coordinator, worker}}).id;
    const auto start = std::chrono::steady_clock::now();
    const auto task = b.send(e, coordinator, worker, "task", statistics_task);

    // Its owner's lease (4 s) has not run out: the message waits, stored.
    std::this_thread::sleep_for(1s);
    if (std::chrono::steady_clock::now() - start < 3s) {
        CHECK_FALSE(b.spawner().is_live(worker));
        CHECK(db->entanglements().get_message(task.id)->state == store::delivery_state::pending);
    }
    // Then b takes the agent over and it handles what was waiting.
    REQUIRE(eventually([&] { return b.spawner().is_live(worker); }, patience));
    CHECK(db->agents().get(worker)->owner_instance == b.id);
    REQUIRE(eventually([&] { return inbox(*db, e, coordinator).size() == 1; }, patience));
    CHECK(json::parse(inbox(*db, e, coordinator)[0].content).at("ok") == true);
    CHECK(eventually([&] { return db->entanglements().get_message(task.id)->state == store::delivery_state::processed; },
                     patience));
}

TEST_CASE("a clean stop lets its agents go and another instance takes them at once",
          "[cluster][postgresql][entanglement]") {
    scratch_database sdb(store::backend_kind::postgresql);
    auto db = sdb.open_migrated();
    auto a = std::make_unique<cluster_node>(sdb.url());
    cluster_node b(sdb.url());
    const auto worker = a->spawn("data_processor", "worker");
    const auto coordinator = b.spawn("workflow", "coordinator");
    const auto e = b.ents().create({"handover", "", std::nullopt, {coordinator, worker}}).id;
    const auto a_id = a->id;
    a.reset();  // clean stop: no lease to wait for
    // Let go: nobody's now, or already b's (b's adoption pass may run between the stop and this
    // read), never still a's.
    const auto owner = db->agents().get(worker)->owner_instance;
    CHECK(owner != a_id);
    CHECK((!owner || *owner == b.id));
    REQUIRE(eventually([&] { return b.spawner().is_live(worker); }, std::chrono::seconds(3)));
    b.send(e, coordinator, worker, "task", statistics_task);
    REQUIRE(eventually([&] { return inbox(*db, e, coordinator).size() == 1; }, patience));
}
