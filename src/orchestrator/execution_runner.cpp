#include "orchestrator/execution_runner.hpp"

#include "store/errors.hpp"
#include "util/ascii.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <random>

namespace chainbot::orchestrator {

namespace json = boost::json;
using store::execution_status;
using store::step_status;

namespace {

bool secret_name(std::string_view key) {
    const std::string k = util::ascii_lower(key);
    for (auto word : {"token", "password", "secret", "api_key", "apikey", "authorization", "credential"})
        if (k.find(word) != std::string::npos) return true;
    return false;
}

// A step run's row id and its idempotency key (the key tasks and HTTP steps are given).
std::string run_id_of(std::string_view execution, std::string_view step, int attempt) {
    return fmt::format("{}/{}/{}", execution, step, attempt);
}
std::string run_key_of(std::string_view execution, std::string_view step, int attempt) {
    return fmt::format("{}:{}:{}", execution, step, attempt);
}

json::value parse_or_string(const std::optional<std::string>& text) {
    if (!text) return nullptr;
    boost::system::error_code ec;
    auto v = json::parse(*text, ec);
    return ec ? json::value(*text) : v;
}

std::chrono::milliseconds backoff(const retry_policy& p, int failed_attempt) {
    double ms = static_cast<double>(p.initial_backoff.count());
    for (int i = 1; i < failed_attempt; ++i) ms *= p.multiplier;
    ms = std::min(ms, static_cast<double>(p.max_backoff.count()));
    // Full jitter in [ms/2, ms]: retries of many executions do not arrive together.
    // One shared generator: thread_local state in a dlopened module outlives dlclose badly.
    static std::mutex rng_mutex;
    static std::mt19937 rng{std::random_device{}()};
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    std::lock_guard lock(rng_mutex);
    return std::chrono::milliseconds(static_cast<std::int64_t>(ms * jitter(rng)));
}

}  // namespace

execution_runner::execution_runner(engine_env& env, store::execution record, std::shared_ptr<const workflow_definition> def,
                                   bool persist, std::vector<store::step_run> history)
    : env_(env),
      strand_(boost::asio::make_strand(env.rt->io())),
      record_(std::move(record)),
      def_(std::move(def)),
      persist_(persist),
      history_(std::move(history)) {
    boost::system::error_code ec;
    input_ = json::parse(record_.input, ec);
    if (ec || !input_.is_object()) input_ = json::object();
    for (const auto& [name, value] : env_.secrets) {
        secrets_[name] = value;
        secret_values_.push_back(value);
    }
    for (const auto& kv : input_.as_object())
        if (secret_name(kv.key()) && kv.value().is_string()) secret_values_.emplace_back(kv.value().as_string());
    std::erase_if(secret_values_, [](const std::string& s) { return s.size() < 4; });
}

// ---- graph and history ---------------------------------------------------------------

void execution_runner::build_graph() {
    steps_.resize(def_->steps.size());
    outputs_.reserve(def_->steps.size());
    for (std::size_t i = 0; i < def_->steps.size(); ++i) {
        auto& s = steps_[i];
        s.def = def_->steps[i].get();
        for (const auto& d : s.def->depends_on) {
            const auto j = def_->index.at(d);
            s.deps.push_back(j);
            steps_[j].successors.push_back(i);
        }
        s.pending_deps = s.deps.size();
        if (s.def->is_handler) s.status = state::dormant;
    }
}

void execution_runner::apply_history(std::vector<store::step_run>& history) {
    // The latest attempt of each step decides its state.
    std::map<std::string, store::step_run*> latest;
    for (auto& run : history) {
        auto& l = latest[run.step_id];
        if (!l || run.attempt > l->attempt) l = &run;
    }
    // Nested steps of loops and parallels (their ids are paths): completed ones are not run again.
    for (const auto& run : history)
        if (!def_->index.count(run.step_id) && run.status == step_status::completed)
            nested_done_[{run.step_id, run.attempt}] = parse_or_string(run.output);
    for (auto& [step_id, run] : latest) {
        auto it = def_->index.find(step_id);
        if (it == def_->index.end()) continue;
        auto& s = steps_[it->second];
        s.attempt = run->attempt;
        s.run_id = run->id;
        s.idempotency_key = run->idempotency_key;
        switch (run->status) {
            case step_status::completed:
                s.status = state::completed;
                ++completed_;
                s.output = parse_or_string(run->output);
                outputs_[s.def->id] = s.output;
                if (s.def->output_variable) outputs_[*s.def->output_variable] = s.output;
                break;
            case step_status::skipped: s.status = state::skipped; break;
            case step_status::failed:
                // Failed for good only if its handling was decided; otherwise retry from here.
                if (s.def->on_failure == failure_action::continue_on) s.status = state::failed;
                else s.rerun_in_flight = false;
                break;
            case step_status::pending:
            case step_status::running:
                // In flight when the process died: run this attempt again with its key.
                s.rerun_in_flight = true;
                s.attempt = run->attempt - 1;
                break;
            case step_status::cancelled: break;
        }
    }
    // Finished steps release their successors.
    for (std::size_t i = 0; i < steps_.size(); ++i) {
        const auto st = steps_[i].status;
        if (st == state::completed || st == state::skipped || st == state::failed)
            for (auto succ : steps_[i].successors) --steps_[succ].pending_deps;
    }
    // A completed condition skips its other branch again (its skip rows may not have committed).
    for (std::size_t i = 0; i < steps_.size(); ++i)
        if (steps_[i].def->kind == step_kind::condition && steps_[i].status == state::completed) apply_branch(i);
}

// ---- lifecycle -----------------------------------------------------------------------

// Records the nested steps of loop and parallel steps as step runs of their own.
class runner_journal final : public nested_journal {
public:
    explicit runner_journal(std::weak_ptr<execution_runner> owner) : owner_(std::move(owner)) {}

