#include "agents/assistant/chat_client.hpp"

#include "http/client.hpp"
#include "http/client_url.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace chainbot::agents::assistant {

namespace json = boost::json;
using orchestrator::step_failure;

namespace {

constexpr std::size_t max_reply_bytes = 8 * 1024 * 1024;
constexpr std::size_t max_quoted_error = 300;

// Removes every occurrence of `secret` (some services quote the key they refused).
std::string redact(std::string text, const std::string& secret) {
    if (secret.empty()) return text;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) text.replace(at, secret.size(), "***");
    return text;
}

// What the service said about an error: OpenAI's error.message, Ollama's error, or the
// start of the body.
std::string service_message(const std::string& body, const std::string& api_key) {
    std::string said;
    boost::system::error_code ec;
    const auto doc = json::parse(body, ec);
    if (!ec && doc.is_object()) {
        if (const auto* e = doc.as_object().if_contains("error")) {
            if (e->is_string())
                said = std::string(e->as_string());
            else if (e->is_object())
                if (const auto* m = e->as_object().if_contains("message"); m && m->is_string()) said = std::string(m->as_string());
        }
    }
    if (said.empty()) said = body;
    // Masked before it is cut: a key straddling the cut would otherwise leave its prefix.
    said = redact(std::move(said), api_key);
    if (said.size() > max_quoted_error) said = said.substr(0, max_quoted_error) + "...";
    for (auto& c : said)
        if (c == '\n' || c == '\r') c = ' ';
    return said;
}

std::string content_text(const json::value& content) {
    if (content.is_null()) return {};
    if (content.is_string()) return std::string(content.as_string());
    if (content.is_array()) {  // content parts: [{"type": "text", "text": "..."}]
        std::string text;
        for (const auto& part : content.as_array())
            if (part.is_object())
                if (const auto* t = part.as_object().if_contains("text"); t && t->is_string()) text += t->as_string();
        return text;
    }
    throw step_failure("protocol", "the chat-completions reply's message.content is neither text nor null");
}

tool_call parse_tool_call(const json::value& v, std::size_t index) {
    const auto* call = v.if_object();
    const auto* fn = call ? call->if_contains("function") : nullptr;
    const auto* name = fn && fn->is_object() ? fn->as_object().if_contains("name") : nullptr;
    if (!name || !name->is_string())
        throw step_failure("protocol", fmt::format("the chat-completions reply's tool_calls[{}] has no function name", index));
    tool_call out;
    out.name = std::string(name->as_string());
    const auto* id = call->if_contains("id");
    out.id = id && id->is_string() && !id->as_string().empty() ? std::string(id->as_string()) : fmt::format("call_{}", index);
    const auto* args = fn->as_object().if_contains("arguments");
    // The protocol carries arguments as JSON text; some servers send the object itself.
    if (!args || args->is_null())
        out.arguments = "{}";
    else if (args->is_string())
        out.arguments = std::string(args->as_string());
    else
        out.arguments = json::serialize(*args);
    return out;
}

chat_completion parse_completion(const std::string& body, const std::string& requested_model) {
    boost::system::error_code ec;
    const auto doc = json::parse(body, ec);
    if (ec) throw step_failure("protocol", fmt::format("the chat-completions reply is not valid JSON: {}", ec.message()));
    const auto* root = doc.if_object();
    if (!root) throw step_failure("protocol", "the chat-completions reply is not a JSON object");
    const auto* choices = root->if_contains("choices");
    if (!choices || !choices->is_array() || choices->as_array().empty())
        throw step_failure("protocol", "the chat-completions reply has no choices");
    const auto& first = choices->as_array().front();
    const auto* message = first.is_object() ? first.as_object().if_contains("message") : nullptr;
    if (!message || !message->is_object())
        throw step_failure("protocol", "the chat-completions reply's choices[0] has no message");

    chat_completion out;
    const auto& m = message->as_object();
    if (const auto* c = m.if_contains("content")) out.content = content_text(*c);
    if (const auto* calls = m.if_contains("tool_calls"); calls && !calls->is_null()) {
        if (!calls->is_array()) throw step_failure("protocol", "the chat-completions reply's tool_calls is not an array");
        for (std::size_t i = 0; i < calls->as_array().size(); ++i)
            out.tool_calls.push_back(parse_tool_call(calls->as_array()[i], i));
    }
    if (const auto* r = first.as_object().if_contains("finish_reason"); r && r->is_string())
        out.finish_reason = std::string(r->as_string());
    const auto* model = root->if_contains("model");
    out.model = model && model->is_string() ? std::string(model->as_string()) : requested_model;
    if (const auto* u = root->if_contains("usage"); u && u->is_object()) out.usage = u->as_object();
    return out;
}

