#include "orchestrator/orchestrator.hpp"

#include "config/parsers.hpp"
#include "store/crypto.hpp"
#include "store/errors.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <random>
#include <unistd.h>

namespace chainbot::orchestrator {

namespace json = boost::json;
using store::execution_status;

namespace {

std::string make_instance_id() {
    char host[256] = "host";
    ::gethostname(host, sizeof host - 1);
    std::random_device rd;
    return fmt::format("{}-{}-{:08x}", host, ::getpid(), rd());
}

// workflow.credentials_file: a flat mapping of names to string values.
std::map<std::string, std::string> load_secrets(const std::string& path) {
    std::map<std::string, std::string> out;
    if (path.empty()) return out;
    config::problem_list problems;
    auto doc = config::read_config_file(path, problems);
    problems.throw_if_any();
    for (const auto& kv : *doc) {
        if (!kv.value().is_string())
            throw config_error(fmt::format("{}: {}: expected a string secret value", path, std::string_view(kv.key())));
        out[std::string(kv.key())] = std::string(kv.value().as_string());
    }
    return out;
}

json::value parse_json(const std::string& text, const std::string& what) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec) throw std::runtime_error(fmt::format("{} is not valid JSON: {}", what, ec.message()));
    return v;
}

}  // namespace

orchestrator::orchestrator(std::function<std::shared_ptr<store::database>()> store)
    : store_(std::move(store)), instance_id_(make_instance_id()) {}

orchestrator::~orchestrator() { stop(); }

std::shared_ptr<store::database> orchestrator::db() const { return store_(); }

validation_options orchestrator::validation() const {
    validation_options v;
    if (rt_) {
        const auto s = rt_->settings();
        v.agent_types = s->agents.types;
        v.default_retry_attempts = s->workflow.retry_attempts;
        v.gpio_allowed_pins = s->raspberry_pi.gpio_allowed_pins;
    }
    return v;
}

void orchestrator::start(runtime& rt) {
    rt_ = &rt;
    // Tasks may block (agents, file reads): they get their own small pool, never the I/O threads.
    blocking_ = std::make_unique<boost::asio::thread_pool>(2);
    writer_ = std::make_unique<transition_writer>(db());
    env_ = engine_env{};
    env_.rt = &rt;
    env_.blocking = blocking_.get();
    env_.writer = writer_.get();
    env_.tasks = &tasks_;
    env_.http = http_;
    env_.gpio = gpio_;
    env_.run_on_agent = agent_runner_;
    env_.secrets = load_secrets(rt.settings()->workflow.credentials_file);
    env_.start_child = [this](const std::string& workflow_id, json::value input, const std::string& parent,
                              std::function<void(execution_outcome)> done) {
        execute_request req;
        req.input = std::move(input);
        // A child started again after a crash finds the execution it started before.
        req.idempotency_key = "parent:" + parent;
        execute(workflow_id, req, std::move(done));
    };
    rt.health().add("workflow_orchestrator", [this] {
        std::lock_guard lock(mutex_);
        return accepting_ ? component_health{1.0, {}} : component_health{0.0, "orchestrator is stopped"};
    });
    if (!settings_watched_) {  // the runtime keeps watchers for its lifetime: register once, not per start
        settings_watched_ = true;
        rt.on_settings_changed([this](const config::settings&) {
            // A higher limit may admit queued executions at once.
            std::lock_guard lock(mutex_);
            pump();
        });
    }
    // The thermal hold ends with this event: start what queued meanwhile.
    struct hold_release final : events::observer {
        orchestrator* self;
        explicit hold_release(orchestrator* o) : self(o) {}
        void on_event(const events::event& e) override {
            if (e.topic != "chainbot.hardware.temperature_normal") return;
            std::lock_guard lock(self->mutex_);
            self->pump();
        }
    };
    hold_observer_ = rt.events().add_observer(std::make_shared<hold_release>(this));
    {
        std::lock_guard lock(mutex_);
        accepting_ = true;
    }
    recover();
}

void orchestrator::stop() noexcept {
    std::map<std::string, std::shared_ptr<execution_runner>> running;
    {
        std::lock_guard lock(mutex_);
        if (!accepting_) return;
        accepting_ = false;
        running.swap(running_);
        queue_.clear();
    }
    if (rt_ && hold_observer_) rt_->events().remove_observer(hold_observer_);
    hold_observer_ = 0;
    for (auto& [_, r] : running) r->shutdown();
    if (blocking_) blocking_->join();
    if (writer_) writer_->flush();
    writer_.reset();  // drains and joins the writer thread
    blocking_.reset();
    if (rt_) rt_->health().remove("workflow_orchestrator");
    finished_cv_.notify_all();
}

void orchestrator::flush() {
    if (writer_) writer_->flush();
}