    std::optional<json::value> completed(const std::string& path, int attempt) override {
        auto r = owner_.lock();
        if (!r) return std::nullopt;
        auto it = r->nested_done_.find({path, attempt});
        if (it == r->nested_done_.end()) return std::nullopt;
        return it->second;
    }
    void started(const std::string& path, int attempt, const std::string& key) override {
        auto r = owner_.lock();
        if (!r || r->finished_) return;
        store::new_step_run row;
        row.execution_id = r->record_.id;
        row.step_id = path;
        row.attempt = attempt;
        row.status = step_status::running;
        row.idempotency_key = key;
        row.id = run_id_of(r->record_.id, path, attempt);
        // The same row again when an in-flight nested step runs again after a crash.
        r->persist_detached([row](store::transaction& tx) {
            if (tx.step_runs().get(row.id)) tx.step_runs().set_status(row.id, {step_status::running, {}, {}});
            else tx.step_runs().create(row);
        });
    }
    void finished(const std::string& path, int attempt, const step_result& result, std::function<void()> then) override {
        auto r = owner_.lock();
        if (!r || r->finished_) return;  // shut down, lost or over: the outcome no longer matters
        const auto id = run_id_of(r->record_.id, path, attempt);
        if (result.ok) {
            auto stored = json::serialize(r->masked(result.output));
            r->persist([id, stored](store::transaction& tx) { tx.step_runs().set_status(id, {step_status::completed, stored, {}}); },
                       std::move(then));
        } else {
            auto error = r->masked(result.error);
            r->persist([id, error](store::transaction& tx) { tx.step_runs().set_status(id, {step_status::failed, {}, error}); },
                       std::move(then));
        }
    }

private:
    std::weak_ptr<execution_runner> owner_;
};

void execution_runner::start(std::function<void(execution_outcome)> on_finished, bool begun) {
    on_finished_ = std::move(on_finished);
    journal_ = std::make_shared<runner_journal>(weak_from_this());
    boost::asio::post(strand_, [self = shared_from_this(), begun] {
        self->started_ = std::chrono::steady_clock::now();
        self->build_graph();
        self->resumed_ = !begun && (!self->history_.empty() || self->record_.status == execution_status::running);
        self->apply_history(self->history_);
        self->history_.clear();
        std::optional<std::chrono::milliseconds> timeout = self->def_->timeout;
        if (self->record_.deadline_at) {
            const auto left = *self->record_.deadline_at - store::now();
            timeout = std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(left));
        }
        if (timeout) {
            self->deadline_ = std::make_unique<boost::asio::steady_timer>(self->strand_, *timeout);
            self->deadline_->async_wait([self](const boost::system::error_code& ec) {
                if (!ec && !self->finished_)
                    self->terminate(execution_status::timed_out, "the execution exceeded its timeout");
            });
        }
        const auto id = self->record_.id;
        if (begun) {
            // Created running by this instance in the same write that claimed it: nothing to prove.
            self->publish("chainbot.workflow.started");
            self->schedule();
            self->check_done();
            return;
        }
        // Awaited: this first write is fenced, so no step starts before the claim proved to be
        // still this instance's (a long claim pass may outlast a lease).
        self->persist(
            [id](store::transaction& tx) { tx.executions().set_status(id, {execution_status::running, {}, {}}); },
            [self] {
                self->publish(self->resumed_ ? "chainbot.workflow.resumed" : "chainbot.workflow.started");
                self->schedule();
                self->check_done();
            });
    });
}

void execution_runner::cancel() {
    boost::asio::post(strand_, [self = shared_from_this()] {
        if (!self->finished_) self->terminate(execution_status::cancelled, "cancelled");
    });
}

