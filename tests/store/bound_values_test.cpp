#include "scratch_database.hpp"

#include <catch2/catch.hpp>

using namespace chainbot;
using chainbot::test::postgresql;
using chainbot::test::scratch_database;
using chainbot::test::sqlite;

namespace {

/// Text that would break SQL built by concatenation, and text that is hard to keep byte for byte.
std::vector<std::string> hostile_values() {
    std::string binaryish;
    for (int c = 1; c < 128; ++c) binaryish.push_back(static_cast<char>(c));  // every ASCII byte but NUL
    return {
        "'); DROP TABLE workflows; --",
        "Robert'); DROP TABLE x; --",
        "semi;colon;;",
        "it's \"quoted\" `twice`",
        "back\\slash \\' \\\" \\\\",
        "placeholders :id :name $1 ? %s {} {0}",
        "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x9a\x80 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d",  // café 日本語 🚀 שלום
        "tabs\tnew\nlines\r\ncarriage\x0b\x0c\x1b[31m",
        binaryish,
        R"({"a": "'); DROP TABLE x; --", "b": [1, 2.50, {"c": "\u0000\n\"q\""}], "d": null, "e": "  spaced  "})",
        std::string(100000, 'x') + "'end",
        " leading and trailing spaces ",
        "",
    };
}

}  // namespace

TEMPLATE_TEST_CASE("bound values: hostile names and ids and JSON round-trip byte for byte", "[store][values]",
                   sqlite, postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    int n = 0;
    for (const auto& value : hostile_values()) {
        CAPTURE(n);
        const std::string id = "id-" + std::to_string(n++) + value.substr(0, 200);

        const auto w = db->workflows().create({.name = value, .description = value, .definition = value, .id = id});
        const auto gw = db->workflows().get_version(id);
        REQUIRE(gw);
        CHECK(gw->workflow_id == id);
        CHECK(gw->name == value);
        CHECK(gw->description == value);
        CHECK(gw->definition == value);

        const auto e = db->executions()
                           .create({.workflow_id = id, .input = value, .idempotency_key = value, .id = id})
                           .record;
        db->executions().set_status(id, {.status = store::execution_status::failed, .output = value, .error = value});
        const auto ge = db->executions().get(id);
        REQUIRE(ge);
        CHECK(ge->input == value);
        CHECK(ge->output == value);
        CHECK(ge->error == value);
        CHECK(ge->idempotency_key == value);
        CHECK(db->executions().find_by_idempotency_key(id, value)->id == e.id);

        const auto run = db->step_runs().create({.execution_id = id, .step_id = value, .input = value});
        CHECK(db->step_runs().get(run.id)->step_id == value);
        CHECK(db->step_runs().get(run.id)->input == value);

        const auto a = db->agents().create({.type = value, .name = value, .config = value, .id = id});
        db->agents().set_data(id, value);
        const auto ga = db->agents().get(id);
        REQUIRE(ga);
        CHECK(ga->type == value);
        CHECK(ga->name == value);
        CHECK(ga->config == value);
        CHECK(ga->data == value);
        CHECK(db->agents().count({.type = value}) == 1);

        const auto ent = db->entanglements().create({.name = value, .description = value, .id = id});
        db->entanglements().add_member(id, a.id);
        const auto m = db->entanglements().append({.entanglement_id = id, .sender_id = value, .receiver_id = value,
                                                   .type = value, .content = value, .metadata = value});
        const auto gm = db->entanglements().get_message(m.id);
        REQUIRE(gm);
        CHECK(gm->sender_id == value);
        CHECK(gm->receiver_id == value);
        CHECK(gm->type == value);
        CHECK(gm->content == value);
        CHECK(gm->metadata == value);
        CHECK(db->entanglements().messages(id, {.for_receiver = value}).size() == 1);
        CHECK(db->entanglements().get(ent.id)->name == value);

        const auto u = db->users().create({.name = "user " + id, .display_name = value});
        CHECK(db->users().find_by_name("user " + id)->display_name == value);
        db->roles().put({id, value, {value, "p:" + id}});
        CHECK(db->roles().get(id)->description == value);
        const auto t = db->tokens().add(u.id, value, value + id);
        CHECK(db->tokens().find_by_secret(value + id)->name == value);

        db->audit().append({.user_id = value, .token_id = value, .action = value, .resource = value,
                            .client = value, .metadata = value});
        const auto entries = db->audit().list({.action = value, .resource = value});
        REQUIRE(entries.size() == 1);
        CHECK(entries[0].user_id == value);
        CHECK(entries[0].metadata == value);
        CHECK(entries[0].client == value);
        (void)w;
        (void)t;
    }
    // Every table is still there, with every row.
    const auto count = std::to_string(hostile_values().size());
    CHECK(db->workflows().count() == hostile_values().size());
    CHECK(sdb.raw_scalar("SELECT count(*) FROM workflows") == count);
    CHECK(sdb.raw_scalar("SELECT count(*) FROM entanglement_messages") == count);
    CHECK(sdb.raw_scalar("SELECT count(*) FROM audit_log") == count);
    CHECK(db->integrity_check() == "ok");
}
