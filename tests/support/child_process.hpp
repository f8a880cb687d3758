#pragma once
// A real child process whose stdout the test reads line by line, for crash tests that kill
// it with SIGKILL. The destructor kills and reaps a child that is still running.
#include <catch2/catch.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

extern char** environ;

namespace chainbot::test {

class child_process {
public:
    /// @brief Starts argv[0] with `argv` (and this process's environment).
    explicit child_process(std::vector<std::string> argv) {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, fds[0]);
        posix_spawn_file_actions_addclose(&actions, fds[1]);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(fds[1]);
        REQUIRE(rc == 0);
        out_ = ::fdopen(fds[0], "r");
    }
    ~child_process() {
        if (pid_ > 0) kill_now();
        if (out_) std::fclose(out_);
    }
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    /// @brief The next line of its stdout, or "" at end of stream.
    std::string read_line() {
        std::string line;
        for (int c; (c = std::fgetc(out_)) != EOF;) {
            if (c == '\n') return line;
            line.push_back(static_cast<char>(c));
        }
        return line;
    }
    /// @brief SIGKILL, then reap; returns the signal that ended it.
    int kill_now() {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    }
    /// @brief Waits for it to exit; returns its exit code (-1 when a signal ended it).
    int wait() {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

private:
    pid_t pid_ = -1;
    std::FILE* out_ = nullptr;
};

}  // namespace chainbot::test
