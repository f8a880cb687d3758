#include "scratch_database.hpp"

#include "store/errors.hpp"

#include <catch2/catch.hpp>

using namespace chainbot;
using chainbot::test::postgresql;
using chainbot::test::scratch_database;
using chainbot::test::sqlite;

namespace {
const char* const tables[] = {"workflows",     "workflow_versions", "executions",       "step_runs",
                              "agents",        "entanglements",     "entanglement_members", "entanglement_messages",
                              "users",         "roles",             "role_permissions", "user_roles",
                              "api_tokens",    "audit_log",         "instances"};

/// The built-in migrations plus `extra`, given the same statements on both backends.
std::vector<store::migration> with_extra(std::vector<store::migration> extra) {
    auto list = store::builtin_migrations();
    for (auto& m : extra) list.push_back(std::move(m));
    return list;
}

store::migration both(int version, std::string name, std::vector<std::string> statements) {
    return {version, std::move(name), statements, statements};
}
}  // namespace

TEMPLATE_TEST_CASE("migrations: an empty database is brought to the latest version", "[store][migrations]", sqlite,
                   postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open();
    CHECK(db->current_version() == 0);
    CHECK(store::database::latest_version() == 7);

    const auto result = db->migrate();
    CHECK(result.from_version == 0);
    CHECK(result.to_version == 7);
    CHECK(result.applied ==
          std::vector<std::string>{"1 workflows and executions", "2 agents and entanglements",
                                   "3 users, roles, tokens and audit log", "4 workflow webhooks", "5 cluster instances", "6 message deliveries",
                                   "7 execution listing indexes"});
    CHECK(db->current_version() == 7);
    for (const char* table : tables) CHECK(sdb.table_exists(table));
    CHECK(sdb.raw_scalar("SELECT count(*) FROM schema_migrations") == "7");
    CHECK(sdb.raw_scalar("SELECT name FROM schema_migrations WHERE version = 2") == "agents and entanglements");
    CHECK(sdb.raw_scalar("SELECT count(*) FROM schema_migrations WHERE applied_at > 0") == "7");
    CHECK(sdb.raw_scalar("SELECT count(*) FROM workflows WHERE webhook IS NULL") == "0");
    CHECK_NOTHROW(db->require_current_schema());
    if (TestType::kind == store::backend_kind::sqlite) CHECK(sdb.raw_scalar("PRAGMA journal_mode") == "wal");
}

TEMPLATE_TEST_CASE("migrations: running them again changes nothing", "[store][migrations]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    db->workflows().create({.name = "kept", .definition = "{}"});
    const auto applied_at = sdb.raw_scalar("SELECT applied_at FROM schema_migrations WHERE version = 1");

    const auto again = db->migrate();
    CHECK(again.applied.empty());
    CHECK(again.from_version == 7);
    CHECK(again.to_version == 7);
    // A second store on the same database (another start of the module) agrees.
    const auto other = sdb.open()->migrate();
    CHECK(other.applied.empty());
    CHECK(sdb.raw_scalar("SELECT count(*) FROM schema_migrations") == "7");
    CHECK(sdb.raw_scalar("SELECT applied_at FROM schema_migrations WHERE version = 1") == applied_at);
    CHECK(db->workflows().count() == 1);
}

TEMPLATE_TEST_CASE("migrations: a failing migration is rolled back whole", "[store][migrations]", sqlite,
                   postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    db->agents().create({.type = "assistant", .name = "survivor"});

    // Version 8 succeeds; version 9 creates a table, alters another, then fails.
    const auto list = with_extra({both(8, "good", {"CREATE TABLE good_four (x INTEGER)"}),
                                  both(9, "bad",
                                       {"CREATE TABLE half_done (x INTEGER)",
                                        "ALTER TABLE agents ADD COLUMN half_column TEXT",
                                        "INSERT INTO no_such_table VALUES (1)"})});
    try {
        db->migrate(list);
        FAIL("a failing migration did not throw");
    } catch (const store::migration_failed& e) {
        const std::string what = e.what();
        CHECK_THAT(what, Catch::Contains("migration 9 (bad) failed and was rolled back"));
        CHECK_THAT(what, Catch::Contains("the schema stays at version 8"));
    }
    CHECK(db->current_version() == 8);
    CHECK(sdb.table_exists("good_four"));
    CHECK_FALSE(sdb.table_exists("half_done"));
    CHECK_THROWS(sdb.raw_exec("SELECT half_column FROM agents"));
    CHECK(db->agents().count() == 1);  // the data is untouched and the store still works
    CHECK(sdb.raw_scalar("SELECT count(*) FROM schema_migrations") == "8");

    // Fixed, the same list applies from where it stopped.
    const auto fixed = with_extra({both(8, "good", {"CREATE TABLE good_four (x INTEGER)"}),
                                   both(9, "bad, fixed", {"CREATE TABLE half_done (x INTEGER)"})});
    const auto result = db->migrate(fixed);
    CHECK(result.applied == std::vector<std::string>{"9 bad, fixed"});
    CHECK(sdb.table_exists("half_done"));
}

TEMPLATE_TEST_CASE("migrations: a database newer than this build is refused and left untouched",
                   "[store][migrations]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    sdb.open_migrated();
    sdb.raw_exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9, 'from the future', 1)");
    const auto rows_before = sdb.raw_scalar("SELECT count(*) FROM schema_migrations");

    auto db = sdb.open();
    CHECK(db->current_version() == 9);
    try {
        db->migrate();
        FAIL("a newer schema was not refused");
    } catch (const store::schema_too_new& e) {
        CHECK(std::string(e.what()) ==
              "database schema version 9 is newer than this ChainBot (knows up to 7); refusing to touch it");
    }
    CHECK_THROWS_AS(db->require_current_schema(), store::schema_too_new);
    CHECK(sdb.raw_scalar("SELECT count(*) FROM schema_migrations") == rows_before);
    CHECK(db->current_version() == 9);
}

