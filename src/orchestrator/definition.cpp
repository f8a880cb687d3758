#include "orchestrator/definition.hpp"

#include "orchestrator/expressions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <functional>
#include <set>

namespace chainbot::orchestrator {

namespace json = boost::json;

namespace {

constexpr std::pair<step_kind, std::string_view> kind_names[] = {
    {step_kind::agent_task, "agent_task"}, {step_kind::api_call, "api_call"},
    {step_kind::condition, "condition"},   {step_kind::parallel, "parallel"},
    {step_kind::loop, "loop"},             {step_kind::wait, "wait"},
    {step_kind::sub_workflow, "sub_workflow"}, {step_kind::transform, "transform"},
    {step_kind::emit_event, "emit_event"}, {step_kind::fail, "fail"},
    {step_kind::succeed, "succeed"},       {step_kind::webhook, "webhook"},
    {step_kind::notification, "notification"}, {step_kind::gpio, "gpio"},
};

// Timeouts and waits are at most a year (and the retry multiplier at most 1000): the engine turns
// them into milliseconds and time points, which larger numbers would overflow.
constexpr double max_seconds = 365.0 * 24 * 3600;
constexpr double max_multiplier = 1000;

bool valid_id(std::string_view id) {
    return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

// A webhook name is a URL path segment that needs no escaping ("." and ".." would be
// removed from the path by clients).
bool valid_webhook_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && name != "." && name != ".." && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
    });
}

bool valid_identifier(std::string_view id) {
    return !id.empty() && (std::isalpha(static_cast<unsigned char>(id[0])) || id[0] == '_') &&
           std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// Collects problems while the definition is read; never throws until the end.
class reader {
public:
    explicit reader(const validation_options& o) : opts_(o) {}

    std::vector<problem> problems;

    void add(std::string path, std::string message) { problems.push_back({std::move(path), std::move(message)}); }

    const json::string* string_field(const json::object& o, std::string_view key, const std::string& path,
                                     bool required) {
        const auto* v = o.if_contains(key);
        if (!v) {
            if (required) add(path, fmt::format("missing required field '{}'", key));
            return nullptr;
        }
        if (!v->is_string() || v->as_string().empty()) {
            add(path + "." + std::string(key), "expected a non-empty string");
            return nullptr;
        }
        return &v->as_string();
    }

    // `max` keeps what the engine derives from the number (milliseconds, time points) in range.
    std::optional<double> number_field(const json::object& o, std::string_view key, const std::string& path,
                                       double min_exclusive, double max = std::numeric_limits<double>::max()) {
        const auto* v = o.if_contains(key);
        if (!v) return std::nullopt;
        if (!v->is_number()) {
            add(path + "." + std::string(key), "expected a number");
            return std::nullopt;
        }
        const double d = v->to_number<double>();
        if (!(d > min_exclusive)) {
            add(path + "." + std::string(key), fmt::format("expected a number > {}, got {}", min_exclusive, d));
            return std::nullopt;
        }
        if (!(d <= max)) {
            add(path + "." + std::string(key), fmt::format("expected a number of at most {}, got {}", max, d));
            return std::nullopt;
        }
        return d;
    }

    std::optional<std::int64_t> int_field(const json::object& o, std::string_view key, const std::string& path,
                                          std::int64_t min, std::int64_t max) {
        const auto* v = o.if_contains(key);
        if (!v) return std::nullopt;
        std::int64_t i = 0;
        if (v->is_int64()) i = v->as_int64();
        else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(max)) i = static_cast<std::int64_t>(v->as_uint64());
        else if (v->is_double() && v->as_double() == std::trunc(v->as_double())) {
            // Compared as a double first: casting one outside int64's range is undefined.
            const double d = v->as_double();
            if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
                add(path + "." + std::string(key), fmt::format("expected an integer from {} to {}, got {}", min, max, d));
                return std::nullopt;
            }
            i = static_cast<std::int64_t>(d);
        } else {
            add(path + "." + std::string(key), "expected an integer");
            return std::nullopt;
        }
        if (i < min || i > max) {
            add(path + "." + std::string(key), fmt::format("expected an integer from {} to {}, got {}", min, max, i));
            return std::nullopt;
        }
        return i;
    }

    std::vector<std::string> id_list(const json::object& o, std::string_view key, const std::string& path) {
        std::vector<std::string> out;
        const auto* v = o.if_contains(key);
        if (!v) return out;
        if (!v->is_array()) {
            add(path + "." + std::string(key), "expected an array of step ids");
            return out;
        }
        for (std::size_t i = 0; i < v->as_array().size(); ++i) {
            const auto& e = v->as_array()[i];
            if (!e.is_string()) add(fmt::format("{}.{}[{}]", path, key, i), "expected a step id string");
            else out.emplace_back(e.as_string());
        }
        return out;
    }

    void expression(std::string_view src, const std::string& path) {
        if (auto err = check_expression(src)) add(path, *err);
    }

    // Every string under `v` that contains ${ must be a valid template.
    void templates(const json::value& v, const std::string& path) {
        if (v.is_string()) {
            if (auto err = check_template(v.as_string())) add(path, *err);
        } else if (v.is_array()) {
            for (std::size_t i = 0; i < v.as_array().size(); ++i) templates(v.as_array()[i], fmt::format("{}[{}]", path, i));
        } else if (v.is_object()) {
            for (const auto& kv : v.as_object()) templates(kv.value(), path + "." + std::string(kv.key()));
        }
    }

    std::shared_ptr<step_def> step(const json::value& v, const std::string& path, std::set<std::string>& seen_ids);

