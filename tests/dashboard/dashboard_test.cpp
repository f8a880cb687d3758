// The dashboard as the module serves it: its embedded files at /chainbot/ (types, ETag,
// 404, no way out of the file table) with no token, and GET /api/chainbot/auth/me (what a
// token may do). The browser tests of the pages themselves are e2e.test.mjs beside this file.
#include "dashboard/auth_me_route.hpp"
#include "dashboard/static_routes.hpp"

#include "support/http_get.hpp"
#include "support/temp_dir.hpp"

#include <chainbot/module.hpp>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {

// The whole module with security on, as a host runs it.
struct served_module {
    temp_dir dir;
    chainbot_module module;
    std::string admin;
    served_module() {
        module.initialize({}, R"({"api": {"port": 0}, "module": {"data_dir": ")" + dir.str() + R"("}})");
        module.start();
        std::ifstream in(dir.path() / "admin_token");
        std::getline(in, admin);
        REQUIRE_FALSE(admin.empty());
    }
    ~served_module() { module.stop(); }
    http_reply get(const std::string& target, header_list headers = {}) {
        return http_request(module.api_port(), "GET", target, "", headers);
    }
    http_reply call(const std::string& method, const std::string& path, const std::string& token,
                    const std::string& body = "") {
        header_list h;
        if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
        return http_request(module.api_port(), method, path, body, h);
    }
    std::string token_for(const std::string& name, const std::string& role) {
        auto u = call("POST", "/api/chainbot/admin/users", admin, R"({"name": ")" + name + R"(", "roles": [")" + role + R"("]})");
        INFO(u.body);
        REQUIRE(u.status == 201);
        auto t = call("POST", "/api/chainbot/admin/users/" + std::string(json::parse(u.body).at("id").as_string()) + "/tokens",
                      admin, R"({"name": "t"})");
        INFO(t.body);
        REQUIRE(t.status == 201);
        return std::string(json::parse(t.body).at("secret").as_string());
    }
};

std::set<std::string> strings_of(const json::value& v) {
    std::set<std::string> out;
    for (const auto& s : v.as_array()) out.emplace(s.as_string());
    return out;
}

}  // namespace

TEST_CASE("the dashboard's files are embedded: the index, its scripts and its styles", "[dashboard]") {
    const auto files = dashboard::dashboard_files();
    std::set<std::string> names;
    for (const auto& f : files) {
        names.emplace(f.name);
        CHECK(f.size > 0);
    }
    CHECK(names.contains("index.html"));
    CHECK(names.contains("app.js"));
    CHECK(names.contains("style.css"));
    CHECK(std::is_sorted(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.name < b.name; }));
}

TEST_CASE("the dashboard loads nothing from another origin (no CDN)", "[dashboard]") {
    // A link, a script, a stylesheet import or a module import that names a scheme or a
    // host ("//cdn..."): the page must work on a Pi without any other network.
    const std::regex remote(R"re((\b(src|href)\s*=\s*["']?|\burl\(\s*["']?|\bimport\b[^;'"]*["']|@import\s+["']?)(https?:)?//)re",
                            std::regex::icase);
    for (const auto& f : dashboard::dashboard_files()) {
        INFO(f.name);
        const std::string text(f.contents());
        CHECK_FALSE(std::regex_search(text, remote));
    }
}

TEST_CASE("content types by extension", "[dashboard]") {
    CHECK(dashboard::content_type_for("index.html") == "text/html; charset=utf-8");
    CHECK(dashboard::content_type_for("app.js") == "text/javascript; charset=utf-8");
    CHECK(dashboard::content_type_for("style.css") == "text/css; charset=utf-8");
    CHECK(dashboard::content_type_for("icon.svg") == "image/svg+xml");
    CHECK(dashboard::content_type_for("manifest.webmanifest") == "application/manifest+json");
    CHECK(dashboard::content_type_for("README") == "application/octet-stream");
    CHECK(dashboard::content_type_for(".js") == "application/octet-stream");
}

TEST_CASE("the module serves the dashboard at /chainbot/ without a token", "[dashboard]") {
    served_module m;
    auto index = m.get("/chainbot/");
    REQUIRE(index.status == 200);
    CHECK(index.header("content-type") == "text/html; charset=utf-8");
    CHECK(index.body.find("app.js") != std::string::npos);
    CHECK(index.header("cache-control") == "no-cache");
    CHECK(index.header("x-content-type-options") == "nosniff");
    CHECK(index.header("content-security-policy").find("default-src 'none'") != std::string::npos);
    CHECK(index.header("content-security-policy").find("connect-src 'self'") != std::string::npos);
    // The page's relative links need the slash.
    auto bare = m.get("/chainbot");
    CHECK(bare.status == 301);
    CHECK(bare.header("location") == "/chainbot/");
    // Every embedded file, byte for byte, with its type.
    for (const auto& f : dashboard::dashboard_files()) {
        INFO(f.name);
        auto r = m.get("/chainbot/" + std::string(f.name));
        CHECK(r.status == 200);
        CHECK(r.header("content-type") == dashboard::content_type_for(f.name));
        CHECK(r.body == f.contents());
        CHECK_FALSE(r.header("etag").empty());
    }
    CHECK(m.get("/chainbot/app.js").header("content-type") == "text/javascript; charset=utf-8");
    CHECK(m.get("/chainbot/style.css").header("content-type") == "text/css; charset=utf-8");
}

