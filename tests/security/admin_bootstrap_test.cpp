#include "fixture.hpp"

#include "security/security_service.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

using namespace chainbot;
using namespace chainbot::security;

namespace {

struct started_security {
    std::shared_ptr<test::captured_log> log = std::make_shared<test::captured_log>();
    std::unique_ptr<runtime> rt;
    std::shared_ptr<security_service> svc;

    started_security(test::security_fixture& fx, const std::filesystem::path& data_dir) {
        config::settings s;
        s.module.data_dir = data_dir.string();
        rt = std::make_unique<runtime>(std::move(s), host_services{.log = log});
        svc = std::make_shared<security_service>(fx.getter(), nullptr);
        rt->add_service(svc);
        rt->start();
    }
    ~started_security() { rt->stop(); }
};

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::string s;
    std::getline(in, s);
    return s;
}

}  // namespace

TEST_CASE("first start: the admin token is written owner-only, works, and never reaches the log", "[security]") {
    test::security_fixture fx;
    const auto data = fx.dir.path() / "data";
    std::string secret;
    {
        started_security s(fx, data);
        const auto file = data / "admin_token";
        CHECK(s.svc->admin_token_path() == file);
        REQUIRE(std::filesystem::exists(file));
        struct stat st {};
        REQUIRE(::stat(file.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        CHECK(S_ISREG(st.st_mode));

        secret = read_file(file);
        CHECK(secret.starts_with("cbt_"));
        const auto r = s.svc->auth()->authenticate(test::request_with("Bearer " + secret));
        REQUIRE(r);
        CHECK(r.who->user_name == "admin");
        CHECK(r.who->has(permission::admin));

        const auto lines = s.log->lines();
        bool names_file = false;
        for (const auto& l : lines) {
            CHECK(l.find(secret) == std::string::npos);
            CHECK(l.find(secret.substr(4, 16)) == std::string::npos);
            names_file = names_file || l.find(file.string()) != std::string::npos;
        }
        CHECK(names_file);
        CHECK_FALSE(std::filesystem::exists(data / "admin_token.tmp"));
    }
    {
        // A later start finds the administrator: the file is left alone and no token is made.
        started_security again(fx, data);
        CHECK(read_file(data / "admin_token") == secret);
        CHECK(fx.db->tokens().list().size() == 1);
        CHECK(fx.db->users().list().size() == 1);
        for (const auto& l : again.log->lines()) CHECK(l.find("first start") == std::string::npos);
    }
    std::filesystem::remove(data / "admin_token");
    {
        started_security third(fx, data);
        CHECK_FALSE(std::filesystem::exists(data / "admin_token"));
    }
}

TEST_CASE("first start: an existing administrator means no bootstrap at all", "[security]") {
    test::security_fixture fx;
    fx.user_with_token("root", {"admin"});
    const auto data = fx.dir.path() / "data";
    started_security s(fx, data);
    CHECK_FALSE(std::filesystem::exists(data / "admin_token"));
    CHECK_FALSE(fx.db->users().find_by_name("admin"));
}

TEST_CASE("first start: a non-admin user named admin is not promoted behind the operators' backs", "[security]") {
    test::security_fixture fx;
    fx.user_with_token("admin", {"viewer"});
    const auto data = fx.dir.path() / "data";
    started_security s(fx, data);
    CHECK_FALSE(std::filesystem::exists(data / "admin_token"));
    CHECK(fx.db->users().roles_of(fx.db->users().find_by_name("admin")->id) == std::vector<std::string>{"viewer"});
    bool explained = false;
    for (const auto& l : s.log->lines()) explained = explained || l.find("grant it the admin role") != std::string::npos;
    CHECK(explained);
}

TEST_CASE("first start: the token file replaces a planted symlink instead of writing through it", "[security]") {
    test::security_fixture fx;
    const auto data = fx.dir.path() / "data";
    std::filesystem::create_directories(data);
    const auto target = fx.dir.path() / "elsewhere";
    { std::ofstream(target) << "untouched\n"; }
    std::filesystem::create_symlink(target, data / "admin_token.tmp");
    write_owner_only_file(data / "admin_token", "cbt_secret");
    CHECK(read_file(target) == "untouched");
    CHECK(read_file(data / "admin_token") == "cbt_secret");
    CHECK_FALSE(std::filesystem::is_symlink(data / "admin_token"));
}