void execution_runner::pause() {
    boost::asio::post(strand_, [self = shared_from_this()] {
        if (self->finished_ || self->paused_) return;
        self->paused_ = true;
        const auto id = self->record_.id;
        self->persist([id](store::transaction& tx) { tx.executions().set_status(id, {execution_status::paused, {}, {}}); },
                      [self] { self->publish("chainbot.workflow.paused"); });
    });
}

void execution_runner::resume() {
    boost::asio::post(strand_, [self = shared_from_this()] {
        if (self->finished_ || !self->paused_) return;
        self->paused_ = false;
        const auto id = self->record_.id;
        self->persist([id](store::transaction& tx) { tx.executions().set_status(id, {execution_status::running, {}, {}}); },
                      [self] {
                          self->publish("chainbot.workflow.resumed");
                          self->schedule();
                          self->check_done();
                      });
    });
}

std::future<void> execution_runner::shutdown() {
    auto taken = std::make_shared<std::promise<void>>();
    auto future = taken->get_future();
    boost::asio::post(strand_, [self = shared_from_this(), taken] {
        struct signal {
            std::shared_ptr<std::promise<void>> p;
            ~signal() { p->set_value(); }
        } on_exit{taken};
        // Nothing is sent to the writer after this (it goes away once the strands took this in).
        self->stopped_ = true;
        if (self->retry_timer_) self->retry_timer_->cancel();
        if (self->finished_) return;
        self->finished_ = true;
        if (self->deadline_) self->deadline_->cancel();
        for (auto& s : self->steps_) {
            if (s.cancelled) s.cancelled->store(true);
            if (s.timer) s.timer->cancel();
            ++s.token;
        }
    });
    return future;
}

void execution_runner::lose(std::string why) {
    boost::asio::post(strand_, [self = shared_from_this(), why = std::move(why)] {
        if (self->lost_) return;
        self->lost_ = true;
        self->finished_ = true;  // nothing more is dispatched or written
        if (self->deadline_) self->deadline_->cancel();
        for (auto& s : self->steps_) {
            if (s.cancelled) s.cancelled->store(true);
            if (s.timer) s.timer->cancel();
            ++s.token;
        }
        if (self->env_.rt)
            self->env_.rt->log().warning(
                "orchestrator", "execution {}: {}; stopped here without writing", self->record_.id,
                why.empty() ? fmt::format("another instance claimed it (lease generation {} is stale)",
                                          self->record_.lease_generation)
                            : why);
        if (self->on_lost_) self->on_lost_();
    });
}

// ---- scheduling ----------------------------------------------------------------------

namespace {

// Steps whose whole effect is their output, computed from the input and earlier outputs: their
// run is written once, when it ends (no in-flight marker to repeat after a crash).
bool pure(step_kind k) noexcept {
    return k == step_kind::condition || k == step_kind::transform || k == step_kind::succeed;
}

// Pure steps whose successors need not wait for that write. A condition only when its
// execution holds no secret (on_result): computed again after a crash from
// stored outputs, a branch decision is the same one only when those outputs are the ones it
// read, and secret values are stored masked.
bool successors_need_not_wait(step_kind k) noexcept { return k == step_kind::transform || k == step_kind::succeed; }

// An agent_task whose task is task_kind::compute: a pure function of its input and config,
// recorded like a transform step (pure, and its successors need not wait).
bool computes_only(const engine_env& env, const step_def& d) {
    if (d.kind != step_kind::agent_task || !env.tasks) return false;
    const auto* type = d.raw.if_contains("agent_type");
    const auto* task = d.raw.if_contains("task");
    if (!type || !task || !type->is_string() || !task->is_string()) return false;
    return env.tasks->kind_of(std::string(type->get_string()), std::string(task->get_string())) == task_kind::compute;
}

}  // namespace

void execution_runner::schedule() {
    if (finished_ || paused_) return;
    for (std::size_t i = 0; i < steps_.size(); ++i) {
        auto& s = steps_[i];
        if ((s.status == state::waiting && s.pending_deps == 0) || s.status == state::ready) dispatch(i);
        if (finished_ || paused_) return;
    }
}

