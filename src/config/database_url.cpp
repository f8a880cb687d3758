// The database URL forms ChainBot accepts, and masking the password in a URL.

#include "config/loader.hpp"
#include "config/schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace chainbot::config {

namespace {

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::optional<std::string> sqlite_problem(std::string_view path) {
    if (path.empty() || path == "/") return "no database file after sqlite://";
    if (path.back() == '/') return "the database file is a directory";
    return std::nullopt;
}

/// `host[:port]` or `[v6]:port`.
std::optional<std::string> host_port_problem(std::string_view host_port) {
    std::string_view host = host_port;
    std::string_view port;
    bool has_port = false;
    if (host_port.starts_with('[')) {
        auto close = host_port.find(']');
        if (close == std::string_view::npos) return "unclosed [ in the host";
        host = host_port.substr(1, close - 1);
        std::string_view after = host_port.substr(close + 1);
        if (!after.empty() && !after.starts_with(':')) return "unexpected text after the host";
        has_port = !after.empty();
        if (has_port) port = after.substr(1);
    } else if (auto colon = host_port.rfind(':'); colon != std::string_view::npos) {
        host = host_port.substr(0, colon);
        port = host_port.substr(colon + 1);
        has_port = true;
    }
    if (host.empty()) return "no host";
    if (has_port && (!all_digits(port) || port.size() > 5 || std::stoi(std::string(port)) < 1 ||
                     std::stoi(std::string(port)) > 65535))
        return "the port is not a number from 1 to 65535";
    return std::nullopt;
}

std::optional<std::string> postgresql_problem(std::string_view rest) {
    // The password may contain '@', so user-info ends at the last '@'.
    auto at = rest.rfind('@');
    if (at != std::string_view::npos) {
        std::string_view user_info = rest.substr(0, at);
        if (user_info.empty() || user_info.starts_with(':')) return "no user name before '@'";
        rest = rest.substr(at + 1);
    }
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return "no /database after the host";
    if (auto problem = host_port_problem(rest.substr(0, slash))) return problem;
    std::string_view database = rest.substr(slash + 1);
    database = database.substr(0, database.find('?'));
    if (database.empty() || database.find('/') != std::string_view::npos) return "no database name after the host";
    return std::nullopt;
}

}  // namespace

std::optional<std::string> database_url_problem(std::string_view url) {
    if (url.empty()) return std::nullopt;
    if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return std::isspace(c) || std::iscntrl(c); }))
        return "it contains whitespace";
    auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return "no scheme:// at the start";
    std::string_view scheme = url.substr(0, scheme_end);
    std::string_view rest = url.substr(scheme_end + 3);
    if (scheme == "sqlite") return sqlite_problem(rest);
    if (scheme == "postgresql" || scheme == "postgres") return postgresql_problem(rest);
    return fmt::format("unknown scheme \"{}\"", scheme);
}

std::string mask_url(std::string_view url) {
    auto scheme_end = url.find("://");
    std::size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
    // Masking up to the last '@' hides more rather than less when the password holds one.
    auto at = url.rfind('@');
    if (at == std::string_view::npos || at < start) return std::string(url);
    auto colon = url.find(':', start);
    if (colon == std::string_view::npos || colon > at) return std::string(url);
    return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

}  // namespace chainbot::config
