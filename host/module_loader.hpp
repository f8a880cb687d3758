#pragma once
/// @file module_loader.hpp
/// @brief Opens a module library and negotiates the ABI, after OBS's module loader and
/// Vulkan's layer negotiation: zero-filled table, size-bounded, majors must agree.

#include <alex_module.h>

#include <cstdint>
#include <filesystem>
#include <memory>

namespace alex_os {

class module_instance;

/// @brief Loads modules with RTLD_NOW | RTLD_LOCAL and checks what they answer.
class module_loader {
public:
    /// @param host_abi_version the version announced to modules; anything but the
    /// default exists for tests of version negotiation.
    explicit module_loader(uint32_t host_abi_version = ALEX_ABI_VERSION) noexcept
        : host_abi_version_(host_abi_version) {}

    /// @brief Loads `library`, calls alex_module_create and validates the table:
    /// same ABI major as the host, struct_size no larger than the host's
    /// alex_module_api, every ABI 1.0 function present and non-null.
    /// @throws module_error naming the library and, when the module gave one, its message.
    [[nodiscard]] std::unique_ptr<module_instance> load(const std::filesystem::path& library) const;

    [[nodiscard]] uint32_t host_abi_version() const noexcept { return host_abi_version_; }

private:
    uint32_t host_abi_version_;
};

}  // namespace alex_os