void execution_runner::dispatch(std::size_t i) {
    auto& s = steps_[i];
    if (paused_) {
        s.status = state::ready;
        return;
    }
    // A step whose predecessors were all skipped is skipped too (a branch not taken).
    if (!s.deps.empty() && std::all_of(s.deps.begin(), s.deps.end(), [&](std::size_t d) {
            return steps_[d].status == state::skipped;
        }) && !s.handling) {
        return skip_step(i, true);
    }
    if (s.def->condition) {
        try {
            if (!evaluate_condition(*s.def->condition, [this, i](std::string_view r) { return resolve(r, i); }))
                return skip_step(i, true);
        } catch (const step_failure& e) {
            s.status = state::running;
            if (s.rerun_in_flight) {
                // Resumed: the stored in-flight run (run_id) ends failed.
                s.rerun_in_flight = false;
                s.row_deferred = false;
            } else {
                // It never ran: its run is recorded once, failed (end_run).
                s.attempt = std::max(s.attempt, 0) + 1;
                s.idempotency_key = run_key_of(record_.id, s.def->id, s.attempt);
                s.run_id = run_id_of(record_.id, s.def->id, s.attempt);
                s.row_deferred = true;
            }
            return on_result(i, s.token, step_result{false, nullptr, fmt::format("condition: {}", e.what()), e.kind()});
        }
    }
    s.status = state::running;
    ++s.attempt;
    ++s.token;
    s.cancelled = std::make_shared<std::atomic<bool>>(false);
    const auto exec_id = record_.id;
    const auto step_id = s.def->id;
    s.row_deferred = false;
    s.computes = persisting() && computes_only(env_, *s.def);  // it only changes what is written
    bool after_marker = false;  // its body runs once its in-flight marker committed (unstored_)
    if (!persisting()) {
        // In memory only: no step-run row, just the key a task may pass on.
        s.idempotency_key = run_key_of(exec_id, step_id, s.attempt);
    } else if ((pure(s.def->kind) || s.computes) && !s.rerun_in_flight) {
        // Nothing to repeat after a crash, so no marker while it runs: its row is written once,
        // when it ends (end_run).
        s.idempotency_key = run_key_of(exec_id, step_id, s.attempt);
        s.run_id = run_id_of(exec_id, step_id, s.attempt);
        s.row_deferred = true;
    } else if (s.rerun_in_flight) {
        // The same row and the same idempotency key as the attempt that was in flight.
        s.rerun_in_flight = false;
        const auto run_id = s.run_id;
        persist_detached([run_id](store::transaction& tx) { tx.step_runs().set_status(run_id, {step_status::running, {}, {}}); });
    } else {
        s.run_id.clear();
        s.idempotency_key = run_key_of(exec_id, step_id, s.attempt);
        store::new_step_run row;
        row.execution_id = exec_id;
        row.step_id = step_id;
        row.attempt = s.attempt;
        row.status = step_status::running;
        row.idempotency_key = s.idempotency_key;
        row.id = run_id_of(exec_id, step_id, s.attempt);
        s.run_id = row.id;
        if (const auto* in = s.def->raw.if_contains("input")) row.input = json::serialize(masked(*in));
        auto marker = [row](store::transaction& tx) { tx.step_runs().create(row); };
        if (unstored_) {
            // The execution's row is not stored yet: this step acts only once its marker (queued
            // behind that row) committed. If the row fails, so does the marker, and it never runs.
            after_marker = true;
            ++awaiting_;
            persist(std::move(marker), [self = shared_from_this(), i, token = s.token] {
                --self->awaiting_;
                const auto& st = self->steps_[i];
                if (!self->finished_ && st.token == token && st.status == state::running) self->run_started_step(i);
                else self->check_done();
            });
        } else {
            persist_detached(std::move(marker));
        }
    }
    publish_step("chainbot.workflow.step.started", i, {{"attempt", s.attempt}});
    if (!after_marker) run_started_step(i);
}

void execution_runner::run_started_step(std::size_t i) {
    auto& s = steps_[i];
    if (s.def->timeout) {
        s.timer = std::make_unique<boost::asio::steady_timer>(strand_, *s.def->timeout);
        const auto token = s.token;
        s.timer->async_wait([self = shared_from_this(), i, token](const boost::system::error_code& ec) {
            if (ec) return;
            auto& st = self->steps_[i];
            if (st.token != token || st.status != state::running) return;
            st.cancelled->store(true);  // the step is cancelled, not abandoned
            self->on_result(i, token, step_result{false, nullptr, fmt::format("step timed out after {} ms", st.def->timeout->count()), "timeout"});
        });
    }
    const auto token = s.token;
    run_step_body(make_context(i), [self = shared_from_this(), i, token](step_result r) {
        self->on_result(i, token, std::move(r));
    });
}

