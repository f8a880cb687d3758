// The schema table: every configuration key, once. Adding a key means adding a
// field to settings.hpp, a row here and a line in config/default.yaml.

#include "config/schema.hpp"
#include "util/ascii.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace chainbot::config {

namespace {

constexpr double port_max = 65535;
constexpr double gpio_line_max = 511;

std::vector<key_spec> make_schema() {
    using vt = value_type;
    return {
        // database: "" derives sqlite:///<data_dir>/chainbot.db after merging.
        {.key = "database.url", .type = vt::database_url, .default_json = R"("")",
         .secret = secrecy::url_password,
         .field = +[](settings& s) -> auto& { return s.database.url; }},
        {.key = "database.pool_size", .type = vt::integer, .default_json = "10", .min = 1,
         .field = +[](settings& s) -> auto& { return s.database.pool_size; }},
        {.key = "database.max_overflow", .type = vt::integer, .default_json = "20", .min = 0,
         .field = +[](settings& s) -> auto& { return s.database.max_overflow; }},
        {.key = "database.sqlite_cache_kib", .type = vt::integer, .default_json = "512", .min = 64, .max = 1048576,
         .field = +[](settings& s) -> auto& { return s.database.sqlite_cache_kib; }},
        {.key = "database.auto_migrate", .type = vt::boolean, .default_json = "true",
         .field = +[](settings& s) -> auto& { return s.database.auto_migrate; }},

        {.key = "workflow.max_concurrent_executions", .type = vt::integer, .default_json = "5", .min = 1,
         .live = true, .field = +[](settings& s) -> auto& { return s.workflow.max_concurrent_executions; }},
        {.key = "workflow.max_queued_executions", .type = vt::integer, .default_json = "1000", .min = 1,
         .live = true, .field = +[](settings& s) -> auto& { return s.workflow.max_queued_executions; }},
        {.key = "workflow.default_timeout_hours", .type = vt::number, .default_json = "1.0", .min = 0,
         .min_exclusive = true, .live = true,
         .field = +[](settings& s) -> auto& { return s.workflow.default_timeout_hours; }},
        {.key = "workflow.retry_attempts", .type = vt::integer, .default_json = "3", .min = 0, .live = true,
         .field = +[](settings& s) -> auto& { return s.workflow.retry_attempts; }},
        {.key = "workflow.credentials_file", .type = vt::string, .default_json = R"("")",
         .field = +[](settings& s) -> auto& { return s.workflow.credentials_file; }},

        {.key = "cluster.heartbeat_seconds", .type = vt::number, .default_json = "3.0", .min = 0.1, .max = 3600,
         .field = +[](settings& s) -> auto& { return s.cluster.heartbeat_seconds; }},
        {.key = "cluster.lease_seconds", .type = vt::number, .default_json = "15.0", .min = 0.5, .max = 86400,
         .field = +[](settings& s) -> auto& { return s.cluster.lease_seconds; }},
        {.key = "cluster.poll_seconds", .type = vt::number, .default_json = "2.0", .min = 0.1, .max = 3600,
         .field = +[](settings& s) -> auto& { return s.cluster.poll_seconds; }},
        {.key = "cluster.relay_events", .type = vt::boolean, .default_json = "true",
         .field = +[](settings& s) -> auto& { return s.cluster.relay_events; }},

        {.key = "agents.types", .type = vt::string_list,
         .default_json = R"(["assistant", "data_processor", "api", "workflow"])",
         .allowed = {"assistant", "data_processor", "api", "workflow"}, .non_empty = true,
         .field = +[](settings& s) -> auto& { return s.agents.types; }},
        {.key = "agents.max_instances_per_type", .type = vt::integer, .default_json = "10", .min = 0,
         .live = true, .field = +[](settings& s) -> auto& { return s.agents.max_instances_per_type; }},
        {.key = "agents.max_total_instances", .type = vt::integer, .default_json = "50", .min = 0, .live = true,
         .field = +[](settings& s) -> auto& { return s.agents.max_total_instances; }},
        {.key = "agents.mailbox_capacity", .type = vt::integer, .default_json = "100", .min = 1, .max = 1000000,
         .live = true, .field = +[](settings& s) -> auto& { return s.agents.mailbox_capacity; }},
        {.key = "agents.assistant.endpoint", .type = vt::string, .default_json = R"("")", .live = true,
         .field = +[](settings& s) -> auto& { return s.agents.assistant.endpoint; }},
        {.key = "agents.assistant.model", .type = vt::string, .default_json = R"("")", .live = true,
         .field = +[](settings& s) -> auto& { return s.agents.assistant.model; }},
        {.key = "agents.assistant.api_key", .type = vt::string, .default_json = R"("")", .live = true,
         .field = +[](settings& s) -> auto& { return s.agents.assistant.api_key; }},
        {.key = "agents.assistant.timeout_seconds", .type = vt::integer, .default_json = "60", .min = 1,
         .max = 3600, .live = true, .field = +[](settings& s) -> auto& { return s.agents.assistant.timeout_seconds; }},
        {.key = "agents.assistant.max_memory_messages", .type = vt::integer, .default_json = "40", .min = 0,
         .max = 10000, .live = true,
         .field = +[](settings& s) -> auto& { return s.agents.assistant.max_memory_messages; }},

        {.key = "raspberry_pi.enable_hardware_monitoring", .type = vt::boolean, .default_json = "true",
         .field = +[](settings& s) -> auto& { return s.raspberry_pi.enable_hardware_monitoring; }},
        {.key = "raspberry_pi.cpu_temp_threshold_celsius", .type = vt::number, .default_json = "80.0", .min = 0,
         .max = 150, .live = true,
         .field = +[](settings& s) -> auto& { return s.raspberry_pi.cpu_temp_threshold_celsius; }},
        {.key = "raspberry_pi.enable_gpio_integration", .type = vt::boolean, .default_json = "false",
         .field = +[](settings& s) -> auto& { return s.raspberry_pi.enable_gpio_integration; }},
        {.key = "raspberry_pi.gpio_chip", .type = vt::string, .default_json = R"("gpiochip0")", .non_empty = true,
         .field = +[](settings& s) -> auto& { return s.raspberry_pi.gpio_chip; }},
        {.key = "raspberry_pi.gpio_pins.status_led", .type = vt::integer, .default_json = "18", .min = 0,
         .max = gpio_line_max, .field = +[](settings& s) -> auto& { return s.raspberry_pi.gpio_pins.status_led; }},
        {.key = "raspberry_pi.gpio_pins.error_led", .type = vt::integer, .default_json = "23", .min = 0,
         .max = gpio_line_max, .field = +[](settings& s) -> auto& { return s.raspberry_pi.gpio_pins.error_led; }},
        {.key = "raspberry_pi.sample_interval_seconds", .type = vt::integer, .default_json = "5", .min = 1,
         .max = 3600, .live = true,
         .field = +[](settings& s) -> auto& { return s.raspberry_pi.sample_interval_seconds; }},
        {.key = "raspberry_pi.temp_hysteresis_celsius", .type = vt::number, .default_json = "5.0", .min = 0,
         .max = 50, .live = true,
         .field = +[](settings& s) -> auto& { return s.raspberry_pi.temp_hysteresis_celsius; }},
        {.key = "raspberry_pi.hold_executions_when_hot", .type = vt::boolean, .default_json = "false",
         .live = true, .field = +[](settings& s) -> auto& { return s.raspberry_pi.hold_executions_when_hot; }},
        {.key = "raspberry_pi.error_led_health_threshold", .type = vt::number, .default_json = "0.5", .min = 0,
         .max = 1, .live = true,
         .field = +[](settings& s) -> auto& { return s.raspberry_pi.error_led_health_threshold; }},
        // The lines a `gpio` workflow step may drive (validated by hardware::validate_gpio_step).
        {.key = "raspberry_pi.gpio_allowed_pins", .type = vt::integer_list, .default_json = "[]", .min = 0,
         .max = gpio_line_max, .live = true,
         .field = +[](settings& s) -> auto& { return s.raspberry_pi.gpio_allowed_pins; }},

        {.key = "api.host", .type = vt::string, .default_json = R"("127.0.0.1")", .non_empty = true,
         .field = +[](settings& s) -> auto& { return s.api.host; }},
        // 0 lets the OS pick a free port (tests).
        {.key = "api.port", .type = vt::integer, .default_json = "8000", .min = 0, .max = port_max,
         .field = +[](settings& s) -> auto& { return s.api.port; }},
        {.key = "api.ws_send_queue", .type = vt::integer, .default_json = "256", .min = 1, .max = 100000,
         .live = true, .field = +[](settings& s) -> auto& { return s.api.ws_send_queue; }},
        {.key = "api.ws_ping_interval_seconds", .type = vt::integer, .default_json = "30", .min = 1, .max = 3600,
         .live = true, .field = +[](settings& s) -> auto& { return s.api.ws_ping_interval_seconds; }},

        // Failed bearer-token attempts a client address may make per minute before it is refused (429).
        {.key = "security.failed_auth_limit_per_minute", .type = vt::integer, .default_json = "10", .min = 1,
         .max = 100000, .field = +[](settings& s) -> auto& { return s.security.failed_auth_limit_per_minute; }},
        // Key names whose values the audit trail masks, besides those that look secret.
        {.key = "security.audit_masked_fields", .type = vt::string_list, .default_json = "[]",
         .field = +[](settings& s) -> auto& { return s.security.audit_masked_fields; }},

        // Resource limits (0 = none); the monitor samples the module's own RSS and CPU time.
        {.key = "resources.max_memory_mb", .type = vt::integer, .default_json = "0", .min = 0, .max = 1048576,
         .live = true, .field = +[](settings& s) -> auto& { return s.resources.max_memory_mb; }},
        {.key = "resources.max_cpu_percent", .type = vt::number, .default_json = "0.0", .min = 0, .max = 100,
         .live = true, .field = +[](settings& s) -> auto& { return s.resources.max_cpu_percent; }},
        {.key = "resources.resume_margin_percent", .type = vt::number, .default_json = "10.0", .min = 0, .max = 90,
         .live = true, .field = +[](settings& s) -> auto& { return s.resources.resume_margin_percent; }},
        {.key = "resources.sample_interval_seconds", .type = vt::number, .default_json = "2.0", .min = 0.05,
         .max = 3600, .live = true,
         .field = +[](settings& s) -> auto& { return s.resources.sample_interval_seconds; }},
        {.key = "resources.definition_cache_size", .type = vt::integer, .default_json = "256", .min = 0,
         .max = 100000, .live = true,
         .field = +[](settings& s) -> auto& { return s.resources.definition_cache_size; }},

        {.key = "module.data_dir", .type = vt::string, .default_json = R"("data")", .non_empty = true,
         .field = +[](settings& s) -> auto& { return s.module.data_dir; }},

        {.key = "logging.level", .type = vt::log_level, .default_json = R"("INFO")",
         .allowed = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}, .live = true,
         .field = +[](settings& s) -> auto& { return s.logging.level; }},
        {.key = "logging.file", .type = vt::string, .default_json = R"("")",
         .field = +[](settings& s) -> auto& { return s.logging.file; }},
    };
}

