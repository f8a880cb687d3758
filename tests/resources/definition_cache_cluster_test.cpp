// Scale-out: an update or delete on one instance invalidates the cached definition on the
// others (NOTIFY chainbot_definitions), so they start the new version.
#include <chainbot/module.hpp>

#include "../store/scratch_database.hpp"
#include "orchestrator/orchestrator.hpp"
#include "support/eventually.hpp"
#include "support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {

struct instance {
    temp_dir data{"chainbot-cache"};
    chainbot_module module;
    orchestrator::orchestrator* orch = nullptr;
    explicit instance(const std::string& url) {
        module.initialize({}, R"({"api": {"port": 0}, "module": {"data_dir": ")" + data.path().string() +
                                  R"("}, "database": {"url": ")" + url +
                                  R"("}, "raspberry_pi": {"enable_hardware_monitoring": false},
                                     "cluster": {"heartbeat_seconds": 0.3, "lease_seconds": 5.0, "poll_seconds": 0.5}})");
        orch = module.get_orchestrator();
        module.start();
    }
    ~instance() { module.stop(); }
};

std::string definition(int value) {
    return R"({"name": "shared", "steps": [{"id": "a", "type": "transform", "value": )" + std::to_string(value) + "}]}";
}

}  // namespace

TEST_CASE("definition cache: an update on another instance invalidates this one's copy", "[resources][postgresql]") {
    scratch_database sdb(store::backend_kind::postgresql);
    sdb.open_migrated();
    instance a(sdb.url()), b(sdb.url());
    REQUIRE(eventually([&] { return a.orch->cluster_figures().listening && b.orch->cluster_figures().listening; }));
    const auto wf = a.orch->create_workflow(json::parse(definition(1))).workflow_id;
    orchestrator::execute_request req;
    req.ephemeral = true;  // runs here, on a
    auto first = a.orch->execute(wf, req);
    CHECK(first.workflow_version == 1);
    REQUIRE(a.orch->wait(first.id, std::chrono::seconds(10)));
    REQUIRE(a.orch->definition_cache_stats().entries == 2);  // cached: the latest is version 1

    const auto before = a.orch->definition_cache_stats().invalidations;
    b.orch->update_workflow(wf, json::parse(definition(2)));
    REQUIRE(eventually([&] { return a.orch->definition_cache_stats().invalidations > before; }));
    auto second = a.orch->execute(wf, req);
    CHECK(second.workflow_version == 2);
    auto out = a.orch->wait(second.id, std::chrono::seconds(10));
    REQUIRE(out);
    CHECK(out->output.at("a") == 2);
}
