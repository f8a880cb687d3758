#include <chainbot/module.hpp>

#include "api/api_service.hpp"
#include "agents/api_agent/api_client_config.hpp"
#include "agents/api_agent/api_tasks.hpp"
#include "agents/assistant/assistant.hpp"
#include "agents/spawner.hpp"
#include "agents/tasks/register.hpp"
#include "agents/workflow_agent.hpp"
#include "entanglement/entanglement_manager.hpp"
#include "api/hardware_routes.hpp"
#include "api/run_blocking.hpp"
#include "audit/audit_service.hpp"
#include "dashboard/auth_me_route.hpp"
#include "dashboard/static_routes.hpp"
#include "security/security_service.hpp"
#include "config/loader.hpp"
#include "hardware/gpio_step.hpp"
#include "http/client.hpp"
#include "hardware/hardware_service.hpp"
#include "module/module_commands.hpp"
#include "module/module_info.hpp"
#include "orchestrator/orchestrator.hpp"
#include "resources/resource_monitor.hpp"
#include "store/store_service.hpp"
#include "runtime/runtime.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <future>
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

namespace {

// The orchestrator's view of the Raspberry Pi: the thermal admission hold (a hold check of
// the governor, which the orchestrator and the spawner consult) and gpio steps.
void wire_hardware(orchestrator::orchestrator& orch, const std::shared_ptr<hardware::hardware_service>& hw, runtime& rt) {
    std::weak_ptr<hardware::hardware_service> weak = hw;
    orch.governor()->set_hold_check("temperature", [weak, &rt]() -> std::optional<std::string> {
        auto h = weak.lock();
        if (!h || !h->admission_hold()) return std::nullopt;
        return fmt::format("the CPU is above raspberry_pi.cpu_temp_threshold_celsius = {} "
                           "(raspberry_pi.hold_executions_when_hot is on)",
                           rt.settings()->raspberry_pi.cpu_temp_threshold_celsius);
    });
    // gpio steps run on the orchestrator's blocking pool, so a pulse may wait for its end here.
    orch.set_gpio([weak, &rt](const boost::json::object& step) -> boost::json::value {
        auto h = weak.lock();
        if (!h) throw std::runtime_error("GPIO is not available");
        const auto st = hardware::parse_gpio_step(step, *rt.settings());
        switch (st.action) {
            case hardware::gpio_action::set:
                h->set_line(st.pin, st.value);
                return boost::json::object{{"pin", st.pin}, {"value", st.value}};
            case hardware::gpio_action::read:
                return boost::json::object{{"pin", st.pin}, {"value", h->read_line(st.pin)}};
            case hardware::gpio_action::pulse: {
                auto done = std::make_shared<std::promise<bool>>();
                auto finished = done->get_future();
                h->pulse_line(st.pin, st.duration, [done](bool completed) { done->set_value(completed); });
                const bool completed = finished.get();
                return boost::json::object{{"pin", st.pin}, {"pulsed_ms", st.duration.count()}, {"completed", completed}};
            }
        }
        throw std::runtime_error("unknown gpio action");
    });
}

// Every route passes the token check for its permission; admin routes join the table.
// Agents: the spawner runs agent_task steps, the workflow agent's tasks and alert rules,
// and the entanglement manager delivers messages to agents' mailboxes.
void wire_agents(orchestrator::orchestrator& orch, const std::shared_ptr<agents::agent_spawner>& spawner,
                 const std::function<std::shared_ptr<store::database>()>& store, runtime& rt) {
    agents::add_builtin_validators(*spawner);
    agents::register_workflow_agent_tasks(orch.tasks(), orch, store);
    std::weak_ptr<agents::agent_spawner> weak = spawner;
    orch.set_agent_runner([weak](const std::string& type, orchestrator::task_call call, orchestrator::task_fn fn,
                                 std::function<void(std::exception_ptr, boost::json::value)> done,
                                 orchestrator::task_kind kind) {
        auto s = weak.lock();
        if (!s) return done(std::make_exception_ptr(std::runtime_error("the agent spawner is gone")), nullptr);
        s->run_task(type, std::move(call), std::move(fn), std::move(done), kind);
    });
    rt.events().add_observer(std::make_shared<agents::alert_monitor>(rt.events(), [weak] {
        std::vector<std::pair<std::string, boost::json::object>> out;
        if (auto s = weak.lock())
            for (const auto& h : s->live_agents("workflow"))
                if (h->config.contains("alert_rules")) out.emplace_back(h->id, h->config);
        return out;
    }));
}

void wire_security(api::api_service& api, const std::shared_ptr<security::security_service>& security, runtime& rt) {
    runtime* r = &rt;
    api.table().set_async_authorizer([security, r](http::request& req, const api::route& route,
                                                   std::function<void(std::optional<http::response>)> decided) {
        // Token lookups that miss the cache read the store: they go to the blocking pool.
        security->guard()->authorize_async(req, route.permission,
                                           [r](std::function<void()> job) { return r->post_blocking(std::move(job)); },
                                           std::move(decided));
    });
    for (auto& a : security->admin_routes())
        api.table().add({a.method, a.pattern, a.permission, api::blocking_handler(rt, a.handle), a.summary});
    // The dashboard: what a token may do, and its files at /chainbot/ (public, outside the table).
    dashboard::add_auth_me_route(api.table(), security->auth(), rt);
    dashboard::add_static_routes(api.routes());
}

}  // namespace

