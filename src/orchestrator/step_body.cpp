#include "orchestrator/step_body.hpp"

#include "http/client.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <chrono>
#include <ctime>

namespace chainbot::orchestrator {

namespace json = boost::json;

namespace {

step_result failure(std::string kind, std::string message) {
    step_result r;
    r.ok = false;
    r.error_kind = std::move(kind);
    r.error = std::move(message);
    return r;
}

step_result success(json::value output) {
    step_result r;
    r.output = std::move(output);
    return r;
}

// Runs `fn` (which may throw) and turns its outcome into a step_result.
template <typename F>
step_result capture(F&& fn) {
    try {
        return success(fn());
    } catch (const step_failure& e) {
        return failure(e.kind(), e.what());
    } catch (const std::exception& e) {
        return failure("error", e.what());
    } catch (...) {
        // Anything else a task throws must still end the step: escaping here, it would be
        // swallowed by the agent's mailbox loop (or end the blocking pool's thread) and the step
        // would never finish.
        return failure("error", "the step threw an exception that is not a std::exception");
    }
}

const json::value* field(const step_def& s, std::string_view key) { return s.raw.if_contains(key); }

std::string string_or(const step_def& s, std::string_view key, std::string fallback) {
    const auto* v = field(s, key);
    return v && v->is_string() ? std::string(v->as_string()) : std::move(fallback);
}

// Completes on the strand, whatever thread the result came from.
void finish(const step_context& ctx, const std::function<void(step_result)>& done, step_result r) {
    boost::asio::post(*ctx.strand, [done, r = std::move(r)]() mutable { done(std::move(r)); });
}

// Parses "2026-11-25T12:00:00Z" (seconds precision, UTC).
std::optional<std::chrono::system_clock::time_point> parse_utc(std::string_view s) {
    std::tm tm{};
    if (s.size() < 19) return std::nullopt;
    if (std::sscanf(std::string(s).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec) != 6)
        return std::nullopt;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

void run_agent_task(const step_context& ctx, std::function<void(step_result)> done) {
    const auto type = string_or(*ctx.step, "agent_type", "");
    const auto task = string_or(*ctx.step, "task", "");
    auto found = ctx.env->tasks ? ctx.env->tasks->lookup(type, task) : std::nullopt;
    if (!found) return finish(ctx, done, failure("configuration", fmt::format("no task '{}' for agent type '{}'", task, type)));
    task_call call;
    call.execution_id = ctx.execution_id;
    call.step_id = ctx.step->id;
    call.attempt = ctx.attempt;
    call.idempotency_key = ctx.idempotency_key;
    call.cancelled = ctx.cancelled;
    try {
        const auto* in = field(*ctx.step, "input");
        call.input = in ? render(*in, ctx.resolve) : [&] {
            const auto* input = ctx.resolve("input");
            return input ? *input : json::value(json::object());
        }();
        if (const auto* c = field(*ctx.step, "config"); c && c->is_object()) call.config = render(*c, ctx.resolve).as_object();
    } catch (const step_failure& e) {
        return finish(ctx, done, failure(e.kind(), e.what()));
    }
    if (ctx.env->run_on_agent) {
        // On an agent of the step's type: it may wait for one to become idle.
        ctx.env->run_on_agent(
            type, std::move(call), std::move(found->fn),
            [ctx, done](std::exception_ptr error, json::value output) {
                if (!error) return finish(ctx, done, success(std::move(output)));
                finish(ctx, done, capture([&]() -> json::value { std::rethrow_exception(error); }));
            },
            found->kind);
        return;
    }
    // Tasks may block: they run on the blocking pool, never on the I/O threads.
    boost::asio::post(*ctx.env->blocking, [ctx, done, fn = std::move(found->fn), call = std::move(call)] {
        finish(ctx, done, capture([&] { return fn(call); }));
    });
}

void run_http(const step_context& ctx, std::function<void(step_result)> done, bool webhook) {
    if (!ctx.env->http) return finish(ctx, done, failure("configuration", "no HTTP client is available"));
    http::client_request req;
    try {
        req.url = render(*field(*ctx.step, "url"), ctx.resolve).as_string().c_str();
        req.method = string_or(*ctx.step, "method", webhook ? "POST" : "GET");
        if (const auto* h = field(*ctx.step, "headers")) {
            const auto headers = render(*h, ctx.resolve);  // named: the loop must not outlive it
            for (const auto& kv : headers.as_object())
                req.headers.emplace_back(std::string(kv.key()), kv.value().is_string() ? std::string(kv.value().as_string())
                                                                                       : json::serialize(kv.value()));
        }
        const auto* body = field(*ctx.step, webhook ? "payload" : "body");
        if (!body && webhook) body = field(*ctx.step, "body");
        if (body) {
            const auto rendered = render(*body, ctx.resolve);
            req.body = rendered.is_string() ? std::string(rendered.as_string()) : json::serialize(rendered);
            req.headers.emplace_back("Content-Type", "application/json");
        }
        if (ctx.step->timeout) req.timeout = *ctx.step->timeout;
    } catch (const step_failure& e) {
        return finish(ctx, done, failure(e.kind(), e.what()));
    } catch (const std::exception& e) {
        return finish(ctx, done, failure("validation", fmt::format("cannot build the request: {}", e.what())));
    }
    req.headers.emplace_back("Idempotency-Key", ctx.idempotency_key);
    ctx.env->http->send(std::move(req), [ctx, done](http::client_result res) {
        if (!res.ok()) {
            const auto kind = res.error == http::client_error_kind::timeout ? "timeout" : "http_transport";
            return finish(ctx, done, failure(kind, res.message));
        }
        json::object out{{"status_code", res.response.status}};
        boost::system::error_code ec;
        auto parsed = json::parse(res.response.body, ec);
        out["body"] = ec ? json::value(res.response.body) : std::move(parsed);
        const int s = res.response.status;
        if (s >= 500) return finish(ctx, done, failure("http_5xx", fmt::format("HTTP {} from the server", s)));
        if (s == 429) return finish(ctx, done, failure("http_429", "HTTP 429: rate limited by the server"));
        if (s >= 400) return finish(ctx, done, failure("http_4xx", fmt::format("HTTP {} from the server", s)));
        finish(ctx, done, success(std::move(out)));
    });
}

void run_wait(const step_context& ctx, std::function<void(step_result)> done) {
    std::chrono::milliseconds delay{0};
    const auto& s = *ctx.step;
    if (const auto* d = field(s, "duration_ms"); d && d->is_number()) delay = std::chrono::milliseconds(static_cast<std::int64_t>(d->to_number<double>()));
    for (auto key : {"duration", "duration_seconds"})
        if (const auto* d = field(s, key); d && d->is_number())
            delay = std::chrono::milliseconds(static_cast<std::int64_t>(d->to_number<double>() * 1000));
    if (const auto* u = field(s, "until")) {
        try {
            const auto when_text = render(*u, ctx.resolve);
            const auto when = when_text.is_string() ? parse_utc(when_text.as_string()) : std::nullopt;
            if (!when) return finish(ctx, done, failure("validation", "wait.until: expected a UTC time like 2026-11-25T12:00:00Z"));
            delay = std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                   *when - std::chrono::system_clock::now()));
        } catch (const step_failure& e) {
            return finish(ctx, done, failure(e.kind(), e.what()));
        }
    }
    // Sleeps in slices of at most 250 ms so that a cancelled, timed-out or shut-down
    // execution does not hold a timer (and the module's shutdown) for the whole wait.
    struct sleeper : std::enable_shared_from_this<sleeper> {
        boost::asio::steady_timer timer;
        std::chrono::steady_clock::time_point until;
        step_context ctx;
        std::function<void(step_result)> done;
        std::chrono::milliseconds delay;
        sleeper(strand_t& s) : timer(s) {}
        void next() {
            if (ctx.cancelled && ctx.cancelled->load()) return done(failure("cancelled", "cancelled"));
            const auto now = std::chrono::steady_clock::now();
            if (now >= until) return done(success(json::object{{"waited_ms", delay.count()}}));
            timer.expires_after(std::min<std::chrono::steady_clock::duration>(until - now, std::chrono::milliseconds(250)));
            timer.async_wait([self = shared_from_this()](const boost::system::error_code&) { self->next(); });
        }
    };
    auto sl = std::make_shared<sleeper>(*ctx.strand);
    sl->until = std::chrono::steady_clock::now() + delay;
    sl->ctx = ctx;
    sl->done = std::move(done);
    sl->delay = delay;
    boost::asio::post(*ctx.strand, [sl] { sl->next(); });
}

step_result run_transform(const step_context& ctx) {
    return capture([&]() -> json::value {
        const auto& s = *ctx.step;
        std::string op = "template";
        for (auto key : {"transform_type", "operation", "transformation"})
            if (const auto* t = field(s, key); t && t->is_string()) op = t->as_string();
        if (op == "expression") return evaluate(string_or(s, "expression", ""), ctx.resolve);
        const json::value* src = field(s, "value");
        if (!src) src = field(s, "template");
        if (!src) src = field(s, "input");
        auto value = render(*src, ctx.resolve);
        if (op == "json_parse") {
            if (!value.is_string()) throw step_failure("validation", "json_parse: the value is not a string");
            boost::system::error_code ec;
            auto parsed = json::parse(value.as_string(), ec);
            if (ec) throw step_failure("validation", fmt::format("json_parse: {}", ec.message()));
            return parsed;
        }
        if (op == "json_stringify") return json::value(json::serialize(value));
        return value;
    });
}

// The path of a nested step (see nested_journal).
std::string nested_path(const step_context& parent, const std::string& suffix) {
    return (parent.path.empty() ? parent.step->id : parent.path) + suffix;
}

// Runs one nested step through the journal: an output recorded in this attempt before is
// reused; otherwise the run is recorded, and `done` sees its result once that is committed.
void run_nested(step_context ctx, const std::string& path, std::function<void(step_result)> done) {
    ctx.path = path;
    ctx.idempotency_key = fmt::format("{}:{}:{}", ctx.execution_id, path, ctx.attempt);
    auto journal = ctx.journal;
    if (!journal) return run_step_body(std::move(ctx), std::move(done));
    if (auto out = journal->completed(path, ctx.attempt)) {
        return boost::asio::post(*ctx.strand, [done, out = std::move(*out)]() mutable { done(success(std::move(out))); });
    }
    journal->started(path, ctx.attempt, ctx.idempotency_key);
    const int attempt = ctx.attempt;
    run_step_body(std::move(ctx), [journal, path, attempt, done](step_result r) {
        journal->finished(path, attempt, r, [done, r]() mutable { done(std::move(r)); });
    });
}

// Runs nested steps one after another; each sees the outputs of those before it.
struct sequence : std::enable_shared_from_this<sequence> {
    step_context base;
    std::vector<std::shared_ptr<const step_def>> steps;
    std::shared_ptr<json::object> scope;  // loop variables and earlier outputs of this sequence
    std::function<void(step_result)> done;
    std::string prefix;  // the path of the nested steps without their id: "loop1[2]"
    std::size_t next = 0;

