#include "agents/tasks/records.hpp"

#include "orchestrator/task_registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace chainbot::agents::tasks {

namespace json = boost::json;

namespace {

// Approximate serialized size; stops counting once past the cap. Also enforces the depth limit,
// so that every other recursive walk over a task input is bounded.
void measure(const json::value& v, std::size_t depth, std::size_t& bytes) {
    if (bytes > max_input_bytes) return;
    if (depth > max_input_depth)
        fail_validation(fmt::format("input: nested deeper than the limit of {} levels", max_input_depth));
    switch (v.kind()) {
    case json::kind::string: bytes += v.get_string().size() + 2; break;
    case json::kind::array:
        bytes += 2;
        for (const auto& e : v.get_array()) {
            measure(e, depth + 1, bytes);
            ++bytes;
            if (bytes > max_input_bytes) return;
        }
        break;
    case json::kind::object:
        bytes += 2;
        for (const auto& kv : v.get_object()) {
            bytes += kv.key().size() + 4;
            measure(kv.value(), depth + 1, bytes);
            if (bytes > max_input_bytes) return;
        }
        break;
    case json::kind::null:
    case json::kind::bool_: bytes += 5; break;
    default: bytes += 8; break;  // numbers: a typical width, not the exact one
    }
}

void append_number(std::string& out, double d) {
    // 1 and 1.0 must give the same key.
    if (std::trunc(d) == d && std::fabs(d) < 9.0e15)
        out += fmt::format("{}", static_cast<long long>(d));
    else
        out += fmt::format("{}", d);
}

void append_canonical(std::string& out, const json::value& v) {
    switch (v.kind()) {
    case json::kind::null: out += 'n'; break;
    case json::kind::bool_: out += v.get_bool() ? 't' : 'f'; break;
    case json::kind::int64: out += fmt::format("{}", v.get_int64()); break;
    case json::kind::uint64: out += fmt::format("{}", v.get_uint64()); break;
    case json::kind::double_: append_number(out, v.get_double()); break;
    case json::kind::string:
        out += fmt::format("s{}:", v.get_string().size());
        out.append(v.get_string().data(), v.get_string().size());
        break;
    case json::kind::array:
        out += '[';
        for (const auto& e : v.get_array()) {
            append_canonical(out, e);
            out += ',';
        }
        out += ']';
        break;
    case json::kind::object: {
        std::vector<const json::key_value_pair*> members;
        for (const auto& kv : v.get_object()) members.push_back(&kv);
        std::sort(members.begin(), members.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
        out += '{';
        for (auto* kv : members) {
            out += fmt::format("{}:", kv->key().size());
            out.append(kv->key().data(), kv->key().size());
            append_canonical(out, kv->value());
            out += ',';
        }
        out += '}';
        break;
    }
    }
}

int kind_rank(const json::value& v) {
    switch (v.kind()) {
    case json::kind::null: return 0;
    case json::kind::bool_: return 1;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return 2;
    case json::kind::string: return 3;
    case json::kind::array: return 4;
    case json::kind::object: return 5;
    }
    return 6;
}

}  // namespace

void fail_validation(const std::string& message) { throw orchestrator::step_failure("validation", message); }

const json::array& records_of(const json::value& input) {
    const json::array* records = nullptr;
    if (input.is_array()) {
        records = &input.get_array();
    } else if (input.is_object()) {
        const auto* r = input.get_object().if_contains("records");
        if (!r) fail_validation("input.records: missing; expected an array of records (or an array as the input)");
        if (!r->is_array()) fail_validation(fmt::format("input.records: expected an array, got {}", kind_name(*r)));
        records = &r->get_array();
    } else {
        fail_validation(fmt::format("input: expected an array of records or an object with 'records', got {}",
                                    kind_name(input)));
    }
    if (records->size() > max_records)
        fail_validation(fmt::format("input.records: {} records exceed the limit of {} records", records->size(),
                                    max_records));
    std::size_t bytes = 0;
    measure(input, 0, bytes);
    if (bytes > max_input_bytes)
        fail_validation(fmt::format("input: larger than the limit of 10 MB ({} bytes)", max_input_bytes));
    return *records;
}

const json::object& record_object(const json::array& records, std::size_t i) {
    if (!records[i].is_object())
        fail_validation(fmt::format("records[{}]: expected an object, got {}", i, kind_name(records[i])));
    return records[i].get_object();
}

void require_object_records(const json::array& records) {
    for (std::size_t i = 0; i < records.size(); ++i) record_object(records, i);
}

std::string_view kind_name(const json::value& v) noexcept {
    switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
    }
    return "unknown";
}

