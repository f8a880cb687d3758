#include "scratch_database.hpp"

#include "store/crypto.hpp"
#include "store/errors.hpp"

#include <catch2/catch.hpp>

using namespace chainbot;
using chainbot::test::postgresql;
using chainbot::test::scratch_database;
using chainbot::test::sqlite;

TEMPLATE_TEST_CASE("users and roles: permissions are the union of a user's roles", "[store][security]", sqlite,
                   postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    db->roles().put({"viewer", "reads", {"chainbot:read"}});
    db->roles().put({"operator", "runs", {"chainbot:workflow:execute", "chainbot:read"}});
    const auto ada = db->users().create({.name = "ada", .display_name = "Ada L."});
    CHECK_THROWS_AS(db->users().create({.name = "ada"}), store::store_conflict);

    db->users().assign_role(ada.id, "viewer");
    db->users().assign_role(ada.id, "operator");
    db->users().assign_role(ada.id, "operator");
    CHECK(db->users().roles_of(ada.id) == std::vector<std::string>{"operator", "viewer"});
    CHECK(db->users().permissions_of(ada.id) ==
          std::vector<std::string>{"chainbot:read", "chainbot:workflow:execute"});
    CHECK_THROWS_AS(db->users().assign_role(ada.id, "nobody"), store::store_not_found);

    // Replacing a role replaces its permissions.
    db->roles().put({"operator", "runs more", {"chainbot:agent:spawn"}});
    CHECK(db->roles().get("operator")->permissions == std::vector<std::string>{"chainbot:agent:spawn"});
    CHECK(db->roles().get("operator")->description == "runs more");
    CHECK(db->roles().list().size() == 2);
    CHECK(db->users().unassign_role(ada.id, "viewer"));
    CHECK(db->users().permissions_of(ada.id) == std::vector<std::string>{"chainbot:agent:spawn"});
    CHECK(db->roles().remove("operator"));
    CHECK(db->users().roles_of(ada.id).empty());

    db->users().set_disabled(ada.id, true);
    CHECK(db->users().find_by_name("ada")->disabled);
    CHECK(db->users().list().size() == 1);
    db->users().remove(ada.id);
    CHECK_FALSE(db->users().get(ada.id));
}

TEMPLATE_TEST_CASE("tokens: only the hash is stored and a token is found by its hash and revoked", "[store][security]", sqlite,
                   postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    const auto user = db->users().create({.name = "admin"});
    const auto issued = db->tokens().issue(user.id, "cli");
    CHECK(issued.secret.starts_with("cbt_"));
    CHECK(issued.secret.size() == 68);
    CHECK(issued.token.token_hash == store::sha256_hex(issued.secret));
    CHECK(issued.token.token_hash != issued.secret);

    // The secret appears nowhere in the database.
    CHECK(sdb.raw_scalar("SELECT count(*) FROM api_tokens WHERE token_hash = '" + issued.secret + "' OR name = '" +
                         issued.secret + "' OR id = '" + issued.secret + "'") == "0");
    CHECK(sdb.raw_scalar("SELECT token_hash FROM api_tokens") == store::hash_token(issued.secret));

    const auto found = db->tokens().find_by_secret(issued.secret);
    REQUIRE(found);
    CHECK(found->id == issued.token.id);
    CHECK(found->user_id == user.id);
    CHECK(found->active(store::now()));
    CHECK(db->tokens().find_by_hash(store::hash_token(issued.secret))->id == issued.token.id);
    CHECK_FALSE(db->tokens().find_by_secret(issued.secret + "x"));
    CHECK_FALSE(db->tokens().find_by_secret(""));

    db->tokens().touch(issued.token.id, store::now());
    CHECK(db->tokens().get(issued.token.id)->last_used_at);

    CHECK(db->tokens().revoke(issued.token.id));
    CHECK_FALSE(db->tokens().revoke(issued.token.id));
    const auto revoked = db->tokens().find_by_secret(issued.secret);
    REQUIRE(revoked);
    CHECK(revoked->revoked_at);
    CHECK_FALSE(revoked->active(store::now()));
    CHECK_THROWS_AS(db->tokens().revoke("missing"), store::store_not_found);

    const auto expiring = db->tokens().add(user.id, "short", "my-own-secret", store::now() - std::chrono::seconds(1));
    CHECK_FALSE(db->tokens().find_by_secret("my-own-secret")->active(store::now()));
    CHECK(db->tokens().list(user.id).size() == 2);
    CHECK(db->tokens().list(std::string("someone else")).empty());
    CHECK_THROWS_AS(db->tokens().issue("no-user", "x"), store::store_not_found);
    (void)expiring;
}

TEMPLATE_TEST_CASE("audit: entries are appended and the database refuses to change them", "[store][audit]", sqlite,
                   postgresql) {
    scratch_database sdb(TestType::kind);
    auto db = sdb.open_migrated();
    auto audit = db->audit();
    const auto first = audit.append({.user_id = "u1", .token_id = "t1", .action = "workflow.create",
                                     .resource = "workflows/w1", .client = "127.0.0.1",
                                     .metadata = R"({"name": "etl"})"});
    const auto second = audit.append({.user_id = "u2", .action = "auth.denied", .resource = "workflows",
                                      .success = false});
    const auto third = audit.append({.user_id = "u1", .action = "workflow.delete", .resource = "workflows/w1"});
    CHECK(second > first);
    CHECK(third > second);

    const auto all = audit.list();
    REQUIRE(all.size() == 3);
    CHECK(all[0].id == third);  // newest first
    CHECK(all[2].metadata == R"({"name": "etl"})");
    CHECK(all[2].client == "127.0.0.1");
    CHECK(all[2].token_id == "t1");
    CHECK(audit.count({.user_id = "u1"}) == 2);
    CHECK(audit.list({.success = false}).at(0).action == "auth.denied");
    CHECK(audit.count({.action = "workflow.create"}) == 1);
    CHECK(audit.count({.since = store::now() - std::chrono::minutes(1)}) == 3);
    CHECK(audit.count({.until = store::now() - std::chrono::minutes(1)}) == 0);

    // Append-only even for SQL that goes around the store.
    CHECK_THROWS_WITH(sdb.raw_exec("UPDATE audit_log SET action = 'forged'"), Catch::Contains("append-only"));
    CHECK_THROWS_WITH(sdb.raw_exec("DELETE FROM audit_log"), Catch::Contains("append-only"));
    if (TestType::kind == store::backend_kind::postgresql)
        CHECK_THROWS_WITH(sdb.raw_exec("TRUNCATE audit_log"), Catch::Contains("append-only"));
    CHECK(audit.count() == 3);
    CHECK(audit.list({.action = "forged"}).empty());
}