void execution_runner::on_result(std::size_t i, std::uint64_t token, step_result r) {
    auto& s = steps_[i];
    if (finished_ || s.token != token || s.status != state::running) return;  // a late result of an abandoned attempt
    ++s.token;
    if (s.timer) s.timer->cancel();
    if (r.ok) {
        s.output = std::move(r.output);
        s.status = state::completed;
        ++completed_;
        auto write = persisting() ? end_run(i, {step_status::completed, json::serialize(masked(s.output)), {}})
                                  : transition_writer::work();
        auto go_on = [self = shared_from_this(), i, end = r.end_execution] {
            --self->awaiting_;
            auto& st = self->steps_[i];
            self->outputs_[st.def->id] = st.output;
            if (st.def->output_variable) self->outputs_[*st.def->output_variable] = st.output;
            self->publish_step("chainbot.workflow.step.completed", i);
            if (end) return self->complete(st.output);
            if (st.def->kind == step_kind::condition) self->apply_branch(i);
            self->finish_step(i);
        };
        ++awaiting_;
        const bool branch_repeats = s.def->kind == step_kind::condition && secret_values_.empty();
        if ((successors_need_not_wait(s.def->kind) || s.computes || branch_repeats) && persisting()) {
            // A step that only computes from committed data does nothing a crash could repeat
            // harmfully: after a crash it is computed again, to the same result. Its successors
            // need not wait for its commit. Their own writes queue behind this one on the same
            // writer, so they commit with it or after it. A condition of an execution without
            // secrets is such a step: every output it read is stored as it was read (nothing to
            // mask), or computed again from stored ones, so after a crash it takes the same
            // branch. With a secret, a masked output could send it the other way once a branch
            // already acted: it waits for its commit.
            persist_detached(std::move(write));
            return go_on();
        }
        persist(std::move(write), std::move(go_on));
        return;
    }
    s.error = masked(r.error);
    s.error_kind = r.error_kind.empty() ? "error" : r.error_kind;
    const auto& retry = s.def->retry;
    const bool selected = retry.retry_on.empty() ? retryable_by_default(s.error_kind)
                                                 : std::find(retry.retry_on.begin(), retry.retry_on.end(), s.error_kind) != retry.retry_on.end();
    const bool again = selected && s.attempt < retry.max_attempts;
    s.status = again ? state::backoff : state::failed;
    ++awaiting_;
    persist(persisting() ? end_run(i, {step_status::failed, {}, s.error}) : transition_writer::work(),
            [self = shared_from_this(), i, again] {
                --self->awaiting_;
                auto& st = self->steps_[i];
                self->publish_step("chainbot.workflow.step.failed", i, {{"error", st.error}, {"retrying", again}});
                if (!again) return self->on_step_failed(i);
                // Wait out the backoff, then run the next attempt (unless cancelled or paused meanwhile).
                st.status = state::backoff;
                st.timer = std::make_unique<boost::asio::steady_timer>(self->strand_, backoff(st.def->retry, st.attempt));
                const auto token = st.token;
                st.timer->async_wait([self, i, token](const boost::system::error_code& ec) {
                    auto& s2 = self->steps_[i];
                    if (ec || self->finished_ || s2.token != token || s2.status != state::backoff) return;
                    s2.status = state::ready;
                    self->dispatch(i);
                });
            });
}

void execution_runner::on_step_failed(std::size_t i) {
    auto& s = steps_[i];
    if (s.handling) {  // a handler failed: the failure it handled stands
        return terminate(execution_status::failed, fmt::format("handler {} failed: {}", s.def->id, s.error));
    }
    switch (s.def->on_failure) {
        case failure_action::continue_on:
            finish_step(i);  // successors run; ${step.error} is not set, the output is null
            return;
        case failure_action::handler: {
            const auto h = def_->index.at(*s.def->handler);
            auto& hs = steps_[h];
            if (hs.status != state::dormant)
                return terminate(execution_status::failed, fmt::format("step {} failed and its handler {} already ran: {}",
                                                                       s.def->id, hs.def->id, s.error));
            hs.handling = i;
            hs.status = state::waiting;
            hs.pending_deps = 0;
            return dispatch(h);
        }
        case failure_action::fail:
            return terminate(execution_status::failed, fmt::format("step {} failed: {}", s.def->id, s.error));
    }
}

void execution_runner::finish_step(std::size_t i) {
    auto& s = steps_[i];
    // A handler that completed stands in for the step it handled.
    if (s.handling) {
        auto& failed = steps_[*s.handling];
        failed.output = s.output;
        outputs_[failed.def->id] = failed.output;  // later steps read the handler's result as the step's
        s.handling.reset();
        return finish_step(static_cast<std::size_t>(&failed - steps_.data()));
    }
    for (auto succ : s.successors)
        if (steps_[succ].pending_deps > 0) --steps_[succ].pending_deps;
    if (s.def->kind == step_kind::condition) {
        // A branch decision also released the successors of the steps it skipped.
        schedule();
        return check_done();
    }
    // Only this step's successors can have become ready (a full pass per step would make a
    // long sequence quadratic).
    bool active = false;
    for (auto succ : s.successors) {
        if (finished_ || paused_) break;
        auto& n = steps_[succ];
        if (n.status == state::waiting && n.pending_deps == 0) dispatch(succ);
        active = active || n.status == state::running || n.status == state::ready || n.status == state::backoff;
    }
    if (!active) check_done();  // with a successor in flight it could not be done
}

