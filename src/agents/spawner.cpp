#include "agents/spawner.hpp"

#include "runtime/service_error.hpp"
#include "store/crypto.hpp"
#include "store/errors.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <set>

#include <unistd.h>

namespace chainbot::agents {

namespace json = boost::json;

namespace {

// Agent jobs may block (a model call, an HTTP request): they get a pool of their own so
// that they never hold up the runtime's blocking pool, which serves the REST handlers.
constexpr std::size_t work_threads = 4;

constexpr std::size_t max_name_length = 128;

// Scale-out: "m <instance> <entanglement>" (messages stored for that instance's agents) and
// "t <agent>" (terminated through another instance).
constexpr const char* agents_channel = "chainbot_agents";

// Steps waiting for an agent of one type; beyond, a step fails at once (kind "agent").
constexpr std::size_t max_waiting_per_type = 10000;

// An agent that runs out of work is idle at once in memory, but its idle state (and the
// counters of the tasks it ran) reach the store only after this grace period, in one
// transaction, and only if no new job came meanwhile: under load an agent goes from task to
// task without two store writes per task (working, idle) plus one for its counters.
constexpr std::chrono::milliseconds idle_persist_delay{20};

json::object agent_fields(const std::string& id, const std::string& type, const std::string& name) {
    return {{"agent_id", id}, {"agent_type", type}, {"name", name}};
}

}  // namespace

/// One agent: its mailbox and whether a job of it is running. A job runs on the work
/// pool; the next one starts when it ends, so an agent does one thing at a time.
class agent_actor : public std::enable_shared_from_this<agent_actor> {
public:
    struct entry {
        agent_job job;
        std::function<void()> on_dropped;
        bool here = false;  // may run on the enqueuing thread (a compute task, see spawner.hpp)
    };

    agent_actor(std::weak_ptr<agent_spawner> owner, store::agent record,
                std::shared_ptr<const orchestrator::agent_handle> handle)
        : owner_(std::move(owner)), record_(std::move(record)), handle_(std::move(handle)),
          persisted_(record_.state) {}

    const std::string& id() const { return record_.id; }
    const std::shared_ptr<const orchestrator::agent_handle>& handle() const { return handle_; }
    const std::string& type() const { return record_.type; }

    bool enqueue(entry e, std::size_t capacity, std::string* why) {
        bool here = false;
        {
            std::lock_guard lock(mutex_);
            if (terminated_) {
                if (why) *why = fmt::format("agent '{}' is terminated", id());
                return false;
            }
            if (state_ == store::agent_state::error) {
                if (why) *why = fmt::format("agent '{}' is in the error state", id());
                return false;
            }
            if (mailbox_.size() >= capacity) {
                if (why)
                    *why = fmt::format("the mailbox of agent '{}' is full (agents.mailbox_capacity = {})", id(), capacity);
                return false;
            }
            // Only when no store write is due: an agent that turns working persists it, and
            // that blocking write belongs on the work pool.
            here = e.here && persisted_ == store::agent_state::working;
            mailbox_.push_back(std::move(e));
            reserved_ = false;
            if (busy_) return true;
            busy_ = true;
        }
        if (here)
            run(true);
        else
            start_next();
        return true;
    }

    bool has_room(std::size_t capacity, std::string* why) const {
        std::lock_guard lock(mutex_);
        if (terminated_ || state_ == store::agent_state::error) {
            if (why) *why = fmt::format("agent '{}' is {}", id(), terminated_ ? "terminated" : "in the error state");
            return false;
        }
        if (mailbox_.size() >= capacity) {
            if (why) *why = fmt::format("the mailbox of agent '{}' is full (agents.mailbox_capacity = {})", id(), capacity);
            return false;
        }
        return true;
    }

    /// Persists `terminated` after terminate(): under write_mutex_, so no idle/working write
    /// of a job ending at the same moment can land after it.
    void persist_terminated(store::database& db) {
        std::lock_guard write(write_mutex_);
        db.agents().set_state(id(), store::agent_state::terminated);
    }

    /// No job running or waiting, and not promised to a task: a task may take it.
    bool available() const {
        std::lock_guard lock(mutex_);
        return available_locked();
    }
    /// Promises it to one task (the spawner then enqueues that task's job): two tasks that
    /// look for an idle agent at once never both take this one.
    bool try_reserve() {
        std::lock_guard lock(mutex_);
        if (!available_locked()) return false;
        reserved_ = true;
        return true;
    }
    void unreserve() {
        std::lock_guard lock(mutex_);
        reserved_ = false;
    }

    /// Marks it terminated; returns the jobs that will never run.
    std::deque<entry> terminate() {
        std::lock_guard lock(mutex_);
        terminated_ = true;
        state_ = store::agent_state::terminated;
        return std::exchange(mailbox_, {});
    }

