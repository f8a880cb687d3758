// The engine end to end on SQLite: the seed workflows, every construct, retries,
// timeouts, error handling, history and events.
#include "engine_fixture.hpp"
#include "support/eventually.hpp"

#include "http/client.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

#include <boost/asio/io_context.hpp>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <boost/asio/executor_work_guard.hpp>

#include <atomic>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

using namespace chainbot;
using namespace chainbot::test;
namespace json = boost::json;

namespace {

std::string example(const std::string& name) {
    std::ifstream in(std::string(CHAINBOT_SOURCE_DIR) + "/examples/workflows/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Test tasks standing in for the agents issue's built-in ones: a quality score from the
// fraction of records whose fields are all present.
void register_seed_tasks(orchestrator::task_registry& tasks, std::vector<std::string>* ran = nullptr,
                         std::mutex* m = nullptr) {
    auto note = [ran, m](const std::string& what) {
        if (!ran) return;
        std::lock_guard lock(*m);
        ran->push_back(what);
    };
    tasks.add("assistant", "analyze_data_quality", [note](const orchestrator::task_call& c) -> json::value {
        note("analyze_data_quality");
        const auto& records = c.input.as_object().at("records").as_array();
        std::size_t complete = 0;
        for (const auto& r : records) {
            bool ok = true;
            for (const auto& kv : r.as_object()) ok = ok && !kv.value().is_null();
            complete += ok;
        }
        return json::object{{"quality_score", records.empty() ? 0.0 : double(complete) / double(records.size())}};
    });
    for (auto task : {"advanced_processing", "basic_processing", "validate_input_data", "transform_data"})
        tasks.add("data_processor", task, [note, task](const orchestrator::task_call& c) -> json::value {
            note(task);
            return json::object{{"task", task}, {"config", c.config}};
        });
}

std::map<std::string, store::step_status> latest_status(const std::vector<store::step_run>& runs) {
    std::map<std::string, store::step_status> out;
    for (const auto& r : runs) out[r.step_id] = r.status;
    return out;
}

}  // namespace

TEST_CASE("seed conditional workflow branches on a quality_score computed from its input", "[orchestrator][engine]") {
    engine e;
    std::vector<std::string> ran;
    std::mutex m;
    register_seed_tasks(e.orch->tasks(), &ran, &m);
    e.start();
    const auto wf = e.create(example("smart_data_processing.json"));

    auto high = e.run(wf, R"({"records": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]})");
    REQUIRE(high.status == "completed");
    auto status = latest_status(e.history(high.execution_id));
    CHECK(status["step1"] == store::step_status::completed);
    CHECK(status["condition1"] == store::step_status::completed);
    CHECK(status["step2_high_quality"] == store::step_status::completed);
    CHECK(status["step2_low_quality"] == store::step_status::skipped);

    auto low = e.run(wf, R"({"records": [{"a": 1, "b": null}, {"a": null, "b": 4}, {"a": 5, "b": 6}]})");
    REQUIRE(low.status == "completed");
    status = latest_status(e.history(low.execution_id));
    CHECK(status["step2_high_quality"] == store::step_status::skipped);
    CHECK(status["step2_low_quality"] == store::step_status::completed);
    CHECK(low.output.as_object().at("step1").as_object().at("quality_score").as_double() == Approx(1.0 / 3));
    std::lock_guard lock(m);
    CHECK(std::count(ran.begin(), ran.end(), "advanced_processing") == 1);
    CHECK(std::count(ran.begin(), ran.end(), "basic_processing") == 1);
}

TEST_CASE("seed pipeline: agent tasks then an api_call with the secret token that is never stored", "[orchestrator][engine]") {
    // The remote API: a real HTTP server on loopback (the example's host is unreachable here,
    // so the test points step3's URL at it; nothing else of the example changes).
    boost::asio::io_context io;
    http::router r;
    std::string auth_seen, body_seen, key_seen;
    r.add("POST", "/process", [&](http::request& req, http::responder respond) {
        auth_seen = req.headers["authorization"];
        key_seen = req.headers["idempotency-key"];
        respond(http::response::json(200, R"({"accepted": true})"));
    });
    http::server srv(io, r);
    srv.listen("127.0.0.1", 0);
    auto guard = boost::asio::make_work_guard(io);
    std::thread t([&] { io.run(); });

    engine e;
    register_seed_tasks(e.orch->tasks());
    http::http_client client(e.module.get_runtime()->io());
    e.orch->set_http_client(&client);
    e.start();
    auto def = json::parse(example("data_processing_pipeline.json"));
    def.as_object()["steps"].as_array()[2].as_object()["url"] = "http://127.0.0.1:" + std::to_string(srv.port()) + "/process";
    const auto wf = e.orch->create_workflow(def).workflow_id;
    auto out = e.run(wf, R"({"api_token": "tok-s3cr3t-value", "records": []})");
    srv.stop();
    guard.reset();
    t.join();

    REQUIRE(out.status == "completed");
    CHECK(auth_seen == "Bearer tok-s3cr3t-value");
    CHECK(key_seen == out.execution_id + ":step3:1");
    CHECK(out.output.as_object().at("step3").as_object().at("status_code").as_int64() == 200);
    CHECK(out.output.as_object().at("step2").as_object().at("config").as_object().at("transformation") == "normalize");
    // The secret is in the input (given by the caller) but nowhere the engine wrote.
    for (const auto& run : e.history(out.execution_id)) {
        CHECK(run.output.value_or("").find("tok-s3cr3t-value") == std::string::npos);
        CHECK(run.input.value_or("").find("tok-s3cr3t-value") == std::string::npos);
    }
    CHECK(e.db()->executions().get(out.execution_id)->output.value_or("").find("tok-s3cr3t-value") == std::string::npos);
    CHECK(e.events->all().find("tok-s3cr3t-value") == std::string::npos);
    const auto completed = e.events->of("chainbot.workflow.completed");
    REQUIRE(completed.size() == 1);
    CHECK(completed[0].at("steps_completed").as_int64() == 3);
    CHECK(completed[0].at("total_steps").as_int64() == 3);
    CHECK(completed[0].at("workflow_id").as_string() == wf);
    CHECK(completed[0].contains("duration"));
    CHECK(e.events->of("chainbot.workflow.started").size() == 1);
    CHECK(e.events->of("chainbot.workflow.step.completed").size() == 3);
}

TEST_CASE("retries with backoff until success and retry_on limits which errors retry", "[orchestrator][engine]") {
    engine e(R"("workflow": {"retry_attempts": 3})");
    std::atomic<int> calls{0}, bad_calls{0};
    e.orch->tasks().add("data_processor", "flaky", [&](const orchestrator::task_call& c) -> json::value {
        if (++calls < 3) throw std::runtime_error("transient failure " + std::to_string(c.attempt));
        return json::object{{"attempt", c.attempt}};
    });
    e.orch->tasks().add("data_processor", "invalid", [&](const orchestrator::task_call&) -> json::value {
        ++bad_calls;
        throw orchestrator::step_failure("validation", "the input is wrong");
    });
    e.start();
    const auto wf = e.create(R"({"name": "r", "steps": [{"id": "s", "type": "agent_task", "agent_type": "data_processor",
        "task": "flaky", "retry": {"max_attempts": 5, "initial_backoff_ms": 10}}]})");
    auto out = e.run(wf);
    REQUIRE(out.status == "completed");
    CHECK(out.output.as_object().at("s").as_object().at("attempt").as_int64() == 3);
    auto runs = e.history(out.execution_id);
    REQUIRE(runs.size() == 3);
    CHECK(runs[0].status == store::step_status::failed);
    CHECK(runs[0].error.value_or("").find("transient failure 1") != std::string::npos);
    CHECK(runs[2].status == store::step_status::completed);
    CHECK(runs[2].attempt == 3);

    const auto wf2 = e.create(R"({"name": "v", "steps": [{"id": "s", "type": "agent_task", "agent_type": "data_processor", "task": "invalid"}]})");
    auto failed = e.run(wf2);
    CHECK(failed.status == "failed");
    CHECK(bad_calls == 1);  // validation errors are not retried
    CHECK(failed.error.find("the input is wrong") != std::string::npos);
}

