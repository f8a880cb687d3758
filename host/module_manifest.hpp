#pragma once
/// @file module_manifest.hpp
/// @brief A module folder's `module.json`:
/// @code
///   {"id": "chainbot", "name": "ChainBot", "library": "libchainbot.so", "abi_version": "1.0",
///    "version": "0.1.0", "default_config": "default.yaml", "description": "..."}
/// @endcode
/// `id`, `library` and `abi_version` are required; unknown keys are ignored so that
/// later manifests still load.

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace alex_os {

/// @brief A manifest that cannot be used; the message names the file and the key.
class manifest_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// @brief One parsed, validated manifest.
struct module_manifest {
    std::string id;              ///< letters, digits, '_' and '-'; also the module's config key prefix
    std::string name;            ///< defaults to id
    std::string library;         ///< file name relative to the module folder
    std::string abi_version;     ///< "MAJOR.MINOR"
    std::string version;         ///< the module's own version, may be empty
    std::string default_config;  ///< relative to the module folder, may be empty
    std::string description;
    std::filesystem::path file;  ///< the module.json it came from

    /// @brief The folder holding the manifest.
    [[nodiscard]] std::filesystem::path dir() const { return file.parent_path(); }
    [[nodiscard]] std::filesystem::path library_path() const { return dir() / library; }
    /// @brief The default config file when the manifest names one and it exists.
    [[nodiscard]] std::optional<std::filesystem::path> default_config_path() const;

    /// @brief Reads and validates `file`. @throws manifest_error.
    static module_manifest load(const std::filesystem::path& file);
    /// @brief Validates manifest text said to come from `file`. @throws manifest_error.
    static module_manifest parse(std::string_view json, const std::filesystem::path& file);
};

}  // namespace alex_os
