#pragma once
// Polls a condition until it holds or a timeout passes: how tests wait for asynchronous
// effects (a delivery, a state change, a process) instead of sleeping a fixed time.

#include <chrono>
#include <functional>
#include <thread>

namespace chainbot::test {

/// @brief Checks `condition` every 10 ms for up to `timeout`; returns its last value.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

}  // namespace chainbot::test