TEST_CASE("a compute task's run is written once, when it ends, and a blocking task's also as it starts",
          "[orchestrator][engine][durability]") {
    engine e;
    auto task = [](const orchestrator::task_call& c) -> json::value {
        return json::object{{"step", c.step_id}, {"attempt", c.attempt}};
    };
    e.orch->tasks().add("data_processor", "pure_echo", task, orchestrator::task_kind::compute);
    e.orch->tasks().add("data_processor", "echo", task);  // blocking, the default
    e.start();
    auto writes_of = [&](const std::string& task_name) {
        const auto wf = e.create(R"({"name": ")" + task_name + R"(", "steps": [
            {"id": "a", "type": "agent_task", "agent_type": "data_processor", "task": ")" + task_name + R"("},
            {"id": "b", "type": "transform", "value": {"from": "${a.step}"}}]})");
        e.orch->flush();  // what came before (the start's writes) is not counted
        const auto before = e.orch->commit_figures().transitions;
        auto out = e.run(wf);
        REQUIRE(out.status == "completed");
        CHECK(out.output.at("b").at("from") == "a");
        const auto runs = e.history(out.execution_id);
        REQUIRE(runs.size() == 2);
        CHECK(runs[0].step_id == "a");
        CHECK(runs[0].status == store::step_status::completed);
        CHECK(runs[0].attempt == 1);
        CHECK(runs[0].started_at.has_value());
        CHECK(json::parse(runs[0].output.value_or("null")).at("step") == "a");
        return e.orch->commit_figures().transitions - before;
    };
    // The fewest of two runs: an execution that finds no free slot at once is created queued
    // and writes running when it starts, one write more that is not the step's.
    const auto pure_writes = std::min(writes_of("pure_echo"), writes_of("pure_echo"));
    const auto blocking_writes = std::min(writes_of("echo"), writes_of("echo"));
    // The blocking task's in-flight marker (run again after a crash with the same key) is the
    // one write more; a compute task, a pure function of its input, is computed again instead.
    CHECK(blocking_writes == pure_writes + 1);
    CHECK(pure_writes >= 3);  // the execution, its two step runs, its end
}

