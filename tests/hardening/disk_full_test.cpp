// The disk fills up under a running module: SQLite on a 4 MB tmpfs (mounted by the test: it
// needs root, which CI has; without root the test FAILS saying so, it never passes quietly).
// While the disk is full, writes fail with a clear error (REST: 503 naming the full disk; the
// log says so), the `database` health component reflects it, running executions wait instead
// of failing; nothing committed earlier is lost; once space returns they complete and new
// work succeeds, and the database file is intact.
#include "hardening_support.hpp"

#include <chainbot/module.hpp>

#include "orchestrator/orchestrator.hpp"
#include "runtime/runtime.hpp"
#include "support/eventually.hpp"
#include "support/http_get.hpp"
#include "support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {

class captured_log final : public log_sink {
public:
    void write(log_level, std::string_view component, std::string_view message) override {
        std::lock_guard lock(mutex_);
        lines_.push_back(std::string(component) + ": " + std::string(message));
    }
    bool contains(const std::string& text) const {
        std::lock_guard lock(mutex_);
        for (const auto& l : lines_)
            if (l.find(text) != std::string::npos) return true;
        return false;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

// Writes `path` until the filesystem has no byte left; returns the bytes written.
std::size_t fill(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    std::vector<char> chunk(64 * 1024, 'f');
    std::size_t written = 0;
    for (std::size_t size = chunk.size(); size > 0; size /= 2) {
        for (;;) {
            const auto n = ::write(fd, chunk.data(), size);
            if (n <= 0) break;
            written += static_cast<std::size_t>(n);
        }
    }
    ::fsync(fd);
    ::close(fd);
    return written;
}

std::string integrity_of(const std::string& db_path) {
    sqlite3* db = nullptr;
    std::string result = "cannot open";
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            result = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return result;
}

}  // namespace

TEST_CASE("disk full: writes fail clearly, health says so, nothing earlier is lost, work resumes when space returns",
          "[hardening][disk]") {
    if (::geteuid() != 0)
        FAIL("this test mounts a 4 MB tmpfs and fills it, which needs root; CI runs as root: run the tests as root");
    temp_dir dir;
    const auto mnt = dir.path() / "small";
    std::filesystem::create_directories(mnt);
    const int mounted = ::mount("tmpfs", mnt.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0700");
    const int mount_errno = errno;
    INFO("mount -t tmpfs -o size=4m: " << std::strerror(mount_errno));
    REQUIRE(mounted == 0);
    struct unmount {
        std::string path;
        ~unmount() { ::umount2(path.c_str(), MNT_DETACH); }
    } guard{mnt.string()};

    auto log = std::make_shared<captured_log>();
    const int steps = 4;
    {
        chainbot_module module;
        module.initialize({nullptr, nullptr, log},
                          R"({"api": {"port": 0}, "module": {"data_dir": ")" + mnt.string() + R"("},)"
                          R"( "workflow": {"max_concurrent_executions": 4}, "raspberry_pi": {"enable_hardware_monitoring": false}})");
        // Each step stores a few KB, so that the disk fills up in a few executions.
        module.get_orchestrator()->tasks().add("data_processor", "blob", [](const orchestrator::task_call& c) -> json::value {
            std::this_thread::sleep_for(std::chrono::milliseconds(60));
            return json::object{{"step", c.step_id}, {"key", c.idempotency_key}, {"blob", std::string(3000, 'b')}};
        });
        module.start();
        std::string admin;
        std::ifstream(mnt / "admin_token") >> admin;
        REQUIRE_FALSE(admin.empty());
        const header_list auth{{"Authorization", "Bearer " + admin}};
        const auto port = module.api_port();
        const auto database = [&] {
            return module.get_runtime()->health().report().at("components").at("database").as_object();
        };
        auto* orch = module.get_orchestrator();
        std::string list;
        for (int i = 1; i <= steps; ++i)
            list += std::string(i > 1 ? "," : "") + R"({"id": "s)" + std::to_string(i) +
                    R"(", "type": "agent_task", "agent_type": "data_processor", "task": "blob"})";
        const auto wf = orch->create_workflow(json::parse(R"({"name": "fills the disk", "steps": [)" + list + "]}")).workflow_id;

        // Before: completed executions whose outputs must survive.
        std::vector<std::string> before;
        for (int i = 0; i < 6; ++i) before.push_back(orch->execute(wf, {}).id);
        for (const auto& id : before) REQUIRE(orch->wait(id, std::chrono::seconds(30)));
        orch->flush();

