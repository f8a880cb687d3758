#include "store/postgresql_support.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace chainbot::store::detail {

namespace {

constexpr const char* module_file = "libchainbot_postgresql.so";

std::mutex load_mutex;
std::atomic<const postgresql_support*> loaded{nullptr};

// The folder of the file (program or shared library) this code was linked into.
std::filesystem::path own_folder() {
    Dl_info info{};
    if (::dladdr(reinterpret_cast<void*>(&postgresql), &info) == 0 || info.dli_fname == nullptr) return {};
    std::error_code ec;
    auto path = std::filesystem::canonical(info.dli_fname, ec);
    return ec ? std::filesystem::path(info.dli_fname).parent_path() : path.parent_path();
}

}  // namespace

const postgresql_support* postgresql_if_loaded() noexcept { return loaded.load(std::memory_order_acquire); }

const postgresql_support& postgresql() {
    if (const auto* p = loaded.load(std::memory_order_acquire)) return *p;
    std::lock_guard lock(load_mutex);
    if (const auto* p = loaded.load(std::memory_order_acquire)) return *p;

    std::vector<std::string> candidates;
    if (const char* env = std::getenv("CHAINBOT_POSTGRESQL_MODULE"); env && *env) {
        candidates.emplace_back(env);
    } else {
        if (auto dir = own_folder(); !dir.empty()) candidates.push_back((dir / module_file).string());
#ifdef CHAINBOT_POSTGRESQL_MODULE_BUILD_PATH
        candidates.emplace_back(CHAINBOT_POSTGRESQL_MODULE_BUILD_PATH);
#endif
    }
    std::string tried;
    for (const auto& file : candidates) {
        std::error_code ec;
        if (!std::filesystem::exists(file, ec)) {
            tried += "\n  " + file + ": no such file";
            continue;
        }
        void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            const char* why = ::dlerror();
            tried += "\n  " + file + ": " + (why ? why : "cannot be loaded");
            continue;
        }
        using entry_fn = const postgresql_support* (*)(int);
        auto entry = reinterpret_cast<entry_fn>(::dlsym(handle, "chainbot_postgresql_support"));
        const postgresql_support* support = entry ? entry(postgresql_support::interface_version) : nullptr;
        if (!support) {
            tried += "\n  " + file + ": not a PostgreSQL module of this version of ChainBot";
            ::dlclose(handle);
            continue;
        }
        // Never unloaded: sessions and exceptions made by its code may outlive any owner here.
        loaded.store(support, std::memory_order_release);
        return *support;
    }
    throw postgresql_unavailable("PostgreSQL support (" + std::string(module_file) +
                                 ") cannot be loaded; looked at:" + tried);
}

}  // namespace chainbot::store::detail
