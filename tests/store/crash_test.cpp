#include "scratch_database.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>

extern char** environ;

using namespace chainbot;
using chainbot::test::postgresql;
using chainbot::test::scratch_database;
using chainbot::test::sqlite;

namespace {

/// The writer as a child process whose stdout we read.
class child {
public:
    explicit child(const std::string& url) {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, fds[0]);
        posix_spawn_file_actions_addclose(&actions, fds[1]);
        std::string exe = STORE_CRASH_WRITER;
        std::string arg = url;
        char* argv[] = {exe.data(), arg.data(), nullptr};
        const int rc = posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(fds[1]);
        REQUIRE(rc == 0);
        out_ = ::fdopen(fds[0], "r");
    }
    ~child() {
        if (pid_ > 0) kill_now();
        if (out_) std::fclose(out_);
    }
    /// The next line, or "" at end of stream.
    std::string read_line() {
        std::string line;
        for (int c; (c = std::fgetc(out_)) != EOF;) {
            if (c == '\n') return line;
            line.push_back(static_cast<char>(c));
        }
        return line;
    }
    /// SIGKILL, then reap; returns the signal that ended it.
    int kill_now() {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    }

private:
    pid_t pid_ = -1;
    std::FILE* out_ = nullptr;
};

}  // namespace

TEMPLATE_TEST_CASE("crash: every write committed before a SIGKILL is intact afterwards", "[store][crash]", sqlite,
                   postgresql) {
    scratch_database sdb(TestType::kind);
    sdb.open_migrated();  // the schema exists before the writer starts

    std::vector<std::pair<std::string, long>> committed;
    {
        child writer(sdb.url());
        while (committed.size() < 60) {
            const auto line = writer.read_line();
            REQUIRE_FALSE(line.empty());  // the writer died on its own: see its stderr
            std::istringstream fields(line);
            std::string id;
            long round = -1;
            fields >> id >> round;
            committed.emplace_back(id, round);
        }
        CHECK(writer.kill_now() == SIGKILL);  // mid-stream: it was writing as fast as it could
        // Lines it printed before dying were committed too.
        for (auto line = writer.read_line(); !line.empty(); line = writer.read_line()) {
            std::istringstream fields(line);
            std::string id;
            long round = -1;
            fields >> id >> round;
            committed.emplace_back(id, round);
        }
    }
    INFO(committed.size() << " writes were acknowledged before the kill");

    auto db = sdb.open();
    CHECK(db->current_version() == 3);
    for (const auto& [id, round] : committed) {
        CAPTURE(id, round);
        const auto v = db->workflows().get_version(id);
        REQUIRE(v);
        CHECK(v->name == "crash-" + std::to_string(round));
        CHECK(v->definition == R"({"round": )" + std::to_string(round) + R"(, "steps": ["a", "b"]})");
        CHECK(db->audit().count({.resource = id}) == 1);
    }
    // Whole transactions only: every workflow stored has its audit entry and vice versa.
    CHECK(db->workflows().count() == db->audit().count({.action = "crash.write"}));
    CHECK(db->workflows().count() >= committed.size());

    // The database is usable: write and read again.
    const auto after = db->workflows().create({.name = "after the crash", .definition = R"({"ok": true})"});
    CHECK(db->workflows().get_version(after.workflow_id)->definition == R"({"ok": true})");
    CHECK(db->integrity_check() == "ok");
    if (TestType::kind == store::backend_kind::sqlite)
        CHECK(sdb.raw_scalar("PRAGMA integrity_check") == "ok");
}