private:
    void retry_and_failure(const json::object& o, const std::string& path, step_def& s);
    void kind_fields(const json::object& o, const std::string& path, step_def& s, std::set<std::string>& seen_ids);
    const validation_options& opts_;
};

void reader::retry_and_failure(const json::object& o, const std::string& path, step_def& s) {
    s.retry.max_attempts = 1 + opts_.default_retry_attempts;
    if (const auto* r = o.if_contains("retry")) {
        if (!r->is_object()) {
            add(path + ".retry", "expected an object {max_attempts, initial_backoff_ms, multiplier, max_backoff_ms, retry_on}");
        } else {
            const auto& ro = r->as_object();
            const auto rp = path + ".retry";
            if (auto n = int_field(ro, "max_attempts", rp, 1, 100)) s.retry.max_attempts = static_cast<int>(*n);
            if (auto n = int_field(ro, "initial_backoff_ms", rp, 0, 3600000)) s.retry.initial_backoff = std::chrono::milliseconds(*n);
            if (auto n = int_field(ro, "max_backoff_ms", rp, 0, 3600000)) s.retry.max_backoff = std::chrono::milliseconds(*n);
            if (auto m = number_field(ro, "multiplier", rp, 0.0, max_multiplier)) s.retry.multiplier = *m;
            s.retry.retry_on = id_list(ro, "retry_on", rp);
        }
    }
    if (auto t = number_field(o, "timeout_seconds", path, 0.0, max_seconds))
        s.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(*t * 1000));
    // The original ChainBot's on_failure: {"action": "retry"|"continue"|"fail", "max_retries": n}.
    if (const auto* f = o.if_contains("on_failure")) {
        const auto fp = path + ".on_failure";
        std::string action;
        const json::object* fo = nullptr;
        if (f->is_string()) action = f->as_string();
        else if (f->is_object()) {
            fo = &f->as_object();
            if (const auto* a = fo->if_contains("action"); a && a->is_string()) action = a->as_string();
            else add(fp + ".action", "expected one of retry, continue, fail, handler");
        } else {
            add(fp, "expected an object {\"action\": ..., \"max_retries\": n} or an action name");
        }
        if (action == "continue") s.on_failure = failure_action::continue_on;
        else if (action == "fail") s.on_failure = failure_action::fail;
        else if (action == "retry") {
            if (fo) {
                if (auto n = int_field(*fo, "max_retries", fp, 0, 100)) s.retry.max_attempts = 1 + static_cast<int>(*n);
            }
        } else if (action == "handler") {
            s.on_failure = failure_action::handler;
            if (const auto* h = fo ? string_field(*fo, "handler", fp, true) : nullptr) s.handler = std::string(*h);
            if (!fo) add(fp, "the handler action needs an object naming the handler step");
        } else if (!action.empty()) {
            add(fp + ".action", fmt::format("expected one of retry, continue, fail, handler, got '{}'", action));
        }
    }
    if (const auto* h = o.if_contains("on_error")) {  // shorthand: "on_error": "handler_step"
        if (h->is_string()) {
            s.on_failure = failure_action::handler;
            s.handler = std::string(h->as_string());
        } else {
            add(path + ".on_error", "expected the id of a handler step");
        }
    }
}