namespace {

// A remote API on loopback that counts the calls it answers (an api_call step acts on it).
struct counting_api {
    boost::asio::io_context io;
    http::router r;
    std::atomic<int> calls{0};
    std::unique_ptr<http::server> srv;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard = boost::asio::make_work_guard(io);
    std::thread t;
    counting_api() {
        r.add("POST", "/act", [this](http::request&, http::responder respond) {
            ++calls;
            respond(http::response::json(200, R"({"done": true})"));
        });
        srv = std::make_unique<http::server>(io, r);
        srv->listen("127.0.0.1", 0);
        t = std::thread([this] { io.run(); });
    }
    ~counting_api() {
        srv->stop();
        guard.reset();
        t.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(srv->port()) + "/act"; }
};

// Keeps SQLite's write lock from another connection (a transaction left open) until release()
// or destruction: the module's commits wait meanwhile.
class write_lock_holder {
public:
    explicit write_lock_holder(std::shared_ptr<store::database> db) : db_(std::move(db)) {
        t_ = std::thread([this] {
            db_->in_transaction([this](store::transaction&) {
                std::unique_lock lock(m_);
                locked_ = true;
                cv_.notify_all();
                cv_.wait_for(lock, std::chrono::seconds(20), [this] { return release_; });
            });
        });
        std::unique_lock lock(m_);
        cv_.wait_for(lock, std::chrono::seconds(10), [this] { return locked_; });
    }
    ~write_lock_holder() { release(); }
    bool locked() {
        std::lock_guard lock(m_);
        return locked_;
    }
    void release() {
        {
            std::lock_guard lock(m_);
            release_ = true;
        }
        cv_.notify_all();
        if (t_.joinable()) t_.join();
    }

private:
    std::shared_ptr<store::database> db_;
    std::mutex m_;
    std::condition_variable cv_;
    bool locked_ = false, release_ = false;
    std::thread t_;
};

std::string pure_then_act(const std::string& url) {
    return R"({"name": "pure then act", "steps": [
        {"id": "t", "type": "transform", "value": {"n": "${input.n}"}},
        {"id": "act", "type": "api_call", "method": "POST", "url": ")" + url + R"(", "body": {"n": "${t.n}"},
         "retry": {"max_attempts": 1}}]})";
}

