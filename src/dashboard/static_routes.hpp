#pragma once
/// @file static_routes.hpp
/// @brief The dashboard's files, served from the module itself at /chainbot/ on the API port:
///
/// | request                  | answer                                                        |
/// |--------------------------|---------------------------------------------------------------|
/// | GET /chainbot            | 301 to /chainbot/ (the page's relative links need the slash)  |
/// | GET /chainbot/           | index.html                                                    |
/// | GET /chainbot/<file>     | that embedded file, typed by its extension; 404 for any other |
///
/// The files need no token (the data they show comes from the authenticated API), so
/// these routes live on the router, outside the API's route table and its authorization
/// hook. Nothing is read from disk: a name is looked up among the embedded files only, so
/// no path (`..`, `%2e%2e%2f`, a second segment) reaches anything else. Every answer has a
/// strong ETag (If-None-Match gives 304), `Cache-Control: no-cache` (revalidate, so that an
/// upgraded module is picked up at once) and a Content-Security-Policy allowing only the
/// module's own origin.

#include "dashboard/embedded_assets.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

#include <span>
#include <string>
#include <string_view>

namespace chainbot::dashboard {

/// @brief The path the dashboard is served under.
inline constexpr std::string_view base_path = "/chainbot/";

/// @brief The Content-Type of a file name, by extension ("application/octet-stream" if unknown).
std::string_view content_type_for(std::string_view name) noexcept;

/// @brief Adds the routes of the table above, over `files` (default: the embedded dashboard).
void add_static_routes(http::router& router, std::span<const embedded_asset> files = dashboard_files());

}  // namespace chainbot::dashboard