void reader::kind_fields(const json::object& o, const std::string& path, step_def& s, std::set<std::string>& seen) {
    auto nested = [&](std::string_view key, bool required) {
        const auto* v = o.if_contains(key);
        if (!v) {
            if (required) add(path, fmt::format("missing required field '{}'", key));
            return;
        }
        if (!v->is_array() || v->as_array().empty()) {
            add(path + "." + std::string(key), "expected a non-empty array of steps");
            return;
        }
        for (std::size_t i = 0; i < v->as_array().size(); ++i)
            if (auto child = step(v->as_array()[i], fmt::format("{}.{}[{}]", path, key, i), seen))
                s.children.push_back(std::move(child));
    };
    switch (s.kind) {
        case step_kind::agent_task: {
            if (const auto* t = string_field(o, "agent_type", path, true)) {
                const auto& types = opts_.agent_types;
                if (std::find(types.begin(), types.end(), std::string_view(*t)) == types.end())
                    add(path + ".agent_type", fmt::format("unknown agent type '{}' (known: {})", std::string_view(*t),
                                                          fmt::join(types, ", ")));
            }
            string_field(o, "task", path, true);
            if (const auto* c = o.if_contains("config"); c && !c->is_object()) add(path + ".config", "expected an object");
            break;
        }
        case step_kind::api_call:
        case step_kind::webhook: {
            if (const auto* u = string_field(o, "url", path, true)) {
                const std::string_view url(*u);
                if (url.find("${") != 0 && url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
                    add(path + ".url", "expected an http:// or https:// URL");
            }
            if (const auto* m = string_field(o, "method", path, false)) {
                static const std::set<std::string_view> methods{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
                if (!methods.count(std::string_view(*m)))
                    add(path + ".method", fmt::format("expected GET, POST, PUT, PATCH, DELETE or HEAD, got '{}'", std::string_view(*m)));
            }
            if (const auto* h = o.if_contains("headers")) {
                if (!h->is_object()) add(path + ".headers", "expected an object of header names to strings");
                else
                    for (const auto& kv : h->as_object())
                        if (!kv.value().is_string()) add(path + ".headers." + std::string(kv.key()), "expected a string");
            }
            break;
        }
        case step_kind::condition: {
            if (const auto* e = string_field(o, "expression", path, true)) {
                s.expression = std::string(*e);
                expression(s.expression, path + ".expression");
            }
            s.true_steps = id_list(o, "true_steps", path);
            s.false_steps = id_list(o, "false_steps", path);
            break;
        }
        case step_kind::parallel: {
            nested("steps", true);
            if (const auto* j = string_field(o, "join", path, false); j && *j != "all" && *j != "first")
                add(path + ".join", "expected \"all\" or \"first\"");
            if (const auto* m = string_field(o, "mode", path, false); m && *m != "fail_fast" && *m != "collect")
                add(path + ".mode", "expected \"fail_fast\" or \"collect\"");
            break;
        }
        case step_kind::loop: {
            nested("steps", true);
            const bool has_items = o.contains("items"), has_range = o.contains("range"), has_while = o.contains("while");
            if (int(has_items) + int(has_range) + int(has_while) != 1)
                add(path, "a loop needs exactly one of 'items', 'range' or 'while'");
            if (has_items) {
                const auto& items = o.at("items");
                if (items.is_string()) {
                    if (auto err = check_template(items.as_string())) add(path + ".items", *err);
                } else if (!items.is_array()) {
                    add(path + ".items", "expected an array or a ${...} expression giving one");
                }
            }
            if (has_range) {
                const auto* r = o.at("range").if_object();
                if (!r) add(path + ".range", "expected an object {start, end, step}");
                else {
                    if (!r->contains("end")) add(path + ".range", "missing required field 'end'");
                    int_field(*r, "start", path + ".range", -1'000'000'000, 1'000'000'000);
                    int_field(*r, "end", path + ".range", -1'000'000'000, 1'000'000'000);
                    if (auto st = int_field(*r, "step", path + ".range", -1'000'000, 1'000'000); st && *st == 0)
                        add(path + ".range.step", "expected a non-zero step");
                }
            }
            if (has_while) {
                if (const auto* w = string_field(o, "while", path, true)) expression(*w, path + ".while");
                if (!o.contains("max_iterations"))
                    add(path, "a while loop needs 'max_iterations' (loops are always bounded)");
            }
            int_field(o, "max_iterations", path, 1, opts_.max_loop_iterations);
            int_field(o, "concurrency", path, 1, 64);
            for (auto key : {"item_variable", "index_variable"})
                if (const auto* n = string_field(o, key, path, false); n && !valid_identifier(*n))
                    add(path + "." + key, "expected an identifier (letters, digits, _)");
            break;
        }
        case step_kind::wait: {
            const bool has_duration = o.contains("duration") || o.contains("duration_seconds") || o.contains("duration_ms");
            if (!has_duration && !o.contains("until")) add(path, "a wait needs 'duration' (seconds) or 'until' (a time)");
            number_field(o, "duration", path, -1e-9, max_seconds);
            number_field(o, "duration_seconds", path, -1e-9, max_seconds);
            number_field(o, "duration_ms", path, -1e-9, max_seconds * 1000);
            string_field(o, "until", path, false);
            break;
        }
        case step_kind::sub_workflow: string_field(o, "workflow_id", path, true); break;
        case step_kind::transform: {
            std::string op = "template";
            for (auto key : {"transform_type", "operation", "transformation"})
                if (const auto* t = o.if_contains(key); t && t->is_string()) op = t->as_string();
            if (op != "template" && op != "json_parse" && op != "json_stringify" && op != "expression")
                add(path + ".transform_type", fmt::format("expected template, json_parse, json_stringify or expression, got '{}'", op));
            if (op == "expression") {
                if (const auto* e = string_field(o, "expression", path, true)) expression(*e, path + ".expression");
            } else if (!o.contains("value") && !o.contains("template") && !o.contains("input")) {
                add(path, "a transform needs 'value' (or 'template' / 'input')");
            }
            break;
        }
        case step_kind::emit_event: {
            const auto* t = string_field(o, "topic", path, false);
            if (!t) t = string_field(o, "event", path, !o.contains("topic"));
            break;
        }
        case step_kind::notification: string_field(o, "message", path, true); break;
        case step_kind::fail:
        case step_kind::succeed: break;
        case step_kind::gpio: {
            const auto* a = string_field(o, "action", path, true);
            if (a && *a != "set" && *a != "pulse" && *a != "read") add(path + ".action", "expected set, pulse or read");
            if (auto pin = int_field(o, "pin", path, 0, 511)) {
                const auto& allowed = opts_.gpio_allowed_pins;
                if (std::find(allowed.begin(), allowed.end(), static_cast<int>(*pin)) == allowed.end())
                    add(path + ".pin", fmt::format("pin {} is not in raspberry_pi.gpio_allowed_pins", *pin));
            } else if (!o.contains("pin")) {
                add(path, "missing required field 'pin'");
            }
            break;
        }
    }
}

std::shared_ptr<step_def> reader::step(const json::value& v, const std::string& path, std::set<std::string>& seen) {
    const auto* o = v.if_object();
    if (!o) {
        add(path, "expected a step object");
        return nullptr;
    }
    auto s = std::make_shared<step_def>();
    s->json_path = path;
    s->raw = *o;
    if (const auto* id = string_field(*o, "id", path, true)) {
        s->id = std::string(*id);
        if (!valid_id(s->id)) add(path + ".id", "expected letters, digits, '_' or '-' (at most 128)");
        else if (!seen.insert(s->id).second) add(path + ".id", fmt::format("duplicate step id '{}'", s->id));
    }
    const auto* type = string_field(*o, "type", path, true);
    if (!type) return nullptr;
    const auto kind = parse_step_kind(*type);
    if (!kind) {
        std::vector<std::string_view> names;
        for (auto& [_, n] : kind_names) names.push_back(n);
        add(path + ".type", fmt::format("unknown step type '{}' (known: {})", std::string_view(*type), fmt::join(names, ", ")));
        return nullptr;
    }
    s->kind = *kind;
    if (const auto* c = string_field(*o, "condition", path, false)) {
        s->condition = std::string(*c);
        expression(*c, path + ".condition");
    }
    if (const auto* ov = string_field(*o, "output_variable", path, false)) {
        if (!valid_identifier(*ov)) add(path + ".output_variable", "expected an identifier (letters, digits, _)");
        s->output_variable = std::string(*ov);
    }
    retry_and_failure(*o, path, *s);
    kind_fields(*o, path, *s, seen);
    // Every other string that holds ${...} must parse (conditions and expressions were checked above).
    for (const auto& kv : *o) {
        const std::string_view key = kv.key();
        if (key == "condition" || key == "expression" || key == "while" || key == "steps") continue;
        templates(kv.value(), path + "." + std::string(key));
    }
    return s;
}

// Resolves implicit dependencies (see the header) and checks references and cycles.
void resolve_graph(workflow_definition& def, reader& r) {
    std::map<std::string, step_def*> by_id;
    for (std::size_t i = 0; i < def.steps.size(); ++i) {
        auto* s = const_cast<step_def*>(def.steps[i].get());
        by_id[s->id] = s;
        def.index[s->id] = i;
    }
    auto check_ref = [&](const std::string& id, const std::string& path) {
        if (!by_id.count(id)) r.add(path, fmt::format("unknown step '{}'", id));
        return by_id.count(id) > 0;
    };
    // Mark branch targets and handlers; check every reference.
    for (auto& [id, s] : by_id) {
        for (std::size_t i = 0; i < s->true_steps.size(); ++i)
            if (check_ref(s->true_steps[i], fmt::format("{}.true_steps[{}]", s->json_path, i))) {
                if (s->true_steps[i] == id) r.add(s->json_path, "a condition cannot branch to itself");
                by_id[s->true_steps[i]]->is_branch_target = true;
            }
        for (std::size_t i = 0; i < s->false_steps.size(); ++i)
            if (check_ref(s->false_steps[i], fmt::format("{}.false_steps[{}]", s->json_path, i))) {
                if (s->false_steps[i] == id) r.add(s->json_path, "a condition cannot branch to itself");
                by_id[s->false_steps[i]]->is_branch_target = true;
            }
        if (s->handler && check_ref(*s->handler, s->json_path + ".on_failure.handler")) {
            if (*s->handler == id) r.add(s->json_path + ".on_failure.handler", "a step cannot be its own handler");
            by_id[*s->handler]->is_handler = true;
        }
        auto explicit_deps = r.id_list(s->raw, "depends_on", s->json_path);
        for (std::size_t i = 0; i < explicit_deps.size(); ++i)
            check_ref(explicit_deps[i], fmt::format("{}.depends_on[{}]", s->json_path, i));
    }
    // Implicit order.
    std::vector<std::string> frontier;
    for (auto& sp : def.steps) {
        auto* s = const_cast<step_def*>(sp.get());
        if (s->raw.contains("depends_on")) {
            s->depends_on = r.id_list(s->raw, "depends_on", s->json_path);
            std::erase_if(s->depends_on, [&](const std::string& d) { return !by_id.count(d); });
        }
        if (s->is_branch_target || s->is_handler) continue;  // placed by their condition / run on failure
        if (!s->raw.contains("depends_on") && def.kind != workflow_kind::parallel) s->depends_on = frontier;
        frontier = {s->id};
        if (s->kind == step_kind::condition) {
            frontier.clear();
            for (const auto* branch : {&s->true_steps, &s->false_steps}) {
                std::string prev = s->id;
                for (const auto& target : *branch) {
                    auto it = by_id.find(target);
                    if (it == by_id.end()) continue;
                    if (!it->second->raw.contains("depends_on")) it->second->depends_on = {prev};
                    prev = target;
                }
                frontier.push_back(prev);
            }
        }
    }
    // Cycles: depth-first search over predecessors.
    std::map<std::string, int> mark;  // 0 new, 1 on stack, 2 done
    std::function<bool(const std::string&)> visit = [&](const std::string& id) {
        if (mark[id] == 1) return true;
        if (mark[id] == 2) return false;
        mark[id] = 1;
        for (const auto& d : by_id[id]->depends_on)
            if (visit(d)) {
                if (mark[id] == 1) {
                    r.add(by_id[id]->json_path, fmt::format("dependency cycle through step '{}'", id));
                    mark[id] = 2;
                    return false;  // report once per cycle
                }
            }
        mark[id] = 2;
        return false;
    };
    for (auto& [id, _] : by_id) visit(id);
}

}  // namespace

std::string_view to_string(step_kind k) noexcept {
    for (auto& [kind, name] : kind_names)
        if (kind == k) return name;
    return "unknown";
}

std::optional<step_kind> parse_step_kind(std::string_view s) noexcept {
    for (auto& [kind, name] : kind_names)
        if (name == s) return kind;
    return std::nullopt;
}

const step_def* workflow_definition::find(const std::string& id) const {
    auto it = index.find(id);
    return it == index.end() ? nullptr : steps[it->second].get();
}

validation_error::validation_error(std::vector<problem> problems)
    : std::runtime_error([&] {
          std::string m = "invalid workflow definition:";
          for (const auto& p : problems) m += "\n  " + p.path + ": " + p.message;
          return m;
      }()),
      problems_(std::move(problems)) {}

std::shared_ptr<const workflow_definition> parse_definition(const json::value& doc, const validation_options& options) {
    reader r(options);
    auto def = std::make_shared<workflow_definition>();
    const auto* o = doc.if_object();
    if (!o) throw validation_error(std::vector<problem>{{"$", "expected a JSON object"}});
    def->raw = *o;
    if (const auto* n = r.string_field(*o, "name", "$", true)) def->name = std::string(*n);
    if (const auto* d = o->if_contains("description"); d && d->is_string()) def->description = std::string(d->as_string());
    if (const auto* t = r.string_field(*o, "type", "$", false)) {
        if (*t == "sequential") def->kind = workflow_kind::sequential;
        else if (*t == "conditional") def->kind = workflow_kind::conditional;
        else if (*t == "parallel") def->kind = workflow_kind::parallel;
        else if (*t == "dag") def->kind = workflow_kind::dag;
        else r.add("$.type", fmt::format("expected sequential, conditional, parallel or dag, got '{}'", std::string_view(*t)));
    }
    if (auto h = r.number_field(*o, "timeout_hours", "$", 0.0, max_seconds / 3600))
        def->timeout = std::chrono::milliseconds(static_cast<std::int64_t>(*h * 3600'000));
    if (const auto* e = o->if_contains("ephemeral")) {
        if (e->is_bool()) def->ephemeral = e->as_bool();
        else r.add("$.ephemeral", "expected true or false");
    }
    if (const auto* w = o->if_contains("webhook"); w && !w->is_null()) {
        if (w->is_string() && valid_webhook_name(w->as_string())) def->webhook = std::string(w->as_string());
        else r.add("$.webhook", "expected a webhook name: 1 to 64 of the characters A-Z a-z 0-9 _ . -");
    }
    const auto* steps = o->if_contains("steps");
    if (!steps || !steps->is_array() || steps->as_array().empty()) {
        r.add("$.steps", "expected a non-empty array of steps");
    } else {
        std::set<std::string> seen;
        for (std::size_t i = 0; i < steps->as_array().size(); ++i)
            if (auto s = r.step(steps->as_array()[i], fmt::format("$.steps[{}]", i), seen)) def->steps.push_back(std::move(s));
        resolve_graph(*def, r);
    }
    if (!r.problems.empty()) throw validation_error(std::move(r.problems));
    return def;
}

}  // namespace chainbot::orchestrator
