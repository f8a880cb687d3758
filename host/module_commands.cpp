#include "module_commands.hpp"

#include "json_pretty.hpp"
#include "module_instance.hpp"
#include "module_loader.hpp"
#include "module_registry.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <ostream>
#include <stdexcept>
#include <vector>

namespace alex_os {
namespace {

std::string searched(const module_registry& registry) {
    std::string dirs;
    for (const auto& d : registry.search_dirs()) dirs += (dirs.empty() ? "" : ", ") + d.string();
    return dirs.empty() ? "no modules directory" : dirs;
}

}  // namespace

int module_commands::list() {
    std::vector<std::string> problems;
    const auto records = registry_.list(&problems);
    for (const auto& p : problems) err_ << "warning: " << p << '\n';
    if (records.empty()) {
        out_ << "no modules (searched " << searched(registry_) << ")\n";
        return 0;
    }
    using row = std::array<std::string, 5>;
    std::vector<row> rows{{"ID", "STATE", "VERSION", "ABI", "PATH"}};
    for (const auto& r : records) {
        const auto& m = r.manifest;
        rows.push_back({r.id, r.state(), m && !m->version.empty() ? m->version : "-", m ? m->abi_version : "-",
                        r.dir.string()});
    }
    std::array<std::size_t, 5> width{};
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    for (const auto& r : rows)
        out_ << fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", r[0], width[0], r[1], width[1], r[2], width[2],
                            r[3], width[3], r[4]);
    return 0;
}

int module_commands::register_module(std::string_view id_or_path) {
    const auto manifest = registry_.register_module(id_or_path);
    out_ << fmt::format("registered {} ({}) in {}\n", manifest.id, manifest.dir().string(),
                        registry_.registry_file().string());
    return 0;
}

int module_commands::unregister_module(std::string_view id) {
    registry_.unregister_module(id);
    out_ << fmt::format("unregistered {}\n", id);
    return 0;
}

int module_commands::info(std::string_view id) {
    const auto record = registry_.find(id);
    if (!record) throw std::runtime_error(fmt::format("module '{}' not found (searched {}; registry {})", id,
                                                      searched(registry_), registry_.registry_file().string()));
    if (!record->manifest) throw std::runtime_error(fmt::format("module '{}' is unavailable: {}", id, record->problem));
    const auto module = module_loader().load(record->manifest->library_path());
    const std::string info = module->info();
    boost::system::error_code ec;
    const auto value = boost::json::parse(info, ec);
    if (ec) {
        err_ << fmt::format("warning: module {} answered get_module_info with invalid JSON ({})\n", id, ec.message());
        out_ << info << '\n';
        return 1;
    }
    out_ << json_pretty::format(value) << '\n';
    return 0;
}

}  // namespace alex_os