// ---- definitions ---------------------------------------------------------------------

std::shared_ptr<const workflow_definition> orchestrator::validate(const json::value& definition) const {
    return parse_definition(definition, validation());
}

store::workflow_version orchestrator::create_workflow(const json::value& definition) {
    auto def = validate(definition);
    store::new_workflow w;
    w.name = def->name;
    w.description = def->description;
    w.definition = json::serialize(definition);
    w.webhook = def->webhook;
    return db()->workflows().create(w);
}

store::workflow_version orchestrator::update_workflow(const std::string& id, const json::value& definition) {
    auto def = validate(definition);
    store::workflow_update u;
    u.name = def->name;
    u.description = def->description;
    u.definition = json::serialize(definition);
    u.webhook = def->webhook;
    return db()->workflows().update(id, u);
}

void orchestrator::delete_workflow(const std::string& id) { db()->workflows().remove(id); }

std::shared_ptr<const workflow_definition> orchestrator::load_definition(const std::string& workflow_id, int version) {
    auto v = db()->workflows().get_version(workflow_id, version);
    if (!v) throw orchestrator_error(404, "not_found", fmt::format("workflow {} version {} not found", workflow_id, version));
    return validate(parse_json(v->definition, fmt::format("workflow {} version {}", workflow_id, version)));
}

// ---- executions ----------------------------------------------------------------------

store::execution orchestrator::execute(const std::string& workflow_id, const execute_request& request,
                                       std::function<void(execution_outcome)> on_done) {
    {
        std::lock_guard lock(mutex_);
        if (!accepting_) throw orchestrator_error(503, "unavailable", "the orchestrator is not running");
    }
    if (!request.input.is_object())
        throw orchestrator_error(400, "validation_error", "execution input must be a JSON object");
    auto wf = db()->workflows().get(workflow_id);
    if (!wf) throw orchestrator_error(404, "not_found", fmt::format("workflow {} not found", workflow_id));
    auto def = load_definition(workflow_id, wf->latest_version);

    store::new_execution ne;
    ne.workflow_id = workflow_id;
    ne.workflow_version = wf->latest_version;
    ne.input = json::serialize(request.input);
    ne.idempotency_key = request.idempotency_key;
    ne.owner_instance = instance_id_;
    const double hours = request.timeout_hours.value_or(
        def->timeout ? std::chrono::duration<double, std::ratio<3600>>(*def->timeout).count()
                     : rt_->settings()->workflow.default_timeout_hours);
    ne.deadline_at = store::now() + std::chrono::milliseconds(static_cast<std::int64_t>(hours * 3600'000));
    const bool ephemeral = request.ephemeral.value_or(def->ephemeral);

    store::execution record;
    if (ephemeral) {
        // Ephemeral executions never touch the store while they run.
        record.id = store::new_uuid();
        record.workflow_id = workflow_id;
        record.workflow_version = wf->latest_version;
        record.input = ne.input;
        record.status = execution_status::queued;
        record.created_at = store::now();
        record.deadline_at = ne.deadline_at;
    } else {
        auto created = db()->executions().create(ne);
        record = created.record;
        if (!created.created) {
            // The same idempotency key: hand back the existing execution, start nothing.
            if (on_done) {
                std::lock_guard lock(mutex_);
                if (auto it = recent_.find(record.id); it != recent_.end()) on_done(it->second);
                else if (store::is_active(record.status)) waiters_[record.id].push_back(std::move(on_done));
                else on_done({record.id, std::string(store::to_string(record.status)), parse_json(record.output.value_or("null"), "output"), record.error.value_or("")});
            }
            return record;
        }
    }
    if (on_done) {
        std::lock_guard lock(mutex_);
        waiters_[record.id].push_back(std::move(on_done));
    }
    admit({record, def, !ephemeral, {}});
    return record;
}

void orchestrator::admit(queued q) {
    std::lock_guard lock(mutex_);
    if (!accepting_) return;
    queue_.push_back(std::move(q));  // FIFO; shows as queued in the store until it starts
    pump();
}

void orchestrator::pump() {
    const auto limit = static_cast<std::size_t>(rt_->settings()->workflow.max_concurrent_executions);
    if (admission_hold_ && admission_hold_()) return;
    for (auto it = queue_.begin(); accepting_ && it != queue_.end() && running_.size() < limit;) {
        if (it->paused) {
            ++it;
            continue;
        }
        auto q = std::move(*it);
        it = queue_.erase(it);
        launch(std::move(q));
    }
}

void orchestrator::launch(queued q) {
    auto runner = std::make_shared<execution_runner>(env_, q.record, q.def, q.persist, std::move(q.history));
    running_[q.record.id] = runner;
    runner->start([this](execution_outcome o) { on_finished(o); });
}

void orchestrator::on_finished(const execution_outcome& outcome) {
    std::vector<std::function<void(execution_outcome)>> waiters;
    {
        std::lock_guard lock(mutex_);
        running_.erase(outcome.execution_id);
        if (auto it = waiters_.find(outcome.execution_id); it != waiters_.end()) {
            waiters = std::move(it->second);
            waiters_.erase(it);
        }
        recent_[outcome.execution_id] = outcome;
        recent_order_.push_back(outcome.execution_id);
        while (recent_order_.size() > 1024) {
            recent_.erase(recent_order_.front());
            recent_order_.pop_front();
        }
        pump();
    }
    finished_cv_.notify_all();
    for (auto& w : waiters) w(outcome);
}

void orchestrator::cancel(const std::string& id) {
    std::unique_lock lock(mutex_);
    if (auto it = running_.find(id); it != running_.end()) return it->second->cancel();
    for (auto it = queue_.begin(); it != queue_.end(); ++it)
        if (it->record.id == id) {
            auto q = std::move(*it);
            queue_.erase(it);
            lock.unlock();
            if (q.persist)
                db()->executions().set_status(id, {execution_status::cancelled, {}, std::string("cancelled while queued")});
            rt_->events().publish("chainbot.workflow.cancelled", {{"workflow_id", q.record.workflow_id}, {"execution_id", id},
                                                                  {"status", "cancelled"}, {"duration", 0.0},
                                                                  {"steps_completed", 0}, {"total_steps", q.def->steps.size()}});
            return on_finished({id, "cancelled", nullptr, "cancelled while queued"});
        }
    throw orchestrator_error(409, "conflict", fmt::format("execution {} is not queued or running", id));
}

// Queued executions pause in place: they keep their turn and do not start until resumed.
bool orchestrator::set_queued_pause(const std::string& id, bool paused) {
    std::unique_lock lock(mutex_);
    for (auto& q : queue_)
        if (q.record.id == id) {
            q.paused = paused;
            const bool persist = q.persist;
            const auto wf = q.record.workflow_id;
            if (!paused) pump();
            lock.unlock();
            const auto status = paused ? execution_status::paused : execution_status::queued;
            if (persist) db()->executions().set_status(id, {status, {}, {}});
            rt_->events().publish(paused ? "chainbot.workflow.paused" : "chainbot.workflow.resumed",
                                  {{"workflow_id", wf}, {"execution_id", id}, {"status", store::to_string(status)}});
            return true;
        }
    return false;
}

void orchestrator::pause(const std::string& id) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = running_.find(id); it != running_.end()) return it->second->pause();
    }
    if (!set_queued_pause(id, true))
        throw orchestrator_error(409, "conflict", fmt::format("execution {} is not queued or running", id));
}

