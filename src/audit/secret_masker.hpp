#pragma once
/// @file secret_masker.hpp
/// @brief Hides secrets before anything reaches the audit trail.
///
/// - A JSON member whose key looks secret has its whole value (of any type) replaced by
///   "***", at any depth. A key looks secret when, lower-cased with '-' read as '_', it
///   contains token, password, passwd, secret, api_key, apikey, authorization,
///   credential or private_key, or equals one of the configured names.
/// - Every other string is scanned as free text: "Bearer <x>" and "Basic <x>", the
///   value of `key=value` / `key: value` pairs whose key looks secret, the password of
///   a URL (scheme://user:password@host), ChainBot tokens (cbt_<hex>) and the
///   configured secret values are replaced by "***".
///
/// It errs towards masking: a harmless field such as "max_tokens" is masked too.
/// @code
///   secret_masker m({.names = {"db_pass"}});
///   auto v = m.mask(json::parse(R"({"user": "ada", "auth": {"api_key": "k1"}, "note": "Bearer abc"})"));
///   // {"user": "ada", "auth": {"api_key": "***"}, "note": "Bearer ***"}
/// @endcode

#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace chainbot::audit {

inline constexpr std::string_view masked = "***";

struct masker_options {
    std::vector<std::string> names;   ///< extra secret key names (exact, case-insensitive)
    std::vector<std::string> values;  ///< secret values to hide wherever they appear (>= 4 chars)
    std::size_t max_text_length = 16 * 1024;  ///< longer strings are cut (audit metadata, not payloads)
};

class secret_masker {
public:
    explicit secret_masker(masker_options options = {});

    /// @brief A copy of `v` with secrets masked.
    boost::json::value mask(const boost::json::value& v) const;
    /// @brief `text` with embedded secrets masked (and cut to max_text_length).
    std::string mask_text(std::string_view text) const;
    /// @brief Whether a member named `key` has its value masked whole.
    bool is_secret_key(std::string_view key) const;

private:
    boost::json::value mask_value(const boost::json::value& v, int depth) const;
    masker_options options_;
};

}  // namespace chainbot::audit