// An engine whose workflow runs the pure step t, then the api_call act on `api`; run once, so
// that the definition is cached and the pools are open.
struct pure_then_act_engine {
    counting_api api;
    engine e;
    http::http_client client{e.module.get_runtime()->io()};
    std::string wf;
    pure_then_act_engine() {
        e.orch->set_http_client(&client);
        e.start();
        wf = e.create(pure_then_act(api.url()));
        REQUIRE(e.run(wf, R"({"n": 0})").status == "completed");
        REQUIRE(api.calls == 1);
    }
    std::size_t steps_completed() { return e.events->of("chainbot.workflow.step.completed").size(); }
    /// @brief execute() on another thread: it returns once the execution's row committed.
    std::future<store::execution> start() {
        return std::async(std::launch::async, [this] {
            orchestrator::execute_request r;
            r.input = json::parse(R"({"n": 7})");
            return e.orch->execute(wf, r);
        });
    }
};

}  // namespace

// A condition's branch runs before the condition's row commits when the execution holds no
// secret (a crash computes it again to the same branch); with a secret (stored masked) the
// branch waits for that commit. Commits are held back by another connection that keeps
// SQLite's write lock from before the execution starts: the execution starts while its row is
// queued (see the next test), the condition decides on the input, and the branch's start shows
// as its step.started event.
TEST_CASE("a condition's branch starts before its commit unless the execution holds a secret",
          "[orchestrator][engine][durability]") {
    engine e;
    e.start();
    const auto wf = e.create(R"({"name": "branch", "type": "conditional", "steps": [
        {"id": "c", "type": "condition", "expression": "input.n > 0", "true_steps": ["b"], "false_steps": []},
        {"id": "b", "type": "transform", "value": {"after": "${input.n}"}}]})");
    REQUIRE(e.run(wf, R"({"n": 0})").status == "completed");  // the definition is cached from here on
    auto b_started = [&](std::size_t before) {
        std::size_t seen = 0;
        for (const auto& ev : e.events->of("chainbot.workflow.step.started"))
            if (ev.at("step_id").as_string() == "b") ++seen;
        return seen > before;
    };
    auto b_started_while_locked = [&](const std::string& input, std::size_t b_before) {
        write_lock_holder held(e.db());
        REQUIRE(held.locked());
        auto started = std::async(std::launch::async, [&] {
            orchestrator::execute_request r;
            r.input = json::parse(input);
            return e.orch->execute(wf, r);
        });
        const bool ran = eventually([&] { return b_started(b_before); }, std::chrono::milliseconds(1500));
        held.release();
        const auto id = started.get().id;
        const auto outcome = e.orch->wait(id, std::chrono::seconds(30));
        REQUIRE(outcome);
        CHECK(outcome->status == "completed");
        CHECK(outcome->output.at("b").at("after") == 1);
        e.orch->flush();
        CHECK(e.history(id).size() == 2);  // c and b, both stored in the end
        return ran;
    };
    CHECK(b_started_while_locked(R"({"n": 1})", 0));
    CHECK_FALSE(b_started_while_locked(R"({"n": 1, "password": "hunter2222"})", 1));  // a secret-named input field
}

