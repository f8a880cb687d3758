// Fuzz targets fuzz_config_json, fuzz_config_yaml and fuzz_config_toml: the configuration
// readers (src/config/parsers.cpp, yaml_reader.cpp) and what the loader does with a file's
// sections (schema checks, merging, environment variables, runtime changes). Built once per
// format with CHAINBOT_FUZZ_FORMAT set to json, yaml or toml.
//
// Input: the text of a configuration file in that format (the corpus holds config/default.yaml
// and the tests' files).
//
// Invariants:
//  - parse_document returns a document or adds exactly one problem naming the file and a
//    line and column; nothing escapes (std::bad_alloc aside); the outcome is deterministic;
//  - a top level that is a mapping loads (as the file layer, and its string values again as
//    ALEX_OS_CHAINBOT_* variables) into settings, or fails with one config_error whose every
//    line names its source; nothing else escapes;
//  - loaded settings serialize (secrets masked) and load again from that JSON to the same JSON;
//  - a runtime change of any key the document names is applied or refused with config_error.
#include "fuzz_support.hpp"

#include "config/loader.hpp"
#include "config/parsers.hpp"
#include "config/schema.hpp"

#include <boost/json/serialize.hpp>

#include <cmath>
#include <string>
#include <vector>

#if defined(CHAINBOT_FUZZ_FORMAT_JSON)
#define CHAINBOT_FUZZ_FORMAT json
#elif defined(CHAINBOT_FUZZ_FORMAT_YAML)
#define CHAINBOT_FUZZ_FORMAT yaml
#elif defined(CHAINBOT_FUZZ_FORMAT_TOML)
#define CHAINBOT_FUZZ_FORMAT toml
#else
#error "define one of CHAINBOT_FUZZ_FORMAT_JSON, _YAML or _TOML"
#endif

namespace {

#define CHAINBOT_FUZZ_STR2(x) #x
#define CHAINBOT_FUZZ_STR(x) CHAINBOT_FUZZ_STR2(x)
constexpr chainbot::config::file_format format = chainbot::config::file_format::CHAINBOT_FUZZ_FORMAT;
constexpr std::string_view source = "fuzz." CHAINBOT_FUZZ_STR(CHAINBOT_FUZZ_FORMAT);
#undef CHAINBOT_FUZZ_FORMAT

namespace json = boost::json;
namespace config = chainbot::config;

struct parsed {
    std::optional<json::value> doc;
    std::vector<std::string> problems;
};

parsed parse(std::string_view text) {
    parsed out;
    config::problem_list problems;
    try {
        out.doc = config::parse_document(text, format, source, problems);
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        FUZZ_CHECK(false, std::string("parse_document let an exception escape: ") + e.what());
    }
    out.problems = problems.lines();
    if (out.doc) {
        FUZZ_CHECK(out.problems.empty(), "parse_document returned a document and a problem");
    } else {
        FUZZ_CHECK(out.problems.size() == 1, "a failed parse_document did not add exactly one problem");
        const auto& line = out.problems.front();
        FUZZ_CHECK(line.starts_with(std::string(source) + ": "), "a parse problem that does not name the file: " + line);
        FUZZ_CHECK(line.find("line ") != std::string::npos || line.find("invalid") != std::string::npos,
                   "a parse problem without a position: " + line);
    }
    return out;
}

// "section.key" -> value for every leaf of the first two levels (how sections are written).
void leaves(const json::object& o, const std::string& prefix, int depth, std::vector<std::pair<std::string, json::value>>& out) {
    for (const auto& kv : o) {
        std::string key = prefix.empty() ? std::string(kv.key()) : prefix + "." + std::string(kv.key());
        if (kv.value().is_object() && depth < 2) leaves(kv.value().get_object(), key, depth + 1, out);
        else if (out.size() < 64) out.emplace_back(std::move(key), kv.value());
    }
}

std::optional<config::settings> load(const config::load_request& request, std::string_view layer) {
    try {
        return config::load(request);
    } catch (const chainbot::config_error& e) {
        std::string_view message = e.what();
        FUZZ_CHECK(!message.empty(), "a config_error without a message");
        // One problem per line, each naming its source (the layer, or an environment variable).
        while (!message.empty()) {
            const auto line = message.substr(0, message.find('\n'));
            FUZZ_CHECK(line.starts_with(layer) || line.starts_with("environment variable ALEX_OS_CHAINBOT_"),
                       "a config problem that does not name its source: " + std::string(line));
            message.remove_prefix(std::min(message.size(), line.size() + 1));
        }
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        FUZZ_CHECK(false, std::string("load let a foreign exception escape: ") + e.what());
    }
    return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto first = parse(text);
    const auto second = parse(text);
    FUZZ_CHECK(first.doc.has_value() == second.doc.has_value() && first.problems == second.problems &&
                   (!first.doc || json::serialize(*first.doc) == json::serialize(*second.doc)),  // NaN != NaN
               "parsing is not deterministic");
    if (!first.doc || !first.doc->is_object()) return 0;
    const auto& sections = first.doc->get_object();

    // The document as the initialize layer (read_config_file hands a file's sections to the
    // same checks; only the source named in problems differs).
    config::load_request request;
    request.inline_layer = sections;
    const auto loaded = load(request, "initialize config: ");

    // Its string leaves as environment variables (ALEX_OS_CHAINBOT_SECTION_KEY=text).
    std::vector<std::pair<std::string, json::value>> keys;
    leaves(sections, "", 0, keys);
    config::load_request env_request;
    for (const auto& [key, value] : keys)
        if (value.is_string()) env_request.environment[config::env_name(key)] = std::string(value.get_string());
    load(env_request, "environment variable ");

    const config::settings defaults = [] {
        config::load_request none;
        return config::load(none);
    }();
    for (const auto& [key, value] : keys) {
        try {
            const auto result = config::apply_change(defaults, key, value);
            (void)config::to_json(result.updated, true);
        } catch (const chainbot::config_error& e) {
            FUZZ_CHECK(e.what()[0] != '\0', "a config_error without a message");
        } catch (const std::bad_alloc&) {
            throw;
        } catch (const std::exception& e) {
            FUZZ_CHECK(false, std::string("apply_change let a foreign exception escape: ") + e.what());
        }
    }

    if (!loaded) return 0;
    // Loaded settings round-trip through their JSON form (unmasked, as a layer again).
    const json::object shown = config::to_json(*loaded, false);
    config::load_request round_trip;
    round_trip.inline_layer = shown;
    const auto reloaded = load(round_trip, "initialize config: ");
    FUZZ_CHECK(reloaded.has_value(), "settings that loaded do not load again from their JSON: " + json::serialize(shown));
    FUZZ_CHECK(json::serialize(config::to_json(*reloaded, false)) == json::serialize(shown),
               "settings change when loaded again from their JSON");
    // Every number the settings hold is finite: the module computes durations and limits from them.
    for (const auto& [section, keys] : shown)
        for (const auto& [key, value] : keys.as_object())
            if (value.is_double())
                FUZZ_CHECK(std::isfinite(value.get_double()), "a setting that is not finite: " + std::string(section) + "." + std::string(key));
    (void)config::to_json(*loaded, true);
    return 0;
}
