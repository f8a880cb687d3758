#include "fixture.hpp"

#include "security/principal.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace chainbot;
using namespace chainbot::security;

namespace {
std::vector<std::string> permissions_of_role(const std::string& name) {
    for (const auto& r : default_roles())
        if (r.name == name) return r.permissions;
    FAIL("no default role " << name);
    return {};
}
std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}
}  // namespace

TEST_CASE("permissions: exactly the eight of the issue", "[security]") {
    CHECK(std::vector<std::string>(permission::all.begin(), permission::all.end()) ==
          std::vector<std::string>{"chainbot:read", "chainbot:workflow:execute", "chainbot:workflow:create",
                                   "chainbot:workflow:delete", "chainbot:agent:spawn", "chainbot:agent:terminate",
                                   "chainbot:entanglement:manage", "chainbot:admin"});
    CHECK(is_known_permission("chainbot:read"));
    CHECK_FALSE(is_known_permission("public"));
    CHECK_FALSE(is_known_permission("chainbot:workflow"));
}

TEST_CASE("permissions: the default roles bundle the documented sets", "[security]") {
    CHECK(permissions_of_role("viewer") == std::vector<std::string>{"chainbot:read"});
    CHECK(permissions_of_role("operator") ==
          sorted({"chainbot:read", "chainbot:workflow:execute", "chainbot:agent:spawn", "chainbot:agent:terminate"}));
    CHECK(permissions_of_role("developer") ==
          sorted({"chainbot:read", "chainbot:workflow:execute", "chainbot:agent:spawn", "chainbot:agent:terminate",
                  "chainbot:workflow:create", "chainbot:workflow:delete", "chainbot:entanglement:manage"}));
    CHECK(permissions_of_role("admin") == std::vector<std::string>{"chainbot:admin"});
    CHECK(default_roles().size() == 4);
}

TEST_CASE("permissions: admin implies every permission and nothing else does", "[security]") {
    principal admin{.permissions = {"chainbot:admin"}};
    for (auto p : permission::all) CHECK(admin.has(p));
    CHECK(admin.has("chainbot:typo"));  // an unknown permission is admin-only: fails closed

    principal viewer{.permissions = {"chainbot:read"}};
    CHECK(viewer.has(permission::read));
    CHECK_FALSE(viewer.has(permission::workflow_execute));
    CHECK_FALSE(viewer.has(permission::admin));
    CHECK_FALSE(viewer.has("chainbot:typo"));
    CHECK_FALSE(principal{}.has(permission::read));
}

TEST_CASE("permissions: roles are seeded once and an admin's changes survive later starts", "[security]") {
    test::security_fixture fx;  // seeds on construction
    CHECK(fx.db->roles().list().size() == 4);
    CHECK(fx.db->roles().get("developer")->permissions == permissions_of_role("developer"));

    fx.db->roles().put({"viewer", "changed", {"chainbot:read", "chainbot:workflow:execute"}});
    fx.db->roles().remove("operator");
    CHECK_FALSE(seed_default_roles(*fx.db));
    CHECK(fx.db->roles().list().size() == 3);
    CHECK(fx.db->roles().get("viewer")->description == "changed");

    const auto [user, secret] = fx.user_with_token("dev", {"developer", "viewer"});
    CHECK(fx.db->users().permissions_of(user) ==
          sorted({"chainbot:read", "chainbot:workflow:execute", "chainbot:agent:spawn", "chainbot:agent:terminate",
                  "chainbot:workflow:create", "chainbot:workflow:delete", "chainbot:entanglement:manage"}));
}