struct chainbot_module::impl {
    mutable std::mutex mutex;
    host_services services;
    std::unique_ptr<runtime> rt;
    std::shared_ptr<api::api_service> api;
    std::shared_ptr<hardware::hardware_service> hw;  // admission_hold, gpio steps, system metrics
    std::shared_ptr<resources::resource_monitor> resources;  // RSS and CPU limits, through the governor
    std::shared_ptr<store::store_service> store;
    std::shared_ptr<orchestrator::orchestrator> orchestrator;
    std::shared_ptr<agents::agent_spawner> spawner;
    std::shared_ptr<entanglement::entanglement_manager> entanglements;
    std::shared_ptr<http::http_client> http;  // after rt: destroyed before the io_context it uses
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
    // One governor decides whether new work starts: the orchestrator and the spawner consult
    // it, the resource monitor (memory, CPU) and the Raspberry Pi (temperature) close it.
    auto governor = std::make_shared<resources::governor>();
    orch->set_governor(governor);
    auto monitor = std::make_shared<resources::resource_monitor>(governor);
    auto api = std::make_shared<api::api_service>([] { return describe_module(); });
    auto hw = std::make_shared<hardware::hardware_service>();
    // Every route goes through the API's route table (its permission, the authorization hook).
    auto hardware_routes = std::make_shared<http::router>();
    api::add_hardware_routes(*hardware_routes, hw);
    api->table().add_forwarded({"GET", "/api/chainbot/hardware", std::string(api::permission::read), {},
                                "Raspberry Pi readings, thermal state and GPIO lines"}, hardware_routes);
    auto spawner = std::make_shared<agents::agent_spawner>([store] { return store->store(); });
    spawner->set_governor(governor);
    spawner->set_instance_id(orch->instance_id());
    auto entanglements =
        std::make_shared<entanglement::entanglement_manager>([store] { return store->store(); }, spawner, &orch->tasks());
    // One HTTP client for api_call and webhook steps, the api agent and the assistant's model calls.
    auto http = std::make_shared<http::http_client>(rt->io());
    orch->set_http_client(http.get());
    wire_agents(*orch, spawner, [store] { return store->store(); }, *rt);
    agents::register_api_agent_tasks(orch->tasks(),
                                     {.http = *http, .secrets = [o = orch.get()] { return o->secrets(); }, .log = &rt->log()});
    spawner->set_config_validator("api", [o = orch.get()](const boost::json::object& config) {
        (void)agents::parse_api_client_config(config, o->secrets());
    });
    agents::assistant_environment assistant_env{[r = rt.get()] { return r->settings(); },
                                                [http] { return http.get(); }, &orch->tasks()};
    agents::register_assistant_model_tasks(orch->tasks(), assistant_env);
    entanglements->set_chat_responder([assistant_env](const orchestrator::agent_handle& a, const std::string& text,
                                                      const std::string& entanglement_id, const std::string& sender) {
        return agents::assistant_reply(assistant_env, a, text, {entanglement_id, sender});
    });
    api->attach({[store] { return store->store(); }, orch.get(), hw, spawner, entanglements, monitor});
    wire_hardware(*orch, hw, *rt);
    // The built-in tasks agent_task steps run (the data_processor library, the assistant's analyses).
    agents::register_data_processor_tasks(orch->tasks());
    agents::register_assistant_analysis_tasks(orch->tasks());
    auto audit = std::make_shared<audit::audit_service>([store] { return store->store(); });
    auto security = std::make_shared<security::security_service>([store] { return store->store(); }, audit->trail());
    wire_security(*api, security, *rt);
    rt->add_service(hw);  // first up, last down: the status LED covers the whole run
    rt->add_service(monitor);  // before anything starts work: its first sample sets admission
    rt->add_service(store);
    rt->add_service(audit);
    rt->add_service(security);
    rt->add_service(spawner);
    rt->add_service(orch);
    // After the orchestrator: redelivered messages may start workflows (and api agents read its secrets).
    rt->add_service(entanglements);
    rt->add_service(api);

