#pragma once
/// @file host_paths.hpp
/// @brief Where the host looks for modules and keeps its state.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace alex_os {

/// @brief Resolves the modules search path and the home folder. Environment values
/// are passed in (nullptr when unset) so that the rules are testable.
class host_paths {
public:
    /// @brief `cli_dirs` when given; else the colon list `env_modules_dir`
    /// (ALEX_OS_MODULES_DIR) when set and non-empty; else those of
    /// `<exe_dir>/modules`, `<exe_dir>/../lib/alex_os/modules` and
    /// `/usr/lib/alex_os/modules` that exist.
    static std::vector<std::filesystem::path> module_dirs(const std::vector<std::filesystem::path>& cli_dirs,
                                                          const char* env_modules_dir,
                                                          const std::filesystem::path& exe_dir);

    /// @brief `cli_home`, else ALEX_OS_HOME, else `$XDG_STATE_HOME/alex_os`, else
    /// `$HOME/.local/state/alex_os`. @throws std::runtime_error when none is known.
    static std::filesystem::path home(const std::optional<std::filesystem::path>& cli_home, const char* env_alex_home,
                                      const char* env_xdg_state_home, const char* env_home);

    /// @brief Both of the above from the process environment.
    static std::vector<std::filesystem::path> module_dirs(const std::vector<std::filesystem::path>& cli_dirs);
    static std::filesystem::path home(const std::optional<std::filesystem::path>& cli_home);

    /// @brief The folder of the running executable (/proc/self/exe).
    static std::filesystem::path executable_dir();
};

}  // namespace alex_os
