#pragma once
// Layered configuration loading, later layers win:
//   built-in defaults < default.yaml < files (in order) < inline (from the host's
//   initialize call) < environment (ALEX_OS_CHAINBOT_<SECTION>_<KEY>) < runtime changes.
// Each layer is checked against the schema on its own so that an error names the
// layer's source (file path, "environment variable X", "initialize config").

#include "config/settings.hpp"

#include <boost/json/fwd.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chainbot/module.hpp>  // config_error

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chainbot::config {

struct load_request {
    std::optional<std::filesystem::path> default_file;  // config/default.yaml; skipped if missing
    std::vector<std::filesystem::path> files;            // JSON, YAML or TOML by extension; must exist
    boost::json::object inline_layer;                    // sections given in the initialize JSON
    std::map<std::string, std::string> environment;      // ALEX_OS_CHAINBOT_* variables only matter
};

/// The ALEX_OS_CHAINBOT_* variables of this process, for load_request::environment.
std::map<std::string, std::string> process_environment();

/// Loads, merges and validates every layer. Throws chainbot::config_error whose
/// message lists every problem, one per line, each naming source, key and expectation.
settings load(const load_request& request);

/// The settings as a JSON object, secrets masked unless `mask_secrets` is false.
boost::json::object to_json(const settings& s, bool mask_secrets = true);

/// Replaces the password in a URL's user-info with "***".
std::string mask_url(std::string_view url);

/// Outcome of one runtime change.
struct change_result {
    settings updated;        // the settings with the change applied (if accepted)
    bool restart_required;   // true when the key cannot change while running
};

/// Validates a runtime change of `key` (dotted; a leading "chainbot." is ignored,
/// e.g. "workflow.retry_attempts") to `value`. Throws config_error naming the key
/// when it is unknown or the value is invalid; `current` is never modified.
change_result apply_change(const settings& current, std::string_view key, const boost::json::value& value);

}  // namespace chainbot::config
