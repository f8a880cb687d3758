#pragma once
/// @file shutdown_signal.hpp
/// @brief Waits for SIGINT or SIGTERM without a signal handler: the signals are blocked
/// in every thread (create this before any thread) and taken with sigtimedwait.

#include <atomic>
#include <csignal>

namespace alex_os {

/// @brief Blocks SIGINT and SIGTERM for its lifetime; wait() takes them.
class shutdown_signal {
public:
    /// @brief Blocks the signals in this thread and in the threads it creates afterwards.
    shutdown_signal();
    /// @brief Restores the previous signal mask of the constructing thread.
    ~shutdown_signal();
    shutdown_signal(const shutdown_signal&) = delete;
    shutdown_signal& operator=(const shutdown_signal&) = delete;

    /// @brief Returns the signal number once one arrives, or 0 once request() is called.
    int wait();
    /// @brief Ends wait() from another thread (the console's `quit`).
    void request() noexcept { requested_ = true; }

private:
    sigset_t signals_{};
    sigset_t previous_{};
    std::atomic<bool> requested_{false};
};

}  // namespace alex_os
