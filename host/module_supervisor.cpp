#include "module_supervisor.hpp"

#include "host_services_adapter.hpp"
#include "log_sink.hpp"
#include "module_error.hpp"
#include "module_instance.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace alex_os {

module_supervisor::module_supervisor(event_bus& bus, config_manager& config, log_sink& log, module_loader loader)
    : bus_(bus), config_(config), log_(log), loader_(loader) {}

module_supervisor::~module_supervisor() {
    stop_all();
    destroy_all();
}

void module_supervisor::load(const module_manifest& manifest) {
    std::lock_guard lock(mutex_);
    try {
        slot s{manifest, std::make_unique<host_services_adapter>(bus_, config_, log_, manifest.id),
               loader_.load(manifest.library_path())};
        log_.write(ALEX_LOG_INFO, "host",
                   fmt::format("loaded module {} ({}, ALEX ABI {}.{})", manifest.id, s.module->path().string(),
                               ALEX_ABI_MAJOR(s.module->abi_version()), ALEX_ABI_MINOR(s.module->abi_version())));
        slots_.push_back(std::move(s));
    } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("module {}: {}", manifest.id, e.what()));
    }
}

void module_supervisor::initialize_all(const std::function<std::string(const module_manifest&)>& config_for) {
    std::lock_guard lock(mutex_);
    for (auto& s : slots_) {
        try {
            const std::string config = config_for(s.manifest);
            log_.write(ALEX_LOG_DEBUG, "host", fmt::format("initializing module {} with {}", s.manifest.id, config));
            s.module->initialize(s.services->table(), config);
        } catch (const std::exception& e) {
            throw std::runtime_error(fmt::format("module {}: {}", s.manifest.id, e.what()));
        }
    }
}

void module_supervisor::start_all() {
    std::unique_lock lock(mutex_);
    for (auto& s : slots_) {
        try {
            s.module->start();
            log_.write(ALEX_LOG_INFO, "host", fmt::format("started module {}", s.manifest.id));
        } catch (const std::exception& e) {
            const std::string message = fmt::format("module {}: {}", s.manifest.id, e.what());
            lock.unlock();
            stop_all();
            throw std::runtime_error(message);
        }
    }
}

bool module_supervisor::stop_all() noexcept {
    std::lock_guard lock(mutex_);
    bool clean = true;
    for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) {
        if (!it->module || !it->module->running()) continue;
        try {
            it->module->stop();
            log_.write(ALEX_LOG_INFO, "host", fmt::format("stopped module {}", it->manifest.id));
        } catch (const std::exception& e) {
            clean = false;
            log_.write(ALEX_LOG_ERROR, "host", fmt::format("module {}: {}", it->manifest.id, e.what()));
        }
    }
    return clean;
}

void module_supervisor::destroy_all() noexcept {
    std::lock_guard lock(mutex_);
    while (!slots_.empty()) {
        slot& s = slots_.back();
        // The module is stopped: cancel its subscriptions and watches first, so that no
        // handler runs into a half-destroyed instance or, later, into unmapped code.
        s.services->release();
        s.module->destroy();
        s.module.reset();
        slots_.pop_back();
    }
}

std::vector<module_report> module_supervisor::report() {
    std::lock_guard lock(mutex_);
    std::vector<module_report> out;
    for (auto& s : slots_) {
        module_report r{s.manifest.id, s.module->status(), std::nullopt, {}};
        try {
            r.health = s.module->health();
        } catch (const std::exception& e) {
            r.error = e.what();
        }
        out.push_back(std::move(r));
    }
    return out;
}

std::size_t module_supervisor::size() const {
    std::lock_guard lock(mutex_);
    return slots_.size();
}

}  // namespace alex_os