    store::agent_state state() const {
        std::lock_guard lock(mutex_);
        return state_;
    }
    std::size_t queued() const {
        std::lock_guard lock(mutex_);
        return mailbox_.size();
    }

private:
    void start_next() {
        auto owner = owner_.lock();
        auto self = shared_from_this();
        if (!owner || !owner->post_work([self] { self->run(); })) {
            // Stopping: nothing runs any more; the jobs are dropped.
            std::deque<entry> dropped;
            {
                std::lock_guard lock(mutex_);
                busy_ = false;
                dropped = std::exchange(mailbox_, {});
            }
            for (auto& e : dropped)
                if (e.on_dropped) e.on_dropped();
        }
    }

    // On the work pool (or on the enqueuing thread for a compute task), with busy_ set: runs the
    // mailbox empty, then goes idle.
    void run(bool here = false) {
        std::deque<entry> dropped_on_stop;
        bool hand_off = false;
        for (int ran = 0;; ++ran) {
            entry e;
            // Asked before taking mutex_: the spawner locks its mutex, then an actor's.
            const auto owner = owner_.lock();
            const bool stopping = !owner || !owner->accepting();
            {
                std::lock_guard lock(mutex_);
                if (stopping && !mailbox_.empty()) dropped_on_stop = std::exchange(mailbox_, {});
                if (mailbox_.empty() || terminated_) {
                    busy_ = false;
                    if (!terminated_ && state_ == store::agent_state::working) state_ = store::agent_state::idle;
                    break;
                }
                // On the enqueuing thread only the compute task itself runs; what arrived
                // meanwhile (a message) goes to the work pool, busy_ still set.
                if (here && ran > 0) {
                    hand_off = true;
                    break;
                }
                e = std::move(mailbox_.front());
                mailbox_.pop_front();
            }
            set_state(store::agent_state::working);
            try {
                e.job(handle_);
            } catch (const std::exception& ex) {
                if (auto owner = owner_.lock(); owner && owner->rt_)
                    owner->rt_->log().error("agents", "a job of agent '{}' failed: {}", id(), ex.what());
            } catch (...) {
            }
        }
        if (hand_off) return start_next();
        for (auto& d : dropped_on_stop)
            if (d.on_dropped) d.on_dropped();
        schedule_persist();
        if (auto owner = owner_.lock()) owner->on_idle(type());
    }

public:
    /// @brief Counters of a job that ended; written with the next idle state (see idle_persist_delay).
    void add_counters(const store::agent_counters& d) {
        std::lock_guard lock(mutex_);
        pending_.tasks_completed += d.tasks_completed;
        pending_.tasks_failed += d.tasks_failed;
        pending_.messages_sent += d.messages_sent;
        pending_.messages_received += d.messages_received;
    }

    /// @brief Writes what is pending now: the counters, and idle when the agent still has
    /// nothing to do. The spawner calls it at stop; the grace timer calls it otherwise.
    void persist_pending() {
        std::lock_guard write(write_mutex_);
        store::agent_counters delta;
        bool write_idle = false;
        store::agent_state previous{};
        {
            std::lock_guard lock(mutex_);
            persist_scheduled_ = false;
            delta = std::exchange(pending_, {});
            if (!terminated_ && !busy_ && mailbox_.empty() && state_ == store::agent_state::idle &&
                persisted_ != store::agent_state::idle) {
                write_idle = true;
                previous = persisted_;
                persisted_ = store::agent_state::idle;
            }
        }
        const bool counters = delta.tasks_completed || delta.tasks_failed || delta.messages_sent || delta.messages_received;
        if (!counters && !write_idle) return;
        auto owner = owner_.lock();
        if (!owner) return;
        // Published first: whoever sees the store say idle has been told already.
        if (write_idle) publish_state(*owner, store::agent_state::idle, previous);
        try {
            owner->db()->in_transaction([&](store::transaction& tx) {
                if (counters) tx.agents().add_counters(id(), delta);
                if (write_idle) tx.agents().set_state(id(), store::agent_state::idle);
            });
        } catch (const std::exception& ex) {
            // counters are statistics: a failed update loses a count, not work
            if (owner->rt_) owner->rt_->log().warning("agents", "agent '{}': cannot persist its state: {}", id(), ex.what());
        }
    }

private:
    // After a run of jobs: persist idle and the counters once the grace period passes.
    void schedule_persist() {
        {
            std::lock_guard lock(mutex_);
            if (persist_scheduled_) return;
            persist_scheduled_ = true;
        }
        auto owner = owner_.lock();
        auto self = shared_from_this();
        if (!owner || !owner->post_work_after(idle_persist_delay, [self] { self->persist_pending(); }))
            persist_pending();  // stopping: write now
    }

public:

private:

    void set_state(store::agent_state s) {
        std::lock_guard write(write_mutex_);  // store writes of this agent stay in order
        store::agent_state previous;
        {
            std::lock_guard lock(mutex_);
            if (terminated_) return;
            state_ = s;
            if (persisted_ == s) return;
            previous = persisted_;
            persisted_ = s;
        }
        auto owner = owner_.lock();
        if (!owner) return;
        try {
            owner->db()->agents().set_state(id(), s);
        } catch (const std::exception& ex) {
            if (owner->rt_) owner->rt_->log().warning("agents", "agent '{}': cannot persist state {}: {}", id(),
                                                      store::to_string(s), ex.what());
        }
        publish_state(*owner, s, previous);
    }

