#include "hardware/gpio_controller.hpp"

#include <boost/json/array.hpp>
#include <fmt/format.h>

#include <vector>

namespace chainbot::hardware {

namespace json = boost::json;

// Driver calls happen on I/O threads under the controller's mutex. libgpiod's calls are
// single ioctls on a character device (microseconds); there is no blocking pool yet to
// move them to, and an LED must change when the event happens, not later.

gpio_controller::gpio_controller(boost::asio::io_context& io, std::shared_ptr<gpio_driver> driver, logger& log,
                                 heartbeat_timing timing)
    : io_(io), driver_(std::move(driver)), log_(log), timing_(timing) {
    if (timing_.on >= timing_.period) timing_.on = timing_.period / 2;
}

gpio_controller::~gpio_controller() { stop(); }

void gpio_controller::start(const std::string& chip, int status_led, int error_led) {
    std::vector<std::string> failures;
    {
        std::lock_guard lock(mutex_);
        if (running_) return;
        running_ = true;
        chip_ = chip;
        status_pin_ = status_led;
        error_pin_ = error_led;
        problem_.clear();
        drive_failure_logged_ = false;
        error_causes_ = 0;
        auto open_led = [&](int pin, const char* role, const char* label) {
            try {
                if (lines_.contains(pin)) throw gpio_error(fmt::format("line {} is also the status LED", pin));
                driver_->open_line(chip_, static_cast<unsigned>(pin), line_direction::output, false);
                lines_[pin] = {role, line_direction::output, false};
            } catch (const std::exception& e) {
                failures.push_back(fmt::format("{} (line {}): {}", label, pin, e.what()));
            }
        };
        open_led(status_led, "status_led", "status LED");
        open_led(error_led, "error_led", "error LED");
        for (const auto& f : failures) note_problem_locked(f);
        if (lines_.contains(status_pin_)) {
            heartbeat_ = std::make_unique<boost::asio::steady_timer>(io_);
            heartbeat_locked(true);
        }
    }
    if (!failures.empty())
        log_.warning("gpio", "GPIO LEDs unavailable through the {} driver on {}: {}; ChainBot keeps running without them",
                     driver_->name(), chip, problem_);
    else
        log_.info("gpio", "status LED on line {}, error LED on line {} of {} ({} driver)", status_led, error_led,
                  chip, driver_->name());
}

void gpio_controller::stop() noexcept {
    std::vector<pulse_done> cut_short;
    {
        std::lock_guard lock(mutex_);
        if (!running_) return;
        running_ = false;
        ++heartbeat_generation_;
        heartbeat_.reset();  // destroying a timer cancels its wait; the handler sees a stale generation
        for (auto& [pin, p] : pulses_) {
            drive_quietly_locked(pin, false);
            cut_short.push_back(std::move(p.done));
        }
        pulses_.clear();
        drive_quietly_locked(status_pin_, false);
        drive_quietly_locked(error_pin_, false);
        for (const auto& [pin, info] : lines_) driver_->release(chip_, static_cast<unsigned>(pin));
        lines_.clear();
    }
    for (auto& done : cut_short) {
        try {
            if (done) done(false);
        } catch (...) {  // a completion callback must not break stop; it has nothing to report to
        }
    }
}

component_health gpio_controller::health() const {
    std::lock_guard lock(mutex_);
    if (problem_.empty()) return {1.0, {}};
    return {gpio_degraded_score, problem_};
}

void gpio_controller::set_error_cause(error_cause cause, bool active) {
    std::lock_guard lock(mutex_);
    const auto bit = static_cast<unsigned>(cause);
    const unsigned before = error_causes_;
    error_causes_ = active ? (error_causes_ | bit) : (error_causes_ & ~bit);
    if (running_ && (before != 0) != (error_causes_ != 0)) drive_quietly_locked(error_pin_, error_causes_ != 0);
}

bool gpio_controller::error_led_lit() const {
    std::lock_guard lock(mutex_);
    return error_causes_ != 0;
}

void gpio_controller::set_line(int pin, bool value) {
    std::lock_guard lock(mutex_);
    require_running_locked();
    if (pulses_.contains(pin)) throw gpio_error(fmt::format("GPIO line {} is pulsing; set it when the pulse ends", pin));
    drive_output_locked(pin, value, "workflow");
}

void gpio_controller::pulse_line(int pin, std::chrono::milliseconds duration, pulse_done done) {
    std::lock_guard lock(mutex_);
    require_running_locked();
    if (pulses_.contains(pin)) throw gpio_error(fmt::format("GPIO line {} is already pulsing", pin));
    drive_output_locked(pin, true, "workflow");
    pulse p{std::make_unique<boost::asio::steady_timer>(io_, duration), std::move(done), next_pulse_id_++};
    p.timer->async_wait([weak = weak_from_this(), pin, id = p.id](const boost::system::error_code&) {
        if (auto self = weak.lock()) self->end_pulse(pin, id);
    });
    pulses_.emplace(pin, std::move(p));
}

void gpio_controller::end_pulse(int pin, std::uint64_t id) {
    pulse_done done;
    bool completed = false;
    {
        std::lock_guard lock(mutex_);
        auto it = pulses_.find(pin);
        if (it == pulses_.end() || it->second.id != id) return;  // ended by stop
        try {
            drive_output_locked(pin, false, "workflow");
            completed = true;
        } catch (const gpio_error& e) {
            note_problem_locked(e.what());
        }
        done = std::move(it->second.done);
        pulses_.erase(it);
    }
    if (done) done(completed);
}

bool gpio_controller::read_line(int pin) {
    std::lock_guard lock(mutex_);
    require_running_locked();
    auto it = lines_.find(pin);
    if (it == lines_.end()) {
        driver_->open_line(chip_, static_cast<unsigned>(pin), line_direction::input);
        it = lines_.emplace(pin, line_info{"workflow", line_direction::input, false}).first;
    }
    it->second.value = driver_->get(chip_, static_cast<unsigned>(pin));
    return it->second.value;
}

json::object gpio_controller::to_json() const {
    std::lock_guard lock(mutex_);
    json::array lines;
    for (const auto& [pin, info] : lines_)
        lines.push_back(json::object{{"pin", pin},
                                     {"role", info.role},
                                     {"direction", to_string(info.direction)},
                                     {"value", info.value},
                                     {"pulsing", pulses_.contains(pin)}});
    json::array causes;
    if (error_causes_ & static_cast<unsigned>(error_cause::workflow_failed)) causes.emplace_back("workflow_failed");
    if (error_causes_ & static_cast<unsigned>(error_cause::low_health)) causes.emplace_back("low_health");
    return {{"driver", driver_->name()},
            {"chip", chip_},
            {"running", running_},
            {"status", problem_.empty() ? "ok" : "degraded"},
            {"detail", problem_.empty() ? json::value(nullptr) : json::value(problem_)},
            {"error_led_lit", error_causes_ != 0},
            {"error_causes", std::move(causes)},
            {"lines", std::move(lines)}};
}

void gpio_controller::require_running_locked() const {
    if (!running_) throw gpio_error("GPIO is not running (raspberry_pi.enable_gpio_integration off or the module stopped)");
}

void gpio_controller::drive_output_locked(int pin, bool value, const char* role) {
    auto it = lines_.find(pin);
    if (it != lines_.end() && it->second.direction == line_direction::output) {
        driver_->set(chip_, static_cast<unsigned>(pin), value);
        it->second.value = value;
        return;
    }
    driver_->open_line(chip_, static_cast<unsigned>(pin), line_direction::output, value);  // re-requests an input
    lines_[pin] = {role, line_direction::output, value};
}

void gpio_controller::drive_quietly_locked(int pin, bool value) noexcept {
    auto it = lines_.find(pin);
    if (it == lines_.end() || it->second.direction != line_direction::output) return;  // never opened: nothing to drive
    try {
        driver_->set(chip_, static_cast<unsigned>(pin), value);
        it->second.value = value;
    } catch (const std::exception& e) {
        note_problem_locked(fmt::format("line {}: {}", pin, e.what()));
        if (!drive_failure_logged_) {
            drive_failure_logged_ = true;  // once per run: a failing LED must not flood the log every second
            log_.warning("gpio", "cannot drive GPIO line {}: {}", pin, e.what());
        }
    }
}

void gpio_controller::heartbeat_locked(bool on) {
    drive_quietly_locked(status_pin_, on);
    heartbeat_->expires_after(on ? timing_.on : timing_.period - timing_.on);
    heartbeat_->async_wait([weak = weak_from_this(), generation = heartbeat_generation_, next = !on](
                               const boost::system::error_code& ec) {
        if (ec) return;
        if (auto self = weak.lock()) self->on_heartbeat(generation, next);
    });
}

void gpio_controller::on_heartbeat(std::uint64_t generation, bool on) {
    std::lock_guard lock(mutex_);
    if (!running_ || generation != heartbeat_generation_ || !heartbeat_) return;
    heartbeat_locked(on);
}

void gpio_controller::note_problem_locked(const std::string& what) {
    if (problem_.find(what) != std::string::npos) return;
    problem_ += (problem_.empty() ? "" : "; ") + what;
}

}  // namespace chainbot::hardware
