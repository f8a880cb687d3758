#include "orchestrator/orchestrator.hpp"

#include "orchestrator/event_relay.hpp"
#include "orchestrator/expressions.hpp"

#include "config/parsers.hpp"
#include "store/crypto.hpp"
#include "store/errors.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <future>
#include <random>
#include <unistd.h>

#ifndef CHAINBOT_VERSION
#define CHAINBOT_VERSION "0"
#endif

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

constexpr const char* work_channel = "chainbot_work";        // executions queued or a lease let go
constexpr const char* done_channel = "chainbot_done";        // payload: a finished execution's id
constexpr const char* control_channel = "chainbot_control";  // payload: "<cancel|pause|resume> <execution id>"
constexpr const char* definitions_channel = "chainbot_definitions";  // payload: a workflow updated or deleted
constexpr int latest_version = 0;  // the definition cache's key of a workflow's latest version

std::chrono::milliseconds seconds_ms(double s) {
    return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000.0));
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

void orchestrator::set_governor(std::shared_ptr<resources::governor> g) {
    if (g) governor_ = std::move(g);
}

void orchestrator::set_admission_hold(std::function<bool()> hold) {
    if (!hold) return governor_->set_hold_check("temperature", {});
    governor_->set_hold_check("temperature", [hold = std::move(hold)]() -> std::optional<std::string> {
        if (!hold()) return std::nullopt;
        return std::string("the CPU is above raspberry_pi.cpu_temp_threshold_celsius and "
                           "raspberry_pi.hold_executions_when_hot is on");
    });
}

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
    writer_ = std::make_unique<transition_writer>(db(), 256, 65536, [&rt](const std::string& what) {
        rt.log().error("orchestrator", "after a commit of the group-commit writer: {}", what);
    });
    env_ = engine_env{};
    env_.rt = &rt;
    env_.blocking = blocking_.get();
    env_.writer = writer_.get();
    env_.tasks = &tasks_;
    env_.http = http_;
    env_.gpio = gpio_;
    env_.run_on_agent = agent_runner_;
    {
        auto secrets = load_secrets(rt.settings()->workflow.credentials_file);
        std::lock_guard lock(mutex_);  // secrets() reads them from agent threads
        env_.secrets = std::move(secrets);
    }
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
    definitions_.set_capacity(static_cast<std::size_t>(rt.settings()->resources.definition_cache_size));
    if (!settings_watched_) {  // the runtime keeps watchers for its lifetime: register once, not per start
        settings_watched_ = true;
        rt.on_settings_changed([this](const config::settings& s) {
            // Definitions were validated with the settings of their time (agent types, retries).
            definitions_.set_capacity(static_cast<std::size_t>(s.resources.definition_cache_size));
            definitions_.clear();
            // A higher limit may admit queued executions at once.
            std::lock_guard lock(mutex_);
            pump();
        });
    }
    // Admission reopened (memory, temperature) or the CPU cap rose: start what waited.
    governor_listener_ = governor_->on_change([this] {
        std::lock_guard lock(mutex_);
        pump();
    });
    governor_->add_cache("workflow_definitions", [this] { return definitions_.stats(); },
                         [this] { definitions_.clear(); });
    governor_->add_cache("expressions", [] { return expression_cache_stats(); }, [] { clear_expression_cache(); });
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
    {
        std::lock_guard lock(mutex_);
        coordinator_stop_ = true;
    }
    coordinator_cv_.notify_all();
    if (coordinator_.joinable()) coordinator_.join();
    if (lease_keeper_.joinable()) lease_keeper_.join();
    listener_.reset();
    if (rt_ && relay_observer_) rt_->events().remove_observer(relay_observer_);
    relay_observer_ = 0;
    if (relay_) relay_->stop();  // sends what is queued (briefly), then joins its thread
    relay_.reset();
    if (governor_listener_) governor_->remove_listener(governor_listener_);
    governor_listener_ = 0;
    governor_->remove_cache("workflow_definitions");
    governor_->remove_cache("expressions");
    // Each runner takes its shutdown in on its strand before the writer goes away below: a
    // result arriving later then persists nothing.
    std::vector<std::future<void>> taken;
    for (auto& [_, r] : running) taken.push_back(r->shutdown());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (auto& f : taken) f.wait_until(deadline);
    if (blocking_) blocking_->join();
    if (writer_) writer_->flush();
    writer_.reset();  // drains and joins the writer thread
    // A clean stop lets its leases go at once: another instance takes over without waiting.
    try {
        auto database = db();
        for (auto& [id, r] : running) database->executions().release(id, instance_id_, r->generation());
        database->cluster().remove(instance_id_);
        if (!running.empty()) database->notify(work_channel, "");
    } catch (const std::exception& e) {
        if (rt_) rt_->log().warning("orchestrator", "cannot release the leases of this instance: {}", e.what());
    } catch (...) {
    }
    blocking_.reset();
    if (rt_) rt_->health().remove("workflow_orchestrator");
    finished_cv_.notify_all();
}

