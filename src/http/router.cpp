#include "http/router.hpp"

#include "http/url.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <atomic>
#include <set>

namespace chainbot::http {

struct router::route {
    struct segment {
        std::string text;  // literal text, or the capture's name
        bool capture = false;
    };
    std::string method;
    std::string pattern;
    std::vector<segment> segments;
    handler on_request;
};

namespace {

// "/a/b/" and "/a/b" name the same resource; "/" has no segment at all.
std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    path.remove_prefix(1);
    if (!path.empty() && path.back() == '/') path.remove_suffix(1);
    if (path.empty()) return out;
    while (true) {
        auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

void write_log(const std::shared_ptr<log_sink>& log, log_level level, const std::string& message) noexcept {
    if (!log) return;
    try {
        log->write(level, "http", message);
    } catch (...) {
        // A failing log sink must not take the request down with it.
    }
}

}  // namespace

http_error::http_error(int status, std::string code, const std::string& message, boost::json::value details)
    : std::runtime_error(message), status_(status), code_(std::move(code)), details_(std::move(details)) {}

response http_error::to_response() const { return response::error(status_, code_, what(), details_); }

router::router(std::shared_ptr<log_sink> log) : log_(std::move(log)) {}
router::~router() = default;
router::router(router&&) noexcept = default;
router& router::operator=(router&&) noexcept = default;

void router::add(std::string method, std::string pattern, handler h) {
    if (method.empty()) throw std::invalid_argument("http route: empty method for '" + pattern + "'");
    if (!h) throw std::invalid_argument("http route: no handler for " + method + " " + pattern);
    if (pattern.empty() || pattern.front() != '/')
        throw std::invalid_argument("http route: pattern '" + pattern + "' must start with '/'");
    route r{std::move(method), pattern, {}, std::move(h)};
    std::set<std::string, std::less<>> names;
    for (std::string_view part : split_path(pattern)) {
        bool opens = part.find('{') != std::string_view::npos, closes = part.find('}') != std::string_view::npos;
        if (!opens && !closes) {
            r.segments.push_back({std::string(part), false});
            continue;
        }
        if (part.size() < 3 || part.front() != '{' || part.back() != '}' ||
            part.substr(1, part.size() - 2).find_first_of("{}") != std::string_view::npos)
            throw std::invalid_argument("http route: in '" + pattern +
                                        "', a capture must be a whole segment like {id}");
        std::string name(part.substr(1, part.size() - 2));
        if (!names.insert(name).second)
            throw std::invalid_argument("http route: capture {" + name + "} repeated in '" + pattern + "'");
        r.segments.push_back({std::move(name), true});
    }
    for (const route& other : routes_) {
        if (other.method != r.method || other.segments.size() != r.segments.size()) continue;
        bool same = std::equal(other.segments.begin(), other.segments.end(), r.segments.begin(),
                               [](const route::segment& a, const route::segment& b) {
                                   return a.capture == b.capture && (a.capture || a.text == b.text);
                               });
        if (same)
            throw std::invalid_argument("http route: " + r.method + " " + pattern + " duplicates " +
                                        other.pattern);
    }
    routes_.push_back(std::move(r));
}

void router::dispatch(request& req, responder respond) const {
    // Whatever happens below (a handler answering and then throwing, say), the client
    // gets exactly one response.
    auto answered = std::make_shared<std::atomic<bool>>(false);
    responder once = [answered, respond = std::move(respond)](response res) {
        if (!answered->exchange(true)) respond(std::move(res));
    };

    if (!req.target.empty()) {
        auto [path, raw_query] = split_request_target(req.target);
        auto query = parse_query(raw_query);
        if (!query) {
            once(response::error(400, "bad_request", "malformed percent-encoding in the query string"));
            return;
        }
        req.path = std::string(path);
        req.query = std::move(*query);
    }
    if (req.path.empty() || req.path.front() != '/') {
        once(response::error(400, "bad_request", "the request target must be an absolute path"));
        return;
    }
    std::vector<std::string> segments;
    for (std::string_view part : split_path(req.path)) {
        auto decoded = percent_decode(part);
        if (!decoded) {
            once(response::error(400, "bad_request", "malformed percent-encoding in the path"));
            return;
        }
        segments.push_back(std::move(*decoded));
    }

    const route* best = nullptr;
    std::vector<bool> best_literals;
    std::set<std::string> allowed;
    for (const route& r : routes_) {
        if (r.segments.size() != segments.size()) continue;
        std::vector<bool> literals(segments.size());
        bool match = true;
        for (std::size_t i = 0; i < segments.size() && match; ++i) {
            literals[i] = !r.segments[i].capture;
            match = r.segments[i].capture || r.segments[i].text == segments[i];
        }
        if (!match) continue;
        allowed.insert(r.method);
        if (r.method == req.method && (!best || literals > best_literals)) {
            best = &r;
            best_literals = std::move(literals);
        }
    }
    if (!best) {
        if (allowed.empty()) {
            once(response::error(404, "not_found", "no route for " + req.path));
            return;
        }
        std::string allow;
        boost::json::array methods;
        for (const auto& m : allowed) {
            allow += (allow.empty() ? "" : ", ") + m;
            methods.emplace_back(m);
        }
        auto res = response::error(405, "method_not_allowed", req.method + " is not allowed on " + req.path,
                                   boost::json::object{{"allow", std::move(methods)}});
        res.headers.emplace_back("Allow", std::move(allow));
        once(std::move(res));
        return;
    }

    req.params.clear();
    for (std::size_t i = 0; i < segments.size(); ++i)
        if (best->segments[i].capture) req.params[best->segments[i].text] = std::move(segments[i]);
    try {
        best->on_request(req, once);
    } catch (const http_error& e) {
        once(e.to_response());
    } catch (const std::exception& e) {
        write_log(log_, log_level::error, req.method + " " + best->pattern + ": handler threw: " + e.what());
        once(response::error(500, "internal_error", "internal error"));
    } catch (...) {
        write_log(log_, log_level::error, req.method + " " + best->pattern + ": handler threw a non-exception");
        once(response::error(500, "internal_error", "internal error"));
    }
}

}  // namespace chainbot::http
