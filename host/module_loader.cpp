#include "module_loader.hpp"

#include "module_error.hpp"
#include "module_instance.hpp"

#include <boost/dll/shared_library.hpp>
#include <dlfcn.h>
#include <fmt/format.h>

#include <array>
#include <cstring>
#include <system_error>
#include <type_traits>

namespace alex_os {
namespace {

std::string version_text(uint32_t version) {
    return fmt::format("{}.{}", ALEX_ABI_MAJOR(version), ALEX_ABI_MINOR(version));
}

// The name of the first required function the module did not fill, or nullptr.
const char* missing_member(const alex_module_api* api) {
#define ALEX_OS_REQUIRE(member) \
    if (!ALEX_HAS_MEMBER(alex_module_api, api, member) || api->member == nullptr) return #member
    ALEX_OS_REQUIRE(initialize);
    ALEX_OS_REQUIRE(start);
    ALEX_OS_REQUIRE(stop);
    ALEX_OS_REQUIRE(health_check);
    ALEX_OS_REQUIRE(get_status);
    ALEX_OS_REQUIRE(get_module_info);
    ALEX_OS_REQUIRE(last_error);
    ALEX_OS_REQUIRE(free_string);
    ALEX_OS_REQUIRE(destroy);
#undef ALEX_OS_REQUIRE
    return nullptr;
}

// A module that answered but is unusable: free its instance when the table says how.
void discard(const alex_module_api* api, alex_module* module) {
    if (module != nullptr && ALEX_HAS_MEMBER(alex_module_api, api, destroy) && api->destroy != nullptr)
        api->destroy(&module);
}

boost::dll::shared_library open_library(const std::filesystem::path& path) {
    std::error_code exists_ec;
    if (!std::filesystem::is_regular_file(path, exists_ec))
        throw module_error(ALEX_ERR_RUNTIME, fmt::format("module library {} not found", path.string()));
    boost::dll::fs::error_code ec;
    boost::dll::shared_library library;
    // RTLD_NODELETE: a module stays mapped after it is unloaded. Its dependencies (SQLite,
    // libpq, SOCI backends) keep thread-local storage that does not survive dlclose cleanly
    // (LeakSanitizer crashes walking it at exit), and unmapping at shutdown buys nothing.
    library.load(path,
                 boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local |
                     static_cast<boost::dll::load_mode::type>(RTLD_NODELETE),
                 ec);
    if (ec || !library.is_loaded()) {
        const char* reason = dlerror();
        throw module_error(ALEX_ERR_RUNTIME, fmt::format("cannot load module library {}: {}", path.string(),
                                                         reason != nullptr ? reason : ec.message()));
    }
    return library;
}

}  // namespace

std::unique_ptr<module_instance> module_loader::load(const std::filesystem::path& library_path) const {
    const std::filesystem::path path = std::filesystem::absolute(library_path);
    const std::string name = path.filename().string();
    boost::dll::shared_library library = open_library(path);
    if (!library.has(ALEX_MODULE_ENTRY_POINT))
        throw module_error(ALEX_ERR_INCOMPATIBLE, fmt::format("{} is not an ALEX OS module: it does not export {}",
                                                              path.string(), ALEX_MODULE_ENTRY_POINT));
    auto& create = library.get<std::remove_pointer_t<alex_module_create_fn>>(ALEX_MODULE_ENTRY_POINT);

    alex_module_api api;
    std::memset(&api, 0, sizeof api);
    api.struct_size = sizeof api;
    alex_module* module = nullptr;
    std::array<char, 1024> error{};
    const int32_t status = create(host_abi_version_, &api, &module, error.data(), error.size());
    error.back() = '\0';
    if (status != ALEX_OK) {
        const std::string reason = error[0] != '\0' ? error.data() : "no message from the module";
        throw module_error(status, fmt::format("module {} refused to load: {} [{}]", name, reason,
                                               module_error::status_name(status)));
    }
    if (ALEX_ABI_MAJOR(api.abi_version) != ALEX_ABI_MAJOR(host_abi_version_)) {
        // The table's layout belongs to another major: call nothing in it.
        throw module_error(ALEX_ERR_INCOMPATIBLE,
                           fmt::format("module {} speaks ALEX ABI {}, this host speaks {}", name,
                                       version_text(api.abi_version), version_text(host_abi_version_)));
    }
    if (api.struct_size > sizeof api) {
        // It claims to have written past the host's table: only the bytes the host owns are used.
        const uint32_t claimed = api.struct_size;
        api.struct_size = sizeof api;
        discard(&api, module);
        throw module_error(ALEX_ERR_INCOMPATIBLE,
                           fmt::format("module {} (ALEX ABI {}) claims a {}-byte alex_module_api; this host "
                                       "knows {} bytes",
                                       name, version_text(api.abi_version), claimed, sizeof api));
    }
    if (const char* missing = missing_member(&api)) {
        discard(&api, module);
        throw module_error(ALEX_ERR_INCOMPATIBLE,
                           fmt::format("module {} (ALEX ABI {}, {}-byte table) lacks the required function {}", name,
                                       version_text(api.abi_version), api.struct_size, missing));
    }
    if (module == nullptr)
        throw module_error(ALEX_ERR_INTERNAL, fmt::format("module {} returned no instance", name));
    return std::make_unique<module_instance>(std::move(library), api, module, path);
}

}  // namespace alex_os
