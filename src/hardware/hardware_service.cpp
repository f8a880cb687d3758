#include "hardware/hardware_service.hpp"

#include "hardware/gpio_step.hpp"
#include "hardware/libgpiod_driver.hpp"

#include <fmt/format.h>

#include <utility>

namespace chainbot::hardware {

namespace json = boost::json;

// Sampling reads a handful of small procfs/sysfs files (well under a millisecond) on the
// io_context's timer. The architecture puts file reads on a blocking pool; none exists
// yet, and these reads never block on a disk or a network, so the timer does them.

class hardware_service::event_observer final : public events::observer {
public:
    explicit event_observer(std::weak_ptr<hardware_service> owner) : owner_(std::move(owner)) {}
    void on_event(const events::event& e) override {
        if (e.topic != topic_workflow_failed && e.topic != topic_workflow_completed) return;
        if (e.payload.contains("origin_instance")) return;  // ran on another instance (scale-out relay)
        if (auto self = owner_.lock()) self->on_workflow_outcome(e.topic == topic_workflow_failed);
    }

private:
    std::weak_ptr<hardware_service> owner_;
};

hardware_service::hardware_service(hardware_options options)
    : options_(std::move(options)), reader_(options_.root, options_.data_dir) {}

hardware_service::~hardware_service() { stop(); }

void hardware_service::start(runtime& rt) {
    rt_ = &rt;
    const auto s = rt.settings();
    const auto& rpi = s->raspberry_pi;
    hold_when_hot_ = rpi.hold_executions_when_hot;
    {
        std::lock_guard sample_lock(sample_mutex_);
        reader_.set_data_dir(options_.data_dir.empty() ? std::filesystem::path(s->module.data_dir) : options_.data_dir);
    }
    bool watch = false;
    {
        std::lock_guard lock(mutex_);
        if (running_) return;
        running_ = true;
        monitoring_ = rpi.enable_hardware_monitoring;
        thermal_.reset();
        hot_ = false;
        latest_.reset();
        watch = !std::exchange(settings_watched_, true);
    }
    // The runtime has no way to unregister a watcher: it holds a weak reference.
    if (watch)
        rt.on_settings_changed([weak = weak_from_this()](const config::settings& changed) {
            if (auto self = weak.lock()) self->on_settings_changed(changed);
        });
    auto weak = weak_from_this();
    if (rpi.enable_hardware_monitoring) {
        take_sample();  // the CPU usage baseline; the error LED waits for the first tick
        rt.health().add("hardware", [weak] {
            auto self = weak.lock();
            return self ? self->hardware_health() : component_health{};
        });
    }
    if (rpi.enable_gpio_integration) {
        auto driver = options_.gpio ? options_.gpio : std::make_shared<libgpiod_driver>();
        auto ctl = std::make_shared<gpio_controller>(rt.io(), std::move(driver), rt.log(), options_.heartbeat);
        ctl->start(rpi.gpio_chip, rpi.gpio_pins.status_led, rpi.gpio_pins.error_led);
        rt.health().add("gpio", [weak_ctl = std::weak_ptr<gpio_controller>(ctl)] {
            auto c = weak_ctl.lock();
            return c ? c->health() : component_health{};
        });
        const auto id = rt.events().add_observer(std::make_shared<event_observer>(weak));
        std::lock_guard lock(mutex_);
        gpio_ = std::move(ctl);
        observer_id_ = id;
    }
    if (rpi.enable_hardware_monitoring || rpi.enable_gpio_integration) {
        std::lock_guard lock(mutex_);
        tick_ = std::make_unique<boost::asio::steady_timer>(rt.io());
        arm_tick_locked(std::chrono::seconds(rpi.sample_interval_seconds));
    }
    if (rpi.enable_hardware_monitoring)
        rt.log().info("hardware", "monitoring every {} s; CPU temperature threshold {} °C (hysteresis {} °C)",
                      rpi.sample_interval_seconds, rpi.cpu_temp_threshold_celsius, rpi.temp_hysteresis_celsius);
}

void hardware_service::stop() noexcept {
    std::shared_ptr<gpio_controller> ctl;
    std::uint64_t observer = 0;
    {
        std::lock_guard lock(mutex_);
        if (!running_) return;
        running_ = false;
        ++tick_generation_;
        tick_.reset();  // cancels the wait; a handler already queued sees a stale generation
        ctl = gpio_;
        observer = std::exchange(observer_id_, 0);
    }
    if (auto* rt = rt_.load()) {
        if (observer) rt->events().remove_observer(observer);
        rt->health().remove("hardware");
        rt->health().remove("gpio");
    }
    if (ctl) ctl->stop();
    hot_ = false;  // a stopped monitor holds nothing back
}

std::shared_ptr<const config::settings> hardware_service::current_settings() const {
    if (auto* rt = rt_.load()) return rt->settings();
    static const auto defaults = std::make_shared<const config::settings>();
    return defaults;
}

std::shared_ptr<gpio_controller> hardware_service::controller() const {
    std::lock_guard lock(mutex_);
    return gpio_;
}

hardware_readings hardware_service::sample_now() {
    auto r = take_sample();
    refresh_error_led();
    return r;
}

hardware_readings hardware_service::take_sample() {
    std::lock_guard sample_lock(sample_mutex_);
    auto r = reader_.sample();
    {
        std::lock_guard lock(mutex_);
        latest_ = r;
    }
    evaluate_thermal(*current_settings());
    return r;
}

std::optional<hardware_readings> hardware_service::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

void hardware_service::evaluate_thermal(const config::settings& s) {
    // Called with sample_mutex_ held, so crossings are published in the order they happen.
    const auto& rpi = s.raspberry_pi;
    std::string_view topic;
    json::object fields;
    {
        std::lock_guard lock(mutex_);
        if (!latest_) return;
        const auto temp = latest_->cpu_temperature_celsius;
        const auto change = thermal_.update(temp, rpi.cpu_temp_threshold_celsius, rpi.temp_hysteresis_celsius);
        hot_ = thermal_.hot();
        if (change == thermal_transition::none) return;
        fields = {{"temperature_celsius", *temp}, {"threshold_celsius", rpi.cpu_temp_threshold_celsius}};
        if (change == thermal_transition::overheated) {
            topic = topic_overheat;
            fields["hold_executions"] = rpi.hold_executions_when_hot;
        } else {
            topic = topic_temperature_normal;
            fields["resumed_below_celsius"] = rpi.cpu_temp_threshold_celsius - rpi.temp_hysteresis_celsius;
        }
    }
    auto* rt = rt_.load();
    if (!rt) return;
    if (topic == topic_overheat)
        rt->log().warning("hardware", "CPU at {:.1f} °C, above the {} °C threshold{}", fields["temperature_celsius"].as_double(),
                          rpi.cpu_temp_threshold_celsius, rpi.hold_executions_when_hot ? "; new executions are held" : "");
    else
        rt->log().info("hardware", "CPU cooled to {:.1f} °C", fields["temperature_celsius"].as_double());
    rt->events().publish(std::string(topic), std::move(fields));
}

component_health hardware_service::hardware_health() const {
    const double threshold = current_settings()->raspberry_pi.cpu_temp_threshold_celsius;
    std::lock_guard lock(mutex_);
    if (thermal_.hot() && latest_ && latest_->cpu_temperature_celsius)
        return {overheated_score,
                fmt::format("CPU at {:.1f} °C, above the {} °C threshold", *latest_->cpu_temperature_celsius, threshold)};
    if (thermal_.hot()) return {overheated_score, "CPU above the temperature threshold"};
    if (latest_ && latest_->throttling && latest_->throttling->under_voltage)
        return {under_voltage_score, "the firmware reports under-voltage now (check the power supply)"};
    return {1.0, {}};
}

void hardware_service::refresh_error_led() {
    auto ctl = controller();
    auto* rt = rt_.load();
    if (!ctl || !rt) return;
    {
        std::lock_guard lock(mutex_);
        if (!running_) return;
    }
    const double overall = rt->health().overall();
    ctl->set_error_cause(error_cause::low_health,
                         overall < current_settings()->raspberry_pi.error_led_health_threshold);
}

void hardware_service::on_workflow_outcome(bool failed) {
    if (auto ctl = controller()) ctl->set_error_cause(error_cause::workflow_failed, failed);
}

void hardware_service::on_settings_changed(const config::settings& s) {
    hold_when_hot_ = s.raspberry_pi.hold_executions_when_hot;
    {
        std::lock_guard lock(mutex_);
        if (running_ && tick_ && s.raspberry_pi.sample_interval_seconds != tick_seconds_) {
            ++tick_generation_;
            tick_->cancel();
            arm_tick_locked(std::chrono::seconds(s.raspberry_pi.sample_interval_seconds));
        }
        if (!running_) return;
    }
    // A new threshold or hysteresis applies to the latest reading at once.
    std::lock_guard sample_lock(sample_mutex_);
    evaluate_thermal(s);
}

void hardware_service::arm_tick_locked(std::chrono::seconds interval) {
    tick_seconds_ = static_cast<int>(interval.count());
    tick_->expires_after(interval);
    tick_->async_wait([weak = weak_from_this(), generation = tick_generation_](const boost::system::error_code& ec) {
        if (ec) return;
        if (auto self = weak.lock()) self->on_tick(generation);
    });
}

void hardware_service::on_tick(std::uint64_t generation) {
    bool monitoring = false;
    {
        std::lock_guard lock(mutex_);
        if (!running_ || generation != tick_generation_) return;
        monitoring = monitoring_;
    }
    try {
        if (monitoring)
            sample_now();
        else
            refresh_error_led();
    } catch (const std::exception& e) {
        if (auto* rt = rt_.load()) rt->log().error("hardware", "sampling failed: {}", e.what());
    }
    std::lock_guard lock(mutex_);
    if (!running_ || generation != tick_generation_ || !tick_) return;
    arm_tick_locked(std::chrono::seconds(tick_seconds_));
}

std::shared_ptr<gpio_controller> hardware_service::allowed_controller(int pin) const {
    const auto s = current_settings();
    if (auto why = gpio_pin_problem(pin, *s)) throw gpio_pin_not_allowed("GPIO line refused: " + *why);
    auto ctl = controller();
    if (!ctl || !s->raspberry_pi.enable_gpio_integration)
        throw gpio_error("GPIO is off (raspberry_pi.enable_gpio_integration)");
    return ctl;
}

void hardware_service::set_line(int pin, bool value) { allowed_controller(pin)->set_line(pin, value); }

void hardware_service::pulse_line(int pin, std::chrono::milliseconds duration, gpio_controller::pulse_done done) {
    allowed_controller(pin)->pulse_line(pin, duration, std::move(done));
}

bool hardware_service::read_line(int pin) { return allowed_controller(pin)->read_line(pin); }

json::object hardware_service::system_metrics() const {
    std::lock_guard lock(mutex_);
    auto value = [](const std::optional<double>& v) { return v ? json::value(*v) : json::value(nullptr); };
    if (!latest_)
        return {{"cpu_usage", nullptr}, {"memory_usage", nullptr}, {"disk_usage", nullptr},
                {"cpu_temperature_celsius", nullptr}};
    return {{"cpu_usage", value(latest_->cpu_usage_percent)},
            {"memory_usage", value(latest_->memory_usage_percent)},
            {"disk_usage", value(latest_->disk_usage_percent)},
            {"cpu_temperature_celsius", value(latest_->cpu_temperature_celsius)}};
}

json::object hardware_service::to_json() const {
    const auto s = current_settings();
    const auto& rpi = s->raspberry_pi;
    auto ctl = controller();
    json::object out;
    {
        std::lock_guard lock(mutex_);
        out["running"] = running_;
        out["monitoring"] = running_ && monitoring_;
        out["sample_interval_seconds"] = rpi.sample_interval_seconds;
        out["readings"] = latest_ ? json::value(hardware::to_json(*latest_)) : json::value(nullptr);
        out["thermal"] = {{"state", thermal_.hot() ? "hot" : "normal"},
                          {"threshold_celsius", rpi.cpu_temp_threshold_celsius},
                          {"hysteresis_celsius", rpi.temp_hysteresis_celsius},
                          {"hold_executions_when_hot", rpi.hold_executions_when_hot},
                          {"admission_hold", admission_hold()}};
    }
    json::object gpio{{"enabled", rpi.enable_gpio_integration}};
    if (ctl)
        for (auto& [k, v] : ctl->to_json()) gpio[k] = v;
    json::array allowed;
    for (int p : rpi.gpio_allowed_pins) allowed.emplace_back(p);
    gpio["allowed_pins"] = std::move(allowed);
    out["gpio"] = std::move(gpio);
    return out;
}

}  // namespace chainbot::hardware
