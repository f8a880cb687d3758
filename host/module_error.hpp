#pragma once
/// @file module_error.hpp
/// @brief A module refused to load or a lifecycle call failed; carries the ABI status
/// and, in the message, the module's own explanation.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace alex_os {

/// @brief Thrown by module_loader and module_instance.
class module_error : public std::runtime_error {
public:
    module_error(int32_t status, const std::string& message) : std::runtime_error(message), status_(status) {}

    /// @brief An alex_status value.
    [[nodiscard]] int32_t status() const noexcept { return status_; }

    /// @brief "ALEX_ERR_CONFIG" and so on; "status N" for unknown values.
    static std::string status_name(int32_t status);

private:
    int32_t status_;
};

}  // namespace alex_os
