// Validated workflow definitions are cached by (id, version): repeated executions read no
// definition from the store; an update or delete invalidates; the cache is bounded; a live
// settings change resizes and clears it.
#include "governed_engine.hpp"

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {
std::string transform_workflow(const std::string& name, int value) {
    return R"({"name": ")" + name + R"(", "steps": [{"id": "a", "type": "transform", "value": )" +
           std::to_string(value) + "}]}";
}
}  // namespace

TEST_CASE("definition cache: repeated executions hit, an update invalidates and the new version runs",
          "[resources][cache]") {
    governed_engine e("");
    e.start();
    const auto wf = e.create(transform_workflow("cached", 1));
    CHECK(e.run(wf).output.at("a") == 1);
    const auto first = e.orch->definition_cache_stats();
    CHECK(first.entries == 2);  // version 1, and which version is the latest
    CHECK(first.misses >= 1);
    for (int i = 0; i < 3; ++i) CHECK(e.run(wf).output.at("a") == 1);
    const auto warm = e.orch->definition_cache_stats();
    CHECK(warm.hits >= first.hits + 3);
    CHECK(warm.misses == first.misses);  // nothing more was read from the store

    e.orch->update_workflow(wf, json::parse(transform_workflow("cached", 2)));
    const auto after_update = e.orch->definition_cache_stats();
    CHECK(after_update.invalidations >= warm.invalidations + 2);
    auto out = e.run(wf);
    CHECK(out.output.at("a") == 2);  // the new version, not the cached one
    const auto again = e.orch->execute(wf, {});
    CHECK(again.workflow_version == 2);
    REQUIRE(e.orch->wait(again.id, std::chrono::seconds(10)));
    e.orch->flush();

    // Delete: the cached definition does not outlive the workflow.
    e.orch->delete_workflow(wf);
    try {
        e.orch->execute(wf, {});
        FAIL("a deleted workflow was started from the cache");
    } catch (const service_error& err) {
        CHECK(err.status() == 404);
    }
}

TEST_CASE("definition cache: bounded by resources.definition_cache_size, resized live", "[resources][cache]") {
    governed_engine e(R"("definition_cache_size": 3)");
    e.start();
    std::vector<std::string> ids;
    for (int i = 0; i < 6; ++i) ids.push_back(e.create(transform_workflow("w" + std::to_string(i), i)));
    for (std::size_t i = 0; i < ids.size(); ++i) CHECK(e.run(ids[i]).output.at("a") == static_cast<int>(i));
    // The last one is still cached: its next execution reads no definition from the store.
    const auto before_hit = e.orch->definition_cache_stats();
    CHECK(e.run(ids[5]).output.at("a") == 5);
    auto s = e.orch->definition_cache_stats();
    CHECK(s.hits > before_hit.hits);
    CHECK(s.misses == before_hit.misses);
    CHECK(s.capacity == 3);
    CHECK(s.entries <= 3);
    CHECK(s.evictions > 0);
    // Still right after evictions.
    CHECK(e.run(ids[0]).output.at("a") == 0);

    REQUIRE(e.module.get_runtime()->change_setting("resources.definition_cache_size", "1"));
    s = e.orch->definition_cache_stats();
    CHECK(s.capacity == 1);
    CHECK(s.entries <= 1);
    REQUIRE(e.module.get_runtime()->change_setting("resources.definition_cache_size", "0"));
    CHECK(e.run(ids[1]).output.at("a") == 1);  // no cache: read every time
    CHECK(e.orch->definition_cache_stats().entries == 0);

    // Metrics show the caches with their figures.
    auto m = e.call("GET", "/api/chainbot/metrics");
    REQUIRE(m.status == 200);
    const auto caches = m.json().at("resources").at("caches");
    CHECK(caches.at("workflow_definitions").at("capacity") == 0);
    CHECK(caches.at("workflow_definitions").at("hits").to_number<int>() > 0);
    CHECK(caches.at("workflow_definitions").at("misses").to_number<int>() > 0);
    CHECK(caches.at("expressions").as_object().contains("hits"));
    CHECK(caches.at("agent_configurations").at("capacity") == 50);  // agents.max_total_instances
}