std::optional<double> as_number(const json::value& v) noexcept {
    switch (v.kind()) {
    case json::kind::int64: return static_cast<double>(v.get_int64());
    case json::kind::uint64: return static_cast<double>(v.get_uint64());
    case json::kind::double_:
        if (!std::isfinite(v.get_double())) return std::nullopt;
        return v.get_double();
    default: return std::nullopt;
    }
}

json::value finite(double d) {
    if (!std::isfinite(d)) return nullptr;
    return d;
}

const json::value* field_of(const json::object& record, std::string_view field) {
    return record.if_contains(field);
}

std::string canonical_key(const json::value& v) {
    std::string out;
    append_canonical(out, v);
    return out;
}

int compare_values(const json::value& a, const json::value& b) {
    const int ra = kind_rank(a), rb = kind_rank(b);
    if (ra != rb) return ra < rb ? -1 : 1;
    switch (ra) {
    case 1: return int(a.get_bool()) - int(b.get_bool());
    case 2: {
        const double x = as_number(a).value_or(0), y = as_number(b).value_or(0);
        return x < y ? -1 : (y < x ? 1 : 0);
    }
    case 3: {
        const int c = std::string_view(a.get_string()).compare(std::string_view(b.get_string()));
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case 4:
    case 5: {
        const int c = canonical_key(a).compare(canonical_key(b));
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    default: return 0;
    }
}

std::vector<std::string> fields_seen(const json::array& records) {
    std::vector<std::string> order;
    std::set<std::string, std::less<>> seen;
    for (const auto& r : records) {
        if (!r.is_object()) continue;
        for (const auto& kv : r.get_object())
            if (seen.insert(std::string(kv.key())).second) order.emplace_back(kv.key());
    }
    return order;
}

std::vector<std::string> numeric_fields(const json::array& records) {
    std::vector<std::string> order;
    std::set<std::string, std::less<>> seen;
    for (const auto& r : records) {
        if (!r.is_object()) continue;
        for (const auto& kv : r.get_object())
            if (as_number(kv.value()) && seen.insert(std::string(kv.key())).second) order.emplace_back(kv.key());
    }
    return order;
}

std::string config_string(const json::object& config, std::string_view key, std::string_view where,
                          const std::string& fallback) {
    const auto* v = config.if_contains(key);
    if (!v || v->is_null()) return fallback;
    if (!v->is_string()) fail_validation(fmt::format("{}: expected a string, got {}", where, kind_name(*v)));
    return std::string(v->get_string());
}

std::optional<double> config_number(const json::object& config, std::string_view key, std::string_view where) {
    const auto* v = config.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    auto d = as_number(*v);
    if (!d) fail_validation(fmt::format("{}: expected a number, got {}", where, kind_name(*v)));
    return d;
}

std::optional<std::vector<std::string>> config_fields(const json::object& config, std::string_view key,
                                                      std::string_view where) {
    const auto* v = config.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_string()) return std::vector<std::string>{std::string(v->get_string())};
    if (!v->is_array())
        fail_validation(fmt::format("{}: expected a field name or a list of field names, got {}", where,
                                    kind_name(*v)));
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v->get_array().size(); ++i) {
        const auto& e = v->get_array()[i];
        if (!e.is_string())
            fail_validation(fmt::format("{}[{}]: expected a field name (string), got {}", where, i, kind_name(e)));
        out.emplace_back(e.get_string());
    }
    return out;
}

}  // namespace chainbot::agents::tasks