    void publish_state(agent_spawner& owner, store::agent_state s, store::agent_state previous) {
        if (!owner.rt_) return;
        auto fields = agent_fields(id(), type(), record_.name);
        fields["state"] = store::to_string(s);
        fields["previous_state"] = store::to_string(previous);
        owner.rt_->events().publish("chainbot.agent.state_changed", std::move(fields));
    }

    std::weak_ptr<agent_spawner> owner_;
    const store::agent record_;
    const std::shared_ptr<const orchestrator::agent_handle> handle_;

    mutable std::mutex mutex_;
    bool available_locked() const {
        return !terminated_ && !busy_ && !reserved_ && mailbox_.empty() && state_ != store::agent_state::error;
    }
    std::deque<entry> mailbox_;
    bool busy_ = false;
    bool reserved_ = false;
    bool terminated_ = false;
    bool persist_scheduled_ = false;
    store::agent_counters pending_;  // counters not written yet
    std::mutex write_mutex_;         // held across each store write of this agent's state
    store::agent_state persisted_;
    store::agent_state state_ = persisted_;
};

agent_spawner::agent_spawner(std::function<std::shared_ptr<store::database>()> store) : store_(std::move(store)) {}

agent_spawner::~agent_spawner() { stop(); }

std::shared_ptr<store::database> agent_spawner::db() const {
    auto db = store_();
    if (!db) throw service_error(503, "unavailable", "the store is not open");
    return db;
}

void agent_spawner::set_config_validator(const std::string& type, config_validator validator) {
    std::lock_guard lock(mutex_);
    validators_[type] = std::move(validator);
}

void agent_spawner::set_message_sender(
    std::function<json::value(const std::string&, const json::object&)> sender) {
    std::lock_guard lock(mutex_);
    sender_ = std::move(sender);
}

std::shared_ptr<std::atomic<bool>> agent_spawner::stopping_flag() const {
    std::lock_guard lock(mutex_);
    return stopping_ ? stopping_ : std::make_shared<std::atomic<bool>>(true);
}

bool agent_spawner::accepting() const {
    std::lock_guard lock(mutex_);
    return accepting_;
}

bool agent_spawner::post_work(std::function<void()> job) {
    std::lock_guard lock(mutex_);
    if (!pool_ || !accepting_) return false;
    boost::asio::post(*pool_, std::move(job));
    return true;
}

bool agent_spawner::post_work_after(std::chrono::milliseconds delay, std::function<void()> job) {
    std::lock_guard lock(mutex_);
    if (!pool_ || !accepting_) return false;
    // The pool's join at stop waits for the timer: the job still runs then.
    auto timer = std::make_shared<boost::asio::steady_timer>(pool_->get_executor(), delay);
    timer->async_wait([timer, job = std::move(job)](const boost::system::error_code&) { job(); });
    return true;
}

std::shared_ptr<agent_actor> agent_spawner::make_actor(const store::agent& a) {
    auto handle = std::make_shared<orchestrator::agent_handle>();
    handle->id = a.id;
    handle->type = a.type;
    handle->name = a.name;
    boost::system::error_code ec;
    auto config = json::parse(a.config, ec);
    if (!ec && config.is_object()) handle->config = config.as_object();
    std::weak_ptr<agent_spawner> weak = weak_from_this();
    const std::string id = a.id;
    handle->load_data = [weak, id]() -> json::value {
        auto self = weak.lock();
        if (!self) throw service_error(503, "unavailable", "the agent spawner is gone");
        auto record = self->db()->agents().get(id);
        if (!record || !record->data) return nullptr;
        boost::system::error_code parse_ec;
        auto v = json::parse(*record->data, parse_ec);
        return parse_ec ? json::value(nullptr) : v;
    };
    handle->save_data = [weak, id](const json::value& data) {
        auto self = weak.lock();
        if (!self) throw service_error(503, "unavailable", "the agent spawner is gone");
        self->db()->agents().set_data(id, json::serialize(data));
    };
    handle->send_message = [weak, id](const json::object& message) -> json::value {
        auto self = weak.lock();
        std::function<json::value(const std::string&, const json::object&)> sender;
        if (self) {
            std::lock_guard lock(self->mutex_);
            sender = self->sender_;
        }
        if (!sender) throw std::logic_error("entanglement messaging is not available in this module");
        return sender(id, message);
    };
    return std::make_shared<agent_actor>(weak, a, std::move(handle));
}

struct agent_spawner::cluster_timer {
    explicit cluster_timer(boost::asio::thread_pool& pool) : timer(pool.get_executor()) {}
    boost::asio::steady_timer timer;
};

void agent_spawner::set_instance_id(std::string id) { instance_id_ = std::move(id); }

void agent_spawner::set_cluster_hooks(cluster_hooks hooks) {
    std::lock_guard lock(mutex_);
    hooks_ = std::move(hooks);
}

void agent_spawner::start(runtime& rt) {
    rt_ = &rt;
    auto database = db();
    const auto settings = rt.settings();
    if (instance_id_.empty()) {
        char host[256] = "host";
        ::gethostname(host, sizeof host - 1);
        instance_id_ = fmt::format("{}-{}-{}", host, ::getpid(), store::new_uuid().substr(28));  // random bits
    }
    const bool cluster = database->backend() == store::backend_kind::postgresql;
    if (cluster) {
        // Registered (alive) before taking agents, so that no other instance takes them back.
        char host[256] = "host";
        ::gethostname(host, sizeof host - 1);
        database->cluster().register_instance(instance_id_, host, ::getpid(), CHAINBOT_VERSION);
    }
    // An agent runs on one instance, its owner. SQLite has one instance per file: every agent
    // is this one's. PostgreSQL: those without a live owner (let go at a clean stop, or
    // whose owner stopped heartbeating) are taken over.
    const auto lease_ms = cluster ? static_cast<std::int64_t>(settings->cluster.lease_seconds * 1000.0) : 0;
    database->agents().adopt(instance_id_, lease_ms);
    std::map<std::string, std::shared_ptr<agent_actor>> restored;
    const auto& enabled = settings->agents.types;
    store::agent_filter mine;
    mine.owner_instance = instance_id_;
    for (std::size_t offset = 0;; offset += 500) {
        auto batch = database->agents().list(mine, {500, offset});
        for (auto& a : batch) {
            if (a.state == store::agent_state::terminated) continue;
            const bool type_enabled = std::find(enabled.begin(), enabled.end(), a.type) != enabled.end();
            // A job in flight died with the process; an agent of a type no longer enabled
            // keeps its slot (and its data) in the error state until it is terminated.
            const auto state = type_enabled ? store::agent_state::idle : store::agent_state::error;
            if (a.state != state) {
                database->agents().set_state(a.id, state);
                a.state = state;
            }
            restored[a.id] = make_actor(a);
        }
        if (batch.size() < 500) break;
    }
    {
        std::lock_guard lock(mutex_);
        actors_ = std::move(restored);
        pool_ = std::make_unique<boost::asio::thread_pool>(work_threads);
        accepting_ = true;
        stopping_ = std::make_shared<std::atomic<bool>>(false);
    }
    if (cluster) {
        std::weak_ptr<agent_spawner> weak = weak_from_this();
        listener_ = database->listen(
            {agents_channel},
            [weak](const store::notification& n) {
                if (auto self = weak.lock()) self->on_cluster_notification(n);
            },
            [weak](const std::string& what) {
                if (auto self = weak.lock(); self && self->rt_) self->rt_->log().warning("agents", "{}", what);
            });
        std::lock_guard lock(mutex_);
        cluster_timer_ = std::make_shared<cluster_timer>(*pool_);
    }
    if (cluster) cluster_tick();
    rt.health().add("agent_spawner", [this]() -> component_health {
        if (!rt_ || !rt_->running()) return {0.0, "the agent spawner is stopped"};
        const auto c = counts();
        const auto live = c.idle + c.working + c.error;
        if (c.error == 0) return {1.0, {}};
        return {1.0 - 0.5 * static_cast<double>(c.error) / static_cast<double>(live),
                fmt::format("{} of {} agents are in the error state", c.error, live)};
    });
    rt.log().info("agents", "{} agents restored", actors_.size());
}

void agent_spawner::stop() noexcept {
    std::map<std::string, std::deque<waiting_task>> waiting;
    std::unique_ptr<boost::asio::thread_pool> pool;
    {
        std::lock_guard lock(mutex_);
        if (!accepting_ && !pool_) return;
        accepting_ = false;
        waiting = std::exchange(waiting_, {});
        pool = std::move(pool_);
        if (stopping_) stopping_->store(true);  // long jobs that watch it end early
        if (cluster_timer_) cluster_timer_->timer.cancel();
    }
    listener_.reset();
    for (auto& [type, tasks] : waiting)
        for (auto& t : tasks)
            t.done(std::make_exception_ptr(service_error(503, "unavailable", "the module is stopping")), nullptr);
    if (pool) pool->join();  // running jobs end; the mailboxes' other jobs are dropped
    {
        std::lock_guard lock(mutex_);
        cluster_timer_.reset();
    }
    // A clean stop lets the agents go: another instance (or this one, restarted) takes them at once.
    try {
        if (auto database = store_(); database && database->backend() == store::backend_kind::postgresql)
            database->agents().release(instance_id_);
    } catch (const std::exception& e) {
        if (rt_) rt_->log().warning("agents", "cannot let go of this instance's agents: {}", e.what());
    }
    if (rt_) rt_->health().remove("agent_spawner");
}

// ---- scale-out -----------------------------------------------------------------------

void agent_spawner::notify_messages(const std::string& instance, const std::string& entanglement_id) {
    try {
        if (auto database = store_(); database && database->backend() == store::backend_kind::postgresql)
            database->notify(agents_channel, fmt::format("m {} {}", instance, entanglement_id));
    } catch (const std::exception& e) {
        if (rt_) rt_->log().debug("agents", "cannot notify instance '{}': {}", instance, e.what());
    }
}

void agent_spawner::on_cluster_notification(const store::notification& n) {
    // On the listener's thread: the work goes to the pool.
    std::weak_ptr<agent_spawner> weak = weak_from_this();
    if (n.channel.empty()) {  // (re)connected: something may have been missed
        post_work([weak] {
            if (auto self = weak.lock()) self->cluster_tick_once();
        });
        return;
    }
    const std::string_view p(n.payload);
    if (p.starts_with("m ")) {  // "m <instance> <entanglement>"
        const auto rest = p.substr(2);
        const auto space = rest.find(' ');
        if (space == std::string_view::npos || rest.substr(0, space) != instance_id_) return;
        std::function<void(const std::string&)> hook;
        {
            std::lock_guard lock(mutex_);
            hook = hooks_.messages_waiting;
        }
        if (hook) post_work([hook, e = std::string(rest.substr(space + 1))] { hook(e); });
    } else if (p.starts_with("t ")) {  // "t <agent>": terminated by another instance
        forget(std::string(p.substr(2)), "it was terminated through another instance");
    }
}

void agent_spawner::forget(const std::string& agent_id, const char* why) {
    std::shared_ptr<agent_actor> actor;
    {
        std::lock_guard lock(mutex_);
        if (auto it = actors_.find(agent_id); it != actors_.end()) {
            actor = it->second;
            actors_.erase(it);
        }
    }
    if (!actor) return;
    for (auto& e : actor->terminate())
        if (e.on_dropped) e.on_dropped();
    if (rt_) rt_->log().info("agents", "agent '{}' no longer runs here: {}", agent_id, why);
}

void agent_spawner::cluster_tick() {
    cluster_tick_once();
    std::lock_guard lock(mutex_);
    if (!accepting_ || !cluster_timer_ || !rt_) return;
    const auto poll = std::chrono::milliseconds(
        std::max<std::int64_t>(50, static_cast<std::int64_t>(rt_->settings()->cluster.poll_seconds * 1000.0)));
    cluster_timer_->timer.expires_after(poll);
    std::weak_ptr<agent_spawner> weak = weak_from_this();
    cluster_timer_->timer.async_wait([weak](const boost::system::error_code& ec) {
        if (ec) return;  // cancelled: stopping
        if (auto self = weak.lock()) self->cluster_tick();
    });
}

void agent_spawner::cluster_tick_once() {
    if (!accepting()) return;
    try {
        auto database = db();
        const auto settings = rt_->settings();
        // Agents whose owner died (or let them go) come here.
        const auto adopted =
            database->agents().adopt(instance_id_, static_cast<std::int64_t>(settings->cluster.lease_seconds * 1000.0));
        std::vector<std::string> arrived;
        std::vector<std::string> types;
        for (const auto& id : adopted) {
            auto record = database->agents().get(id);
            if (!record || record->state == store::agent_state::terminated) continue;
            const auto& enabled = settings->agents.types;
            const auto state = std::find(enabled.begin(), enabled.end(), record->type) != enabled.end()
                                   ? store::agent_state::idle
                                   : store::agent_state::error;
            if (record->state != state) {
                database->agents().set_state(id, state);
                record->state = state;
            }
            auto actor = make_actor(*record);
            {
                std::lock_guard lock(mutex_);
                if (!accepting_ || actors_.count(id)) continue;
                actors_[id] = actor;
            }
            arrived.push_back(id);
            types.push_back(record->type);
        }
        // Actors of agents this instance no longer owns (taken over while it was too slow to
        // heartbeat) or that were terminated elsewhere: the database decides. Only actors that
        // existed before the query are judged (a spawn stores its row before its actor).
        std::vector<std::string> before;
        {
            std::lock_guard lock(mutex_);
            for (const auto& [id, actor] : actors_) before.push_back(id);
        }
        store::agent_filter mine;
        mine.owner_instance = instance_id_;
        std::set<std::string> owned;
        for (std::size_t offset = 0;; offset += 500) {
            auto batch = database->agents().list(mine, {500, offset});
            for (const auto& a : batch)
                if (a.state != store::agent_state::terminated) owned.insert(a.id);
            if (batch.size() < 500) break;
        }
        std::vector<std::string> lost;
        for (const auto& id : before)
            if (!owned.count(id)) lost.push_back(id);
        for (const auto& id : lost) forget(id, "another instance runs it now, or it was terminated");
        cluster_hooks hooks;
        {
            std::lock_guard lock(mutex_);
            hooks = hooks_;
        }
        if (!arrived.empty()) {
            rt_->log().info("agents", "{} agents taken over from other instances", arrived.size());
            if (hooks.adopted) hooks.adopted(arrived);
            for (const auto& t : types) on_idle(t);
        }
        if (hooks.messages_waiting) hooks.messages_waiting("");
    } catch (const std::exception& e) {
        if (rt_) rt_->log().warning("agents", "cluster pass failed, retrying: {}", e.what());
    }
}

void agent_spawner::check_limits(const std::string& type) const {
    const auto s = rt_->settings();
    std::size_t of_type = 0;
    for (const auto& [id, actor] : actors_)
        if (actor->type() == type) ++of_type;
    std::size_t spawning_total = 0;
    for (const auto& [t, n] : spawning_) spawning_total += static_cast<std::size_t>(n);
    const auto spawning_type = spawning_.count(type) ? static_cast<std::size_t>(spawning_.at(type)) : 0;
    const auto per_type = static_cast<std::size_t>(s->agents.max_instances_per_type);
    const auto total = static_cast<std::size_t>(s->agents.max_total_instances);
    if (of_type + spawning_type >= per_type)
        throw service_error(409, "limit_reached",
                            fmt::format("cannot spawn a '{}' agent: agents.max_instances_per_type = {} and {} are live",
                                        type, per_type, of_type + spawning_type));
    if (actors_.size() + spawning_total >= total)
        throw service_error(409, "limit_reached",
                            fmt::format("cannot spawn a '{}' agent: agents.max_total_instances = {} and {} are live", type,
                                        total, actors_.size() + spawning_total));
}

store::agent agent_spawner::spawn(const spawn_request& request) {
    if (!rt_) throw service_error(503, "unavailable", "the agent spawner is not started");
    if (governor_ && !request.for_step) governor_->require_open("spawn");  // 503 resource_limit naming the hold
    const auto s = rt_->settings();
    const auto& enabled = s->agents.types;
    if (std::find(enabled.begin(), enabled.end(), request.type) == enabled.end()) {
        std::string list;
        for (const auto& t : enabled) list += (list.empty() ? "" : ", ") + t;
        throw service_error(400, "validation_error",
                            fmt::format("agent_type: '{}' is not an enabled agent type (agents.types: {})", request.type, list));
    }
    if (request.name.size() > max_name_length)
        throw service_error(400, "validation_error", fmt::format("name: longer than {} characters", max_name_length));
    config_validator validate;
    {
        std::lock_guard lock(mutex_);
        if (!accepting_) throw service_error(503, "unavailable", "the agent spawner is stopping");
        if (auto it = validators_.find(request.type); it != validators_.end()) validate = it->second;
    }
    if (validate) {
        try {
            validate(request.config);
        } catch (const std::exception& e) {
            throw service_error(400, "validation_error", fmt::format("config: {}", e.what()));
        }
    }
    {
        std::lock_guard lock(mutex_);
        check_limits(request.type);
        ++spawning_[request.type];
    }
    store::agent record;
    try {
        store::new_agent n;
        n.type = request.type;
        n.id = store::new_uuid();
        n.name = request.name.empty() ? fmt::format("{}-{}", request.type, n.id.substr(28)) : request.name;
        n.config = json::serialize(request.config);
        n.owner_instance = instance_id_;
        record = db()->agents().create(n);
    } catch (...) {
        std::lock_guard lock(mutex_);
        --spawning_[request.type];
        throw;
    }
    auto actor = make_actor(record);
    // Spawned for a step: promised to it before any other task can see it idle.
    if (request.for_step) actor->try_reserve();
    {
        std::lock_guard lock(mutex_);
        --spawning_[request.type];
        actors_[record.id] = actor;
    }
    rt_->events().publish("chainbot.agent.spawned", agent_fields(record.id, record.type, record.name));
    return record;
}

store::agent agent_spawner::terminate(const std::string& id) {
    if (!rt_) throw service_error(503, "unavailable", "the agent spawner is not started");
    auto database = db();
    auto record = database->agents().get(id);
    if (!record) throw service_error(404, "not_found", fmt::format("no agent '{}'", id));
    if (record->state == store::agent_state::terminated)
        throw service_error(409, "conflict", fmt::format("agent '{}' is already terminated", id));
    std::shared_ptr<agent_actor> actor;
    {
        std::lock_guard lock(mutex_);
        if (auto it = actors_.find(id); it != actors_.end()) {
            actor = it->second;
            actors_.erase(it);
        }
    }
    // In memory first (no job starts and no state write follows), then in the store.
    std::deque<agent_actor::entry> dropped;
    if (actor) {
        dropped = actor->terminate();
        actor->persist_terminated(*database);
    } else {
        database->agents().set_state(id, store::agent_state::terminated);
        // It runs on another instance: that one drops it now (its tick would, later).
        if (record->owner_instance && *record->owner_instance != instance_id_ &&
            database->backend() == store::backend_kind::postgresql) {
            try {
                database->notify(agents_channel, "t " + id);
            } catch (const std::exception& e) {
                rt_->log().debug("agents", "cannot notify the instance running '{}': {}", id, e.what());
            }
        }
    }
    for (auto& e : dropped)
        if (e.on_dropped) e.on_dropped();
    rt_->events().publish("chainbot.agent.terminated", agent_fields(record->id, record->type, record->name));
    spawn_for_waiters();  // a slot was released
    return *database->agents().get(id);
}

void agent_spawner::dispatch(std::shared_ptr<agent_actor> actor, waiting_task task, bool here) {
    auto shared = std::make_shared<waiting_task>(std::move(task));
    std::weak_ptr<agent_spawner> weak = weak_from_this();
    agent_actor::entry e;
    e.job = [shared, weak](const std::shared_ptr<const orchestrator::agent_handle>& handle) {
        shared->call.agent = handle;
        store::agent_counters delta;
        try {
            auto out = shared->fn(shared->call);
            delta.tasks_completed = 1;
            shared->done(nullptr, std::move(out));
        } catch (...) {
            delta.tasks_failed = 1;
            shared->done(std::current_exception(), nullptr);
        }
        if (auto self = weak.lock()) {
            std::shared_ptr<agent_actor> actor;
            {
                std::lock_guard lock(self->mutex_);
                if (auto it = self->actors_.find(handle->id); it != self->actors_.end()) actor = it->second;
            }
            if (actor) {
                actor->add_counters(delta);  // written with its idle state (idle_persist_delay)
            } else {
                try {
                    self->db()->agents().add_counters(handle->id, delta);
                } catch (const std::exception&) {
                    // counters are statistics: a failed update loses a count, not work
                }
            }
        }
    };
    e.here = here && shared->kind == orchestrator::task_kind::compute;
    const auto agent_id = actor->id();
    e.on_dropped = [shared, agent_id] {
        shared->done(std::make_exception_ptr(orchestrator::step_failure(
                         "agent", fmt::format("agent '{}' was terminated before the task ran", agent_id))),
                     nullptr);
    };
    std::string why;
    // The capacity check cannot refuse: a task goes only to an agent with an empty mailbox.
    if (!actor->enqueue(std::move(e), std::numeric_limits<std::size_t>::max(), &why))
        shared->done(std::make_exception_ptr(orchestrator::step_failure("agent", why)), nullptr);
}

void agent_spawner::run_task(const std::string& type, orchestrator::task_call call, orchestrator::task_fn fn,
                             std::function<void(std::exception_ptr, json::value)> done, orchestrator::task_kind kind) {
    waiting_task task{std::move(call), std::move(fn), std::move(done), kind};
    if (!rt_) {
        task.done(std::make_exception_ptr(service_error(503, "unavailable", "the agent spawner is not started")), nullptr);
        return;
    }
    const auto s = rt_->settings();
    const auto& enabled = s->agents.types;
    if (std::find(enabled.begin(), enabled.end(), type) == enabled.end()) {
        task.done(std::make_exception_ptr(orchestrator::step_failure(
                      "configuration", fmt::format("agent type '{}' is not enabled (agents.types)", type))),
                  nullptr);
        return;
    }
    if (s->agents.max_instances_per_type == 0) {
        task.done(std::make_exception_ptr(orchestrator::step_failure(
                      "configuration", fmt::format("no '{}' agent may exist: agents.max_instances_per_type = 0", type))),
                  nullptr);
        return;
    }
    std::shared_ptr<agent_actor> idle;
    bool may_spawn = false;
    {
        std::lock_guard lock(mutex_);
        if (!accepting_) {
            task.done(std::make_exception_ptr(service_error(503, "unavailable", "the agent spawner is stopping")), nullptr);
            return;
        }
        for (const auto& [id, actor] : actors_)
            if (actor->type() == type && actor->try_reserve()) {
                idle = actor;
                break;
            }
        if (!idle) {
            try {
                check_limits(type);
                may_spawn = true;
            } catch (const service_error&) {
                auto& q = waiting_[type];
                if (q.size() >= max_waiting_per_type) {
                    task.done(std::make_exception_ptr(orchestrator::step_failure(
                                  "agent", fmt::format("{} steps already wait for a '{}' agent", q.size(), type))),
                              nullptr);
                    return;
                }
                q.push_back(std::move(task));  // takes the next agent of its type that goes idle
                return;
            }
            ++spawning_[type];  // reserve the slot while the spawn runs on the work pool
        }
    }
    if (idle) return dispatch(std::move(idle), std::move(task), true);
    (void)may_spawn;
    auto shared = std::make_shared<waiting_task>(std::move(task));
    auto self = shared_from_this();
    const bool posted = post_work([self, shared, type] {
        {
            std::lock_guard lock(self->mutex_);
            --self->spawning_[type];  // spawn() takes its own reservation
        }
        try {
            auto record = self->spawn({type, "", {}, true});
            std::shared_ptr<agent_actor> actor;
            {
                std::lock_guard lock(self->mutex_);
                if (auto it = self->actors_.find(record.id); it != self->actors_.end()) actor = it->second;
            }
            if (actor) return self->dispatch(std::move(actor), std::move(*shared));
            shared->done(std::make_exception_ptr(orchestrator::step_failure("agent", "the spawned agent was terminated")),
                         nullptr);
        } catch (const service_error& e) {
            if (e.status() == 409) {
                std::unique_lock lock(self->mutex_);
                if (self->accepting_) {
                    self->waiting_[type].push_back(std::move(*shared));  // raced for the last slot
                    return;
                }
                lock.unlock();
                shared->done(std::make_exception_ptr(service_error(503, "unavailable", "the agent spawner is stopping")),
                             nullptr);
                return;
            }
            shared->done(std::current_exception(), nullptr);
        } catch (...) {
            shared->done(std::current_exception(), nullptr);
        }
    });
    if (!posted) {
        {
            std::lock_guard lock(mutex_);
            --spawning_[type];
        }
        shared->done(std::make_exception_ptr(service_error(503, "unavailable", "the agent spawner is stopping")), nullptr);
    }
}

void agent_spawner::on_idle(const std::string& type) {
    std::shared_ptr<agent_actor> actor;
    std::optional<waiting_task> task;
    std::vector<waiting_task> stale;
    {
        std::lock_guard lock(mutex_);
        auto it = waiting_.find(type);
        if (it == waiting_.end() || it->second.empty()) return;
        for (const auto& [id, a] : actors_)
            if (a->type() == type && a->try_reserve()) {
                actor = a;
                break;
            }
        if (!actor) return;
        // Steps cancelled or timed out while they waited give up their turn.
        while (!it->second.empty() && it->second.front().call.cancelled && it->second.front().call.cancelled->load()) {
            stale.push_back(std::move(it->second.front()));
            it->second.pop_front();
        }
        if (!it->second.empty()) {
            task = std::move(it->second.front());
            it->second.pop_front();
        }
    }
    for (auto& t : stale)
        t.done(std::make_exception_ptr(orchestrator::step_failure("cancelled", "step cancelled while waiting for an agent")),
               nullptr);
    if (task) dispatch(std::move(actor), std::move(*task));
    else actor->unreserve();
}

void agent_spawner::spawn_for_waiters() {
    std::vector<std::string> types;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [type, tasks] : waiting_)
            if (!tasks.empty()) types.push_back(type);
    }
    for (const auto& type : types) {
        std::optional<waiting_task> task;
        try {
            auto record = spawn({type, "", {}, true});
            std::shared_ptr<agent_actor> actor;
            {
                std::lock_guard lock(mutex_);
                auto& q = waiting_[type];
                if (auto it = actors_.find(record.id); it != actors_.end()) actor = it->second;
                if (q.empty()) {  // served meanwhile; the new agent stays idle
                    if (actor) actor->unreserve();
                    continue;
                }
                task = std::move(q.front());
                q.pop_front();
            }
            if (actor) dispatch(std::move(actor), std::move(*task));
            else
                task->done(std::make_exception_ptr(orchestrator::step_failure("agent", "the spawned agent was terminated")),
                           nullptr);
        } catch (const std::exception& e) {
            rt_->log().debug("agents", "no agent for a waiting '{}' task yet: {}", type, e.what());
        }
    }
}