    impl_->unwatch();
    // A previous instance goes first: its components before the runtime whose io_context they use.
    impl_->api.reset();
    impl_->hw.reset();
    impl_->resources.reset();
    impl_->store.reset();
    impl_->orchestrator.reset();
    impl_->spawner.reset();
    impl_->entanglements.reset();
    impl_->http.reset();
    impl_->rt.reset();
    impl_->rt = std::move(rt);
    impl_->api = std::move(api);
    impl_->hw = std::move(hw);
    impl_->resources = std::move(monitor);
    impl_->store = std::move(store);
    impl_->orchestrator = std::move(orch);
    impl_->spawner = std::move(spawner);
    impl_->http = std::move(http);
    impl_->entanglements = std::move(entanglements);
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

command_result chainbot_module::run_command(std::string_view command, const std::vector<std::string>& args) {
    std::lock_guard lock(impl_->mutex);  // held throughout: no start while a migration runs
    if (!impl_->rt) throw state_error(fmt::format("run_command {}: the module is not initialized", command));
    if (impl_->status == module_status::running)
        throw state_error(fmt::format("run_command {}: the module is running; commands run on a stopped module",
                                      command));
    return run_module_command(command, args, *impl_->rt->settings(), impl_->rt->log());
}

runtime* chainbot_module::get_runtime() noexcept {
    std::lock_guard lock(impl_->mutex);
    return impl_->rt.get();
}

orchestrator::orchestrator* chainbot_module::get_orchestrator() noexcept {
    std::lock_guard lock(impl_->mutex);
    return impl_->orchestrator.get();
}

agents::agent_spawner* chainbot_module::get_spawner() noexcept {
    std::lock_guard lock(impl_->mutex);
    return impl_->spawner.get();
}

resources::resource_monitor* chainbot_module::get_resources() noexcept {
    std::lock_guard lock(impl_->mutex);
    return impl_->resources.get();
}

entanglement::entanglement_manager* chainbot_module::get_entanglements() noexcept {
    std::lock_guard lock(impl_->mutex);
    return impl_->entanglements.get();
}

unsigned short chainbot_module::api_port() const noexcept {
    std::lock_guard lock(impl_->mutex);
    return impl_->api ? impl_->api->port() : 0;
}

}  // namespace chainbot
