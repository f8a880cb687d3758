#include "api/request_parsing.hpp"

#include "http/router.hpp"
#include "util/ascii.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace chainbot::api {

namespace {

std::string lower_trimmed(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return util::ascii_lower(s);
}

bool is_json_media_type(std::string_view content_type) {
    const auto media = lower_trimmed(content_type.substr(0, content_type.find(';')));
    return media == "application/json" || (media.size() > 5 && media.ends_with("+json"));
}

http::http_error bad_parameter(const std::string& name, const std::string& expected) {
    return http::http_error(400, "invalid_parameter", "query parameter '" + name + "': expected " + expected,
                            boost::json::object{{"parameter", name}});
}

}  // namespace

boost::json::value parse_json_body(const http::request& req, std::optional<boost::json::value> empty_as) {
    const auto content_type = req.header("content-type");
    if (!content_type.empty() && !is_json_media_type(content_type))
        throw http::http_error(415, "unsupported_media_type",
                               "the body must be JSON (Content-Type: application/json), not " + std::string(content_type));
    if (std::all_of(req.body.begin(), req.body.end(), [](unsigned char c) { return std::isspace(c); })) {
        if (empty_as) return std::move(*empty_as);
        throw http::http_error(400, "invalid_json", "the request body is empty; a JSON document is expected");
    }
    boost::system::error_code ec;
    auto doc = boost::json::parse(req.body, ec);
    if (ec) throw http::http_error(400, "invalid_json", "the request body is not valid JSON: " + ec.message());
    return doc;
}

std::optional<std::size_t> query_unsigned(const http::request& req, const std::string& name) {
    auto it = req.query.find(name);
    if (it == req.query.end()) return std::nullopt;
    const auto& text = it->second;
    std::size_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        throw bad_parameter(name, "a non-negative integer");
    return value;
}

std::optional<bool> query_bool(const http::request& req, const std::string& name) {
    auto it = req.query.find(name);
    if (it == req.query.end()) return std::nullopt;
    const auto v = lower_trimmed(it->second);
    if (v == "true" || v == "1" || v.empty()) return true;
    if (v == "false" || v == "0") return false;
    throw bad_parameter(name, "true or false");
}

store::page parse_page(const http::request& req) {
    store::page p;
    p.limit = query_unsigned(req, "limit").value_or(default_page_limit);
    p.offset = query_unsigned(req, "offset").value_or(0);
    if (p.limit == 0 || p.limit > max_page_limit)
        throw bad_parameter("limit", "an integer from 1 to " + std::to_string(max_page_limit));
    return p;
}

boost::json::object page_body(boost::json::array items, std::size_t total, const store::page& p) {
    return {{"items", std::move(items)}, {"total", total}, {"limit", p.limit}, {"offset", p.offset}};
}

}  // namespace chainbot::api