    void run() {
        if (next == steps.size()) {
            json::object outputs;
            for (const auto& s : steps)
                if (auto* v = scope->if_contains(s->id)) outputs[s->id] = *v;
            return done(success(std::move(outputs)));
        }
        if (base.cancelled && base.cancelled->load()) return done(failure("cancelled", "cancelled"));
        auto self = shared_from_this();
        const auto& step = steps[next];
        step_context ctx = base;
        ctx.step = step.get();
        auto parent = base.resolve;
        auto sc = scope;
        ctx.resolve = [sc, parent](std::string_view root) -> const json::value* {
            if (const auto* v = sc->if_contains(root)) return v;
            return parent(root);
        };
        if (step->condition) {
            try {
                if (!evaluate_condition(*step->condition, ctx.resolve)) {
                    ++next;
                    return run();
                }
            } catch (const step_failure& e) {
                return done(failure(e.kind(), fmt::format("{}: {}", step->id, e.what())));
            }
        }
        run_nested(ctx, prefix + "." + step->id, [self, step](step_result r) {
            if (!r.ok && step->on_failure != failure_action::continue_on) {
                r.error = fmt::format("{}: {}", step->id, r.error);
                return self->done(std::move(r));
            }
            (*self->scope)[step->id] = r.ok ? std::move(r.output) : json::value(json::object{{"error", r.error}});
            if (step->output_variable) (*self->scope)[*step->output_variable] = (*self->scope)[step->id];
            ++self->next;
            self->run();
        });
    }
};

void run_loop(const step_context& ctx, std::function<void(step_result)> done) {
    const auto& s = *ctx.step;
    json::array items;
    bool is_while = false;
    std::int64_t max_iterations = 1000;
    if (const auto* m = field(s, "max_iterations"); m && m->is_number()) max_iterations = m->to_number<std::int64_t>();
    try {
        if (const auto* it = field(s, "items")) {
            auto v = render(*it, ctx.resolve);
            if (!v.is_array()) return finish(ctx, done, failure("validation", "loop.items did not give an array"));
            items = std::move(v.as_array());
        } else if (const auto* r = field(s, "range"); r && r->is_object()) {
            auto num = [&](std::string_view k, std::int64_t d) {
                const auto* v = r->as_object().if_contains(k);
                return v && v->is_number() ? v->to_number<std::int64_t>() : d;
            };
            const auto start = num("start", 0), end = num("end", 0), step = num("step", 1);
            for (auto i = start; step > 0 ? i < end : i > end; i += step) {
                if (static_cast<std::int64_t>(items.size()) >= max_iterations) break;
                items.push_back(i);
            }
        } else {
            is_while = true;
        }
    } catch (const std::exception& e) {
        return finish(ctx, done, failure("expression", e.what()));
    }
    if (!is_while && static_cast<std::int64_t>(items.size()) > max_iterations)
        return finish(ctx, done, failure("validation", fmt::format("loop has {} items, more than max_iterations {}",
                                                                   items.size(), max_iterations)));
    const auto item_var = string_or(s, "item_variable", "item");
    const auto index_var = string_or(s, "index_variable", "index");

    struct state : std::enable_shared_from_this<state> {
        step_context ctx;
        json::array items;
        bool is_while;
        std::int64_t max_iterations;
        std::string item_var, index_var;
        json::array results;
        std::function<void(step_result)> done;

        void iterate() {
            const auto i = static_cast<std::int64_t>(results.size());
            auto scope = std::make_shared<json::object>();
            (*scope)[index_var] = i;
            if (is_while) {
                if (i >= max_iterations)
                    return done(failure("loop_limit", fmt::format("while loop reached max_iterations {}", max_iterations)));
                (*scope)["results"] = results;
                auto parent = ctx.resolve;
                auto sc = scope;
                resolver r = [sc, parent](std::string_view root) -> const json::value* {
                    if (const auto* v = sc->if_contains(root)) return v;
                    return parent(root);
                };
                try {
                    if (!evaluate_condition(string_or(*ctx.step, "while", "false"), r)) return finish_loop();
                } catch (const step_failure& e) {
                    return done(failure(e.kind(), e.what()));
                }
            } else {
                if (static_cast<std::size_t>(i) == items.size()) return finish_loop();
                (*scope)[item_var] = items[static_cast<std::size_t>(i)];
            }
            auto seq = std::make_shared<sequence>();
            seq->base = ctx;
            seq->steps = ctx.step->children;
            seq->scope = scope;
            seq->prefix = nested_path(ctx, fmt::format("[{}]", i));
            auto self = shared_from_this();
            seq->done = [self](step_result r) {
                if (!r.ok) {
                    r.error = fmt::format("iteration {}: {}", self->results.size(), r.error);
                    return self->done(std::move(r));
                }
                self->results.push_back(std::move(r.output));
                self->iterate();
            };
            seq->run();
        }
        void finish_loop() {
            const auto n = results.size();
            done(success(json::object{{"results", std::move(results)}, {"count", n}}));
        }
    };
    auto st = std::make_shared<state>();
    st->ctx = ctx;
    st->items = std::move(items);
    st->is_while = is_while;
    st->max_iterations = max_iterations;
    st->item_var = item_var;
    st->index_var = index_var;
    st->done = std::move(done);
    boost::asio::post(*ctx.strand, [st] { st->iterate(); });
}

void run_parallel(const step_context& ctx, std::function<void(step_result)> done) {
    struct state {
        std::size_t pending;
        bool finished = false;
        bool join_first;
        bool collect;
        json::object outputs;
        json::object errors;
        std::function<void(step_result)> done;
        std::shared_ptr<std::atomic<bool>> branch_cancel = std::make_shared<std::atomic<bool>>(false);
    };
    auto st = std::make_shared<state>();
    const auto& children = ctx.step->children;
    st->pending = children.size();
    st->join_first = string_or(*ctx.step, "join", "all") == "first";
    st->collect = string_or(*ctx.step, "mode", "fail_fast") == "collect";
    st->done = std::move(done);
    for (const auto& child : children) {
        step_context c = ctx;
        c.step = child.get();
        const auto path = nested_path(ctx, "." + child->id);
        // Branches stop when the step is cancelled or when the join no longer needs them.
        auto outer = ctx.cancelled;
        c.cancelled = st->branch_cancel;
        boost::asio::post(*ctx.strand, [c, st, child, outer, path] {
            if (outer && outer->load()) st->branch_cancel->store(true);
            run_nested(c, path, [st, child](step_result r) {
                --st->pending;
                if (st->finished) return;
                if (r.ok) {
                    st->outputs[child->id] = std::move(r.output);
                    if (st->join_first) {
                        st->finished = true;
                        st->branch_cancel->store(true);
                        return st->done(success(json::object{{"first", child->id}, {"outputs", st->outputs}}));
                    }
                } else if (child->on_failure == failure_action::continue_on || st->collect) {
                    st->errors[child->id] = r.error;
                } else {
                    st->finished = true;
                    st->branch_cancel->store(true);
                    r.error = fmt::format("{}: {}", child->id, r.error);
                    return st->done(std::move(r));
                }
                if (st->pending == 0) {
                    st->finished = true;
                    if (st->join_first || (!st->errors.empty() && st->outputs.empty()))
                        return st->done(failure("parallel", fmt::format("every branch failed: {}", json::serialize(st->errors))));
                    st->done(success(json::object{{"outputs", st->outputs}, {"errors", st->errors}}));
                }
            });
        });
    }
}

}  // namespace

