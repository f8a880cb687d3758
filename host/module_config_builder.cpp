#include "module_config_builder.hpp"

#include "module_manifest.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace alex_os {
namespace {

bool module_id_like(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
    return true;
}

std::vector<std::string> split_dots(std::string_view key) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const auto dot = key.find('.', start);
        parts.emplace_back(key.substr(start, dot - start));
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return parts;
}

}  // namespace

void module_config_builder::add_config_file(std::string_view spec) {
    std::string module;
    std::string_view path = spec;
    // "chainbot=/etc/x.yaml" names a module; "/etc/a=b.yaml" is a path with '='.
    if (const auto eq = spec.find('='); eq != std::string_view::npos && module_id_like(spec.substr(0, eq))) {
        module = spec.substr(0, eq);
        path = spec.substr(eq + 1);
    }
    if (path.empty()) throw option_error(fmt::format("--config {}: no file given", spec));
    files_.emplace_back(module, std::filesystem::absolute(std::filesystem::path(path)).lexically_normal());
}

void module_config_builder::add_setting(std::string_view spec) {
    const auto eq = spec.find('=');
    if (eq == std::string_view::npos)
        throw option_error(fmt::format("--set {}: expected MODULE.section.key=VALUE", spec));
    const std::string_view key = spec.substr(0, eq);
    const std::string_view text = spec.substr(eq + 1);
    const auto parts = split_dots(key);
    if (parts.size() < 2 || !module_id_like(parts[0]) ||
        std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); }))
        throw option_error(fmt::format("--set {}: expected MODULE.section.key=VALUE", spec));

    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(text, ec);
    if (ec) value = boost::json::string(text);

    boost::json::object* node = &sections_[parts[0]];
    for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
        boost::json::value& child = (*node)[parts[i]];
        if (child.is_null()) child = boost::json::object();
        if (!child.is_object())
            throw option_error(fmt::format("--set {}: {} already holds a value, not a section", spec,
                                           fmt::join(parts.begin(), parts.begin() + static_cast<long>(i) + 1, ".")));
        node = &child.get_object();
    }
    if (const auto* existing = node->if_contains(parts.back()); existing != nullptr && existing->is_object())
        throw option_error(fmt::format("--set {}: {} is a section set by an earlier --set", spec, key));
    keys_.emplace_back(std::string(key), boost::json::serialize(value));
    (*node)[parts.back()] = std::move(value);
}

boost::json::object module_config_builder::build(const module_manifest& manifest) const {
    boost::json::object config;
    if (auto it = sections_.find(manifest.id); it != sections_.end()) config = it->second;
    if (auto path = manifest.default_config_path()) config["default_config"] = path->string();
    boost::json::array files;
    for (const auto& [module, path] : files_)
        if (module.empty() || module == manifest.id) files.emplace_back(path.string());
    if (!files.empty()) config["config_files"] = std::move(files);
    return config;
}

std::set<std::string> module_config_builder::named_modules() const {
    std::set<std::string> ids;
    for (const auto& [module, path] : files_)
        if (!module.empty()) ids.insert(module);
    for (const auto& [module, sections] : sections_) ids.insert(module);
    return ids;
}

}  // namespace alex_os
