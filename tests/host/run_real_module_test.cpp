// `alex_os run` with the real libchainbot.so: the module starts, answers its health
// endpoint over a real socket, and stops gracefully on SIGTERM.
#include "support/http_get.hpp"
#include "support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

struct child {
    pid_t pid = -1;
    int out_fd = -1;
    std::string out;

    // Reads stdout until `needle` appears; false at EOF.
    bool read_until(const std::string& needle) {
        char buf[4096];
        while (out.find(needle) == std::string::npos) {
            const auto n = ::read(out_fd, buf, sizeof buf);
            if (n <= 0) return false;
            out.append(buf, static_cast<std::size_t>(n));
        }
        return true;
    }
    int wait_exit() {
        int status = 0;
        ::waitpid(pid, &status, 0);
        char buf[4096];
        for (ssize_t n; (n = ::read(out_fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
        ::close(out_fd);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
};

child spawn(const std::vector<std::string>& args, const std::string& cwd) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    child c;
    c.pid = ::fork();
    REQUIRE(c.pid >= 0);
    if (c.pid == 0) {
        ::dup2(fds[1], STDOUT_FILENO);
        ::close(fds[0]);
        ::close(fds[1]);
        if (::chdir(cwd.c_str()) != 0) ::_exit(126);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(fds[1]);
    c.out_fd = fds[0];
    return c;
}

}  // namespace

TEST_CASE("alex_os run loads the real ChainBot module, serves health, stops on SIGTERM", "[host][e2e]") {
    chainbot::test::temp_dir home;
    const std::string modules = CHAINBOT_BINARY_DIR "/bin/modules";
    auto c = spawn({ALEX_OS_BINARY, "--modules-dir", modules, "--home", home.str(), "run", "--set",
                    "chainbot.api.port=0", "--set", "chainbot.module.data_dir=" + home.str() + "/data", "--watch",
                    "chainbot.module.*"},
                   home.str());
    REQUIRE(c.read_until("chainbot.module.ready"));
    REQUIRE(c.read_until("}\n"));
    const auto line_start = c.out.find("chainbot.module.ready ");
    const auto json = c.out.substr(line_start + 22, c.out.find('\n', line_start) - line_start - 22);
    const auto port = static_cast<unsigned short>(boost::json::parse(json).as_object().at("api_port").as_int64());
    REQUIRE(port != 0);

    auto reply = chainbot::test::http_get(port, "/api/chainbot/health");
    CHECK(reply.status == 200);
    CHECK(boost::json::parse(reply.body).as_object().at("status").as_string() == "healthy");

    ::kill(c.pid, SIGTERM);
    CHECK(c.wait_exit() == 0);
    CHECK(c.out.find("chainbot.module.stopped") != std::string::npos);
    CHECK_THROWS(chainbot::test::http_get(port, "/api/chainbot/health"));
}
