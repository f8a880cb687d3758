#pragma once
// The configuration schema: one table (schema.cpp) naming every dotted key with its
// type, default, constraints, whether a runtime change applies live, and whether
// its value is secret. Loading, environment names, masking and runtime changes all
// read this table; nothing else lists keys.

#include "config/settings.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace chainbot::config {

/// @brief How a key's value is read and checked.
enum class value_type { integer, number, boolean, string, string_list, log_level, database_url, integer_list };

/// @brief How a value is shown in to_json(mask=true) and in error messages.
enum class secrecy {
    none,
    whole_value,   ///< shown as "***"
    url_password,  ///< a URL whose password is replaced by "***" (mask_url)
};

/// @brief Where a key's value lives in `settings`.
using field_accessor =
    std::variant<int& (*)(settings&), double& (*)(settings&), bool& (*)(settings&), std::string& (*)(settings&),
                 std::vector<std::string>& (*)(settings&), log_level& (*)(settings&),
                 std::vector<int>& (*)(settings&)>;

/// @brief One row of the schema table.
struct key_spec {
    std::string_view key;           ///< dotted, e.g. "workflow.retry_attempts"
    value_type type;
    std::string_view default_json;  ///< the built-in default as JSON text (equals settings{})
    std::optional<double> min;      ///< for integer_list: of each item
    bool min_exclusive = false;     ///< min itself is not allowed (e.g. a timeout > 0)
    std::optional<double> max;
    std::vector<std::string_view> allowed;  ///< allowed strings (or list items); empty = any
    bool non_empty = false;                 ///< strings and lists
    bool live = false;                      ///< a runtime change applies without restart
    secrecy secret = secrecy::none;         ///< none = decided by is_secret_key_name
    field_accessor field;
};

/// @brief Every key, in the order sections are documented.
const std::vector<key_spec>& schema();

/// @brief The row of a dotted key, or null.
const key_spec* find_key(std::string_view dotted_key);

/// @brief True when `dotted` names a section (or subsection) holding keys,
/// e.g. "raspberry_pi" or "raspberry_pi.gpio_pins".
bool is_section(std::string_view dotted);

/// @brief The top-level section names, in schema order.
std::vector<std::string> section_names();

/// @brief The keys directly or indirectly inside `section`, comma-separated, for hints.
std::string keys_in_section(std::string_view section);

/// @brief "ALEX_OS_CHAINBOT_" + the dotted key upper-cased with '.' as '_'.
std::string env_name(std::string_view dotted_key);

inline constexpr std::string_view env_prefix = "ALEX_OS_CHAINBOT_";

/// @brief The general secret rule: the key's last segment contains "password",
/// "secret", "token", "api_key" or "key".
bool is_secret_key_name(std::string_view dotted_key);

/// @brief The key's secrecy: its table entry, or else the general name rule.
secrecy secrecy_of(const key_spec& spec);

/// @brief A value checked against its key: the normalized value, or what was wrong.
struct checked_value {
    std::optional<boost::json::value> value;  ///< normalized (int64, double, "INFO"...)
    std::string problem;                      ///< "expected ..., got ..." when value is empty
};

/// @brief Checks `raw` against the key's type and constraints. Problems never echo
/// a secret: URLs are masked, other secret values are not shown.
checked_value check_value(const key_spec& spec, const boost::json::value& raw);

/// @brief What the key expects, e.g. "an integer >= 1".
std::string expectation(const key_spec& spec);

/// @brief `raw` as it may appear in a message (JSON text, masked when secret).
std::string shown_value(const key_spec& spec, const boost::json::value& raw);

/// @brief The key's current value in `s`, as JSON (unmasked).
boost::json::value read_field(const key_spec& spec, const settings& s);

/// @brief Stores a value returned by check_value into `s`.
void write_field(const key_spec& spec, settings& s, const boost::json::value& normalized);

/// @brief Why `url` is not an accepted database URL, or nullopt when it is.
/// Accepted: "", sqlite:///abs/path.db, sqlite://relative.db,
/// postgresql://user:pass@host:port/db and postgres://...
std::optional<std::string> database_url_problem(std::string_view url);

}  // namespace chainbot::config