// A new execution on a free slot starts while its row is still queued for the writer: its pure
// steps run ahead, and a step that acts on the world waits until its in-flight marker, queued
// behind that row, committed. The commit is held back by another connection that keeps
// SQLite's write lock.
TEST_CASE("a new execution runs its pure steps while its row is written and acts only once it is stored",
          "[orchestrator][engine][durability]") {
    pure_then_act_engine f;
    auto& e = f.e;
    auto& api = f.api;
    write_lock_holder held(e.db());
    REQUIRE(held.locked());
    const auto completed_before = f.steps_completed();
    auto started = f.start();
    // The pure step t completes although nothing can be stored; act does not call out.
    const bool t_ran = eventually([&] { return f.steps_completed() > completed_before; }, std::chrono::seconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const int calls_while_locked = api.calls.load();
    const bool answered_while_locked = started.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    held.release();
    CHECK(t_ran);
    CHECK(calls_while_locked == 1);       // act waited for the row
    CHECK_FALSE(answered_while_locked);  // the caller hears of the execution once it is stored
    const auto record = started.get();
    const auto outcome = e.orch->wait(record.id, std::chrono::seconds(30));
    REQUIRE(outcome);
    CHECK(outcome->status == "completed");
    CHECK(api.calls == 2);
    e.orch->flush();
    const auto runs = e.history(record.id);
    REQUIRE(runs.size() == 2);
    const auto act = std::find_if(runs.begin(), runs.end(), [](const store::step_run& run) { return run.step_id == "act"; });
    REQUIRE(act != runs.end());
    CHECK(act->attempt == 1);  // it ran once
    CHECK(act->status == store::step_status::completed);
}

// When the new execution's row cannot be stored (here: its workflow was removed from the store
// behind the orchestrator's back, whose cache still holds the definition), the caller gets the
// error and the step that acts never runs.
TEST_CASE("a new execution whose row cannot be stored reports the error and never acts",
          "[orchestrator][engine][durability]") {
    pure_then_act_engine f;
    auto& e = f.e;
    e.db()->workflows().remove(f.wf);  // the store only: the definition stays cached
    // The row's write waits for the lock meanwhile step t runs (and act would run, if it could).
    write_lock_holder held(e.db());
    REQUIRE(held.locked());
    const auto completed_before = f.steps_completed();
    auto started = f.start();
    CHECK(eventually([&] { return f.steps_completed() > completed_before; }, std::chrono::seconds(5)));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    held.release();
    CHECK_THROWS(started.get());
    REQUIRE(eventually([&] { return e.orch->running_count() == 0; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(f.api.calls == 1);
    CHECK(e.db()->executions().count({}) == 0);
}

TEST_CASE("a step timeout cancels the step (the task sees it) and fails the execution", "[orchestrator][engine]") {
    engine e;
    std::atomic<bool> saw_cancel{false};
    e.orch->tasks().add("data_processor", "slow", [&](const orchestrator::task_call& c) -> json::value {
        for (int i = 0; i < 500 && !c.cancelled->load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        saw_cancel = c.cancelled->load();
        return nullptr;
    });
    e.start();
    const auto wf = e.create(R"({"name": "t", "steps": [{"id": "s", "type": "agent_task", "agent_type": "data_processor",
        "task": "slow", "timeout_seconds": 0.2, "retry": {"max_attempts": 1}}]})");
    auto out = e.run(wf);
    CHECK(out.status == "failed");
    CHECK(out.error.find("timed out") != std::string::npos);
    for (int i = 0; i < 100 && !saw_cancel; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(saw_cancel);
}

TEST_CASE("on_failure continue goes on and a handler step receives the error", "[orchestrator][engine]") {
    engine e;
    e.orch->tasks().add("data_processor", "boom", [](const orchestrator::task_call&) -> json::value {
        throw orchestrator::step_failure("agent", "kaboom");
    });
    e.start();
    const auto cont = e.create(R"({"name": "c", "steps": [
        {"id": "a", "type": "agent_task", "agent_type": "data_processor", "task": "boom", "on_failure": {"action": "continue"}},
        {"id": "b", "type": "transform", "value": "after"}]})");
    auto out = e.run(cont);
    CHECK(out.status == "completed");
    CHECK(out.output.as_object().at("b") == "after");

    const auto handled = e.create(R"({"name": "h", "steps": [
        {"id": "a", "type": "agent_task", "agent_type": "data_processor", "task": "boom", "retry": {"max_attempts": 1},
         "on_failure": {"action": "handler", "handler": "fix"}},
        {"id": "b", "type": "transform", "value": "${a.recovered}"},
        {"id": "fix", "type": "transform", "value": {"recovered": "${error.message}", "from": "${error.step}"}}]})");
    auto h = e.run(handled);
    REQUIRE(h.status == "completed");
    CHECK(h.output.as_object().at("b") == "kaboom");
    CHECK(h.output.as_object().at("fix").as_object().at("from") == "a");
}

