// transform_data: the seed's "normalize", or a list of operations applied in order.
#include "agents/tasks/data_tasks.hpp"

#include "agents/tasks/operations.hpp"
#include "agents/tasks/records.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace chainbot::agents::tasks {

namespace json = boost::json;

namespace {

constexpr std::size_t max_operations = 64;

// The operations to apply, from config.operations, config.transformation (a name, a list or
// {"operations": [...]}). A bare name stands for that operation with its defaults.
json::array operations_of(const json::object& config) {
    if (const auto* ops = config.if_contains("operations")) {
        if (!ops->is_array()) fail_validation(fmt::format("config.operations: expected an array, got {}", kind_name(*ops)));
        return ops->get_array();
    }
    const auto* t = config.if_contains("transformation");
    if (!t) fail_validation("config.transformation: missing; expected \"normalize\" or {\"operations\": [...]}");
    if (t->is_string()) {
        const std::string_view name = t->get_string();
        if (name != "normalize" && name != "deduplicate" && name != "flatten")
            fail_validation(fmt::format("config.transformation: unknown transformation '{}' (expected normalize, "
                                        "deduplicate, flatten or {{\"operations\": [...]}})", name));
        return json::array{json::object{{"op", name}}};
    }
    if (t->is_array()) return t->get_array();
    if (t->is_object()) {
        const auto* ops = t->get_object().if_contains("operations");
        if (ops && ops->is_array()) return ops->get_array();
    }
    fail_validation(fmt::format("config.transformation: expected a name or {{\"operations\": [...]}}, got {}",
                                json::serialize(*t).substr(0, 80)));
}

std::string required_string(const json::object& op, std::string_view key, const std::string& where) {
    const auto* v = op.if_contains(key);
    if (!v || !v->is_string() || v->get_string().empty())
        fail_validation(fmt::format("{}.{}: expected a non-empty string", where, key));
    return std::string(v->get_string());
}

expr::expression required_expression(const json::object& op, const std::string& where) {
    const auto source = required_string(op, "expression", where);
    try {
        return expr::expression::parse(source);
    } catch (const expr::error& e) {
        fail_validation(fmt::format("{}.expression: {}", where, e.what()));
    }
}

void apply(json::array& records, const json::object& op, const std::string& name, const std::string& where) {
    if (name == "normalize") {
        const auto method = config_string(op, "method", where + ".method", "min_max");
        if (method != "min_max" && method != "z_score")
            fail_validation(fmt::format("{}.method: expected min_max or z_score, got '{}'", where, method));
        normalize_records(records, method, config_fields(op, "fields", where + ".fields"));
    } else if (name == "rename") {
        rename_field(records, required_string(op, "from", where), required_string(op, "to", where));
    } else if (name == "map") {
        const auto field = required_string(op, "field", where);
        map_field(records, field, required_expression(op, where), where + ".expression");
    } else if (name == "filter") {
        filter_records(records, required_expression(op, where), where + ".expression");
    } else if (name == "sort") {
        const auto field = required_string(op, "field", where);
        const auto order = config_string(op, "order", where + ".order", "asc");
        if (order != "asc" && order != "desc")
            fail_validation(fmt::format("{}.order: expected asc or desc, got '{}'", where, order));
        sort_records(records, field, order == "desc");
    } else if (name == "deduplicate") {
        deduplicate_records(records, config_fields(op, "fields", where + ".fields"));
    } else if (name == "flatten") {
        flatten_records(records, config_string(op, "separator", where + ".separator", "."));
    } else {
        fail_validation(fmt::format("{}.op: unknown operation '{}' (expected normalize, rename, map, filter, sort, "
                                    "deduplicate or flatten)", where, name));
    }
}

}  // namespace

json::object transform_data(const json::value& input, const json::object& config) {
    const auto ops = operations_of(config);
    if (ops.size() > max_operations)
        fail_validation(fmt::format("config.operations: {} operations exceed the limit of {}", ops.size(),
                                    max_operations));
    const auto& source = records_of(input);
    require_object_records(source);

    json::array records = source;
    json::array applied;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const std::string where = fmt::format("config.operations[{}]", i);
        if (!ops[i].is_object())
            fail_validation(fmt::format("{}: expected an object such as {{\"op\": \"sort\", ...}}, got {}", where,
                                        kind_name(ops[i])));
        const auto& op = ops[i].get_object();
        const auto name = required_string(op, "op", where);
        apply(records, op, name, where);
        applied.emplace_back(name);
    }
    const std::size_t count = records.size();
    return json::object{{"records", std::move(records)}, {"count", count}, {"operations", std::move(applied)}};
}

}  // namespace chainbot::agents::tasks