void execution_runner::skip_step(std::size_t i, bool persist_row) {
    auto& s = steps_[i];
    if (s.status == state::skipped || s.status == state::completed) return;
    s.status = state::skipped;
    if (persist_row && persisting()) {
        store::new_step_run row;
        row.execution_id = record_.id;
        row.step_id = s.def->id;
        row.attempt = std::max(1, s.attempt + 1);
        row.status = step_status::skipped;
        row.id = run_id_of(record_.id, s.def->id, row.attempt);
        row.idempotency_key = row.id;
        // A resumed execution may skip a step whose skip row already committed: create() then
        // finds the same run and writes nothing.
        persist_detached([row](store::transaction& tx) { tx.step_runs().create(row); });
    }
    publish_step("chainbot.workflow.step.skipped", i);
    finish_step(i);
}

void execution_runner::apply_branch(std::size_t c) {
    const auto& out = steps_[c].output;
    const auto* obj = out.if_object();
    const bool taken = obj && obj->if_contains("result") && obj->at("result").is_bool() && obj->at("result").as_bool();
    const auto& skip = taken ? steps_[c].def->false_steps : steps_[c].def->true_steps;
    for (const auto& id : skip) {
        const auto j = def_->index.at(id);
        if (steps_[j].status == state::waiting) {
            steps_[j].status = state::skipped;
            for (auto succ : steps_[j].successors)
                if (steps_[succ].pending_deps > 0) --steps_[succ].pending_deps;
            if (!persisting()) continue;
            store::new_step_run row;
            row.execution_id = record_.id;
            row.step_id = id;
            row.attempt = 1;
            row.status = step_status::skipped;
            row.id = run_id_of(record_.id, id, 1);
            row.idempotency_key = row.id;
            persist_detached([row](store::transaction& tx) { tx.step_runs().create(row); });  // as in skip_step
        }
    }
}

void execution_runner::check_done() {
    // A step whose end is still committing has not released its successors yet.
    if (finished_ || paused_ || awaiting_ > 0) return;
    bool all_finished = true;
    for (const auto& s : steps_) {
        if (s.status == state::running || s.status == state::ready || s.status == state::backoff) return;
        if (s.status == state::waiting) {
            if (s.pending_deps == 0) return;  // about to run
            all_finished = false;
        }
    }
    if (!all_finished) {
        // Nothing runs and something still waits: only possible if a predecessor never finished.
        return terminate(execution_status::failed, "the workflow cannot make progress (unsatisfiable dependencies)");
    }
    json::object output(completed_ + 1);
    for (const auto& s : steps_)
        if (s.status == state::completed) output[s.def->id] = s.output;
    for (const auto& s : steps_)
        if (s.def->output_variable && s.status == state::completed) output[*s.def->output_variable] = s.output;
    complete(std::move(output));
}

void execution_runner::complete(json::value output) {
    if (finished_) return;
    finished_ = true;
    ended_ = true;
    if (deadline_) deadline_->cancel();
    for (std::size_t i = 0; i < steps_.size(); ++i)  // a succeed step ends the execution early
        if (steps_[i].status == state::running) {
            steps_[i].cancelled->store(true);
            ++steps_[i].token;
        }
    final_output_ = masked(output);
    const auto id = record_.id;
    const auto text = persisting() ? json::serialize(*final_output_) : std::string();
    persist([id, text](store::transaction& tx) { tx.executions().set_status(id, {execution_status::completed, text, {}}); },
            [self = shared_from_this()] {
                self->publish("chainbot.workflow.completed", {{"status", "completed"}});
                if (self->on_finished_)
                    self->on_finished_({self->record_.id, "completed", *self->final_output_, ""});
            });
}

void execution_runner::stop_running_steps(step_status as) {
    for (auto& s : steps_) {
        if (s.status != state::running) continue;
        s.cancelled->store(true);
        ++s.token;
        if (s.timer) s.timer->cancel();
        s.status = state::cancelled;
        if (persisting()) persist_detached(end_run(static_cast<std::size_t>(&s - steps_.data()), {as, {}, "cancelled"}));
    }
}

void execution_runner::terminate(execution_status status, std::string error) {
    if (finished_) return;
    finished_ = true;
    ended_ = true;
    if (deadline_) deadline_->cancel();
    stop_running_steps(step_status::cancelled);
    for (auto& s : steps_)
        if (s.timer) s.timer->cancel();
    error = masked(error);
    const auto id = record_.id;
    persist([id, status, error](store::transaction& tx) { tx.executions().set_status(id, {status, {}, error}); },
            [self = shared_from_this(), status, error] {
                const std::string name(store::to_string(status));
                const auto topic = status == execution_status::failed      ? "chainbot.workflow.failed"
                                   : status == execution_status::timed_out ? "chainbot.workflow.timed_out"
                                                                           : "chainbot.workflow.cancelled";
                self->publish(topic, {{"status", name}, {"error", error}});
                if (self->on_finished_) self->on_finished_({self->record_.id, name, nullptr, error});
            });
}

// ---- persistence and events ----------------------------------------------------------

namespace {

// Thrown by a transition of an execution while an earlier one of the same execution waits for
// its retry: it must not commit first (it goes back in line instead).
struct held_back : std::runtime_error {
    held_back() : std::runtime_error("an earlier transition of this execution is waiting to be retried") {}
};

}  // namespace

