#pragma once
// Helpers shared by the host tests: temporary folders, files, and running alex_os.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>
#include "support/eventually.hpp"

namespace host_test {

/// A fresh folder under the system temp dir, removed on destruction.
class temp_dir {
public:
    temp_dir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "alex_os_test_XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& file, const std::string& text) {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

inline std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// A module folder: the library copied in as `library` beside a module.json.
inline std::filesystem::path make_module_dir(const std::filesystem::path& modules_dir, const std::string& id,
                                             const std::filesystem::path& library, const std::string& extra = "") {
    const auto dir = modules_dir / id;
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(library, dir / ("lib" + id + ".so"), std::filesystem::copy_options::overwrite_existing);
    write_file(dir / "module.json", "{\"id\": \"" + id + "\", \"name\": \"Fake " + id + "\", \"library\": \"lib" + id +
                                        ".so\", \"abi_version\": \"1.0\", \"version\": \"1.2.3\"" + extra + "}");
    return dir;
}

using chainbot::test::eventually;

/// Output of one alex_os process.
struct process_result {
    int exit_code = -1;
    std::string out;
    std::string err;
};

inline std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

/// Runs alex_os with `args`, feeding `input` on stdin, in `work_dir`.
inline process_result run_alex_os(const temp_dir& work_dir, const std::vector<std::string>& args,
                                  const std::string& input = "") {
    write_file(work_dir / "stdin.txt", input);
    std::string command = "cd " + shell_quote(work_dir.path().string()) + " && " + shell_quote(ALEX_OS_BINARY);
    for (const auto& a : args) command += " " + shell_quote(a);
    command += " < stdin.txt > stdout.txt 2> stderr.txt";
    const int status = std::system(command.c_str());
    process_result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_file(work_dir / "stdout.txt");
    r.err = read_file(work_dir / "stderr.txt");
    return r;
}

}  // namespace host_test