bool agent_spawner::deliver(const std::string& agent_id, agent_job job, std::string* why, std::function<void()> on_dropped,
                            bool ignore_capacity) {
    std::shared_ptr<agent_actor> actor;
    std::size_t capacity = 0;
    {
        std::lock_guard lock(mutex_);
        if (!accepting_) {
            if (why) *why = "the agent spawner is stopping";
            return false;
        }
        if (auto it = actors_.find(agent_id); it != actors_.end()) actor = it->second;
        capacity = rt_ ? static_cast<std::size_t>(rt_->settings()->agents.mailbox_capacity) : 0;
    }
    if (!actor) {
        if (why) *why = fmt::format("agent '{}' does not exist or is terminated", agent_id);
        return false;
    }
    if (ignore_capacity) capacity = std::numeric_limits<std::size_t>::max();
    return actor->enqueue({std::move(job), std::move(on_dropped)}, capacity, why);
}

bool agent_spawner::can_accept(const std::string& agent_id, std::string* why) const {
    std::shared_ptr<agent_actor> actor;
    std::size_t capacity = 0;
    {
        std::lock_guard lock(mutex_);
        if (auto it = actors_.find(agent_id); it != actors_.end()) actor = it->second;
        capacity = rt_ ? static_cast<std::size_t>(rt_->settings()->agents.mailbox_capacity) : 0;
    }
    if (!actor) {
        if (why) *why = fmt::format("agent '{}' does not exist or is terminated", agent_id);
        return false;
    }
    return actor->has_room(capacity, why);
}

std::vector<std::shared_ptr<const orchestrator::agent_handle>> agent_spawner::live_agents(const std::string& type) const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<const orchestrator::agent_handle>> out;
    for (const auto& [id, actor] : actors_)
        if (type.empty() || actor->type() == type) out.push_back(actor->handle());
    return out;
}

bool agent_spawner::is_live(const std::string& agent_id) const {
    std::lock_guard lock(mutex_);
    return actors_.count(agent_id) != 0;
}

spawner_counts agent_spawner::counts() const {
    std::lock_guard lock(mutex_);
    spawner_counts c;
    for (const auto& [id, actor] : actors_) {
        switch (actor->state()) {
            case store::agent_state::idle: ++c.idle; break;
            case store::agent_state::working: ++c.working; break;
            case store::agent_state::error: ++c.error; break;
            case store::agent_state::terminated: break;
        }
        c.queued_jobs += actor->queued();
    }
    for (const auto& [type, tasks] : waiting_) c.waiting_tasks += tasks.size();
    return c;
}

}  // namespace chainbot::agents