bool starts_with_section(std::string_view key, std::string_view section) {
    return key.size() > section.size() && key.starts_with(section) && key[section.size()] == '.';
}

}  // namespace

const std::vector<key_spec>& schema() {
    static const std::vector<key_spec> table = make_schema();
    return table;
}

const key_spec* find_key(std::string_view dotted_key) {
    const auto& table = schema();
    auto it = std::find_if(table.begin(), table.end(), [&](const key_spec& k) { return k.key == dotted_key; });
    return it == table.end() ? nullptr : &*it;
}

bool is_section(std::string_view dotted) {
    const auto& table = schema();
    return std::any_of(table.begin(), table.end(),
                       [&](const key_spec& k) { return starts_with_section(k.key, dotted); });
}

std::vector<std::string> section_names() {
    std::vector<std::string> names;
    for (const auto& k : schema()) {
        std::string section(k.key.substr(0, k.key.find('.')));
        if (std::find(names.begin(), names.end(), section) == names.end()) names.push_back(std::move(section));
    }
    return names;
}

std::string keys_in_section(std::string_view section) {
    std::string out;
    for (const auto& k : schema()) {
        if (!starts_with_section(k.key, section)) continue;
        if (!out.empty()) out += ", ";
        out += k.key.substr(section.size() + 1);
    }
    return out;
}

std::string env_name(std::string_view dotted_key) {
    std::string name(env_prefix);
    for (char c : dotted_key) name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

bool is_secret_key_name(std::string_view dotted_key) {
    const std::string last = util::ascii_lower(dotted_key.substr(dotted_key.rfind('.') + 1));  // npos + 1 == 0
    static constexpr std::array<std::string_view, 5> markers{"password", "secret", "token", "api_key", "key"};
    return std::any_of(markers.begin(), markers.end(),
                       [&](std::string_view m) { return last.find(m) != std::string::npos; });
}

secrecy secrecy_of(const key_spec& spec) {
    if (spec.secret != secrecy::none) return spec.secret;
    return is_secret_key_name(spec.key) ? secrecy::whole_value : secrecy::none;
}

}  // namespace chainbot::config
