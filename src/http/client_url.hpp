#pragma once
// Internal. Parsing the URLs the client accepts, and showing them in messages with their
// secrets masked. No networking header: unit-tested on its own.

#include <optional>
#include <string>
#include <string_view>

namespace chainbot::http {

/// @brief An absolute http(s) URL, cut into what a request needs.
struct client_url {
    bool tls = false;          ///< https
    std::string host;          ///< name or address, without the brackets of an IPv6 literal
    std::string port;          ///< decimal, 1..65535; the scheme's default when absent
    std::string target;        ///< origin-form request-target: path (at least "/") and "?query"; no fragment
    bool has_userinfo = false;
    std::string user;          ///< percent-decoded
    std::string password;      ///< percent-decoded

    /// @brief The Host field: host (bracketed when IPv6), plus ":port" unless the default.
    std::string host_field() const;
};

/// @brief Parses `url`. On failure returns nullopt and sets `error` to the cause, which
/// never contains the URL's password.
std::optional<client_url> parse_client_url(std::string_view url, std::string& error);

/// @brief `url` fit for a message: the user-info password and the query replaced by
/// "***", cut to a bounded length. Works on malformed URLs too.
std::string masked_url(std::string_view url);

/// @brief Standard base64 with padding (for Basic authorization).
std::string base64_encode(std::string_view data);

}  // namespace chainbot::http
