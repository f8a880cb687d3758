#pragma once
/// @file module_commands.hpp
/// @brief `alex_os module list|register|unregister|info`.

#include <iosfwd>
#include <string_view>

namespace alex_os {

class module_registry;

/// @brief The `module` commands; each returns the process exit code.
class module_commands {
public:
    module_commands(module_registry& registry, std::ostream& out, std::ostream& err)
        : registry_(registry), out_(out), err_(err) {}

    /// @brief A table of every module: id, state, version, ABI, folder. Problems with
    /// manifests are warnings on `err`.
    int list();
    /// @brief Records a module by id or folder path.
    int register_module(std::string_view id_or_path);
    int unregister_module(std::string_view id);
    /// @brief Loads the module and prints its get_module_info JSON, indented.
    int info(std::string_view id);

private:
    module_registry& registry_;
    std::ostream& out_;
    std::ostream& err_;
};

}  // namespace alex_os