// An execution's transitions commit in the order they were made. Normally they go to the
// group-commit writer at once, which keeps that order. When one fails (the store is down), the
// flag below is raised from the writer's thread before it runs anything else, so every later
// transition of this execution still in the writer's queue refuses to run (held_back), and new
// ones are not sent. They wait, by sequence number, in held_; retry_held() sends the oldest
// alone (the one the flag lets through), with backoff, and the next only after it committed.
struct execution_runner::write_order {
    std::atomic<bool> broken{false};
    std::atomic<std::uint64_t> head{0};  // while broken: the only transition allowed to run
};

struct execution_runner::pending_transition {
    std::uint64_t seq = 0;
    transition_writer::work work;
    std::function<void()> then;
};

void execution_runner::persist(transition_writer::work w, std::function<void()> then) {
    if (!persisting()) {
        // Nothing to commit: go on now, on this strand. Every step result arrives through a
        // post (step_body's finish), so this cannot recurse deeper than one step; the bound is
        // for the chains that skip steps without one.
        thread_local int depth = 0;
        if (depth >= 64) return boost::asio::post(strand_, std::move(then));
        ++depth;
        struct leave {
            ~leave() { --depth; }
        } guard;
        return then();
    }
    if (lost_ || stopped_) return;
    if (!order_) order_ = std::make_shared<write_order>();
    auto p = std::make_shared<pending_transition>();
    p->seq = ++write_seq_;
    // Fenced: the transition commits only while this runner's claim is still the latest.
    p->work = [w = std::move(w), id = record_.id, generation = record_.lease_generation, order = order_,
               seq = p->seq](store::transaction& tx) {
        if (order->broken.load() && order->head.load() != seq) throw held_back();
        tx.fence(id, generation);
        w(tx);
    };
    p->then = std::move(then);
    if (order_->broken.load()) {
        held_.emplace(p->seq, std::move(p));  // behind the one being retried
        return;
    }
    send(std::move(p));
}

void execution_runner::send(std::shared_ptr<pending_transition> p) {
    if (stopped_) return;
    auto self = shared_from_this();
    auto order = order_;
    const bool queued = env_.writer->submit(p->work, [self, p, order](std::exception_ptr e) {
        // On the writer's thread.
        if (!e) return boost::asio::post(self->strand_, [self, p] { self->on_committed(p); });
        try {
            std::rethrow_exception(e);
        } catch (const store::lease_lost&) {
            return self->lose();  // not retried: the transition must never be written
        } catch (const held_back&) {
        } catch (const std::exception& ex) {
            if (self->env_.rt)
                self->env_.rt->log().error("orchestrator", "execution {}: cannot persist a transition, retrying: {}",
                                           self->record_.id, ex.what());
        }
        order->broken.store(true);  // before the writer runs the next item: later ones are held back
        boost::asio::post(self->strand_, [self, p] { self->on_write_failed(p); });
    });
    if (queued) {
        ++in_writer_;
        return;
    }
    // The writer's queue is full: the same as a failed write, retried in order (after every
    // older transition of this execution still in the writer's queue came back).
    order->broken.store(true);
    if (retrying_ == p->seq) retrying_ = 0;  // the retried head itself: armed again below
    held_.emplace(p->seq, std::move(p));
    arm_retry();
}

void execution_runner::on_committed(const std::shared_ptr<pending_transition>& p) {
    --in_writer_;
    unstored_ = false;  // written behind the execution's row: that row is stored too
    if (retrying_ == p->seq) {
        // The retried head went through: the next one in line, at once.
        retry_delay_ = std::chrono::milliseconds(0);
        retrying_ = 0;
    }
    if (order_->broken.load()) retry_held();
    p->then();
}

void execution_runner::on_write_failed(const std::shared_ptr<pending_transition>& p) {
    --in_writer_;
    if (lost_ || stopped_) return;
    held_.emplace(p->seq, p);
    if (retrying_ == p->seq) retrying_ = 0;
    arm_retry();
}

void execution_runner::arm_retry() {
    if (retrying_ != 0 || retry_timer_ || stopped_) return;  // a retry is under way or scheduled
    retry_delay_ = std::min(std::chrono::milliseconds(30000), std::max(std::chrono::milliseconds(200), retry_delay_ * 2));
    retry_timer_ = std::make_unique<boost::asio::steady_timer>(strand_, retry_delay_);
    retry_timer_->async_wait([self = shared_from_this()](const boost::system::error_code&) {
        self->retry_timer_.reset();
        self->retry_held();
    });
}

