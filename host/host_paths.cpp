#include "host_paths.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <system_error>

namespace alex_os {
namespace {

bool set(const char* value) { return value != nullptr && *value != '\0'; }

}  // namespace

std::vector<std::filesystem::path> host_paths::module_dirs(const std::vector<std::filesystem::path>& cli_dirs,
                                                           const char* env_modules_dir,
                                                           const std::filesystem::path& exe_dir) {
    if (!cli_dirs.empty()) return cli_dirs;
    std::vector<std::filesystem::path> dirs;
    if (set(env_modules_dir)) {
        std::string_view rest = env_modules_dir;
        while (!rest.empty()) {
            const auto colon = rest.find(':');
            const std::string_view entry = rest.substr(0, colon);
            if (!entry.empty()) dirs.emplace_back(entry);
            rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
        }
        if (!dirs.empty()) return dirs;
    }
    for (const auto& candidate : {exe_dir / "modules", exe_dir / ".." / "lib" / "alex_os" / "modules",
                                  std::filesystem::path("/usr/lib/alex_os/modules")}) {
        std::error_code ec;
        if (std::filesystem::is_directory(candidate, ec)) dirs.push_back(candidate.lexically_normal());
    }
    return dirs;
}

std::filesystem::path host_paths::home(const std::optional<std::filesystem::path>& cli_home,
                                       const char* env_alex_home, const char* env_xdg_state_home,
                                       const char* env_home) {
    if (cli_home && !cli_home->empty()) return *cli_home;
    if (set(env_alex_home)) return env_alex_home;
    if (set(env_xdg_state_home)) return std::filesystem::path(env_xdg_state_home) / "alex_os";
    if (set(env_home)) return std::filesystem::path(env_home) / ".local" / "state" / "alex_os";
    throw std::runtime_error("no home folder for alex_os: give --home DIR or set ALEX_OS_HOME");
}

std::vector<std::filesystem::path> host_paths::module_dirs(const std::vector<std::filesystem::path>& cli_dirs) {
    return module_dirs(cli_dirs, std::getenv("ALEX_OS_MODULES_DIR"), executable_dir());
}

std::filesystem::path host_paths::home(const std::optional<std::filesystem::path>& cli_home) {
    return home(cli_home, std::getenv("ALEX_OS_HOME"), std::getenv("XDG_STATE_HOME"), std::getenv("HOME"));
}

std::filesystem::path host_paths::executable_dir() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::current_path() : exe.parent_path();
}

}  // namespace alex_os
