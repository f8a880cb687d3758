#include "runtime/runtime.hpp"

#include "events/host_bus_forwarder.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>

namespace chainbot {

namespace {
std::size_t pool_size() {
    const auto hw = std::thread::hardware_concurrency();
    return std::max<std::size_t>(2, hw == 0 ? 2 : hw);
}
// The value at a dotted key of the (masked) settings JSON.
boost::json::value masked_value(const boost::json::object& root, std::string_view key) {
    const boost::json::value* node = nullptr;
    const boost::json::object* obj = &root;
    std::size_t start = 0;
    while (obj) {
        const auto dot = key.find('.', start);
        const auto part = key.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        node = obj->if_contains(part);
        if (!node || dot == std::string_view::npos) break;
        obj = node->if_object();
        start = dot + 1;
    }
    return node ? *node : boost::json::value();
}
}  // namespace

runtime::runtime(config::settings settings, host_services services)
    : services_(std::move(services)),
      settings_(std::make_shared<const config::settings>(std::move(settings))),
      log_(std::make_unique<logger>(services_.log, settings_->logging.level, settings_->logging.file)),
      thread_count_(pool_size()) {
    if (services_.events)
        host_forwarder_id_ = events_.add_observer(std::make_shared<events::host_bus_forwarder>(services_.events));
    events_.on_observer_error([this](std::string_view what) { log_->error("events", "{}", what); });
    health_.add("module", [this] {
        return running() ? component_health{1.0, {}} : component_health{0.0, "module is not running"};
    });
}

runtime::~runtime() { stop(); }

void runtime::add_service(std::shared_ptr<service> s) {
    std::lock_guard lock(lifecycle_mutex_);
    if (running_) throw std::logic_error("services can only be added before start");
    services_list_.push_back(std::move(s));
}

bool runtime::running() const noexcept { return running_.load(); }

std::shared_ptr<const config::settings> runtime::settings() const {
    std::lock_guard lock(settings_mutex_);
    return settings_;
}

void runtime::start() {
    std::lock_guard lock(lifecycle_mutex_);
    if (running_) return;
    {
        std::lock_guard settings_lock(settings_mutex_);
        if (pending_) settings_ = std::make_shared<const config::settings>(std::move(*pending_));
        pending_.reset();
    }
    const auto s = settings();
    std::error_code ec;
    std::filesystem::create_directories(s->module.data_dir, ec);
    if (ec)
        throw std::runtime_error(fmt::format("module.data_dir: cannot create {}: {}", s->module.data_dir, ec.message()));

    io_.restart();
    using guard_t = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
    auto guard = std::make_shared<std::optional<guard_t>>(boost::asio::make_work_guard(io_));
    for (std::size_t i = 0; i < thread_count_; ++i)
        threads_.emplace_back([this] {
            try {
                io_.run();
            } catch (const std::exception& e) {
                // Handlers are expected to catch their own errors; one that escapes is a bug worth a loud line.
                log_->error("runtime", "unhandled exception on the I/O pool: {}", e.what());
            }
        });
    // The guard lives until stop: it keeps the pool running while idle.
    {
        std::lock_guard blocking_lock(blocking_mutex_);
        blocking_ = std::make_unique<boost::asio::thread_pool>(blocking_threads);
    }
    started_.clear();
    try {
        for (auto& svc : services_list_) {
            svc->start(*this);
            started_.push_back(svc);
        }
    } catch (...) {
        for (auto it = started_.rbegin(); it != started_.rend(); ++it) (*it)->stop();
        started_.clear();
        close_blocking();
        guard->reset();
        io_.stop();
        for (auto& t : threads_) t.join();
        threads_.clear();
        throw;
    }
    work_guard_ = std::move(guard);
    running_ = true;
}

void runtime::stop() noexcept {
    std::lock_guard lock(lifecycle_mutex_);
    if (!running_) return;
    for (auto it = started_.rbegin(); it != started_.rend(); ++it) (*it)->stop();
    started_.clear();
    close_blocking();
    // Let queued handlers finish: without the guard, run() returns once the queue is empty.
    work_guard_.reset();
    for (auto& t : threads_) t.join();
    threads_.clear();
    running_ = false;
}

bool runtime::post_blocking(std::function<void()> job) {
    std::lock_guard lock(blocking_mutex_);
    if (!blocking_) return false;
    if (blocking_pending_.fetch_add(1) >= max_blocking_jobs) {
        blocking_pending_.fetch_sub(1);
        return false;
    }
    boost::asio::post(*blocking_, [this, job = std::move(job)] {
        try {
            job();
        } catch (const std::exception& e) {
            log_->error("runtime", "unhandled exception on the blocking pool: {}", e.what());
        } catch (...) {
            log_->error("runtime", "unhandled non-exception on the blocking pool");
        }
        blocking_pending_.fetch_sub(1);
    });
    return true;
}

void runtime::close_blocking() noexcept {
    std::unique_ptr<boost::asio::thread_pool> pool;
    {
        std::lock_guard lock(blocking_mutex_);
        pool = std::move(blocking_);  // refuses new jobs from here on
    }
    // Queued jobs still run; their responses reach the I/O pool, which is still running.
    if (pool) pool->join();
}

void runtime::on_settings_changed(std::function<void(const config::settings&)> cb) {
    std::lock_guard lock(settings_mutex_);
    settings_watchers_.push_back(std::move(cb));
}

bool runtime::change_setting(std::string_view key, std::string_view value_json) {
    boost::system::error_code ec;
    const auto value = boost::json::parse(value_json, ec);
    if (ec) {
        log_->warning("config", "runtime change of {} rejected: value is not valid JSON", key);
        return false;
    }
    config::change_result result;
    std::optional<config::settings> pending;
    try {
        result = config::apply_change(*settings(), key, value);
        std::lock_guard lock(settings_mutex_);
        // Restart-required changes accumulate on top of earlier ones until the next start.
        if (pending_) pending = config::apply_change(*pending_, key, value).updated;
    } catch (const std::exception& e) {
        log_->warning("config", "runtime change rejected: {}", e.what());
        return false;
    }
    const bool defer = result.restart_required && running();
    // Report the masked value: the key may hold a secret.
    boost::json::object fields{{"key", key},
                               {"value", masked_value(config::to_json(result.updated, true), key)},
                               {"restart_required", defer},
                               {"applied", !defer}};
    if (defer) {
        std::lock_guard lock(settings_mutex_);
        pending_ = pending ? std::move(*pending) : result.updated;
        log_->warning("config", "{} changed; the new value takes effect after a restart", key);
    } else {
        std::vector<std::function<void(const config::settings&)>> watchers;
        std::shared_ptr<const config::settings> updated;
        {
            std::lock_guard lock(settings_mutex_);
            settings_ = std::make_shared<const config::settings>(result.updated);
            if (pending) pending_ = std::move(*pending);
            updated = settings_;
            watchers = settings_watchers_;
        }
        log_->set_level(updated->logging.level);
        for (auto& w : watchers) w(*updated);
        log_->info("config", "{} changed and applied", key);
    }
    events_.publish("chainbot.config.changed", std::move(fields));
    return true;
}

}  // namespace chainbot
