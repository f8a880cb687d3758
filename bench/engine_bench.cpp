// Engine micro-benchmarks, no HTTP: steps/s of long sequential and wide parallel workflows
// through the orchestrator, in memory (ephemeral executions), on SQLite (synchronous NORMAL,
// the product's setting, and FULL) and on PostgreSQL; p50/p99 step dispatch latency.
//
//   engine_bench [--mode memory|sqlite-normal|sqlite-full|postgres|all] [--seconds S] [--runs R]
//                [--pg-url URL] [--dir DIR]
//
// Prints one line per figure: "ENGINE <mode> <shape> <steps/s> <cpu-steps/s> ..." and
// "LATENCY <mode> p50_us p99_us", medians of R runs. PostgreSQL needs --pg-url or
// $CHAINBOT_TEST_PG_URL (scripts/with-postgres.sh sets it).
#include "orchestrator/orchestrator.hpp"
#include "runtime/runtime.hpp"
#include "store/database.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <vector>

using namespace chainbot;
namespace json = boost::json;
using clk = std::chrono::steady_clock;

namespace {

// The store as a service, opened with the options given (sqlite_synchronous is not a
// configuration key of the module, so the benchmark opens the store itself).
class bench_store final : public service {
public:
    explicit bench_store(store::store_options o) : options_(std::move(o)) {}
    std::string_view name() const override { return "store"; }
    void start(runtime&) override {
        db_ = store::database::open(options_);
        db_->migrate();
    }
    void stop() noexcept override {}
    std::shared_ptr<store::database> db() const { return db_; }

private:
    store::store_options options_;
    std::shared_ptr<store::database> db_;
};

// Timestamps of step completions (the engine publishes chainbot.workflow.step.completed
// after the step's record is committed, before its successors are dispatched).
struct step_clock final : events::observer {
    std::mutex mutex;
    bool on = false;
    std::vector<clk::time_point> stamps;
    void on_event(const events::event& e) override {
        if (e.topic != "chainbot.workflow.step.completed") return;
        std::lock_guard lock(mutex);
        if (on) stamps.push_back(clk::now());
    }
};

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string chain(const std::string& type, int steps, bool ephemeral) {
    json::array s;
    for (int i = 0; i < steps; ++i)
        s.push_back(json::object{{"id", "s" + std::to_string(i)}, {"type", "transform"}, {"transform_type", "expression"},
                                 {"expression", "input.x + " + std::to_string(i)}});
    json::object wf{{"name", type + " " + std::to_string(steps)}, {"type", type}, {"steps", std::move(s)}};
    if (ephemeral) wf["ephemeral"] = true;
    return json::serialize(wf);
}

struct engine {
    std::filesystem::path dir;
    std::unique_ptr<runtime> rt;
    std::shared_ptr<bench_store> store;
    std::shared_ptr<orchestrator::orchestrator> orch;
    std::shared_ptr<step_clock> clock = std::make_shared<step_clock>();

    engine(const std::filesystem::path& d, const std::string& url, const std::string& synchronous, int concurrency) : dir(d) {
        std::filesystem::create_directories(dir);
        config::settings s;
        s.module.data_dir = dir.string();
        s.database.url = url;
        s.workflow.max_concurrent_executions = concurrency;
        // batch() submits every execution at once: the queue must hold them all (the default
        // bound, 1000, refuses the rest with queue_full).
        s.workflow.max_queued_executions = 1'000'000;
        s.workflow.retry_attempts = 0;
        s.logging.level = log_level::warning;
        s.raspberry_pi.enable_hardware_monitoring = false;
        rt = std::make_unique<runtime>(s, host_services{});
        store::store_options o;
        o.url = url;
        o.sqlite_synchronous = synchronous;
        store = std::make_shared<bench_store>(o);
        auto st = store;
        orch = std::make_shared<orchestrator::orchestrator>([st] { return st->db(); });
        rt->add_service(store);
        rt->add_service(orch);
        rt->events().add_observer(clock);
        rt->start();
    }
    ~engine() { rt->stop(); }

    std::string create(const std::string& def) { return orch->create_workflow(json::parse(def)).workflow_id; }

    // Runs `executions` executions of `wf` (all submitted at once: the orchestrator runs
    // max_concurrent_executions of them at a time); returns the wall seconds.
    double batch(const std::string& wf, int executions, bool ephemeral) {
        std::mutex m;
        std::condition_variable cv;
        int done = 0, failed = 0;
        const auto t0 = clk::now();
        for (int i = 0; i < executions; ++i) {
            orchestrator::execute_request req;
            req.input = json::object{{"x", i}};
            req.ephemeral = ephemeral;
            orch->execute(wf, req, [&](orchestrator::execution_outcome o) {
                std::lock_guard lock(m);
                if (o.status != "completed") {
                    if (++failed == 1) std::cerr << "execution " << o.status << ": " << o.error << "\n";
                }
                ++done;
                cv.notify_all();
            });
        }
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return done == executions; });
        const double secs = std::chrono::duration<double>(clk::now() - t0).count();
        lock.unlock();
        orch->flush();
        if (failed) throw std::runtime_error(std::to_string(failed) + " executions did not complete");
        return secs;
    }
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