TEST_CASE("a guard that cannot be evaluated fails its step, and with on_failure continue the steps after it run",
          "[orchestrator][engine]") {
    // The failed step's end commits before its successors are released: the execution must not
    // be judged stuck meanwhile ("unsatisfiable dependencies").
    engine e;
    e.start();
    const auto wf = e.create(R"({"name": "g", "steps": [
        {"id": "a", "type": "transform", "value": 1},
        {"id": "b", "type": "transform", "value": 2, "condition": "nosuch.x > 1", "on_failure": {"action": "continue"}},
        {"id": "c", "type": "transform", "value": 3}]})");
    for (int i = 0; i < 20; ++i) {
        auto out = e.run(wf);
        INFO(out.error);
        REQUIRE(out.status == "completed");
        CHECK(out.output.as_object().at("c") == 3);
        CHECK_FALSE(out.output.as_object().contains("b"));
        const auto runs = e.db()->step_runs().list(out.execution_id);
        REQUIRE(runs.size() == 3);
        for (const auto& r : runs) {
            CHECK(r.status == (r.step_id == "b" ? store::step_status::failed : store::step_status::completed));
            CHECK(r.attempt == 1);
            CHECK(r.finished_at);
        }
    }
}

TEST_CASE("loops, parallel branches, transforms, waits, events and succeed/fail steps", "[orchestrator][engine]") {
    engine e;
    e.start();
    const auto wf = e.create(R"({"name": "all", "steps": [
        {"id": "each", "type": "loop", "items": "${input.items}", "steps": [
            {"id": "double", "type": "transform", "transform_type": "expression", "expression": "item * 2"},
            {"id": "label", "type": "transform", "value": "#${index}=${double}"}]},
        {"id": "count", "type": "loop", "range": {"start": 0, "end": 3}, "steps": [{"id": "v", "type": "transform", "value": "${item}"}]},
        {"id": "until", "type": "loop", "while": "length(results) < 4", "max_iterations": 10, "steps": [{"id": "x", "type": "transform", "value": 1}]},
        {"id": "both", "type": "parallel", "steps": [
            {"id": "w1", "type": "wait", "duration_ms": 30}, {"id": "w2", "type": "transform", "value": "fast"}]},
        {"id": "first", "type": "parallel", "join": "first", "steps": [
            {"id": "slow", "type": "wait", "duration": 5}, {"id": "quick", "type": "transform", "value": "q"}]},
        {"id": "parse", "type": "transform", "transform_type": "json_parse", "input": "${input.text}"},
        {"id": "text", "type": "transform", "transform_type": "json_stringify", "value": {"k": "${parse.n}"}},
        {"id": "note", "type": "emit_event", "topic": "batch_done", "payload": {"n": "${parse.n}"}},
        {"id": "done", "type": "succeed", "output": {"labels": "${each.results}", "n": "${parse.n}"}},
        {"id": "never", "type": "fail", "error": "not reached"}]})");
    auto out = e.run(wf, R"({"items": [1, 2, 3], "text": "{\"n\": 7}"})");
    INFO(out.error);
    REQUIRE(out.status == "completed");
    const auto& o = out.output.as_object();
    CHECK(o.at("n").as_int64() == 7);
    const auto& labels = o.at("labels").as_array();
    REQUIRE(labels.size() == 3);
    CHECK(labels[2].as_object().at("label") == "#2=6");
    auto runs = e.history(out.execution_id);
    auto status = latest_status(runs);
    CHECK(status.count("never") == 0);  // succeed ended the execution before it
    const auto notes = e.events->of("chainbot.custom.batch_done");
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].at("payload").as_object().at("n").as_int64() == 7);
    // Outputs of the loops and the parallel joins are in the step history.
    for (const auto& r : runs) {
        if (r.step_id == "count") CHECK(json::parse(*r.output).as_object().at("count").as_int64() == 3);
        if (r.step_id == "until") CHECK(json::parse(*r.output).as_object().at("count").as_int64() == 4);
        if (r.step_id == "first") CHECK(json::parse(*r.output).as_object().at("first") == "quick");
        if (r.step_id == "text") CHECK(json::parse(*r.output) == R"({"k":7})");
    }

    const auto failing = e.create(R"({"name": "f", "steps": [{"id": "stop", "type": "fail", "error": "bad input ${input.why}"}]})");
    auto f = e.run(failing, R"({"why": "empty"})");
    CHECK(f.status == "failed");
    CHECK(f.error.find("bad input empty") != std::string::npos);
    CHECK(e.events->of("chainbot.workflow.failed").size() == 1);
}

