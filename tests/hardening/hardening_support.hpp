#pragma once
// Shared by the fault-injection tests: the marker file the workload's task writes, the
// checks that every execution's history is whole, the PostgreSQL server switch, and the
// figures each test prints (a line starting with "HARDENING", kept in ctest's LastTest.log).

#include "store/database.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace chainbot::test {

/// @brief One figure line on stdout: "HARDENING <text>".
inline void report(const char* format, ...) {
    std::va_list args;
    va_start(args, format);
    std::printf("HARDENING ");
    std::vprintf(format, args);
    std::printf("\n");
    std::fflush(stdout);
    va_end(args);
}

inline std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) out.push_back(l);
    return out;
}

/// @brief What the marker file says: every run of a step by the task, in the order they ran.
struct marker_runs {
    struct run {
        std::string execution, step, attempt, key;
    };
    std::vector<run> runs;

    static marker_runs from_lines(const std::vector<std::string>& lines) {
        marker_runs m;
        for (const auto& l : lines) {
            std::istringstream in(l);
            run r;
            in >> r.execution >> r.step >> r.attempt >> r.key;
            m.runs.push_back(r);
        }
        return m;
    }
    static marker_runs from_file(const std::string& path) { return from_lines(lines_of(path)); }

    /// @brief (execution, step) pairs that ran at least once.
    std::size_t distinct() const {
        std::set<std::pair<std::string, std::string>> s;
        for (const auto& r : runs) s.insert({r.execution, r.step});
        return s.size();
    }
};

/// @brief The figures of a workload's check.
struct history_figures {
    std::size_t runs = 0;     // task runs seen in the marker
    std::size_t reruns = 0;   // runs beyond the first of a step (all with the step's one key)
    std::size_t max_reruns_per_execution = 0;
};

/// @brief Checks, for workflows whose steps are "s1".."s<steps>" run in sequence:
/// - the store: every execution completed, every step completed exactly once;
/// - the task's side: every step ran, a step that ran more than once did so with one
///   idempotency key (an in-flight step run again), and per execution the steps ran in order
///   (a step never ran after its successor had started: no completed step ran again).
inline history_figures check_histories(store::database& db, const std::vector<std::string>& ids, int steps,
                                       const marker_runs& marker) {
    history_figures f;
    for (const auto& id : ids) {
        INFO("execution " << id);
        const auto e = db.executions().get(id);
        REQUIRE(e);
        INFO("status " << store::to_string(e->status) << (e->error ? " error " + *e->error : std::string()));
        CHECK(e->status == store::execution_status::completed);
        std::map<std::string, int> completed;
        for (const auto& r : db.step_runs().list(id))
            if (r.status == store::step_status::completed) ++completed[r.step_id];
        CHECK(completed.size() == static_cast<std::size_t>(steps));
        for (const auto& [step, n] : completed) {
            INFO("step " << step);
            CHECK(n == 1);
        }
    }
    std::map<std::pair<std::string, std::string>, std::set<std::string>> keys;
    std::map<std::pair<std::string, std::string>, int> runs;
    std::map<std::string, int> last_step;  // per execution: the highest step number seen so far
    std::map<std::string, std::size_t> reruns_of;
    bool in_order = true;
    for (const auto& r : marker.runs) {
        keys[{r.execution, r.step}].insert(r.key);
        ++runs[{r.execution, r.step}];
        const int n = std::stoi(r.step.substr(1));
        auto& last = last_step[r.execution];
        if (n < last) in_order = false;
        last = std::max(last, n);
    }
    f.runs = marker.runs.size();
    CHECK(runs.size() == ids.size() * static_cast<std::size_t>(steps));
    for (const auto& [k, n] : runs) {
        INFO("execution " << k.first << " step " << k.second << " ran " << n << " times");
        CHECK(keys[k].size() == 1);  // the same idempotency key every time
        if (n > 1) {
            f.reruns += static_cast<std::size_t>(n - 1);
            reruns_of[k.first] += static_cast<std::size_t>(n - 1);
        }
    }
    for (const auto& [exec, n] : reruns_of) f.max_reruns_per_execution = std::max(f.max_reruns_per_execution, n);
    CHECK(in_order);
    return f;
}

inline double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace chainbot::test