TEMPLATE_TEST_CASE("migrations: a newer schema_migrations alone is refused before anything is created",
                   "[store][migrations]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    sdb.raw_exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT "
                 "NOT NULL)");
    sdb.raw_exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9, 'later', 1)");
    auto db = sdb.open();
    CHECK_THROWS_AS(db->migrate(), store::schema_too_new);
    CHECK_FALSE(sdb.table_exists("workflows"));
}

TEMPLATE_TEST_CASE("migrations: without auto-migrate an old schema is reported and not used", "[store][migrations]",
                   sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open();
    CHECK_THROWS_AS(db->require_current_schema(), store::schema_too_old);
    db->migrate(std::vector<store::migration>(store::builtin_migrations().begin(),
                                              store::builtin_migrations().begin() + 1));
    CHECK(db->current_version() == 1);
    try {
        db->require_current_schema();
        FAIL("an old schema was accepted");
    } catch (const store::schema_too_old& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains("schema version 1 is older than this ChainBot needs (7)"));
    }
}

TEST_CASE("migrations: the built-in list is ordered and complete for both backends", "[store][migrations]") {
    int previous = 0;
    for (const auto& m : store::builtin_migrations()) {
        CHECK(m.version == previous + 1);
        CHECK_FALSE(m.name.empty());
        CHECK_FALSE(m.sqlite.empty());
        CHECK_FALSE(m.postgresql.empty());
        previous = m.version;
    }
    CHECK(previous == store::database::latest_version());
}

TEMPLATE_TEST_CASE("migrations: 6 gives each unprocessed message a delivery per live receiver", "[store][migrations]",
                   sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open();
    db->migrate(std::vector<store::migration>(store::builtin_migrations().begin(),
                                              store::builtin_migrations().begin() + 5));
    REQUIRE(db->current_version() == 5);
    auto agents = db->agents();
    const auto a = agents.create({.type = "workflow", .name = "a"});
    const auto b = agents.create({.type = "data_processor", .name = "b"});
    const auto c = agents.create({.type = "data_processor", .name = "c"});
    agents.set_state(c.id, store::agent_state::terminated);
    auto ents = db->entanglements();
    const auto e = ents.create({.name = "old"});
    for (const auto& id : {a.id, b.id, c.id}) ents.add_member(e.id, id);
    // Stored by an older version: no deliveries, states of their own.
    const auto broadcast = ents.append({.entanglement_id = e.id, .sender_id = a.id, .type = "notification", .content = "1"});
    const auto private_to_a = ents.append(
        {.entanglement_id = e.id, .sender_id = b.id, .receiver_id = a.id, .type = "notification", .content = "2"});
    const auto done = ents.append({.entanglement_id = e.id, .sender_id = a.id, .type = "notification", .content = "3"});
    sdb.raw_exec("UPDATE entanglement_messages SET state = 'pending' WHERE id = '" + broadcast.id + "'");
    sdb.raw_exec("UPDATE entanglement_messages SET state = 'delivered' WHERE id = '" + private_to_a.id + "'");

    db->migrate();
    const auto pending = ents.pending_deliveries(e.id, std::nullopt);
    REQUIRE(pending.size() == 2);  // b gets the broadcast (c is terminated, a sent it); a its message
    CHECK(pending[0].msg.id == broadcast.id);
    CHECK(pending[0].agent_id == b.id);
    CHECK(pending[1].msg.id == private_to_a.id);
    CHECK(pending[1].agent_id == a.id);
    CHECK(ents.get_message(done.id)->state == store::delivery_state::processed);
}

TEMPLATE_TEST_CASE("migrations: 7 indexes the executions of a version 6 database for listing, keeping them",
                   "[store][migrations]", sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open();
    db->migrate(std::vector<store::migration>(store::builtin_migrations().begin(),
                                              store::builtin_migrations().begin() + 6));
    REQUIRE(db->current_version() == 6);
    const auto w = db->workflows().create({.name = "w", .definition = "{}"}).workflow_id;
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(db->executions().create({.workflow_id = w}).record.id);
    for (std::size_t i = 0; i < ids.size(); ++i)
        sdb.raw_exec("UPDATE executions SET created_at = " + std::to_string(1000 + i) + " WHERE id = '" + ids[i] + "'");
    db->executions().set_status(ids[1], {.status = store::execution_status::completed});

    CHECK(db->migrate().applied == std::vector<std::string>{"7 execution listing indexes"});
    const auto columns = [&](const std::string& index) {
        if (TestType::kind == store::backend_kind::sqlite)
            return sdb.raw_scalar("SELECT group_concat(name, ', ') FROM pragma_index_info('" + index + "')");
        const auto def = sdb.raw_scalar("SELECT indexdef FROM pg_indexes WHERE indexname = '" + index + "'");
        const auto open = def.find('(');
        return open == std::string::npos ? def : def.substr(open + 1, def.rfind(')') - open - 1);
    };
    CHECK(columns("executions_by_status_created") == "status, created_at, id");
    CHECK(columns("executions_by_created") == "created_at, id");
    CHECK(columns("executions_by_workflow_created") == "workflow_id, created_at, id");
    const auto listed = db->executions().list();
    REQUIRE(listed.size() == 5);
    for (std::size_t i = 0; i < listed.size(); ++i) CHECK(listed[i].id == ids[ids.size() - 1 - i]);
    CHECK(db->executions().list({.status = store::execution_status::completed}).front().id == ids[1]);
}