orchestrator::commit_stats orchestrator::commit_figures() const {
    std::lock_guard lock(mutex_);  // writer_ is reset by stop() under accepting_ = false
    if (!writer_) return {};
    return {writer_->batches(), writer_->transitions(), writer_->queue_depth()};
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
    auto updated = db()->workflows().update(id, u);
    invalidate_definitions(id);
    notify(definitions_channel, id);  // the other instances drop their copies
    return updated;
}

void orchestrator::delete_workflow(const std::string& id) {
    db()->workflows().remove(id);
    invalidate_definitions(id);
    notify(definitions_channel, id);
}

void orchestrator::invalidate_definitions(const std::string& workflow_id) {
    definitions_.erase_if([&](const std::pair<std::string, int>& key) { return key.first == workflow_id; });
}

// Versions are immutable: a cached (id, version) stays right until the settings it was
// validated with change. Only the latest-version entry goes stale, on update.
std::shared_ptr<const workflow_definition> orchestrator::load_definition(const std::string& workflow_id, int version) {
    if (auto hit = definitions_.get({workflow_id, version})) return hit->def;
    const auto generation = definitions_.generation();
    auto v = db()->workflows().get_version(workflow_id, version);
    if (!v) throw orchestrator_error(404, "not_found", fmt::format("workflow {} version {} not found", workflow_id, version));
    auto def = validate(parse_json(v->definition, fmt::format("workflow {} version {}", workflow_id, version)));
    definitions_.put_if_current({workflow_id, version}, {version, def}, generation);
    return def;
}

orchestrator::cached_definition orchestrator::latest_definition(const std::string& workflow_id) {
    if (auto hit = definitions_.get({workflow_id, latest_version})) return *hit;
    // Read before the store: an update or delete landing meanwhile keeps this answer out of the cache.
    const auto generation = definitions_.generation();
    auto wf = db()->workflows().get(workflow_id);
    if (!wf) throw orchestrator_error(404, "not_found", fmt::format("workflow {} not found", workflow_id));
    cached_definition latest{wf->latest_version, load_definition(workflow_id, wf->latest_version)};
    definitions_.put_if_current({workflow_id, latest_version}, latest, generation);
    return latest;
}

// ---- executions ----------------------------------------------------------------------

store::execution orchestrator::execute(const std::string& workflow_id, const execute_request& request,
                                       std::function<void(execution_outcome)> on_done) {
    auto started = std::make_shared<std::promise<store::execution>>();
    auto record = started->get_future();
    execute_async(
        workflow_id, request,
        [started](store::execution r, std::exception_ptr error) {
            if (error) started->set_exception(error);
            else started->set_value(std::move(r));
        },
        std::move(on_done));
    return record.get();
}

void orchestrator::execute_async(const std::string& workflow_id, const execute_request& request,
                                 started_callback on_started, std::function<void(execution_outcome)> on_done) {
    start_execution(workflow_id, request, on_started, on_done, true);
}

bool orchestrator::try_execute_now(const std::string& workflow_id, const execute_request& request,
                                   started_callback& on_started, std::function<void(execution_outcome)>& on_done) {
    return start_execution(workflow_id, request, on_started, on_done, false);
}

