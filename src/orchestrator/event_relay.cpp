#include "orchestrator/event_relay.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <chrono>

namespace chainbot::orchestrator {

namespace json = boost::json;

namespace {

// Cuts strings longer than `limit` bytes (at a UTF-8 character boundary) and appends "...".
bool shorten(json::value& v, std::size_t limit) {
    bool changed = false;
    if (v.is_string()) {
        auto& s = v.as_string();
        if (s.size() > limit) {
            std::size_t cut = limit;
            while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
            std::string t(s.data(), cut);
            t += "...";
            s = t;
            changed = true;
        }
    } else if (v.is_object()) {
        for (auto& kv : v.as_object()) changed = shorten(kv.value(), limit) || changed;
    } else if (v.is_array()) {
        for (auto& x : v.as_array()) changed = shorten(x, limit) || changed;
    }
    return changed;
}

std::string wrap(const std::string& instance_id, const std::string& topic, json::object payload) {
    return json::serialize(json::object{{"instance", instance_id}, {"topic", topic}, {"payload", std::move(payload)}});
}

}  // namespace

std::string event_relay::encode(const std::string& instance_id, const events::event& e, std::size_t limit) {
    auto text = wrap(instance_id, e.topic, e.payload);
    if (text.size() <= limit) return text;
    for (std::size_t cut : {1024u, 256u, 64u, 16u}) {
        json::value p = e.payload;
        shorten(p, cut);
        p.as_object()["truncated"] = true;
        text = wrap(instance_id, e.topic, std::move(p.as_object()));
        if (text.size() <= limit) return text;
    }
    // Still too large (many fields or long arrays): keep what identifies the event.
    json::object p;
    p["truncated"] = true;
    for (const char* k : {"timestamp", "module_id"})
        if (auto* v = e.payload.if_contains(k)) p[k] = *v;
    for (const auto& kv : e.payload) {
        if (p.contains(kv.key()) || kv.value().is_object() || kv.value().is_array()) continue;
        json::value v = kv.value();
        shorten(v, 64);
        p[kv.key()] = v;
        if (wrap(instance_id, e.topic, p).size() > limit) p.erase(kv.key());
    }
    return wrap(instance_id, e.topic, std::move(p));
}

event_relay::event_relay(std::string instance_id, events::event_hub& hub, sender send, logger on_error,
                         std::size_t capacity)
    : instance_id_(std::move(instance_id)),
      hub_(hub),
      send_(std::move(send)),
      on_error_(std::move(on_error)),
      capacity_(capacity == 0 ? 1 : capacity) {
    thread_ = std::thread([this] { run(); });
}

event_relay::~event_relay() { stop(); }

void event_relay::on_event(const events::event& e) {
    if (e.payload.contains("origin_instance")) return;  // came from another instance: never sent again
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        if (queue_.size() >= capacity_) {
            queue_.pop_front();
            ++dropped_;
        }
        queue_.push_back(e);
    }
    cv_.notify_one();
}

void event_relay::on_notification(const std::string& payload) {
    boost::system::error_code ec;
    auto v = json::parse(payload, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.as_object();
    const auto* instance = o.if_contains("instance");
    const auto* topic = o.if_contains("topic");
    const auto* fields = o.if_contains("payload");
    if (!instance || !instance->is_string() || !topic || !topic->is_string() || !fields || !fields->is_object()) return;
    if (instance->as_string() == instance_id_) return;  // our own
    auto p = fields->as_object();
    p["origin_instance"] = instance->as_string();
    ++received_;
    hub_.republish(std::string(topic->as_string()), std::move(p));
}

void event_relay::stop() noexcept {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void event_relay::run() {
    bool failing = false;
    std::chrono::steady_clock::time_point deadline{};
    std::unique_lock lock(mutex_);
    for (;;) {
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) {
            if (deadline == std::chrono::steady_clock::time_point{})
                deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
            if (queue_.empty() || std::chrono::steady_clock::now() > deadline) {
                dropped_ += queue_.size();
                queue_.clear();
                return;
            }
        }
        auto e = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        try {
            send_(encode(instance_id_, e));
            ++sent_;
            failing = false;
        } catch (const std::exception& ex) {
            ++failed_;
            if (!failing && on_error_) {
                try {
                    on_error_(std::string("cannot relay events to the other instances: ") + ex.what());
                } catch (...) {
                }
            }
            failing = true;
        } catch (...) {
            ++failed_;
        }
        lock.lock();
    }
}

std::size_t event_relay::queued() {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

}  // namespace chainbot::orchestrator