[[noreturn]] void fail_transport(const http::client_result& r, const assistant_options& o) {
    using kind = http::client_error_kind;
    // r.message is "POST <masked url>: cause": no header, no password, no query.
    switch (r.error) {
        case kind::timeout:
            throw step_failure("timeout", fmt::format("no reply from the chat-completions service within {} ms ({})",
                                                      o.timeout.count(), r.message));
        case kind::bad_url:
            throw step_failure("configuration", fmt::format("the assistant's endpoint is not a usable URL ({})", r.message));
        case kind::too_large:
            throw step_failure("protocol", fmt::format("the chat-completions reply is too large ({})", r.message));
        case kind::protocol: throw step_failure("protocol", r.message);
        case kind::cancelled: throw step_failure("cancelled", r.message);
        default: throw step_failure("http_transport", r.message);
    }
}

}  // namespace

json::object chat_completion::as_message() const {
    json::object m{{"role", "assistant"}};
    m["content"] = content.empty() && !tool_calls.empty() ? json::value(nullptr) : json::value(content);
    if (!tool_calls.empty()) {
        json::array calls;
        for (const auto& c : tool_calls)
            calls.push_back(json::object{{"id", c.id},
                                         {"type", "function"},
                                         {"function", json::object{{"name", c.name}, {"arguments", c.arguments}}}});
        m["tool_calls"] = std::move(calls);
    }
    return m;
}

json::object chat_request_body(const assistant_options& o, const json::array& messages, const json::array& tools) {
    json::object body{{"model", o.model}, {"messages", messages}, {"stream", false}};
    if (!tools.empty()) {
        body["tools"] = tools;
        body["tool_choice"] = "auto";
    }
    if (o.temperature) body["temperature"] = *o.temperature;
    if (o.max_tokens) body["max_tokens"] = *o.max_tokens;
    return body;
}

chat_completion complete_chat(http::http_client& client, const assistant_options& o, const json::array& messages,
                              const json::array& tools) {
    http::client_request req;
    req.method = "POST";
    req.url = o.endpoint + "/chat/completions";
    req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    if (!o.api_key.empty()) req.headers.emplace_back("Authorization", "Bearer " + o.api_key);
    req.body = json::serialize(chat_request_body(o, messages, tools));
    req.timeout = o.timeout;
    req.max_response_bytes = max_reply_bytes;

    const auto r = client.send_sync(std::move(req));
    if (!r.ok()) fail_transport(r, o);
    const int status = r.response.status;
    if (status >= 200 && status < 300) return parse_completion(r.response.body, o.model);
    const auto where = http::masked_url(o.endpoint + "/chat/completions");
    const auto said = service_message(r.response.body, o.api_key);
    const auto text = fmt::format("HTTP {} from the chat-completions service {}: {}", status, where, said);
    if (status == 429) throw step_failure("http_429", text);
    if (status >= 500) throw step_failure("http_5xx", text);
    if (status >= 400) throw step_failure("http_4xx", text);
    throw step_failure("protocol", text);  // 1xx/3xx: redirects are not followed
}

}  // namespace chainbot::agents::assistant
