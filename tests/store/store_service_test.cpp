#include "scratch_database.hpp"

#include "store/errors.hpp"
#include "store/migrate_command.hpp"
#include "store/store_service.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace chainbot;
using chainbot::test::postgresql;
using chainbot::test::scratch_database;
using chainbot::test::sqlite;

namespace {
config::settings settings_for(const scratch_database& sdb, const chainbot::test::temp_dir& data, bool auto_migrate) {
    config::settings s;
    s.database.url = sdb.url();
    s.database.pool_size = 2;
    s.database.max_overflow = 1;
    s.database.auto_migrate = auto_migrate;
    s.module.data_dir = data.str();
    return s;
}

double database_score(runtime& rt) {
    const auto report = rt.health().report();
    return report.at("components").at("database").at("score").to_number<double>();
}
}  // namespace

TEMPLATE_TEST_CASE("store service: starts the store and migrates it and reports database health",
                   "[store][service]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    chainbot::test::temp_dir data;
    runtime rt(settings_for(sdb, data, true), host_services{});
    auto svc = std::make_shared<store::store_service>();
    rt.add_service(svc);
    CHECK_THROWS_AS(svc->store(), std::logic_error);
    rt.start();

    auto db = svc->store();
    CHECK(db->current_version() == store::database::latest_version());
    CHECK(db->backend() == TestType::kind);
    db->agents().create({.type = "assistant", .name = "a"});
    CHECK(database_score(rt) == 1.0);

    rt.stop();
    CHECK_THROWS_AS(svc->store(), std::logic_error);
    CHECK_FALSE(rt.health().report().at("components").as_object().contains("database"));
    CHECK(db->agents().count() == 1);  // a store still held elsewhere keeps working
}

TEMPLATE_TEST_CASE("store service: without auto-migrate an out-of-date schema stops the start",
                   "[store][service]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    chainbot::test::temp_dir data;
    runtime rt(settings_for(sdb, data, false), host_services{});
    rt.add_service(std::make_shared<store::store_service>());
    CHECK_THROWS_AS(rt.start(), store::schema_too_old);
    CHECK_FALSE(rt.running());

    // The host command brings it up to date; then the module starts.
    config::database_settings db_settings;
    db_settings.url = sdb.url();
    std::ostringstream out, err;
    CHECK(store::run_migrate_command(db_settings, out, err) == 0);
    CHECK_THAT(out.str(), Catch::Contains("applied migration 1 workflows and executions"));
    CHECK_THAT(out.str(), Catch::Contains("migrated from schema version 0 to 7"));
    std::ostringstream again;
    CHECK(store::run_migrate_command(db_settings, again, err) == 0);
    CHECK_THAT(again.str(), Catch::Contains("is up to date (schema version 7)"));
    CHECK(err.str().empty());
    rt.start();
    CHECK(rt.running());
    rt.stop();
}

TEST_CASE("migrate command: a failure is reported with exit status 1", "[store][service]") {
    config::database_settings db;
    db.url = "sqlite:///nonexistent-dir-for-chainbot-tests/sub/chainbot.db";
    std::ostringstream out, err;
    CHECK(store::run_migrate_command(db, out, err) == 1);
    CHECK_THAT(err.str(), Catch::StartsWith("chainbot migrate: "));
    CHECK_THAT(err.str(), Catch::Contains("cannot connect"));
}