        // Running executions when the disk fills up.
        std::vector<std::string> during;
        for (int i = 0; i < 4; ++i) during.push_back(orch->execute(wf, {}).id);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const auto filled = fill((mnt / "filler").string());
        const auto full_at = std::chrono::steady_clock::now();

        // New work is refused with a clear 503, not a 500 or a hang.
        std::vector<std::string> refusals;
        int refused = 0;
        for (int i = 0; i < 3; ++i) {
            const auto r = http_request(port, "POST", "/api/chainbot/workflows/" + wf + "/execute", R"({"n": 1})", auth);
            INFO(r.body);
            CHECK((r.status == 503 || r.status == 202));
            if (r.status == 503) {
                ++refused;
                CHECK(r.body.find("full") != std::string::npos);
                refusals.push_back(r.body);
            } else {
                during.push_back(std::string(r.json().at("execution_id").as_string()));
            }
        }
        CHECK(refused > 0);
        // Health and the log say why.
        CHECK(eventually([&] { return database().at("score").to_number<double>() < 1.0; }, std::chrono::seconds(10)));
        INFO(json::serialize(database()));
        CHECK(std::string(database().at("status").as_string()) != "healthy");
        CHECK(database().contains("detail"));
        if (database().contains("detail")) CHECK(std::string(database().at("detail").as_string()).find("full") != std::string::npos);
        CHECK(eventually([&] { return log->contains("database or disk is full"); }));
        const auto noticed = seconds_since(full_at);
        // The module keeps answering, and running executions wait rather than fail.
        std::this_thread::sleep_for(std::chrono::seconds(2));
        CHECK(http_get(port, "/api/chainbot/health").status / 100 != 0);
        for (const auto& id : during) {
            const auto e = http_request(port, "GET", "/api/chainbot/executions/" + id, "", auth);
            REQUIRE(e.status == 200);
            const std::string status(e.json().at("status").as_string());
            INFO(id << " " << status);
            CHECK((status == "running" || status == "queued" || status == "completed"));
        }

        // Space returns.
        std::filesystem::remove(mnt / "filler");
        const auto freed_at = std::chrono::steady_clock::now();
        CHECK(eventually([&] {
            for (const auto& id : during)
                if (!orch->wait(id, std::chrono::milliseconds(1))) return false;
            return true;
        }, std::chrono::seconds(90)));
        const auto finished = seconds_since(freed_at);
        CHECK(eventually([&] { return database().at("score").to_number<double>() == 1.0; }, std::chrono::seconds(30)));
        const auto recovered = seconds_since(freed_at);
        const auto after = http_request(port, "POST", "/api/chainbot/workflows/" + wf + "/execute?wait=true", "{}", auth);
        INFO(after.body);
        CHECK(after.status == 200);
        CHECK(after.json().at("status") == "completed");
        orch->flush();
        // Full again while idle: a refused request is the only write; with space back, health
        // recovers by itself (the store probes writes while they fail), no request needed.
        fill((mnt / "filler").string());
        CHECK(http_request(port, "POST", "/api/chainbot/workflows/" + wf + "/execute", "{}", auth).status == 503);
        CHECK(database().at("score").to_number<double>() == 0.0);
        std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // the store's probes keep failing
        CHECK(database().at("score").to_number<double>() == 0.0);
        std::filesystem::remove(mnt / "filler");
        const auto idle_freed_at = std::chrono::steady_clock::now();
        CHECK(eventually([&] { return database().at("score").to_number<double>() == 1.0; }, std::chrono::seconds(15)));
        const auto idle_recovered = seconds_since(idle_freed_at);
        for (const auto& id : during) {
            INFO(id);
            const auto r = http_request(port, "GET", "/api/chainbot/executions/" + id, "", auth);
            CHECK(r.json().at("status") == "completed");
        }
        for (const auto& id : before) {
            const auto r = http_request(port, "GET", "/api/chainbot/executions/" + id, "", auth);
            CHECK(r.json().at("status") == "completed");
        }
        module.stop();
        report("disk-full: 4 MB tmpfs, %zu bytes of filler, %zu executions done before, %zu running across the "
               "full disk, %d of 3 execute requests refused with 503, health below 1 %.2f s after the disk filled, "
               "running executions completed %.1f s and health back to 1 %.1f s after space returned; full again "
               "while idle: health back to 1 %.1f s after space returned, with no request",
               filled, before.size(), during.size(), refused, noticed, finished, recovered, idle_recovered);
        if (!refusals.empty()) report("disk-full: refusal body %s", refusals.front().c_str());
    }
    CHECK(integrity_of((mnt / "chainbot.db").string()) == "ok");
}
