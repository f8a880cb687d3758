#pragma once
// Shared pieces of the hardware tests: fixture trees, a copy of one that a test may
// rewrite, an event recorder, a log capture and a runtime configured for hardware.

#include "hardware/hardware_service.hpp"
#include "hardware/simulated_gpio_driver.hpp"
#include "runtime/runtime.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace chainbot::test {

inline std::filesystem::path fixture(const std::string& name) {
    return std::filesystem::path(CHAINBOT_SOURCE_DIR) / "tests" / "hardware" / "fixtures" / name;
}

/// A writable copy of a fixture tree (plus a data directory), removed at the end of the test.
class fixture_copy {
public:
    explicit fixture_copy(const std::string& name) : dir_("chainbot-hw") {
        std::filesystem::copy(fixture(name), root(), std::filesystem::copy_options::recursive);
        std::filesystem::create_directories(data_dir());
    }
    std::filesystem::path root() const { return dir_.path() / "root"; }
    std::filesystem::path data_dir() const { return dir_.path() / "data"; }
    void write(const std::string& relative, const std::string& text) const {
        std::ofstream out(root() / relative, std::ios::trunc | std::ios::binary);
        out << text;
        REQUIRE(out.good());
    }
    void set_temperature(double celsius) const {
        write("sys/class/thermal/thermal_zone0/temp", std::to_string(static_cast<long>(celsius * 1000)) + "\n");
    }

private:
    temp_dir dir_;
};

/// Records every event published on the hub.
class event_recorder : public events::observer {
public:
    void on_event(const events::event& e) override {
        std::lock_guard lock(mutex_);
        events_.push_back(e);
    }
    int count(std::string_view topic) const {
        std::lock_guard lock(mutex_);
        int n = 0;
        for (const auto& e : events_) n += e.topic == topic ? 1 : 0;
        return n;
    }
    std::vector<events::event> of(std::string_view topic) const {
        std::lock_guard lock(mutex_);
        std::vector<events::event> out;
        for (const auto& e : events_)
            if (e.topic == topic) out.push_back(e);
        return out;
    }

private:
    mutable std::mutex mutex_;
    std::vector<events::event> events_;
};

/// Keeps every log line with its level.
class log_capture : public log_sink {
public:
    void write(log_level level, std::string_view component, std::string_view message) override {
        std::lock_guard lock(mutex_);
        lines_.push_back({level, std::string(component) + ": " + std::string(message)});
    }
    int count(log_level level, std::string_view containing) const {
        std::lock_guard lock(mutex_);
        int n = 0;
        for (const auto& [l, text] : lines_) n += (l == level && text.find(containing) != std::string::npos) ? 1 : 0;
        return n;
    }
    int count(log_level level) const { return count(level, ""); }

private:
    mutable std::mutex mutex_;
    std::vector<std::pair<log_level, std::string>> lines_;
};

/// Settings for a hardware test: data dir in `data`, a sample interval long enough that
/// only sample_now() samples, GPIO off unless the test turns it on.
inline config::settings hardware_settings(const std::filesystem::path& data) {
    config::settings s;
    s.module.data_dir = data.string();
    s.raspberry_pi.enable_hardware_monitoring = true;
    s.raspberry_pi.sample_interval_seconds = 3600;
    s.raspberry_pi.enable_gpio_integration = false;
    s.logging.level = log_level::debug;
    return s;
}

/// A component's health score from the runtime's report.
inline double component_score(runtime& rt, const std::string& component) {
    const auto report = rt.health().report();
    return report.at("components").at(component).at("score").to_number<double>();
}

/// Polls `condition` until it holds or `timeout` passes.
inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return condition();
}

}  // namespace chainbot::test