void execution_runner::retry_held() {
    // Only once every transition of this execution in the writer's queue came back: an older
    // one there would otherwise be held back behind a younger head.
    if (lost_ || stopped_ || retrying_ != 0 || retry_timer_ || in_writer_ > 0) return;
    if (held_.empty()) {
        order_->broken.store(false);  // in order again: transitions go straight to the writer
        return;
    }
    auto p = held_.begin()->second;
    held_.erase(held_.begin());
    retrying_ = p->seq;
    order_->head.store(p->seq);
    send(std::move(p));
}

transition_writer::work execution_runner::end_run(std::size_t i, store::step_run_change change) {
    auto& s = steps_[i];
    if (!s.row_deferred)
        return [run_id = s.run_id, change = std::move(change)](store::transaction& tx) {
            tx.step_runs().set_status(run_id, change);
        };
    store::new_step_run row;
    row.execution_id = record_.id;
    row.step_id = s.def->id;
    row.attempt = s.attempt;
    row.idempotency_key = s.idempotency_key;
    row.id = s.run_id;
    if (const auto* in = s.def->raw.if_contains("input")) row.input = json::serialize(masked(*in));
    return [row = std::move(row), change = std::move(change)](store::transaction& tx) {
        tx.step_runs().record_finished(row, change);
    };
}

void execution_runner::persist_detached(transition_writer::work w) {
    if (persisting()) persist(std::move(w), [] {});
}

std::size_t execution_runner::steps_completed() const { return completed_; }

double execution_runner::duration_seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

void execution_runner::publish(const std::string& topic, json::object extra, std::size_t step) {
    // Sized once for every field, the hub's two stamps included: one table, no rehash.
    json::object fields(extra.size() + 10);
    fields.emplace("workflow_id", record_.workflow_id);
    fields.emplace("execution_id", record_.id);
    fields.emplace("status", paused_ ? "paused" : "running");
    fields.emplace("duration", duration_seconds());
    fields.emplace("steps_completed", steps_completed());
    fields.emplace("total_steps", steps_.size());
    if (!persist_) fields.emplace("ephemeral", true);  // kept in memory only (the audit trail leaves most out)
    if (step != no_step) {
        fields.emplace("step_id", steps_[step].def->id);
        fields.emplace("step_type", to_string(steps_[step].def->kind));
    }
    for (auto& kv : extra) fields.insert_or_assign(kv.key(), std::move(kv.value()));
    env_.rt->events().publish(topic, std::move(fields));
}

void execution_runner::publish_step(const std::string& topic, std::size_t i, json::object extra) {
    publish(topic, std::move(extra), i);
}

// ---- data ----------------------------------------------------------------------------

const json::value* execution_runner::resolve(std::string_view root, std::size_t for_step) const {
    if (root == "input") return &input_;
    if (const auto* v = outputs_.if_contains(root)) return v;
    if (const auto* v = input_.as_object().if_contains(root)) return v;  // ${api_token} from the input
    if (const auto* v = secrets_.if_contains(root)) return v;
    (void)for_step;
    return nullptr;
}

step_context execution_runner::make_context(std::size_t i) {
    auto& s = steps_[i];
    step_context ctx;
    ctx.env = &env_;
    ctx.strand = &strand_;
    ctx.step = s.def;
    ctx.execution_id = record_.id;
    ctx.workflow_id = record_.workflow_id;
    ctx.attempt = s.attempt;
    ctx.idempotency_key = s.idempotency_key;
    ctx.cancelled = s.cancelled;
    ctx.journal = journal_;
    ctx.mask = [self = shared_from_this()](const json::value& v) { return self->masked(v); };
    // Handlers see ${error}; everyone sees ${execution}.
    auto extra = std::make_shared<json::object>();
    (*extra)["execution"] = json::object{{"id", record_.id}, {"workflow_id", record_.workflow_id}, {"attempt", s.attempt}};
    if (s.handling) {
        const auto& failed = steps_[*s.handling];
        (*extra)["error"] = json::object{{"message", failed.error}, {"kind", failed.error_kind}, {"step", failed.def->id}};
    }
    ctx.resolve = [self = shared_from_this(), extra, i](std::string_view root) -> const json::value* {
        if (const auto* v = extra->if_contains(root)) return v;
        return self->resolve(root, i);
    };
    return ctx;
}

std::string execution_runner::masked(const std::string& s) const {
    std::string out = s;
    for (const auto& secret : secret_values_)
        for (auto pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos + 3))
            out.replace(pos, secret.size(), "***");
    return out;
}

json::value execution_runner::masked(const json::value& v) const {
    if (secret_values_.empty()) return v;
    if (v.is_string()) return json::value(masked(std::string(v.as_string())));
    if (v.is_array()) {
        json::array a;
        for (const auto& e : v.as_array()) a.push_back(masked(e));
        return a;
    }
    if (v.is_object()) {
        json::object o;
        for (const auto& kv : v.as_object()) o[kv.key()] = masked(kv.value());
        return o;
    }
    return v;
}

}  // namespace chainbot::orchestrator
