#include "dashboard/static_routes.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace chainbot::dashboard {

namespace {

// What a file is served with: computed once, when the routes are added.
struct served_file {
    std::string name;
    std::string content_type;
    std::string etag;  // quoted, strong
    std::string_view body;
};

std::string etag_of(std::string_view bytes) {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a, 64 bits: a cache validator, not a security check
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return fmt::format("\"{:016x}-{:x}\"", h, bytes.size());
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    if (if_none_match.empty()) return false;
    if (if_none_match == "*") return true;
    // A list of (possibly weak) tags: W/"a", "b"
    for (std::size_t pos = 0; pos < if_none_match.size();) {
        auto comma = if_none_match.find(',', pos);
        auto item = if_none_match.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item.starts_with("W/")) item.remove_prefix(2);
        if (item == etag) return true;
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return false;
}

// Only the module's own origin: scripts, styles, images and the API (fetch and WebSocket).
constexpr std::string_view content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void add_common_headers(http::response& r) {
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    r.headers.emplace_back("X-Frame-Options", "DENY");
}

http::response answer(const served_file& f, const http::request& req) {
    http::response r;
    r.content_type = f.content_type;
    r.headers.emplace_back("ETag", f.etag);
    r.headers.emplace_back("Cache-Control", "no-cache");
    add_common_headers(r);
    if (f.content_type.starts_with("text/html")) r.headers.emplace_back("Content-Security-Policy", std::string(content_security_policy));
    if (etag_matches(req.header("if-none-match"), f.etag)) {
        r.status = 304;
        return r;
    }
    r.body = std::string(f.body);
    return r;
}

http::response not_found(std::string_view name) {
    auto r = http::response::error(404, "not_found", fmt::format("the dashboard has no file '{}'", name));
    add_common_headers(r);
    return r;
}

}  // namespace

std::string_view content_type_for(std::string_view name) noexcept {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> types{{
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".json", "application/json"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
    }};
    for (const auto& [ext, type] : types)
        if (name.size() > ext.size() && name.ends_with(ext)) return type;
    return "application/octet-stream";
}

void add_static_routes(http::router& router, std::span<const embedded_asset> files) {
    auto served = std::make_shared<std::vector<served_file>>();
    for (const auto& f : files) {
        if (f.name.empty()) continue;
        served->push_back({std::string(f.name), std::string(content_type_for(f.name)), etag_of(f.contents()), f.contents()});
    }
    auto find = [served](std::string_view name) -> const served_file* {
        for (const auto& f : *served)
            if (f.name == name) return &f;
        return nullptr;
    };
    const std::string base(base_path.substr(0, base_path.size() - 1));  // "/chainbot"
    router.add("GET", base, [find, base](http::request& req, http::responder respond) {
        // The router treats "/chainbot" and "/chainbot/" alike; the page's relative links do not.
        if (!req.path.ends_with('/')) {
            http::response r;
            r.status = 301;
            r.content_type = "text/plain; charset=utf-8";
            r.body = "moved to " + base + "/\n";
            r.headers.emplace_back("Location", base + "/");
            return respond(std::move(r));
        }
        const auto* index = find("index.html");
        respond(index ? answer(*index, req) : not_found("index.html"));
    });
    // One segment, looked up by exact name among the embedded files: "..", "%2e%2e" or an
    // encoded slash is just a name that is not there.
    router.add("GET", base + "/{file}", [find](http::request& req, http::responder respond) {
        const auto& name = req.params.at("file");
        const auto* f = find(name);
        respond(f ? answer(*f, req) : not_found(name));
    });
}

}  // namespace chainbot::dashboard