bool retryable_by_default(std::string_view kind) noexcept {
    return kind != "validation" && kind != "configuration" && kind != "expression" && kind != "http_4xx" &&
           kind != "fail_step" && kind != "cancelled" && kind != "loop_limit";
}

void run_step_body(step_context ctx, std::function<void(step_result)> done) {
    const auto& s = *ctx.step;
    switch (s.kind) {
        case step_kind::agent_task: return run_agent_task(ctx, std::move(done));
        case step_kind::api_call: return run_http(ctx, std::move(done), false);
        case step_kind::webhook: return run_http(ctx, std::move(done), true);
        case step_kind::wait: return run_wait(ctx, std::move(done));
        case step_kind::loop: return run_loop(ctx, std::move(done));
        case step_kind::parallel: return run_parallel(ctx, std::move(done));
        case step_kind::transform: return finish(ctx, done, run_transform(ctx));
        case step_kind::condition:
            return finish(ctx, done, capture([&]() -> json::value {
                              const bool result = evaluate_condition(s.expression, ctx.resolve);
                              return json::object{{"result", result}, {"branch", result ? "true" : "false"}};
                          }));
        case step_kind::emit_event:
        case step_kind::notification:
            return finish(ctx, done, capture([&]() -> json::value {
                              const bool note = s.kind == step_kind::notification;
                              std::string topic = note ? "chainbot.workflow.notification" : string_or(s, "topic", string_or(s, "event", ""));
                              if (topic.rfind("chainbot.", 0) != 0) topic = "chainbot.custom." + topic;
                              json::object payload{{"execution_id", ctx.execution_id}, {"workflow_id", ctx.workflow_id},
                                                   {"step_id", s.id}};
                              if (note) {
                                  payload["message"] = render(*field(s, "message"), ctx.resolve);
                                  payload["level"] = string_or(s, "level", "info");
                              } else if (const auto* p = field(s, "payload")) {
                                  payload["payload"] = render(*p, ctx.resolve);
                              }
                              // Published as stored: the execution's secrets masked (${cb_key} in a payload).
                              if (ctx.mask) payload = ctx.mask(payload).as_object();
                              ctx.env->rt->events().publish(topic, payload);
                              return json::object{{"topic", topic}};
                          }));
        case step_kind::fail: {
            std::string message = "the workflow reached a fail step";
            try {
                for (auto key : {"error", "message"})
                    if (const auto* m = field(s, key)) {
                        auto v = render(*m, ctx.resolve);
                        message = v.is_string() ? std::string(v.as_string()) : json::serialize(v);
                    }
            } catch (const step_failure& e) {
                message = e.what();
            }
            return finish(ctx, done, failure("fail_step", message));
        }
        case step_kind::succeed: {
            auto r = capture([&]() -> json::value {
                const auto* o = field(s, "output");
                return o ? render(*o, ctx.resolve) : json::value(json::object());
            });
            r.end_execution = r.ok;
            return finish(ctx, done, std::move(r));
        }
        case step_kind::sub_workflow: {
            if (!ctx.env->start_child) return finish(ctx, done, failure("configuration", "sub-workflows are not available"));
            try {
                const auto wf = render(*field(s, "workflow_id"), ctx.resolve);
                const auto* in = field(s, "input");
                auto input = in ? render(*in, ctx.resolve) : json::value(json::object());
                ctx.env->start_child(wf.is_string() ? std::string(wf.as_string()) : json::serialize(wf), std::move(input),
                                     ctx.execution_id, [ctx, done](execution_outcome o) {
                                         if (o.status == "completed")
                                             return finish(ctx, done, success(json::object{{"execution_id", o.execution_id},
                                                                                           {"output", o.output}}));
                                         finish(ctx, done, failure("sub_workflow", fmt::format("sub-workflow execution {} {}: {}",
                                                                                               o.execution_id, o.status, o.error)));
                                     });
            } catch (const step_failure& e) {
                finish(ctx, done, failure(e.kind(), e.what()));
            } catch (const std::exception& e) {
                finish(ctx, done, failure("sub_workflow", e.what()));
            }
            return;
        }
        case step_kind::gpio: {
            if (!ctx.env->gpio) return finish(ctx, done, failure("configuration", "GPIO integration is not enabled"));
            auto fn = ctx.env->gpio;
            auto raw = s.raw;
            return boost::asio::post(*ctx.env->blocking, [ctx, done, fn, raw] { finish(ctx, done, capture([&] { return fn(raw); })); });
        }
    }
    finish(ctx, done, failure("configuration", "unknown step kind"));
}

}  // namespace chainbot::orchestrator
