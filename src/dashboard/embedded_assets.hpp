#pragma once
/// @file embedded_assets.hpp
/// @brief Files compiled into the module (cmake/EmbedAssets.cmake turns each file of a
/// folder into a byte array of a generated source): the dashboard's HTML, CSS and scripts.

#include <cstddef>
#include <span>
#include <string_view>

namespace chainbot::dashboard {

struct embedded_asset {
    std::string_view name;  ///< file name, e.g. "app.js" (no folders)
    const unsigned char* data;
    std::size_t size;

    std::string_view contents() const noexcept { return {reinterpret_cast<const char*>(data), size}; }
};

/// @brief Every file of web/dashboard/, sorted by name (generated at build time).
std::span<const embedded_asset> dashboard_files() noexcept;

}  // namespace chainbot::dashboard
