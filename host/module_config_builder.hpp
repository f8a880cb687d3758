#pragma once
/// @file module_config_builder.hpp
/// @brief Builds each module's initialize JSON from `run`'s options:
/// @code
///   --config chainbot=/etc/chainbot.yaml --config common.yaml --set chainbot.api.port=8001
///   -> {"default_config": "<module dir>/default.yaml",
///       "config_files": ["/etc/chainbot.yaml", "/cwd/common.yaml"],
///       "api": {"port": 8001}}
/// @endcode

#include <boost/json/object.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace alex_os {

struct module_manifest;

/// @brief A malformed --config or --set; the message quotes the option.
class option_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// @brief Collects --config and --set options, then answers per module.
class module_config_builder {
public:
    /// @brief "[MODULE=]PATH"; without MODULE= the file applies to every module.
    /// Relative paths are made absolute against the current folder.
    /// @throws option_error when the path is empty.
    void add_config_file(std::string_view spec);

    /// @brief "MODULE.section[.key...]=VALUE": VALUE is taken as JSON when it parses,
    /// else as a string. @throws option_error when malformed or conflicting with an
    /// earlier --set (a value where an object is needed or the reverse).
    void add_setting(std::string_view spec);

    /// @brief The initialize JSON for `manifest`'s module.
    [[nodiscard]] boost::json::object build(const module_manifest& manifest) const;

    /// @brief Every --set as a host config key ("chainbot.api.port") and its JSON value,
    /// in the order given.
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& config_keys() const noexcept {
        return keys_;
    }

    /// @brief Module ids named by --config MODULE= or --set (to refuse unknown ones).
    [[nodiscard]] std::set<std::string> named_modules() const;

private:
    std::vector<std::pair<std::string, std::filesystem::path>> files_;  // module ("" = all), path
    std::map<std::string, boost::json::object> sections_;               // module -> inline sections
    std::vector<std::pair<std::string, std::string>> keys_;
};

}  // namespace alex_os
