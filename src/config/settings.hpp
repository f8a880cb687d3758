#pragma once
// The typed configuration of one ChainBot instance. Every key here has a
// built-in default (the values below); src/config/schema.cpp is the one table
// that names each key, its type, its constraints and whether a runtime change
// applies live or needs a restart.

#include <chainbot/host_services.hpp>

#include <map>
#include <string>
#include <vector>

namespace chainbot::config {

struct database_settings {
    std::string url;  // "" until resolved: sqlite:///<data_dir>/chainbot.db
    int pool_size = 10;
    int max_overflow = 20;
    bool auto_migrate = true;
    int sqlite_cache_kib = 512;  // SQLite: page cache per pooled connection
};

struct workflow_settings {
    int max_concurrent_executions = 5;
    // Executions waiting for a slot (queued in memory or in the store, not yet claimed)
    // before execute is refused with 429 queue_full.
    int max_queued_executions = 1000;
    double default_timeout_hours = 1.0;
    int retry_attempts = 3;
    // A JSON or YAML file of secret names to values, resolvable in workflows as ${name};
    // kept out of the main configuration and never shown. "" = no configured secrets.
    std::string credentials_file;
};

// The OpenAI-compatible chat-completions service assistants talk to; an agent's own
// config (endpoint, model, api_key...) overrides these.
struct assistant_settings {
    std::string endpoint;  // base URL, e.g. http://127.0.0.1:11434/v1 ("" = no model configured)
    std::string model;
    std::string api_key;  // secret; "" sends no Authorization
    int timeout_seconds = 60;
    int max_memory_messages = 40;  // conversation turns kept per agent
};

// Scale-out: several instances on one PostgreSQL (see README, "Scale-out").
struct cluster_settings {
    double heartbeat_seconds = 3.0;  // how often an instance records that it lives and renews its leases
    double lease_seconds = 15.0;     // how long a claim holds without renewal (> heartbeat_seconds)
    double poll_seconds = 2.0;       // fallback poll for work when no notification arrives
    bool relay_events = true;        // relay events between instances (NOTIFY chainbot_events)
};

struct agents_settings {
    std::vector<std::string> types{"assistant", "data_processor", "api", "workflow"};
    int max_instances_per_type = 10;
    int max_total_instances = 50;
    int mailbox_capacity = 100;  // messages queued per agent before senders are refused
    assistant_settings assistant;
};

struct gpio_pins_settings {
    int status_led = 18;
    int error_led = 23;
};

struct raspberry_pi_settings {
    bool enable_hardware_monitoring = true;
    double cpu_temp_threshold_celsius = 80.0;
    bool enable_gpio_integration = false;
    std::string gpio_chip = "gpiochip0";
    gpio_pins_settings gpio_pins;
    int sample_interval_seconds = 5;
    double temp_hysteresis_celsius = 5.0;
    bool hold_executions_when_hot = false;
    double error_led_health_threshold = 0.5;
    std::vector<int> gpio_allowed_pins;  // lines a `gpio` workflow step may drive; empty = none
};

struct api_settings {
    std::string host = "127.0.0.1";
    int port = 8000;  // 0 picks a free port (tests)
    int ws_send_queue = 256;          // events queued per WebSocket client before the oldest are dropped
    int ws_ping_interval_seconds = 30;  // keep-alive pings; a client silent for two intervals is closed
};

struct security_settings {
    int failed_auth_limit_per_minute = 10;       // failed token attempts per client address
    std::vector<std::string> audit_masked_fields;  // extra secret key names masked in the audit trail
};

// Resource governance (see README, "Resource limits"): limits the module holds itself to,
// sampled from its own RSS and CPU time. 0 = no limit.
struct resources_settings {
    int max_memory_mb = 0;             // above it: no new executions or spawns, caches trimmed
    double max_cpu_percent = 0;        // of the whole machine (all cores); above it: fewer executions at once
    double resume_margin_percent = 10;  // admission reopens (and concurrency steps up) below limit minus this share
    double sample_interval_seconds = 2.0;
    int definition_cache_size = 256;    // validated workflow definitions kept in memory (0 = none)
};

struct module_settings {
    std::string data_dir = "data";  // made absolute at load time
};

struct logging_settings {
    log_level level = log_level::info;
    std::string file;  // "" logs only to the host's log sink
};

struct settings {
    database_settings database;
    workflow_settings workflow;
    cluster_settings cluster;
    agents_settings agents;
    raspberry_pi_settings raspberry_pi;
    api_settings api;
    security_settings security;
    resources_settings resources;
    module_settings module;
    logging_settings logging;
};

}  // namespace chainbot::config
