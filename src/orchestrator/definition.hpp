#pragma once
// A workflow definition: parsed from the JSON users write, validated completely, then
// immutable. The orchestrator runs definitions; a definition outlives its executions.
//
// Dependencies: `depends_on` when given; otherwise sequential and conditional workflows
// chain each top-level step after the previous one, the steps named by a condition's
// true_steps/false_steps run after it (in list order within a branch) and the next
// top-level step waits for every branch end; parallel workflows start every top-level
// step at once.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace chainbot::orchestrator {

enum class step_kind {
    agent_task, api_call, condition, parallel, loop, wait, sub_workflow, transform,
    emit_event, fail, succeed, webhook, notification, gpio
};
std::string_view to_string(step_kind k) noexcept;
std::optional<step_kind> parse_step_kind(std::string_view s) noexcept;

enum class workflow_kind { sequential, conditional, parallel, dag };

/// @brief What happens when a step fails after its retries.
enum class failure_action { fail, continue_on, handler };

struct retry_policy {
    int max_attempts = 1;  // attempts in all, >= 1
    std::chrono::milliseconds initial_backoff{200};
    double multiplier = 2.0;
    std::chrono::milliseconds max_backoff{30000};
    std::vector<std::string> retry_on;  // error kinds that retry; empty = every kind
};

struct step_def {
    std::string id;
    step_kind kind = step_kind::transform;
    std::string json_path;          // "$.steps[2]" (or nested "$.steps[1].steps[0]")
    boost::json::object raw;        // the step as written; kind-specific fields are read from it
    std::vector<std::string> depends_on;  // resolved predecessors (top level only)
    std::optional<std::string> condition;       // skip the step when false (compat field)
    std::optional<std::string> output_variable;  // also store the output under this name
    retry_policy retry;
    std::optional<std::chrono::milliseconds> timeout;
    failure_action on_failure = failure_action::fail;
    std::optional<std::string> handler;  // step id run with ${error} when on_failure = handler
    // condition
    std::string expression;
    std::vector<std::string> true_steps, false_steps;
    // parallel / loop: nested steps run inside this step
    std::vector<std::shared_ptr<const step_def>> children;
    bool is_branch_target = false;  // named by a condition's true_steps/false_steps
    bool is_handler = false;        // named as some step's handler: runs only on that failure
};

struct workflow_definition {
    std::string name;
    std::string description;
    workflow_kind kind = workflow_kind::sequential;
    std::vector<std::shared_ptr<const step_def>> steps;  // top level, in written order
    std::map<std::string, std::size_t> index;           // top-level id -> position
    std::optional<std::chrono::milliseconds> timeout;    // timeout_hours
    bool ephemeral = false;                               // keep state in memory only
    std::optional<std::string> webhook;                  // POST /webhooks/{webhook} starts it
    boost::json::object raw;

    const step_def* find(const std::string& id) const;
};

/// @brief One problem found by validation, at a JSON path of the definition.
struct problem {
    std::string path;
    std::string message;
};

/// @brief The definition is invalid; problems() lists every problem with its path.
class validation_error : public std::runtime_error {
public:
    explicit validation_error(std::vector<problem> problems);
    const std::vector<problem>& problems() const noexcept { return problems_; }

private:
    std::vector<problem> problems_;
};

/// @brief What validation needs to know from outside the definition.
struct validation_options {
    std::vector<std::string> agent_types{"assistant", "data_processor", "api", "workflow"};
    int default_retry_attempts = 3;  // workflow.retry_attempts: attempts after the first
    int max_loop_iterations = 10000;
    std::vector<int> gpio_allowed_pins;
};

/// @brief Parses and validates; throws validation_error listing every problem.
std::shared_ptr<const workflow_definition> parse_definition(const boost::json::value& doc,
                                                            const validation_options& options = {});

}  // namespace chainbot::orchestrator
