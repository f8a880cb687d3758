// Layered loading: each layer is checked on its own against the schema (so that a
// problem names the layer's source), merged key by key over the built-in defaults,
// and only then turned into settings. Nothing is applied when any layer is bad.

#include "config/loader.hpp"

#include "config/env.hpp"
#include "config/parsers.hpp"
#include "config/problems.hpp"
#include "config/schema.hpp"

#include <fmt/format.h>

#include <unistd.h>  // environ

namespace chainbot::config {

namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

constexpr std::string_view inline_source = "initialize config";
constexpr std::string_view runtime_source = "runtime change";

std::string dotted(std::string_view prefix, std::string_view name) {
    return prefix.empty() ? std::string(name) : std::string(prefix) + "." + std::string(name);
}

std::string unknown_name_problem(std::string_view prefix) {
    if (prefix.empty()) {
        std::string sections;
        for (const auto& s : section_names()) sections += (sections.empty() ? "" : ", ") + s;
        return fmt::format("unknown section (expected one of {})", sections);
    }
    return fmt::format("unknown key ({} has {})", prefix, keys_in_section(prefix));
}

std::string kind_name(const json::value& v) {
    if (v.is_array()) return "a list";
    if (v.is_string()) return "a string";
    if (v.is_bool()) return "a boolean";
    return "a number";
}

/// Checks the members of one section (the whole layer when `prefix` is empty).
void collect_section(const json::object& section, std::string_view prefix, std::string_view source,
                     key_values& values, problem_list& problems) {
    for (const auto& [name, raw] : section) {
        const std::string key = dotted(prefix, name);
        if (const key_spec* spec = find_key(key)) {
            auto checked = check_value(*spec, raw);
            if (checked.value) values.insert_or_assign(key, std::move(*checked.value));
            else problems.add(source, key, checked.problem);
        } else if (is_section(key)) {
            if (raw.is_object()) collect_section(raw.get_object(), key, source, values, problems);
            // A YAML section whose keys are all commented out is null: nothing to set.
            else if (!raw.is_null())
                problems.add(source, key, "expected a section (a mapping of its keys), got " + kind_name(raw));
        } else {
            problems.add(source, key, unknown_name_problem(prefix));
        }
    }
}

void collect_file(const fs::path& path, key_values& values, problem_list& problems) {
    if (auto sections = read_config_file(path, problems)) collect_section(*sections, {}, path.string(), values, problems);
}

fs::path absolute_dir(const std::string& dir) {
    fs::path p = fs::absolute(dir).lexically_normal();
    if (!p.has_filename() && p != p.root_path()) p = p.parent_path();  // drop a trailing '/'
    return p;
}

// The store percent-decodes the path of a sqlite:// URL and refuses whitespace in a URL, so the
// data dir is escaped: "/srv/My Data" gives sqlite:///srv/My%20Data/chainbot.db, "/x/100%" gives
// sqlite:///x/100%25/chainbot.db (plain paths are unchanged).
std::string derived_database_url(const fs::path& data_dir) {
    std::string url = "sqlite://";
    for (const char c : (data_dir / "chainbot.db").string()) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
                           c == '-' || c == '.' || c == '_' || c == '~';
        if (plain) url.push_back(c);
        else url += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
    return url;
}

/// Makes the data dir absolute and derives the database URL when none is set.
void resolve(settings& s) {
    fs::path data_dir = absolute_dir(s.module.data_dir);
    s.module.data_dir = data_dir.string();
    if (s.database.url.empty()) s.database.url = derived_database_url(data_dir);
}

void set_nested(json::object& root, std::string_view key, json::value value) {
    json::object* section = &root;
    for (auto dot = key.find('.'); dot != std::string_view::npos; dot = key.find('.')) {
        json::value& child = (*section)[key.substr(0, dot)];
        if (!child.is_object()) child = json::object{};
        section = &child.get_object();
        key.remove_prefix(dot + 1);
    }
    (*section)[key] = std::move(value);
}

json::value masked(const key_spec& spec, json::value value) {
    switch (secrecy_of(spec)) {
        case secrecy::none: return value;
        case secrecy::url_password: return value.is_string() ? json::value(mask_url(value.get_string())) : value;
        case secrecy::whole_value:
            // An empty secret shows that it is unset, which is not itself a secret.
            if (value.is_string() && value.get_string().empty()) return value;
            return json::value("***");
    }
    return json::value("***");
}

}  // namespace

std::map<std::string, std::string> process_environment() {
    std::map<std::string, std::string> out;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        auto eq = text.find('=');
        if (eq == std::string_view::npos || !text.starts_with(env_prefix)) continue;
        out.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
    }
    return out;
}

settings load(const load_request& request) {
    problem_list problems;
    key_values values;  // later layers overwrite earlier ones, key by key
    std::error_code ec;
    if (request.default_file && fs::exists(*request.default_file, ec))
        collect_file(*request.default_file, values, problems);
    for (const auto& file : request.files) collect_file(file, values, problems);
    json::object inline_sections = request.inline_layer;
    // The initialize object names files next to the sections; the caller reads them.
    inline_sections.erase("config_files");
    inline_sections.erase("default_config");
    collect_section(inline_sections, {}, inline_source, values, problems);
    collect_environment(request.environment, values, problems);
    problems.throw_if_any();

    settings s;  // the built-in defaults
    for (const auto& [key, value] : values) write_field(*find_key(key), s, value);
    resolve(s);
    return s;
}

json::object to_json(const settings& s, bool mask_secrets) {
    json::object out;
    for (const auto& spec : schema()) {
        json::value value = read_field(spec, s);
        set_nested(out, spec.key, mask_secrets ? masked(spec, std::move(value)) : std::move(value));
    }
    return out;
}

change_result apply_change(const settings& current, std::string_view key, const json::value& value) {
    if (key.starts_with("chainbot.")) key.remove_prefix(std::string_view("chainbot.").size());
    problem_list problems;
    const key_spec* spec = find_key(key);
    if (!spec) {
        problems.add(runtime_source, key,
                     is_section(key) ? fmt::format("is a section; change one key at a time ({})", keys_in_section(key))
                                     : std::string("unknown key"));
        problems.throw_if_any();
    }
    auto checked = check_value(*spec, value);
    if (!checked.value) {
        problems.add(runtime_source, key, checked.problem);
        problems.throw_if_any();
    }
    settings updated = current;
    // A URL derived from the old data dir follows the data dir; a configured one stays.
    bool url_was_derived = current.database.url == derived_database_url(absolute_dir(current.module.data_dir));
    write_field(*spec, updated, *checked.value);
    if (spec->key == "module.data_dir" && url_was_derived) updated.database.url.clear();
    resolve(updated);
    return {std::move(updated), !spec->live};
}

}  // namespace chainbot::config
