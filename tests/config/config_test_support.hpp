#pragma once
// Helpers shared by the config tests: a fresh temporary directory and catching
// the config_error message.

#include "config/loader.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>

namespace chainbot::config::test {

/// A fresh directory under the system temp dir, removed at the end of the test.
class temp_dir {
public:
    temp_dir() {
        std::random_device random;
        path_ = std::filesystem::temp_directory_path() /
                ("chainbot-config-test-" + std::to_string(random()) + std::to_string(random()));
        std::filesystem::create_directories(path_);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const { return path_; }

    /// Writes `text` to `name` in the directory and returns its path.
    std::filesystem::path write(const std::string& name, const std::string& text) const {
        auto file = path_ / name;
        std::ofstream(file, std::ios::binary) << text;
        return file;
    }

private:
    std::filesystem::path path_;
};

/// The message of the config_error `action` throws; fails the test if it throws none.
inline std::string config_error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const chainbot::config_error& e) {
        return e.what();
    }
    FAIL("expected a chainbot::config_error");
    return {};
}

inline std::string load_error(const load_request& request) {
    return config_error_of([&] { (void)load(request); });
}

/// Number of lines of a message (one problem per line).
inline std::size_t line_count(const std::string& message) {
    return message.empty() ? 0 : 1 + static_cast<std::size_t>(std::count(message.begin(), message.end(), '\n'));
}

}  // namespace chainbot::config::test
