// Stops and restarts the PostgreSQL server that scripts/with-postgres.sh runs, so it is
// built as its own test program that CTest runs alone (RUN_SERIAL).

#include "scratch_database.hpp"
#include "support/eventually.hpp"
#include "support/postgresql_server.hpp"

#include "store/errors.hpp"
#include "store/store_service.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <thread>

using namespace chainbot;
using chainbot::test::eventually;
using chainbot::test::postgresql_server;
using chainbot::test::scratch_database;


TEST_CASE("outage: PostgreSQL going away gives store_unavailable and health 0 and the store recovers by itself",
          "[store][availability][postgresql]") {
    scratch_database sdb(store::backend_kind::postgresql);
    postgresql_server server;
    chainbot::test::temp_dir data;
    config::settings settings;
    settings.database.url = sdb.url();
    settings.database.pool_size = 2;
    settings.module.data_dir = data.str();
    runtime rt(settings, host_services{});
    auto svc = std::make_shared<store::store_service>(
        store::store_service_options{std::chrono::milliseconds(100), std::chrono::milliseconds(100)});
    rt.add_service(svc);
    rt.start();
    auto db = svc->store();
    const auto w = db->workflows().create({.name = "survives the outage", .definition = R"({"x": 1})"});
    const auto score = [&] {
        return rt.health().report().at("components").at("database").at("score").to_number<double>();
    };
    CHECK(score() == 1.0);

    server.stop();
    CHECK_THROWS_AS(db->workflows().get(w.workflow_id), store::store_unavailable);
    CHECK_THROWS_AS(db->agents().create({.type = "a", .name = "b"}), store::store_unavailable);
    CHECK(score() == 0.0);
    CHECK_THAT(db->health().detail, Catch::Contains("unreachable"));
    CHECK(std::string(rt.health().report().at("components").at("database").at("status").as_string()) == "unhealthy");

    server.start();
    // Nobody calls the store: the service's pings notice the database is back.
    CHECK(eventually([&] { return score() == 1.0; }, std::chrono::seconds(20)));
    CHECK(db->health().reachable);
    const auto v = db->workflows().get_version(w.workflow_id);
    REQUIRE(v);
    CHECK(v->definition == R"({"x": 1})");
    CHECK(db->agents().create({.type = "a", .name = "after"}).name == "after");
    rt.stop();
}