// With `may_block` false, every way that would read or write the store on this thread returns
// false before anything was done (or after undoing the slot's reservation): a definition not
// cached, "queue": false (check_admission reads the store's queue), an idempotency key (which may
// name a stored execution), no free slot (check_admission reads the queue's length), the writer
// stopping or its queue full (the row would be written here).
bool orchestrator::start_execution(const std::string& workflow_id, const execute_request& request,
                                   started_callback& on_started, std::function<void(execution_outcome)>& on_done,
                                   bool may_block) {
    {
        std::lock_guard lock(mutex_);
        if (!accepting_) throw orchestrator_error(503, "unavailable", "the orchestrator is not running");
    }
    if (!request.input.is_object())
        throw orchestrator_error(400, "validation_error", "execution input must be a JSON object");
    if (!may_block && !request.queue) return false;
    std::optional<cached_definition> cached;
    if (!may_block) {
        // A miss is counted once, by execute_async's lookup that follows.
        if (!definitions_.peek({workflow_id, latest_version})) return false;
        if (!(cached = definitions_.get({workflow_id, latest_version}))) return false;
    }
    const auto latest = cached ? std::move(*cached) : latest_definition(workflow_id);
    const auto& def = latest.def;

    store::new_execution ne;
    ne.workflow_id = workflow_id;
    ne.workflow_version = latest.version;
    ne.input = json::serialize(request.input);
    ne.idempotency_key = request.idempotency_key;
    // Stored queued and unowned: whichever instance has a free slot claims it.
    const double hours = request.timeout_hours.value_or(
        def->timeout ? std::chrono::duration<double, std::ratio<3600>>(*def->timeout).count()
                     : rt_->settings()->workflow.default_timeout_hours);
    // A request's or the settings' timeout_hours has no upper bound: beyond a year (as long as a
    // definition may ask for) it is a year, so that the milliseconds below cannot overflow.
    ne.deadline_at = store::now() + std::chrono::milliseconds(static_cast<std::int64_t>(std::min(hours, 8760.0) * 3600'000));
    const bool ephemeral = request.ephemeral.value_or(def->ephemeral);
    if (ephemeral) check_admission(request, true);

    if (ephemeral) {
        // Ephemeral executions never touch the store while they run.
        store::execution record;
        record.id = store::new_uuid();
        record.workflow_id = workflow_id;
        record.workflow_version = latest.version;
        record.input = ne.input;
        record.status = execution_status::queued;
        record.created_at = store::now();
        record.deadline_at = ne.deadline_at;
        if (on_done) {
            std::lock_guard lock(mutex_);
            waiters_[record.id].push_back(std::move(on_done));
        }
        admit({record, def, false, {}});
        on_started(std::move(record), nullptr);
        return true;
    }
    if (!may_block && ne.idempotency_key) return false;
    // A free slot here and nothing older waiting in the store: created already claimed by this
    // instance and running, and started at once, with no claim round trip through the store.
    // The slot is held (starting_) while the row is written, so concurrent requests cannot
    // overshoot the limit.
    bool owned = false;
    {
        std::lock_guard lock(mutex_);
        if (accepting_ && !store_work_ && queue_.empty() && governor_->admits()) {
            if (slots_taken() < concurrency_limit()) {
                owned = true;
                ++starting_;
            }
        }
    }
    if (!may_block && !owned) return false;
    // An execution that starts at once on a slot of its own waits in no queue: neither the
    // queue's bound nor the slots' can refuse it, so only one that would wait reads the store's
    // queue length (a store read on every request, a tenth of a durable request's CPU).
    try {
        check_admission(request, false, owned);
    } catch (...) {
        if (owned) {
            std::lock_guard lock(mutex_);
            --starting_;
            pump();
        }
        throw;
    }
    if (owned) {
        ne.owner_instance = instance_id_;
        ne.lease_ms = seconds_ms(rt_->settings()->cluster.lease_seconds).count();
        ne.status = execution_status::running;
    }
    if (owned && !ne.idempotency_key && start_before_stored(ne, def, on_started, on_done)) return true;
    if (!may_block) {
        std::lock_guard lock(mutex_);
        --starting_;
        pump();
        return false;
    }
    auto created = std::make_shared<store::created_execution>();
    auto after = std::make_shared<std::function<void(std::exception_ptr)>>(
        [this, def, owned, created, on_started = std::move(on_started),
         on_done = std::move(on_done)](std::exception_ptr error) mutable {
            if (error) {
                if (owned) {
                    std::lock_guard lock(mutex_);
                    --starting_;
                    pump();
                }
                return on_started({}, error);
            }
            store::execution record;
            try {
                record = on_created(*created, def, owned, std::move(on_done));
            } catch (...) {
                return on_started({}, std::current_exception());
            }
            on_started(std::move(record), nullptr);
        });
    // The row goes through the group-commit writer, in the same transaction as other executions'
    // step transitions: a transaction of its own would wait for SQLite's one write lock behind the
    // writer's batches (and they behind it), which bounded durable executions under load. Nothing
    // waits for that commit: `after` runs on the writer's thread once it is done. Without the
    // writer (stopping) or with its queue full, the row is written here, in its own transaction.
    bool queued = false;
    {
        std::lock_guard lock(mutex_);  // stop() resets writer_ only after accepting_ is false
        if (accepting_ && writer_)
            queued = writer_->submit([created, ne](store::transaction& tx) { *created = tx.executions().create(ne); },
                                     [after](std::exception_ptr e) { (*after)(e); });
    }
    if (queued) return true;
    std::exception_ptr error;
    try {
        *created = db()->executions().create(ne);
    } catch (...) {
        error = std::current_exception();
    }
    (*after)(error);
    return true;
}

// A new execution on a slot of its own, without an idempotency key (which could name an
// existing execution instead), starts while its row is still in the writer's queue: its
// transitions queue behind that row on the same writer, so none commits before it, and until
// one did, a step that acts on the world waits for its own in-flight marker to commit
// (execution_runner::row_pending). Pure steps run ahead, so that the row's commit and the
// execution's first steps overlap instead of following one another. The caller hears of the
// execution once the row committed; if it cannot be stored, the runner stops without having
// acted and the caller gets the error. Returns false (nothing done) while stopping.
bool orchestrator::start_before_stored(store::new_execution& ne, const std::shared_ptr<const workflow_definition>& def,
                                       started_callback& on_started, std::function<void(execution_outcome)>& on_done) {
    std::lock_guard lock(mutex_);
    if (!accepting_ || !writer_) return false;
    store::execution record;
    record.id = ne.id = store::new_uuid();
    record.workflow_id = ne.workflow_id;
    record.workflow_version = ne.workflow_version.value_or(0);
    record.status = execution_status::running;
    record.input = ne.input;
    record.owner_instance = ne.owner_instance;
    record.created_at = record.updated_at = store::now();
    record.started_at = record.created_at;
    record.deadline_at = ne.deadline_at;
    record.lease_generation = 1;  // as create() stores a claimed execution
    auto started = std::make_shared<started_callback>(std::move(on_started));
    auto stored = std::make_shared<store::created_execution>();
    const bool queued = writer_->submit(
        [ne, stored](store::transaction& tx) { *stored = tx.executions().create(ne); },
        // On the writer's thread, as for any new execution: a synchronous execute() (a
        // sub-workflow step starting its child) may be waiting on an I/O thread for this answer.
        [this, record, started, stored](std::exception_ptr error) {
            auto& on_started = *started;
            if (error) {
                std::shared_ptr<execution_runner> runner;
                {
                    std::lock_guard lock(mutex_);
                    waiters_.erase(record.id);  // the caller hears of the error below instead
                    if (auto it = running_.find(record.id); it != running_.end()) runner = it->second;
                }
                if (runner) {
                    std::string why = "its row could not be stored";
                    try {
                        std::rethrow_exception(error);
                    } catch (const std::exception& e) {
                        why += fmt::format(" ({})", e.what());
                    } catch (...) {
                    }
                    runner->lose(why);
                }
                return on_started({}, error);
            }
            on_started(std::move(stored->record), nullptr);  // as stored (its own timestamps)
        });
    if (!queued) {  // the writer's queue is full: the usual way (written here)
        on_started = std::move(*started);
        return false;
    }
    --starting_;
    if (on_done) waiters_[record.id].push_back(std::move(on_done));
    launch({record, def, true, {}, false, true, true});
    return true;
}

// What follows the commit of a new durable execution's row: its start (when this instance
// held a slot for it), or its place in the store's queue; and the waiter for its outcome.
store::execution orchestrator::on_created(const store::created_execution& created,
                                          const std::shared_ptr<const workflow_definition>& def, bool owned,
                                          std::function<void(execution_outcome)> on_done) {
    const auto& record = created.record;
    if (owned) {
        bool launched = false;
        {
            std::lock_guard lock(mutex_);
            --starting_;
            if (created.created) {
                if (on_done) waiters_[record.id].push_back(std::move(on_done));
                if (accepting_) {
                    launch({record, def, true, {}, false, true});
                    launched = true;
                }
            } else {
                pump();  // the slot held for it is free again
            }
        }
        if (created.created) {
            if (!launched) {
                // Stopped meanwhile: handed back with an expired lease, for whichever instance
                // claims it next (it is stored; the answer stays the execution).
                try {
                    db()->executions().release(record.id, instance_id_, record.lease_generation);
                    notify(work_channel, "");
                } catch (const std::exception& e) {
                    rt_->log().warning("orchestrator", "cannot hand back execution {}: {}", record.id, e.what());
                }
            }
            return record;
        }
    }
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
    if (on_done) {
        std::lock_guard lock(mutex_);
        waiters_[record.id].push_back(std::move(on_done));
    }
    wake();  // this instance may claim it at once
    notify(work_channel, "");
    return record;
}

// The execution queue's bound, and a request that asked not to wait. Checked when the
// request arrives: executions finishing or starting meanwhile may shift a slot either way.
void orchestrator::check_admission(const execute_request& request, bool ephemeral, bool holds_slot) {
    const auto s = rt_->settings();
    const auto max_queued = static_cast<std::size_t>(s->workflow.max_queued_executions);
    if (!request.queue) governor_->require_open("execution");  // 503 resource_limit naming the hold
    if (holds_slot) return;  // it starts at once: it waits in no queue and takes no further slot
    std::size_t running = 0, waiting_here = 0;
    {
        std::lock_guard lock(mutex_);
        running = running_.size() + starting_;
        waiting_here = queue_.size();
    }
    // Ephemeral executions wait in this instance's memory; persisted ones in the store, where
    // any instance may claim them (the count reads the store only for those).
    const std::size_t waiting = waiting_here + (ephemeral && request.queue ? 0 : db()->executions().count_unclaimed());
    const int retry = governor_->retry_after_seconds();
    if (request.queue && waiting >= max_queued) {
        governor_->count_refusal("queue_full");
        throw orchestrator_error(429, "queue_full",
                                 fmt::format("the execution queue is full: {} executions wait for a slot "
                                             "(workflow.max_queued_executions = {}); retry later",
                                             waiting, max_queued),
                                 retry);
    }
    if (request.queue) return;
    const auto configured = static_cast<std::size_t>(s->workflow.max_concurrent_executions);
    const auto limit = governor_->max_concurrent(configured);
    if (running + waiting < limit) return;
    governor_->count_refusal("concurrency_limit");
    const auto lowered = limit < configured ? fmt::format(", lowered to {} by resources.max_cpu_percent = {}", limit,
                                                          s->resources.max_cpu_percent)
                                            : std::string();
    throw orchestrator_error(503, "concurrency_limit",
                             fmt::format("all {} execution slots are busy (workflow.max_concurrent_executions = {}{}) "
                                         "and the request asked not to wait (\"queue\": false); retry later",
                                         limit, configured, lowered),
                             retry);
}

void orchestrator::admit(queued q) {
    std::lock_guard lock(mutex_);
    if (!accepting_) return;
    queue_.push_back(std::move(q));  // FIFO; shows as queued in the store until it starts
    pump();
}

void orchestrator::pump(bool wake_coordinator) {
    // The governor decides: closed (memory, temperature) starts nothing; the CPU cap lowers the limit.
    if (!governor_->admits()) return;
    const auto limit = concurrency_limit();
    for (auto it = queue_.begin(); accepting_ && it != queue_.end() && slots_taken() < limit;) {
        if (it->paused) {
            ++it;
            continue;
        }
        auto q = std::move(*it);
        it = queue_.erase(it);
        launch(std::move(q));
    }
    // Persisted executions are claimed from the store by the coordinator.
    if (!store_work_ || !wake_coordinator) return;
    coordinator_wake_ = true;
    coordinator_cv_.notify_all();
}

void orchestrator::launch(queued q) {
    auto runner = std::make_shared<execution_runner>(env_, q.record, q.def, q.persist, std::move(q.history));
    const execution_runner* key = runner.get();
    if (auto it = running_.find(q.record.id); it != running_.end()) {
        // Claimed again by this instance: its own lease lapsed (a stall longer than the lease) and
        // the claim gave it a new generation. The old runner's writes are fenced already; it must
        // not dispatch more steps either, and its end must not remove the new runner (below).
        it->second->lose();
    }
    running_[q.record.id] = runner;
    if (q.row_pending) runner->row_pending();
    runner->on_lost([this, id = q.record.id, key] { on_lost(id, key); });
    runner->start([this, key](execution_outcome o) { on_finished(o, key); }, q.begun);
}

void orchestrator::on_finished(const execution_outcome& outcome, const execution_runner* runner) {
    std::vector<std::function<void(execution_outcome)>> waiters;
    {
        std::lock_guard lock(mutex_);
        if (auto it = running_.find(outcome.execution_id); it != running_.end()) {
            if (runner && it->second.get() != runner) return;  // a superseded runner: the current one reports
            running_.erase(it);
        }
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
    notify(done_channel, outcome.execution_id);  // callers waiting on other instances
    for (auto& w : waiters) w(outcome);
}

void orchestrator::cancel(const std::string& id) {
    std::unique_lock lock(mutex_);
    if (auto it = running_.find(id); it != running_.end()) {
        // Ended but not yet removed (its last transition is committing): nothing to cancel.
        if (it->second->ended()) throw orchestrator_error(409, "conflict", fmt::format("execution {} has already ended", id));
        return it->second->cancel();
    }
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
    lock.unlock();
    // Queued (or paused in line) in the store, not yet claimed by any instance.
    auto database = db();
    for (auto from : {execution_status::queued, execution_status::paused})
        if (database->executions().set_status_if_unclaimed(id, from, {execution_status::cancelled, {}, std::string("cancelled while queued")})) {
            auto e = database->executions().get(id);
            rt_->events().publish("chainbot.workflow.cancelled", {{"workflow_id", e ? e->workflow_id : ""}, {"execution_id", id},
                                                                  {"status", "cancelled"}, {"duration", 0.0},
                                                                  {"steps_completed", 0}});
            return on_finished({id, "cancelled", nullptr, "cancelled while queued"});
        }
    // Running on another instance: its owner applies it.
    if (auto e = database->executions().get(id); e && store::is_active(e->status) && e->owner_instance)
        return notify(control_channel, "cancel " + id);
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
    lock.unlock();
    // Queued in the store and not yet claimed: paused in line there (claims take only queued ones).
    auto database = db();
    const auto from = paused ? execution_status::queued : execution_status::paused;
    const auto to = paused ? execution_status::paused : execution_status::queued;
    if (database->executions().set_status_if_unclaimed(id, from, {to, {}, {}})) {
        auto e = database->executions().get(id);
        rt_->events().publish(paused ? "chainbot.workflow.paused" : "chainbot.workflow.resumed",
                              {{"workflow_id", e ? e->workflow_id : ""}, {"execution_id", id}, {"status", store::to_string(to)}});
        if (!paused) {
            wake();
            notify(work_channel, "");
        }
        return true;
    }
    if (auto e = database->executions().get(id); e && store::is_active(e->status) && e->owner_instance &&
                                                  *e->owner_instance != instance_id_) {
        notify(control_channel, std::string(paused ? "pause " : "resume ") + id);
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

std::size_t orchestrator::concurrency_limit() const {
    const auto configured = rt_ ? rt_->settings()->workflow.max_concurrent_executions : 1;
    return governor_->max_concurrent(static_cast<std::size_t>(configured));
}

std::size_t orchestrator::local_queued_count() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

std::size_t orchestrator::queued_count() const {
    std::size_t local = 0;
    {
        std::lock_guard lock(mutex_);
        local = queue_.size();
        if (!accepting_) return local;
    }
    try {
        return local + db()->executions().count_unclaimed();
    } catch (const std::exception&) {
        return local;
    }
}

std::size_t orchestrator::active_in_store() const {
    auto database = db();
    std::size_t n = 0;
    for (auto status : {execution_status::queued, execution_status::running, execution_status::paused})
        n += database->executions().count({.status = status});
    return n;
}

orchestrator::cluster_stats orchestrator::cluster_figures() const {
    return {claims_.load(), takeovers_.load(), lost_.load(), heartbeats_.load(), notifications_.load(), listening_.load()};
}

// ---- recovery ------------------------------------------------------------------------

void orchestrator::recover() {
    auto database = db();
    // SQLite: one instance per file (the store service holds a lock on it), so whatever an
    // earlier process held is free now. PostgreSQL: leases of dead instances expire by themselves.
    if (database->backend() == store::backend_kind::sqlite) database->executions().expire_all_leases();
    char host[256] = "host";
    ::gethostname(host, sizeof host - 1);
    database->cluster().register_instance(instance_id_, host, ::getpid(), CHAINBOT_VERSION);
    std::vector<std::string> channels{work_channel, done_channel, control_channel, definitions_channel};
    if (database->backend() == store::backend_kind::postgresql && rt_->settings()->cluster.relay_events) {
        relay_ = std::make_shared<event_relay>(
            instance_id_, rt_->events(),
            [this](const std::string& payload) { db()->notify(event_relay::channel, payload); },
            [this](const std::string& what) { rt_->log().warning("orchestrator", "{}", what); });
        relay_observer_ = rt_->events().add_observer(relay_);
        channels.push_back(event_relay::channel);
    }
    listener_ = database->listen(
        std::move(channels), [this](const store::notification& n) { on_notification(n); },
        [this](const std::string& what) {
            listening_ = false;
            rt_->log().warning("orchestrator", "{}; falling back to polling every {} s", what,
                               rt_->settings()->cluster.poll_seconds);
        });
    {
        std::lock_guard lock(mutex_);
        coordinator_stop_ = false;
        coordinator_wake_ = true;
        store_work_ = true;  // whatever the store holds is looked at before new work runs ahead of it
        ++store_work_generation_;
    }
    coordinator_ = std::thread([this] { coordinate(); });
    // Heartbeats and lease renewals on a thread of their own: a long claim pass (loading the
    // histories of executions taken over) must not delay them past the lease.
    lease_keeper_ = std::thread([this] { keep_leases(); });
}

// ---- scale-out -----------------------------------------------------------------------

void orchestrator::wake() {
    {
        std::lock_guard lock(mutex_);
        coordinator_wake_ = true;
        store_work_ = true;
        ++store_work_generation_;
    }
    coordinator_cv_.notify_all();
}

void orchestrator::notify(const std::string& channel, const std::string& payload) {
    try {
        if (auto database = db(); database->backend() == store::backend_kind::postgresql) database->notify(channel, payload);
    } catch (const std::exception& e) {
        // The fallback poll covers it.
        if (rt_) rt_->log().debug("orchestrator", "cannot notify {}: {}", channel, e.what());
    }
}

void orchestrator::on_notification(const store::notification& n) {
    if (n.channel == event_relay::channel) {  // events of another instance (not counted as work notifications)
        if (relay_) relay_->on_notification(n.payload);
        return;
    }
    if (n.channel == definitions_channel) return invalidate_definitions(n.payload);  // updated or deleted elsewhere
    ++notifications_;
    if (n.channel.empty()) {  // (re)connected
        listening_ = true;
        definitions_.clear();  // an update on another instance may have gone unnoticed meanwhile
        return wake();
    }
    if (n.channel == work_channel) return wake();
    if (n.channel == done_channel) {
        bool waiting = false;
        {
            std::lock_guard lock(mutex_);
            waiting = waiters_.count(n.payload) > 0 && running_.count(n.payload) == 0;
        }
        if (waiting) boost::asio::post(rt_->io(), [this, id = n.payload] { deliver_remote_outcome(id); });
        return;
    }
    if (n.channel == control_channel) {
        const auto space = n.payload.find(' ');
        if (space == std::string::npos) return;
        const auto action = n.payload.substr(0, space), id = n.payload.substr(space + 1);
        std::shared_ptr<execution_runner> r;
        {
            std::lock_guard lock(mutex_);
            if (auto it = running_.find(id); it != running_.end()) r = it->second;
        }
        if (!r) return;
        if (action == "cancel") r->cancel();
        else if (action == "pause") r->pause();
        else if (action == "resume") r->resume();
    }
}

// An execution that finished on another instance: hand its outcome to the callers waiting here.
void orchestrator::deliver_remote_outcome(const std::string& id) {
    std::optional<store::execution> e;
    try {
        e = db()->executions().get(id);
    } catch (const std::exception&) {
        return;  // the next poll tries again
    }
    if (!e || !store::is_terminal(e->status)) return;
    execution_outcome outcome{id, std::string(store::to_string(e->status)),
                              e->output ? parse_json(*e->output, "output") : json::value(nullptr), e->error.value_or("")};
    std::vector<std::function<void(execution_outcome)>> waiters;
    {
        std::lock_guard lock(mutex_);
        if (running_.count(id)) return;
        if (auto it = waiters_.find(id); it != waiters_.end()) {
            waiters = std::move(it->second);
            waiters_.erase(it);
        }
        recent_[id] = outcome;
        recent_order_.push_back(id);
        while (recent_order_.size() > 1024) {
            recent_.erase(recent_order_.front());
            recent_order_.pop_front();
        }
    }
    finished_cv_.notify_all();
    for (auto& w : waiters) w(outcome);
}

// The fallback for a lost "done" notification.
void orchestrator::check_remote_waiters() {
    std::vector<std::string> ids;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, _] : waiters_)
            if (!running_.count(id)) ids.push_back(id);
    }
    for (const auto& id : ids) deliver_remote_outcome(id);
}

void orchestrator::on_lost(const std::string& id, const execution_runner* runner) {
    ++lost_;
    {
        std::lock_guard lock(mutex_);
        // Only the runner that lost: after a claim by this same instance a newer one runs it.
        if (auto it = running_.find(id); it != running_.end() && it->second.get() == runner) running_.erase(it);
    }
    finished_cv_.notify_all();
    wake();  // a slot is free
}

void orchestrator::heartbeat_pass() {
    auto database = db();
    const auto s = rt_->settings();
    if (!database->cluster().heartbeat(instance_id_)) {
        // Pruned while this instance could not reach the database: register again.
        char host[256] = "host";
        ::gethostname(host, sizeof host - 1);
        database->cluster().register_instance(instance_id_, host, ::getpid(), CHAINBOT_VERSION);
    }
    ++heartbeats_;
    std::vector<std::pair<std::string, std::int64_t>> held;
    std::map<std::string, std::shared_ptr<execution_runner>> runners;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, r] : running_)
            if (r->generation() > 0) {  // ephemeral executions hold no lease
                held.emplace_back(id, r->generation());
                runners[id] = r;
            }
    }
    // Renewed only while this instance still holds the same claim: a late heartbeat of an
    // instance presumed dead renews nothing it lost.
    for (const auto& id : database->executions().renew(instance_id_, held, seconds_ms(s->cluster.lease_seconds).count())) {
        auto it = runners.find(id);
        if (it == runners.end()) continue;
        try {
            auto e = database->executions().get(id);
            // Finished meanwhile, or not stored yet (started while its row is being written:
            // a row that fails stops its runner there).
            if (!e || store::is_terminal(e->status)) continue;
            // Stored since renew() looked, still this instance's claim: renewed next time.
            if (e->owner_instance == instance_id_ && e->lease_generation == it->second->generation()) continue;
        } catch (const std::exception&) {
        }
        it->second->lose();
    }
    // Instances silent for a day and owning nothing are forgotten.
    database->cluster().prune(24LL * 3600 * 1000);
}

