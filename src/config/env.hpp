#pragma once
// The environment layer: ALEX_OS_CHAINBOT_<SECTION>_<KEY> variables. Names are
// resolved by generating the name of every schema key and matching, because
// section names contain underscores (RASPBERRY_PI_GPIO_PINS_STATUS_LED).

#include "config/problems.hpp"
#include "config/schema.hpp"

#include <boost/json/value.hpp>

#include <map>
#include <string>
#include <string_view>

namespace chainbot::config {

/// @brief Checked values by dotted key, as the layers produce them.
using key_values = std::map<std::string, boost::json::value, std::less<>>;

/// @brief The key whose environment name is `variable`, or null.
const key_spec* key_of_env_name(std::string_view variable);

/// @brief Text of a variable as JSON, by the key's type: numbers, booleans
/// (true/false/1/0/yes/no), lists (a JSON array or comma-separated), else the text.
/// Returns nullopt and sets `problem` when the text cannot have that type.
std::optional<boost::json::value> env_text_to_json(const key_spec& spec, std::string_view text, std::string& problem);

/// @brief Checks every ALEX_OS_CHAINBOT_* variable into `values` (other variables
/// are ignored); a name matching no key or a bad value adds a problem whose source
/// is "environment variable <NAME>".
void collect_environment(const std::map<std::string, std::string>& environment, key_values& values,
                         problem_list& problems);

}  // namespace chainbot::config