void orchestrator::resume(const std::string& id) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = running_.find(id); it != running_.end()) return it->second->resume();
    }
    if (!set_queued_pause(id, false))
        throw orchestrator_error(409, "conflict", fmt::format("execution {} is not paused", id));
}

std::optional<execution_outcome> orchestrator::wait(const std::string& id, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    const bool done = finished_cv_.wait_for(lock, timeout, [&] { return recent_.count(id) > 0 || !accepting_; });
    if (!done || !recent_.count(id)) return std::nullopt;
    return recent_.at(id);
}

std::size_t orchestrator::running_count() const {
    std::lock_guard lock(mutex_);
    return running_.size();
}

std::size_t orchestrator::queued_count() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

// ---- recovery ------------------------------------------------------------------------

void orchestrator::recover() {
    auto database = db();
    std::vector<store::execution> found;
    for (auto status : {execution_status::running, execution_status::paused, execution_status::queued}) {
        store::execution_filter f;
        f.status = status;
        for (std::size_t offset = 0;; offset += 500) {
            auto batch = database->executions().list(f, {500, offset});
            found.insert(found.end(), batch.begin(), batch.end());
            if (batch.size() < 500) break;
        }
    }
    // Oldest first, so the FIFO order of the queue survives a restart.
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.created_at < b.created_at; });
    for (auto& e : found) {
        try {
            auto def = load_definition(e.workflow_id, e.workflow_version);
            auto history = database->step_runs().list(e.id);
            database->executions().set_owner(e.id, instance_id_, std::nullopt);
            rt_->log().info("orchestrator", "resuming execution {} ({}, {} step runs recorded)", e.id,
                            store::to_string(e.status), history.size());
            admit({e, def, true, std::move(history)});
        } catch (const std::exception& ex) {
            rt_->log().error("orchestrator", "cannot resume execution {}: {}", e.id, ex.what());
            database->executions().set_status(e.id, {execution_status::failed, {}, std::string("cannot resume: ") + ex.what()});
        }
    }
}

}  // namespace chainbot::orchestrator