void orchestrator::claim_pass() {
    std::size_t free = 0;
    std::uint64_t generation = 0;
    {
        std::lock_guard lock(mutex_);
        generation = store_work_generation_;
        if (!accepting_) return;
        if (!governor_->admits()) return;
        const auto limit = concurrency_limit();
        const auto busy = slots_taken() + queue_.size();
        free = busy < limit ? limit - busy : 0;
        claiming_ += free;  // held while the claim runs: execute() and pump() cannot take them meanwhile
    }
    if (free == 0) return;
    std::size_t held = free;
    bool passed = false;
    struct give_back {
        orchestrator& o;
        std::size_t& held;
        bool& passed;
        ~give_back() {
            std::lock_guard lock(o.mutex_);
            o.claiming_ -= held;
            // The slots not filled go to executions waiting here. A pass that failed (the store
            // is down) does not wake the coordinator again: it retries on its own backoff.
            try {
                o.pump(passed);
            } catch (const std::exception& e) {
                if (o.rt_) o.rt_->log().error("orchestrator", "cannot start queued executions: {}", e.what());
            }
        }
    } on_exit{*this, held, passed};
    auto database = db();
    const auto lease = seconds_ms(rt_->settings()->cluster.lease_seconds).count();
    auto claimed = database->executions().claim(instance_id_, free, lease);
    if (claimed.size() < free) {
        // The store had no more: until something adds work, freed slots need not look.
        std::lock_guard lock(mutex_);
        if (generation == store_work_generation_) store_work_ = false;
    }
    for (auto& e : claimed) {
        ++claims_;
        const bool takeover = e.status != execution_status::queued || e.lease_generation > 1;
        if (takeover) ++takeovers_;
        try {
            auto def = load_definition(e.workflow_id, e.workflow_version);
            auto history = database->step_runs().list(e.id);
            if (takeover || !history.empty())
                rt_->log().info("orchestrator", "resuming execution {} ({}, {} step runs recorded, lease generation {})",
                                e.id, store::to_string(e.status), history.size(), e.lease_generation);
            std::lock_guard lock(mutex_);
            --held;  // this slot goes to the execution (launched) or back (released)
            --claiming_;
            // Stopping, or admission closed while the claim ran (the check above is not atomic
            // with it): hand the execution back, still queued for whichever instance may run it.
            if (!accepting_ || !governor_->admits()) {
                database->executions().release(e.id, instance_id_, e.lease_generation);
                store_work_ = true;  // back in the store: the next freed slot (or reopening) looks again
                ++store_work_generation_;
                continue;
            }
            launch({e, def, true, std::move(history)});
        } catch (const std::exception& ex) {
            rt_->log().error("orchestrator", "cannot resume execution {}: {}", e.id, ex.what());
            try {
                database->executions().set_status(e.id, {execution_status::failed, {}, std::string("cannot resume: ") + ex.what()});
            } catch (...) {
            }
        }
    }
    passed = true;
}