TEST_CASE("a type error in a condition fails that step with a clear message, not the process", "[orchestrator][engine]") {
    engine e;
    e.start();
    const auto wf = e.create(R"({"name": "te", "steps": [
        {"id": "c", "type": "condition", "expression": "input.name > 3", "true_steps": [], "false_steps": []}]})");
    auto out = e.run(wf, R"({"name": "text"})");
    CHECK(out.status == "failed");
    CHECK(out.error.find("input.name > 3") != std::string::npos);
}

TEST_CASE("sub-workflows run as executions of their own", "[orchestrator][engine]") {
    engine e;
    e.start();
    const auto child = e.create(R"({"name": "child", "steps": [{"id": "sq", "type": "transform", "transform_type": "expression", "expression": "input.n * input.n"}]})");
    const auto parent = e.create(R"({"name": "parent", "steps": [
        {"id": "call", "type": "sub_workflow", "workflow_id": ")" + child + R"(", "input": {"n": "${input.n}"}},
        {"id": "result", "type": "transform", "value": "${call.output.sq}"}]})");
    auto out = e.run(parent, R"({"n": 9})");
    REQUIRE(out.status == "completed");
    CHECK(out.output.as_object().at("result").as_int64() == 81);
    CHECK(e.db()->executions().count({child, std::nullopt, std::nullopt}) == 1);
}

// A sub_workflow step starts its child synchronously on the parent's strand (an I/O thread)
// and waits for the child's row to be stored: that answer must not need a free I/O thread.
// Many parents at once would otherwise hold every I/O thread waiting (a version that posted
// the answer to the I/O threads hung here).
TEST_CASE("many sub_workflow steps starting their children at once all complete", "[orchestrator][engine]") {
    engine e(R"("workflow": {"max_concurrent_executions": 64})");
    e.start();
    const auto child = e.create(R"({"name": "child", "steps": [{"id": "sq", "type": "transform", "transform_type": "expression", "expression": "input.n * input.n"}]})");
    const auto parent = e.create(R"({"name": "parent", "steps": [
        {"id": "call", "type": "sub_workflow", "workflow_id": ")" + child + R"(", "input": {"n": "${input.n}"}},
        {"id": "result", "type": "transform", "value": "${call.output.sq}"}]})");
    std::vector<std::string> ids;
    for (int i = 0; i < 24; ++i) {
        orchestrator::execute_request r;
        r.input = json::object{{"n", i}};
        ids.push_back(e.orch->execute(parent, r).id);
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto out = e.orch->wait(ids[i], std::chrono::seconds(30));
        REQUIRE(out);
        CHECK(out->status == "completed");
        CHECK(out->output.at("result").as_int64() == static_cast<std::int64_t>(i * i));
    }
}

