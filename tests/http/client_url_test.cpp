// The client's URL parsing and the masking of URLs in messages.
#include "http/client_url.hpp"

#include <catch2/catch.hpp>

using namespace chainbot::http;

namespace {

client_url parsed(std::string_view url) {
    std::string error;
    auto out = parse_client_url(url, error);
    INFO(url << ": " << error);
    REQUIRE(out);
    return *out;
}

std::string error_of(std::string_view url) {
    std::string error;
    auto out = parse_client_url(url, error);
    CHECK_FALSE(out);
    return error;
}

}  // namespace

TEST_CASE("client url: scheme, host, default and explicit ports, target", "[http][client]") {
    auto a = parsed("http://example.com");
    CHECK_FALSE(a.tls);
    CHECK(a.host == "example.com");
    CHECK(a.port == "80");
    CHECK(a.target == "/");
    CHECK(a.host_field() == "example.com");

    auto b = parsed("HTTPS://api.example.com:8443/v1/items?limit=10&q=a%20b#section");
    CHECK(b.tls);
    CHECK(b.host == "api.example.com");
    CHECK(b.port == "8443");
    CHECK(b.target == "/v1/items?limit=10&q=a%20b");
    CHECK(b.host_field() == "api.example.com:8443");

    CHECK(parsed("https://h").port == "443");
    CHECK(parsed("https://h:443/").host_field() == "h");
    CHECK(parsed("http://h:/x").port == "80");
    CHECK(parsed("http://h?x=1").target == "/?x=1");
}

TEST_CASE("client url: user-info and IPv6 literals", "[http][client]") {
    auto u = parsed("https://alice:s%3Acret@127.0.0.1:9000/p");
    CHECK(u.has_userinfo);
    CHECK(u.user == "alice");
    CHECK(u.password == "s:cret");
    CHECK(u.host == "127.0.0.1");
    CHECK(u.port == "9000");

    auto v6 = parsed("http://[::1]:8080/x");
    CHECK(v6.host == "::1");
    CHECK(v6.port == "8080");
    CHECK(v6.host_field() == "[::1]:8080");
    CHECK(parsed("https://[2001:db8::1]").host_field() == "[2001:db8::1]");
}

TEST_CASE("client url: malformed URLs are refused with a cause", "[http][client]") {
    CHECK(error_of("") == "empty URL");
    CHECK(error_of("example.com/x").find("missing scheme") != std::string::npos);
    CHECK(error_of("ftp://example.com/").find("unsupported scheme 'ftp'") != std::string::npos);
    CHECK(error_of("http://example.com:99999/").find("out of range") != std::string::npos);
    CHECK(error_of("http://example.com:0/").find("out of range") != std::string::npos);
    CHECK(error_of("http://example.com:8o/").find("not a number") != std::string::npos);
    CHECK(error_of("http:///path").find("missing host") != std::string::npos);
    CHECK(error_of("http://exa mple.com/").find("space") != std::string::npos);
    CHECK(error_of("http://example.com/a\r\nX-Injected: 1").find("control") != std::string::npos);
    CHECK(error_of("http://[::1/").find("IPv6") != std::string::npos);
    CHECK(error_of("http://[zz::1]/").find("IPv6") != std::string::npos);
    CHECK(error_of("http://a%zz@h/").find("percent-encoding") != std::string::npos);
    CHECK(error_of("http://user:secret/").find("secret") == std::string::npos);
}

TEST_CASE("client url: messages show URLs without password or query", "[http][client]") {
    CHECK(masked_url("https://user:secret@host:1/p?token=abc#f") == "https://user:***@host:1/p?***");
    CHECK(masked_url("https://user@host/p") == "https://user@host/p");
    CHECK(masked_url("http://user:secret/") == "http://user:***/");
    CHECK(masked_url("http://[::1]:8080/x") == "http://[::1]:8080/x");
    CHECK(masked_url("user:secret@host") == "user:***@host");
    CHECK(masked_url("http://h/a\r\nb") == "http://h/a%0D%0Ab");
    CHECK(masked_url(std::string(1000, 'a')).size() < 210);
}

TEST_CASE("client url: base64 for Basic authorization", "[http][client]") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("alice:s:cret") == "YWxpY2U6czpjcmV0");
}