struct options {
    std::string modes = "all";
    double seconds = 1.5;
    int runs = 3;
    std::string pg_url;
    std::filesystem::path dir;
    int steps = 100;
    int concurrency = 16;
};

void run_mode(const options& opt, const std::string& mode) {
    std::string url, sync = "NORMAL";
    const bool memory = mode == "memory";
    auto dir = opt.dir / mode;
    std::filesystem::remove_all(dir);
    if (mode == "postgres") {
        url = opt.pg_url;
        if (url.empty()) {
            std::cout << "SKIP postgres (no --pg-url or CHAINBOT_TEST_PG_URL)\n";
            return;
        }
    } else {
        url = "sqlite:///" + (dir / "chainbot.db").string();
        if (mode == "sqlite-full") sync = "FULL";
    }
    engine e(dir, url, sync, opt.concurrency);
    for (const std::string shape : {"sequential", "parallel"}) {
        const auto wf = e.create(chain(shape, opt.steps, false));
        // Warm up, and size a batch to take about opt.seconds.
        int n = 4;
        double secs = e.batch(wf, n, memory);
        while (secs < opt.seconds / 4 && n < 1 << 20) {
            n *= 2;
            secs = e.batch(wf, n, memory);
        }
        n = std::max(1, int(n * opt.seconds / std::max(secs, 1e-3)));
        std::vector<double> rates, cpu_rates;
        for (int r = 0; r < opt.runs; ++r) {
            const double c0 = cpu_seconds();
            const double s = e.batch(wf, n, memory);
            const double c = cpu_seconds() - c0;
            rates.push_back(double(n) * opt.steps / s);
            cpu_rates.push_back(double(n) * opt.steps / std::max(c, 1e-6));
        }
        std::printf("ENGINE %s %s %.0f %.0f executions=%d steps_per_execution=%d concurrency=%d synchronous=%s\n",
                    mode.c_str(), shape.c_str(), median(rates), median(cpu_rates), n, opt.steps, opt.concurrency,
                    memory ? "-" : (mode == "postgres" ? "pg-default" : sync.c_str()));
        std::fflush(stdout);
    }
    // Dispatch latency: one long sequential execution at a time (2000 steps in memory, 300 durably); the gap between one step's
    // completion and the next one's is the engine's per-step overhead (dispatch, evaluation,
    // and for durable modes the step's commit).
    const int len = memory ? 2000 : 300;  // durable steps take a commit each: keep the run short
    const auto wf = e.create(chain("sequential", len, false));
    e.batch(wf, 1, memory);
    std::vector<double> gaps;
    for (int r = 0; r < opt.runs; ++r) {
        {
            std::lock_guard lock(e.clock->mutex);
            e.clock->stamps.clear();
            e.clock->on = true;
        }
        e.batch(wf, 1, memory);
        std::lock_guard lock(e.clock->mutex);
        e.clock->on = false;
        for (std::size_t i = 1; i < e.clock->stamps.size(); ++i)
            gaps.push_back(std::chrono::duration<double, std::micro>(e.clock->stamps[i] - e.clock->stamps[i - 1]).count());
    }
    std::sort(gaps.begin(), gaps.end());
    auto pct = [&](double p) { return gaps.empty() ? 0.0 : gaps[std::min(gaps.size() - 1, std::size_t(p * gaps.size()))]; };
    std::printf("LATENCY %s %.1f %.1f samples=%zu\n", mode.c_str(), pct(0.50), pct(0.99), gaps.size());
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    options opt;
    if (const char* pg = std::getenv("CHAINBOT_TEST_PG_URL")) opt.pg_url = pg;
    opt.dir = std::filesystem::temp_directory_path() / ("chainbot-engine-bench-" + std::to_string(std::random_device{}()));
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
            return argv[++i];
        };
        if (a == "--mode") opt.modes = next();
        else if (a == "--seconds") opt.seconds = std::stod(next());
        else if (a == "--runs") opt.runs = std::stoi(next());
        else if (a == "--pg-url") opt.pg_url = next();
        else if (a == "--dir") opt.dir = next();
        else if (a == "--steps") opt.steps = std::stoi(next());
        else if (a == "--concurrency") opt.concurrency = std::stoi(next());
        else {
            std::cerr << "usage: engine_bench [--mode memory|sqlite-normal|sqlite-full|postgres|all] [--seconds S] [--runs R]"
                         " [--pg-url URL] [--dir DIR] [--steps N] [--concurrency C]\n";
            return 2;
        }
    }
    std::vector<std::string> modes;
    if (opt.modes == "all") modes = {"memory", "sqlite-normal", "sqlite-full", "postgres"};
    else modes = {opt.modes};
    int status = 0;
    for (const auto& m : modes) {
        try {
            run_mode(opt, m);
        } catch (const std::exception& e) {
            std::cerr << "engine_bench " << m << ": " << e.what() << "\n";
            status = 1;
        }
    }
    std::error_code ec;
    std::filesystem::remove_all(opt.dir, ec);
    return status;
}
