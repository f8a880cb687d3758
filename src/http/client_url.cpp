#include "http/client_url.hpp"

#include "http/url.hpp"
#include "util/ascii.hpp"

#include <algorithm>
#include <cctype>

namespace chainbot::http {
namespace {

constexpr std::size_t max_shown_url = 200;

bool is_scheme(std::string_view text) {
    if (text.empty() || !std::isalpha(static_cast<unsigned char>(text[0]))) return false;
    for (char c : text)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
    return true;
}

bool is_reg_name(std::string_view host) {
    for (char c : host)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_' && c != '~') return false;
    return true;
}

bool is_ipv6_literal(std::string_view host) {
    if (host.find(':') == std::string_view::npos) return false;
    for (char c : host)
        if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
    return true;
}

// "" when valid (and sets `port`), else the cause; never echoes what is not a number, as
// "http://user:secret/" would put a password here.
std::string parse_port(std::string_view text, std::string& port) {
    if (text.empty()) return {};
    for (char c : text)
        if (!std::isdigit(static_cast<unsigned char>(c))) return "invalid port (not a number)";
    if (text.size() > 5 || std::stoul(std::string(text)) > 65535 || std::stoul(std::string(text)) == 0)
        return "port " + std::string(text.substr(0, 12)) + " out of range (1-65535)";
    port = std::string(text);
    return {};
}

}  // namespace

std::string client_url::host_field() const {
    std::string field = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != (tls ? "443" : "80")) field += ":" + port;
    return field;
}

std::optional<client_url> parse_client_url(std::string_view url, std::string& error) {
    if (url.empty()) {
        error = "empty URL";
        return std::nullopt;
    }
    for (char c : url) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) {
            error = "the URL contains a space, control or non-ASCII character (percent-encode it)";
            return std::nullopt;
        }
    }
    auto separator = url.find("://");
    if (separator == std::string_view::npos || !is_scheme(url.substr(0, separator))) {
        error = "missing scheme (expected http:// or https://)";
        return std::nullopt;
    }
    client_url out;
    auto scheme = util::ascii_lower(url.substr(0, separator));
    if (scheme == "https") {
        out.tls = true;
    } else if (scheme != "http") {
        error = "unsupported scheme '" + scheme + "' (expected http or https)";
        return std::nullopt;
    }
    out.port = out.tls ? "443" : "80";

    auto rest = url.substr(separator + 3);
    auto authority_end = rest.find_first_of("/?#");
    auto authority = rest.substr(0, authority_end);
    auto tail = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);

    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        auto userinfo = authority.substr(0, at);
        auto colon = userinfo.find(':');
        auto user = percent_decode(userinfo.substr(0, colon));
        auto password = percent_decode(colon == std::string_view::npos ? std::string_view{} : userinfo.substr(colon + 1));
        if (!user || !password) {
            error = "malformed percent-encoding in the user-info";
            return std::nullopt;
        }
        out.has_userinfo = true;
        out.user = std::move(*user);
        out.password = std::move(*password);
        authority = authority.substr(at + 1);
    }

    std::string_view port_text;
    if (!authority.empty() && authority[0] == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "unterminated IPv6 address literal";
            return std::nullopt;
        }
        out.host = std::string(authority.substr(1, close - 1));
        auto after = authority.substr(close + 1);
        if (!after.empty() && after[0] != ':') {
            error = "unexpected characters after the IPv6 address literal";
            return std::nullopt;
        }
        if (!after.empty()) port_text = after.substr(1);
        if (!is_ipv6_literal(out.host)) {
            error = "malformed IPv6 address literal";
            return std::nullopt;
        }
    } else {
        auto colon = authority.find(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
        if (!is_reg_name(out.host)) {
            error = "malformed host name";
            return std::nullopt;
        }
    }
    if (out.host.empty()) {
        error = "missing host";
        return std::nullopt;
    }
    if (auto cause = parse_port(port_text, out.port); !cause.empty()) {
        error = std::move(cause);
        return std::nullopt;
    }

    tail = tail.substr(0, tail.find('#'));
    out.target = tail.empty() || tail[0] != '/' ? "/" + std::string(tail) : std::string(tail);
    return out;
}

std::string masked_url(std::string_view url) {
    auto separator = url.find("://");
    auto start = separator == std::string_view::npos ? 0 : separator + 3;
    auto authority_end = std::min(url.find_first_of("/?#", start), url.size());
    auto authority = url.substr(start, authority_end - start);

    std::string out(url.substr(0, start));
    auto at = authority.rfind('@');
    auto colon = at == std::string_view::npos ? std::string_view::npos : authority.substr(0, at).find(':');
    if (colon != std::string_view::npos) {
        out += authority.substr(0, colon);
        out += ":***";
        authority = authority.substr(at);  // "@host:port"
    }
    // "http://user:secret/" (no '@') reads as host and port: a port that is no number is masked too.
    auto port_colon = authority.rfind(':');
    if (port_colon != std::string_view::npos && authority.find(']', port_colon) == std::string_view::npos &&
        authority.substr(port_colon + 1).find_first_not_of("0123456789") != std::string_view::npos) {
        out += authority.substr(0, port_colon);
        out += ":***";
    } else {
        out += authority;
    }
    auto tail = url.substr(authority_end);
    tail = tail.substr(0, tail.find('#'));
    auto question = tail.find('?');
    out += tail.substr(0, question);
    if (question != std::string_view::npos) out += "?***";

    if (out.size() > max_shown_url) out = out.substr(0, max_shown_url) + "...";
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string shown;  // no raw control bytes in logs
    for (char c : out) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            shown += '%';
            shown += hex[u >> 4];
            shown += hex[u & 0xf];
        } else {
            shown += c;
        }
    }
    return shown;
}

std::string base64_encode(std::string_view data) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        unsigned v = static_cast<unsigned char>(data[i]) << 16 | static_cast<unsigned char>(data[i + 1]) << 8 |
                     static_cast<unsigned char>(data[i + 2]);
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
        out += alphabet[v >> 6 & 63];
        out += alphabet[v & 63];
    }
    if (i < data.size()) {
        unsigned v = static_cast<unsigned char>(data[i]) << 16;
        if (i + 1 < data.size()) v |= static_cast<unsigned char>(data[i + 1]) << 8;
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
        out += i + 1 < data.size() ? alphabet[v >> 6 & 63] : '=';
        out += '=';
    }
    return out;
}

}  // namespace chainbot::http