TEST_CASE("gpio steps run through the hardware hook with their pin and action", "[orchestrator][engine][gpio]") {
    // The GPIO hardware is a stand-in here (no gpiochip exists on this machine): the hook
    // records the calls the hardware service would receive.
    engine e(R"("raspberry_pi": {"gpio_allowed_pins": [17]})");
    std::mutex m;
    std::vector<std::string> calls;
    e.orch->set_gpio([&](const json::object& step) -> json::value {
        std::lock_guard lock(m);
        calls.push_back(std::string(step.at("action").as_string()) + ":" + std::to_string(step.at("pin").as_int64()));
        return json::object{{"pin", step.at("pin")}, {"value", true}};
    });
    e.start();
    const auto wf = e.create(R"({"name": "blink", "steps": [
        {"id": "on", "type": "gpio", "action": "set", "pin": 17, "value": true},
        {"id": "check", "type": "gpio", "action": "read", "pin": 17},
        {"id": "seen", "type": "transform", "value": "${check.value}"}]})");
    auto out = e.run(wf);
    REQUIRE(out.status == "completed");
    CHECK(out.output.as_object().at("seen") == true);
    std::lock_guard lock(m);
    CHECK(calls == std::vector<std::string>{"set:17", "read:17"});
    // A pin outside the allowlist is refused when the workflow is created, not when it runs.
    CHECK_THROWS_AS(e.create(R"({"name": "bad", "steps": [{"id": "x", "type": "gpio", "action": "set", "pin": 4}]})"),
                    orchestrator::validation_error);
}

TEST_CASE("an execution's transitions commit in order, also while one of them is retried", "[orchestrator][engine][durability]") {
    engine e;
    e.start();
    const auto wf = e.create(R"({"name": "ordered", "steps": [
        {"id": "t1", "type": "transform", "value": 1},
        {"id": "t2", "type": "transform", "value": "${t1}"},
        {"id": "t3", "type": "transform", "value": "${t2}"}]})");
    // t1's row is refused by the store until the trigger goes: its write fails and is retried.
    // t2, t3 and the execution's end do not wait for it (transforms) and must not commit first.
    soci::session sql(soci::sqlite3, "db=" + (e.dir.path() / "chainbot.db").string() + " timeout=10");
    sql << "CREATE TRIGGER refuse_t1 BEFORE INSERT ON step_runs WHEN NEW.step_id = 't1' "
           "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END";
    const auto id = e.orch->execute(wf, {}).id;
    CHECK_FALSE(e.orch->wait(id, std::chrono::milliseconds(700)));
    {
        auto stored = e.db()->executions().get(id);
        REQUIRE(stored);
        CHECK(stored->status == store::execution_status::running);  // not completed ahead of t1's row
        CHECK(e.history(id).empty());  // t2 and t3 wait behind t1 too
    }
    sql << "DROP TRIGGER refuse_t1";
    const auto out = e.orch->wait(id, std::chrono::seconds(20));
    REQUIRE(out);
    CHECK(out->status == "completed");
    e.orch->flush();
    const auto runs = e.history(id);
    REQUIRE(runs.size() == 3);
    for (const auto& r : runs) CHECK(r.status == store::step_status::completed);
    CHECK(e.db()->executions().get(id)->status == store::execution_status::completed);
}

// A completion that throws must not end the group-commit writer's drain loop (its thread, and
// with it every later commit): what it threw goes to the writer's error reporter.
TEST_CASE("the group-commit writer reports a completion that throws and goes on committing", "[orchestrator][writer]") {
    engine e;
    e.start();
    std::mutex m;
    std::vector<std::string> reported;
    std::atomic<int> completed{0};
    {
        orchestrator::transition_writer writer(e.db(), 256, 65536, [&](const std::string& what) {
            std::lock_guard lock(m);
            reported.push_back(what);
        });
        const auto nothing = [](store::transaction&) {};
        REQUIRE(writer.submit(nothing, [](std::exception_ptr) { throw std::runtime_error("completion failed"); }));
        REQUIRE(writer.submit(nothing, [](std::exception_ptr) { throw 42; }));
        writer.flush();
        REQUIRE(writer.submit(nothing, [&](std::exception_ptr error) {
            if (!error) ++completed;
        }));
        writer.flush();
    }  // the destructor joins the writer's thread: it is still running
    CHECK(completed == 1);
    std::lock_guard lock(m);
    CHECK(reported == std::vector<std::string>{"completion failed", "a completion threw an exception of unknown type"});
}
