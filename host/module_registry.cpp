#include "module_registry.hpp"

#include "json_pretty.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace alex_os {
namespace {

constexpr const char* manifest_name = "module.json";

bool has_manifest(const std::filesystem::path& dir) {
    std::error_code ec;
    return std::filesystem::is_regular_file(dir / manifest_name, ec);
}

std::string joined(const std::vector<std::filesystem::path>& dirs) {
    std::string out;
    for (const auto& d : dirs) out += (out.empty() ? "" : ", ") + d.string();
    return out.empty() ? "(no modules directory)" : out;
}

bool looks_like_path(std::string_view arg) {
    return arg.find('/') != std::string_view::npos || arg == "." || arg == ".." || has_manifest(arg);
}

}  // namespace

std::string module_record::state() const {
    if (!manifest) return "unavailable";
    return registered ? "registered" : "discovered";
}

module_registry::module_registry(std::vector<std::filesystem::path> search_dirs, std::filesystem::path home)
    : search_dirs_(std::move(search_dirs)), home_(std::move(home)) {
    for (auto& dir : search_dirs_) dir = std::filesystem::absolute(dir).lexically_normal();
}

module_registry::discovery module_registry::discover() const {
    discovery found;
    std::map<std::string, std::filesystem::path> seen;
    auto consider = [&](const std::filesystem::path& dir) {
        try {
            module_manifest m = module_manifest::load(dir / manifest_name);
            if (auto it = seen.find(m.id); it != seen.end()) {
                found.problems.push_back(fmt::format("module '{}' in {} is shadowed by the one in {}", m.id,
                                                     dir.string(), it->second.string()));
                return;
            }
            seen.emplace(m.id, dir);
            found.modules.push_back(std::move(m));
        } catch (const manifest_error& e) {
            found.problems.emplace_back(e.what());
        }
    };
    for (const auto& root : search_dirs_) {
        std::error_code ec;
        if (!std::filesystem::is_directory(root, ec)) {
            found.problems.push_back(fmt::format("modules directory {} does not exist", root.string()));
            continue;
        }
        if (has_manifest(root)) {
            consider(root);
            continue;
        }
        std::vector<std::filesystem::path> subdirs;
        for (const auto& entry : std::filesystem::directory_iterator(root, ec))
            if (entry.is_directory(ec) && has_manifest(entry.path())) subdirs.push_back(entry.path());
        std::sort(subdirs.begin(), subdirs.end());
        for (const auto& dir : subdirs) consider(dir);
    }
    return found;
}

std::vector<module_record> module_registry::list(std::vector<std::string>* problems) const {
    std::map<std::string, module_record> by_id;
    for (const auto& r : registered()) {
        module_record rec{r.id, r.dir, std::nullopt, {}, true, false};
        try {
            rec.manifest = module_manifest::load(r.dir / manifest_name);
            if (rec.manifest->id != r.id)
                throw manifest_error(fmt::format("{}: key \"id\": \"{}\" but the module was registered as \"{}\"",
                                                 (r.dir / manifest_name).string(), rec.manifest->id, r.id));
        } catch (const manifest_error& e) {
            rec.manifest.reset();
            rec.problem = e.what();
            if (problems) problems->push_back(fmt::format("registered module '{}': {}", r.id, e.what()));
        }
        by_id.emplace(r.id, std::move(rec));
    }
    discovery found = discover();
    if (problems) problems->insert(problems->end(), found.problems.begin(), found.problems.end());
    for (auto& m : found.modules) {
        auto it = by_id.find(m.id);
        if (it != by_id.end()) {
            it->second.discovered = true;
            continue;
        }
        module_record rec{m.id, m.dir(), std::nullopt, {}, false, true};
        rec.manifest = std::move(m);
        by_id.emplace(rec.id, std::move(rec));
    }
    std::vector<module_record> out;
    for (auto& [id, rec] : by_id) out.push_back(std::move(rec));
    return out;
}

std::optional<module_record> module_registry::find(std::string_view id) const {
    for (auto& rec : list())
        if (rec.id == id) return std::move(rec);
    return std::nullopt;
}

module_manifest module_registry::register_module(std::string_view id_or_path) {
    module_manifest manifest;
    if (looks_like_path(id_or_path)) {
        const auto dir = std::filesystem::absolute(std::filesystem::path(id_or_path)).lexically_normal();
        if (!has_manifest(dir))
            throw std::runtime_error(fmt::format("{} is not a module folder: it has no {}", dir.string(), manifest_name));
        manifest = module_manifest::load(dir / manifest_name);
    } else {
        discovery found = discover();
        auto it = std::find_if(found.modules.begin(), found.modules.end(),
                               [&](const module_manifest& m) { return m.id == id_or_path; });
        if (it == found.modules.end())
            throw std::runtime_error(fmt::format("module '{}' not found in {}; give the path of its folder instead",
                                                 id_or_path, joined(search_dirs_)));
        manifest = std::move(*it);
        manifest.file = std::filesystem::absolute(manifest.file).lexically_normal();
    }
    auto entries = registered();
    auto it = std::find_if(entries.begin(), entries.end(), [&](const registration& r) { return r.id == manifest.id; });
    if (it != entries.end())
        it->dir = manifest.dir();
    else
        entries.push_back({manifest.id, manifest.dir()});
    save(entries);
    return manifest;
}

void module_registry::unregister_module(std::string_view id) {
    auto entries = registered();
    auto it = std::find_if(entries.begin(), entries.end(), [&](const registration& r) { return r.id == id; });
    if (it == entries.end()) throw std::runtime_error(fmt::format("module '{}' is not registered", id));
    entries.erase(it);
    save(entries);
}

std::vector<module_registry::registration> module_registry::registered() const {
    const auto file = registry_file();
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) return {};
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error(fmt::format("{}: cannot read", file.string()));
    std::ostringstream text;
    text << in.rdbuf();
    boost::system::error_code jec;
    const auto doc = boost::json::parse(text.str(), jec);
    auto bad = [&](std::string_view what) {
        return std::runtime_error(fmt::format("{}: {}; fix or delete the file", file.string(), what));
    };
    if (jec) throw bad(fmt::format("not valid JSON ({})", jec.message()));
    const auto* modules = doc.is_object() ? doc.get_object().if_contains("modules") : nullptr;
    if (modules == nullptr || !modules->is_array()) throw bad("key \"modules\": expected an array");
    std::vector<registration> out;
    for (const auto& item : modules->get_array()) {
        const auto* id = item.is_object() ? item.get_object().if_contains("id") : nullptr;
        const auto* path = item.is_object() ? item.get_object().if_contains("path") : nullptr;
        if (id == nullptr || !id->is_string() || path == nullptr || !path->is_string())
            throw bad("key \"modules\": each entry needs string keys \"id\" and \"path\"");
        out.push_back({std::string(id->get_string()), std::filesystem::path(std::string(path->get_string()))});
    }
    return out;
}

void module_registry::save(const std::vector<registration>& entries) const {
    boost::json::array modules;
    for (const auto& r : entries) modules.push_back(boost::json::object{{"id", r.id}, {"path", r.dir.string()}});
    const boost::json::object doc{{"modules", std::move(modules)}};

    std::filesystem::create_directories(home_);
    const auto file = registry_file();
    auto temp = file;
    temp += ".tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << json_pretty::format(doc) << '\n';
        if (!out.flush()) throw std::runtime_error(fmt::format("{}: cannot write", temp.string()));
    }
    // Rename is atomic: a crash leaves the old list or the new one, never half of one.
    std::filesystem::rename(temp, file);
}

}  // namespace alex_os
