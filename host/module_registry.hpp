#pragma once
/// @file module_registry.hpp
/// @brief Modules found in the modules directories (a folder per module holding
/// `module.json` beside its library) and modules registered in `<home>/modules.json`.

#include "module_manifest.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace alex_os {

/// @brief One module as `module list` shows it.
struct module_record {
    std::string id;
    std::filesystem::path dir;
    std::optional<module_manifest> manifest;  ///< empty when a registered folder lost its manifest
    std::string problem;                      ///< why `manifest` is empty
    bool registered = false;
    bool discovered = false;

    /// @brief "registered", "discovered" or "unavailable".
    [[nodiscard]] std::string state() const;
};

/// @brief Discovery and the persistent list of registered modules.
class module_registry {
public:
    /// @brief One entry of `<home>/modules.json`.
    struct registration {
        std::string id;
        std::filesystem::path dir;
    };

    /// @brief What a scan of the search path found.
    struct discovery {
        std::vector<module_manifest> modules;  ///< first of each id in search order
        std::vector<std::string> problems;     ///< bad manifests, missing folders, shadowed ids
    };

    module_registry(std::vector<std::filesystem::path> search_dirs, std::filesystem::path home);

    /// @brief Scans each search folder: the folder itself when it holds module.json,
    /// else each of its subfolders that does.
    [[nodiscard]] discovery discover() const;

    /// @brief Registered and discovered modules, one per id (a registration wins over a
    /// discovery of the same id), sorted by id. Problems are appended to `problems`.
    [[nodiscard]] std::vector<module_record> list(std::vector<std::string>* problems = nullptr) const;

    /// @brief The module of that id, as list() would show it.
    [[nodiscard]] std::optional<module_record> find(std::string_view id) const;

    /// @brief Records a module given by id (searched on the search path) or by the path
    /// of its folder (anything containing '/', or an existing folder with module.json).
    /// Registering again updates the recorded folder.
    /// @throws std::runtime_error (or manifest_error) when it is not found or invalid.
    module_manifest register_module(std::string_view id_or_path);

    /// @brief Forgets a registration. @throws std::runtime_error when `id` is not registered.
    void unregister_module(std::string_view id);

    /// @brief The contents of `<home>/modules.json`. @throws std::runtime_error when unreadable.
    [[nodiscard]] std::vector<registration> registered() const;

    [[nodiscard]] std::filesystem::path registry_file() const { return home_ / "modules.json"; }
    [[nodiscard]] const std::vector<std::filesystem::path>& search_dirs() const noexcept { return search_dirs_; }

private:
    void save(const std::vector<registration>& entries) const;

    std::vector<std::filesystem::path> search_dirs_;
    std::filesystem::path home_;
};

}  // namespace alex_os