void orchestrator::keep_leases() {
    using clock = std::chrono::steady_clock;
    auto next_heartbeat = clock::now();
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            coordinator_cv_.wait_until(lock, next_heartbeat, [this] { return coordinator_stop_; });
            if (coordinator_stop_) return;
        }
        const auto heartbeat = std::max(std::chrono::milliseconds(50), seconds_ms(rt_->settings()->cluster.heartbeat_seconds));
        next_heartbeat = clock::now() + heartbeat;
        try {
            heartbeat_pass();
        } catch (const std::exception& e) {
            rt_->log().warning("orchestrator", "cluster heartbeat failed, retrying: {}", e.what());
            next_heartbeat = std::min(next_heartbeat, clock::now() + std::chrono::milliseconds(200));
        }
    }
}

void orchestrator::coordinate() {
    using clock = std::chrono::steady_clock;
    auto next_poll = clock::now();
    for (;;) {
        const auto s = rt_->settings();
        const auto poll = std::max(std::chrono::milliseconds(50), seconds_ms(s->cluster.poll_seconds));
        bool polled = false;
        {
            std::unique_lock lock(mutex_);
            coordinator_cv_.wait_until(lock, next_poll, [this] { return coordinator_stop_ || coordinator_wake_; });
            if (coordinator_stop_) return;
            coordinator_wake_ = false;
        }
        const auto now = clock::now();
        try {
            if (now >= next_poll) {
                next_poll = now + poll;
                polled = true;
                // What a poll is for: work no wake announced (leases of an instance that died).
                // Until a pass finds the store drained, new executions queue behind it.
                std::lock_guard lock(mutex_);
                store_work_ = true;
                ++store_work_generation_;
            }
            claim_pass();
            if (polled) check_remote_waiters();
        } catch (const std::exception& e) {
            rt_->log().warning("orchestrator", "cluster coordination failed, retrying: {}", e.what());
            next_poll = std::min(next_poll, now + std::chrono::milliseconds(500));
        }
    }
}

}  // namespace chainbot::orchestrator
