#include <chainbot/module.hpp>

#include "api/api_service.hpp"
#include "api/hardware_routes.hpp"
#include "config/loader.hpp"
#include "hardware/hardware_service.hpp"
#include "module/module_info.hpp"
#include "orchestrator/orchestrator.hpp"
#include "store/store_service.hpp"
#include "runtime/runtime.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <mutex>

namespace chainbot {

std::string_view to_string(module_status status) noexcept {
    switch (status) {
        case module_status::running: return "running";
        case module_status::error: return "error";
        case module_status::stopped: return "stopped";
    }
    return "stopped";
}

namespace {

// Splits the initialize JSON into the loader's request: "config_files" and
// "default_config" name files; every other key is an inline settings section.
config::load_request parse_initialize_config(std::string_view config_json) {
    config::load_request request;
    request.environment = config::process_environment();
    if (config_json.empty()) return request;
    boost::system::error_code ec;
    auto doc = boost::json::parse(config_json, ec);
    if (ec) throw config_error(fmt::format("initialize config: not valid JSON: {}", ec.message()));
    if (!doc.is_object()) throw config_error("initialize config: expected a JSON object");
    auto& root = doc.as_object();
    if (auto* files = root.if_contains("config_files")) {
        if (!files->is_array()) throw config_error("initialize config: config_files: expected an array of paths");
        for (std::size_t i = 0; i < files->as_array().size(); ++i) {
            const auto& f = files->as_array()[i];
            if (!f.is_string())
                throw config_error(fmt::format("initialize config: config_files[{}]: expected a path string", i));
            request.files.emplace_back(std::string(f.as_string()));
        }
        root.erase("config_files");
    }
    if (auto* def = root.if_contains("default_config")) {
        if (!def->is_string()) throw config_error("initialize config: default_config: expected a path string");
        request.default_file = std::string(def->as_string());
        root.erase("default_config");
    }
    request.inline_layer = std::move(root);
    return request;
}

}  // namespace

struct chainbot_module::impl {
    mutable std::mutex mutex;
    host_services services;
    std::unique_ptr<runtime> rt;
    std::shared_ptr<api::api_service> api;
    std::shared_ptr<hardware::hardware_service> hw;  // admission_hold, gpio steps, system metrics
    std::shared_ptr<store::store_service> store;
    std::shared_ptr<orchestrator::orchestrator> orchestrator;
    std::uint64_t config_watch_id = 0;
    module_status status = module_status::stopped;

    void unwatch() {
        if (config_watch_id && services.config) services.config->unwatch(config_watch_id);
        config_watch_id = 0;
    }
};

chainbot_module::chainbot_module() : impl_(std::make_unique<impl>()) {}

chainbot_module::~chainbot_module() {
    try {
        stop();
    } catch (...) {
    }
    impl_->unwatch();
}

void chainbot_module::initialize(host_services services, std::string_view config_json) {
    std::lock_guard lock(impl_->mutex);
    if (impl_->status == module_status::running) throw state_error("initialize: the module is running; stop it first");
    // Build everything first; swap in only when all of it succeeded (nothing half-configured).
    auto settings = config::load(parse_initialize_config(config_json));
    auto rt = std::make_unique<runtime>(std::move(settings), services);
    // Services start in this order and stop in reverse: the store first, the API last.
    auto store = std::make_shared<store::store_service>();
    auto orch = std::make_shared<orchestrator::orchestrator>([store] { return store->store(); });
    auto api = std::make_shared<api::api_service>([] { return describe_module(); });
    auto hw = std::make_shared<hardware::hardware_service>();
    api::add_hardware_routes(api->routes(), hw);
    rt->add_service(hw);  // first up, last down: the status LED covers the whole run
    rt->add_service(store);
    rt->add_service(orch);
    rt->add_service(api);

    impl_->unwatch();
    impl_->rt = std::move(rt);
    impl_->api = std::move(api);
    impl_->hw = std::move(hw);
    impl_->store = std::move(store);
    impl_->orchestrator = std::move(orch);
    impl_->services = std::move(services);
    impl_->status = module_status::stopped;
    if (impl_->services.config) {
        runtime* r = impl_->rt.get();
        impl_->config_watch_id = impl_->services.config->watch(
            "chainbot.", [r](std::string_view key, std::string_view value_json) {
                return r->change_setting(key.substr(std::string_view("chainbot.").size()), value_json);
            });
    }
    const auto s = impl_->rt->settings();
    impl_->rt->log().info("module", "initialized: {}", boost::json::serialize(config::to_json(*s, true)));
}

void chainbot_module::start() {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->rt) throw state_error("start: the module is not initialized");
    if (impl_->status == module_status::running) throw state_error("start: the module is already running");
    try {
        impl_->rt->start();
    } catch (...) {
        impl_->status = module_status::error;
        throw;
    }
    impl_->status = module_status::running;
    impl_->rt->events().publish("chainbot.module.ready", {{"version", CHAINBOT_VERSION}, {"api_port", impl_->api->port()}});
    impl_->rt->log().info("module", "ChainBot {} running", CHAINBOT_VERSION);
}

void chainbot_module::stop() {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->rt || impl_->status != module_status::running) return;
    impl_->rt->events().publish("chainbot.module.stopping");
    impl_->rt->stop();
    impl_->status = module_status::stopped;
    impl_->rt->events().publish("chainbot.module.stopped");
    impl_->rt->log().info("module", "stopped");
}

double chainbot_module::health_check() const {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->rt || impl_->status != module_status::running) return 0.0;
    return impl_->rt->health().overall();
}

module_status chainbot_module::status() const noexcept {
    std::lock_guard lock(impl_->mutex);
    return impl_->status;
}

std::string chainbot_module::module_info() const {
    auto info = describe_module();
    std::lock_guard lock(impl_->mutex);
    info["status"] = to_string(impl_->status);
    if (impl_->api && impl_->api->port() != 0) info["api_port"] = impl_->api->port();
    return boost::json::serialize(info);
}

runtime* chainbot_module::get_runtime() noexcept {
    std::lock_guard lock(impl_->mutex);
    return impl_->rt.get();
}

orchestrator::orchestrator* chainbot_module::get_orchestrator() noexcept {
    std::lock_guard lock(impl_->mutex);
    return impl_->orchestrator.get();
}

unsigned short chainbot_module::api_port() const noexcept {
    std::lock_guard lock(impl_->mutex);
    return impl_->api ? impl_->api->port() : 0;
}

}  // namespace chainbot