TEST_CASE("a file's ETag answers If-None-Match with 304", "[dashboard]") {
    served_module m;
    auto first = m.get("/chainbot/app.js");
    REQUIRE(first.status == 200);
    const auto etag = first.header("etag");
    REQUIRE(etag.size() > 2);
    CHECK(etag.front() == '"');
    auto again = m.get("/chainbot/app.js", {{"If-None-Match", etag}});
    CHECK(again.status == 304);
    CHECK(again.body.empty());
    CHECK(again.header("etag") == etag);
    CHECK(m.get("/chainbot/app.js", {{"If-None-Match", "\"other\", W/" + etag}}).status == 304);
    CHECK(m.get("/chainbot/app.js", {{"If-None-Match", "\"other\""}}).status == 200);
    // Another file, another tag.
    CHECK(m.get("/chainbot/style.css").header("etag") != etag);
}

TEST_CASE("unknown files are 404 and no path leaves the dashboard's files", "[dashboard]") {
    served_module m;
    for (const std::string target : {"/chainbot/nope.js", "/chainbot/index.htm", "/chainbot/../api/chainbot/workflows",
                                     "/chainbot/%2e%2e/", "/chainbot/%2e%2e", "/chainbot/..%2fapi%2fchainbot%2fworkflows",
                                     "/chainbot/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/chainbot/app.js/../../etc/passwd",
                                     "/chainbot/./app.js", "/chainbot/%2fapp.js", "/chainbot/.%2fapp.js",
                                     "/chainbot/dashboard/app.js"}) {
        INFO(target);
        auto r = m.get(target);
        CHECK(r.status == 404);
        CHECK(r.body.find("root:") == std::string::npos);
        CHECK(r.body.find("\"items\"") == std::string::npos);  // no workflow list leaked through
    }
    // The API itself still wants its token.
    CHECK(m.get("/api/chainbot/workflows").status == 401);
    CHECK(http_request(m.module.api_port(), "POST", "/chainbot/", "{}").status == 405);
}

TEST_CASE("auth/me tells a token's user, roles and permissions", "[dashboard][security]") {
    served_module m;
    SECTION("the first-start admin may do everything") {
        auto r = m.call("GET", "/api/chainbot/auth/me", m.admin);
        REQUIRE(r.status == 200);
        const auto me = json::parse(r.body);
        CHECK(me.at("user_name") == "admin");
        CHECK_FALSE(me.at("user_id").as_string().empty());
        CHECK_FALSE(me.at("token_id").as_string().empty());
        CHECK(strings_of(me.at("roles")) == std::set<std::string>{"admin"});
        CHECK(strings_of(me.at("permissions")) == std::set<std::string>{"chainbot:admin"});
        CHECK(me.at("effective_permissions").as_array().size() == security::permission::all.size());
    }
    SECTION("a viewer may only read; an operator may run but not create") {
        const auto viewer = m.token_for("vera", "viewer");
        auto v = json::parse(m.call("GET", "/api/chainbot/auth/me", viewer).body);
        CHECK(v.at("user_name") == "vera");
        CHECK(strings_of(v.at("effective_permissions")) == std::set<std::string>{"chainbot:read"});
        const auto op = m.token_for("otto", "operator");
        auto o = strings_of(json::parse(m.call("GET", "/api/chainbot/auth/me", op).body).at("effective_permissions"));
        CHECK(o.contains("chainbot:workflow:execute"));
        CHECK(o.contains("chainbot:agent:spawn"));
        CHECK_FALSE(o.contains("chainbot:workflow:create"));
        CHECK_FALSE(o.contains("chainbot:admin"));
    }
    SECTION("no token or a bad one is refused, also as ?access_token=") {
        CHECK(m.call("GET", "/api/chainbot/auth/me", "").status == 401);
        CHECK(m.call("GET", "/api/chainbot/auth/me", "not-a-token").status == 401);
        auto q = m.get("/api/chainbot/auth/me?access_token=" + m.admin);
        CHECK(q.status == 200);
        CHECK(q.body.find(m.admin) == std::string::npos);
    }
    SECTION("openapi.json lists auth/me with its permission, and not the static files") {
        const auto doc = json::parse(m.get("/api/chainbot/openapi.json").body);
        CHECK(doc.at("paths").at("/api/chainbot/auth/me").at("get").at("x-permission") == "chainbot:read");
        for (const auto& p : doc.at("paths").as_object()) CHECK(std::string(p.key()).rfind("/api/chainbot/", 0) == 0);
    }
}
