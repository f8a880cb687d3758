#include "module_manifest.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <cctype>
#include <fstream>
#include <sstream>

namespace alex_os {
namespace {

bool valid_id(std::string_view id) {
    if (id.empty()) return false;
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
    return true;
}

bool valid_abi_version(std::string_view v) {
    const auto dot = v.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == v.size()) return false;
    for (std::size_t i = 0; i < v.size(); ++i)
        if (i != dot && !std::isdigit(static_cast<unsigned char>(v[i]))) return false;
    return true;
}

class reader {
public:
    reader(const boost::json::object& o, const std::filesystem::path& file) : o_(o), file_(file) {}

    [[noreturn]] void fail(std::string_view key, std::string_view problem) const {
        throw manifest_error(fmt::format("{}: key \"{}\": {}", file_.string(), key, problem));
    }

    std::string required(std::string_view key) const {
        const auto* v = o_.if_contains(key);
        if (v == nullptr) throw manifest_error(fmt::format("{}: missing required key \"{}\"", file_.string(), key));
        return text(key, *v);
    }

    std::string optional(std::string_view key) const {
        const auto* v = o_.if_contains(key);
        return v != nullptr ? text(key, *v) : std::string();
    }

private:
    std::string text(std::string_view key, const boost::json::value& v) const {
        if (!v.is_string()) fail(key, fmt::format("expected a string, found {}", kind(v)));
        return std::string(v.get_string());
    }

    static std::string_view kind(const boost::json::value& v) {
        switch (v.kind()) {
        case boost::json::kind::null: return "null";
        case boost::json::kind::bool_: return "a boolean";
        case boost::json::kind::object: return "an object";
        case boost::json::kind::array: return "an array";
        case boost::json::kind::string: return "a string";
        default: return "a number";
        }
    }

    const boost::json::object& o_;
    const std::filesystem::path& file_;
};

}  // namespace

std::optional<std::filesystem::path> module_manifest::default_config_path() const {
    if (default_config.empty()) return std::nullopt;
    std::filesystem::path p = dir() / default_config;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec)) return std::nullopt;
    return p;
}

module_manifest module_manifest::load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw manifest_error(fmt::format("{}: cannot read the manifest", file.string()));
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), file);
}

module_manifest module_manifest::parse(std::string_view json, const std::filesystem::path& file) {
    boost::system::error_code ec;
    const boost::json::value doc = boost::json::parse(json, ec);
    if (ec) throw manifest_error(fmt::format("{}: not valid JSON: {}", file.string(), ec.message()));
    if (!doc.is_object()) throw manifest_error(fmt::format("{}: expected a JSON object", file.string()));
    const reader r(doc.get_object(), file);

    module_manifest m;
    m.file = file;
    m.id = r.required("id");
    if (!valid_id(m.id)) r.fail("id", fmt::format("\"{}\" is not a module id (letters, digits, '_', '-')", m.id));
    m.library = r.required("library");
    if (m.library.empty() || std::filesystem::path(m.library).is_absolute())
        r.fail("library", "expected a file name relative to the module folder");
    m.abi_version = r.required("abi_version");
    if (!valid_abi_version(m.abi_version))
        r.fail("abi_version", fmt::format("\"{}\" is not a version like \"1.0\"", m.abi_version));
    m.name = r.optional("name");
    if (m.name.empty()) m.name = m.id;
    m.version = r.optional("version");
    m.default_config = r.optional("default_config");
    m.description = r.optional("description");
    return m;
}

}  // namespace alex_os
