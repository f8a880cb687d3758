#include "events/event_hub.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <functional>

namespace chainbot::events {

std::string iso8601_now() {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    const auto secs = std::chrono::system_clock::to_time_t(now);
    // Every event is stamped: the date and time of the current second are formatted once
    // per thread and second, only the milliseconds each time.
    thread_local std::time_t cached_secs = -1;
    thread_local std::string cached;  // "YYYY-MM-DDTHH:MM:SS."
    if (secs != cached_secs) {
        cached = fmt::format("{:%Y-%m-%dT%H:%M:%S}.", fmt::gmtime(secs));
        cached_secs = secs;
    }
    std::string out;
    out.reserve(cached.size() + 4);
    out += cached;
    out += static_cast<char>('0' + ms / 100);
    out += static_cast<char>('0' + ms / 10 % 10);
    out += static_cast<char>('0' + ms % 10);
    out += 'Z';
    return out;
}

event_hub::event_hub(std::string module_id)
    : module_id_(std::move(module_id)), observers_(std::make_shared<const std::vector<entry>>()) {}

std::uint64_t event_hub::add_observer(std::shared_ptr<observer> o) {
    std::lock_guard lock(mutex_);
    auto next = std::make_shared<std::vector<entry>>(*observers_);
    const auto id = next_id_++;
    next->push_back({id, std::move(o)});
    observers_ = std::move(next);
    return id;
}

void event_hub::remove_observer(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    auto next = std::make_shared<std::vector<entry>>();
    for (const auto& e : *observers_)
        if (e.id != id) next->push_back(e);
    observers_ = std::move(next);
}

void event_hub::on_observer_error(error_callback cb) {
    std::lock_guard lock(mutex_);
    on_error_ = std::move(cb);
}

void event_hub::publish(std::string topic, boost::json::object fields) {
    event e{std::move(topic), std::move(fields)};
    e.payload["timestamp"] = iso8601_now();
    e.payload["module_id"] = module_id_;
    fan_out(e);
}

void event_hub::republish(std::string topic, boost::json::object fields) {
    event e{std::move(topic), std::move(fields)};
    if (!e.payload.contains("timestamp")) e.payload["timestamp"] = iso8601_now();
    if (!e.payload.contains("module_id")) e.payload["module_id"] = module_id_;
    fan_out(e);
}

void event_hub::fan_out(const event& e) {
    std::shared_ptr<const std::vector<entry>> snapshot;
    error_callback on_error;
    {
        std::lock_guard lock(mutex_);
        snapshot = observers_;
        on_error = on_error_;
    }
    ++published_;
    for (const auto& entry : *snapshot) {
        try {
            entry.obs->on_event(e);
        } catch (const std::exception& ex) {
            ++failures_;
            if (on_error) on_error(fmt::format("observer failed on {}: {}", e.topic, ex.what()));
        } catch (...) {
            ++failures_;
            if (on_error) on_error(fmt::format("observer failed on {}: unknown exception", e.topic));
        }
    }
}

}  // namespace chainbot::events
