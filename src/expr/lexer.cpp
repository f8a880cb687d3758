#include "expr/lexer.hpp"

#include "expr/error.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace chainbot::expr::detail {

namespace {

[[noreturn]] void fail(std::size_t column, std::string_view what) {
    throw parse_error(fmt::format("{} at column {}", what, column), column);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_word(char c) { return is_word_start(c) || is_digit(c); }

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

}  // namespace

std::string_view describe(token_kind kind) {
    switch (kind) {
    case token_kind::end: return "end of expression";
    case token_kind::integer: case token_kind::real: return "a number";
    case token_kind::string: return "a string";
    case token_kind::identifier: return "a name";
    case token_kind::dollar_brace: return "'${'";
    case token_kind::right_brace: return "'}'";
    case token_kind::left_paren: return "'('";
    case token_kind::right_paren: return "')'";
    case token_kind::left_bracket: return "'['";
    case token_kind::right_bracket: return "']'";
    case token_kind::comma: return "','";
    case token_kind::dot: return "'.'";
    case token_kind::plus: return "'+'";
    case token_kind::minus: return "'-'";
    case token_kind::star: return "'*'";
    case token_kind::slash: return "'/'";
    case token_kind::percent: return "'%'";
    case token_kind::equal: return "'=='";
    case token_kind::not_equal: return "'!='";
    case token_kind::less: return "'<'";
    case token_kind::less_equal: return "'<='";
    case token_kind::greater: return "'>'";
    case token_kind::greater_equal: return "'>='";
    case token_kind::bang: return "'!'";
    case token_kind::and_and: return "'&&'";
    case token_kind::or_or: return "'||'";
    }
    return "a token";
}

void lexer::skip_space() {
    while (pos_ < source_.size() &&
           (source_[pos_] == ' ' || source_[pos_] == '\t' || source_[pos_] == '\n' || source_[pos_] == '\r'))
        ++pos_;
}

token lexer::next() {
    skip_space();
    const std::size_t begin = pos_;
    token t;
    t.begin = begin;
    if (pos_ >= source_.size()) {
        t.end = pos_;
        return t;
    }
    const char c = source_[pos_];
    const char c2 = pos_ + 1 < source_.size() ? source_[pos_ + 1] : '\0';
    auto simple = [&](token_kind kind, std::size_t length) {
        pos_ += length;
        t.kind = kind;
        t.end = pos_;
        t.text = source_.substr(begin, length);
        return t;
    };
    if (is_digit(c)) return lex_number(begin);
    if (c == '\'' || c == '"') return lex_string(begin);
    if (is_word_start(c)) {
        while (pos_ < source_.size() && is_word(source_[pos_])) ++pos_;
        t.kind = token_kind::identifier;
        t.end = pos_;
        t.text = source_.substr(begin, pos_ - begin);
        return t;
    }
    switch (c) {
    case '$':
        if (c2 == '{') return simple(token_kind::dollar_brace, 2);
        break;
    case '}': return simple(token_kind::right_brace, 1);
    case '(': return simple(token_kind::left_paren, 1);
    case ')': return simple(token_kind::right_paren, 1);
    case '[': return simple(token_kind::left_bracket, 1);
    case ']': return simple(token_kind::right_bracket, 1);
    case ',': return simple(token_kind::comma, 1);
    case '.': return simple(token_kind::dot, 1);
    case '+': return simple(token_kind::plus, 1);
    case '-': return simple(token_kind::minus, 1);
    case '*': return simple(token_kind::star, 1);
    case '/': return simple(token_kind::slash, 1);
    case '%': return simple(token_kind::percent, 1);
    case '=':
        if (c2 == '=') return simple(token_kind::equal, 2);
        fail(begin, "unexpected '=' (use '==' to compare)");
    case '!': return c2 == '=' ? simple(token_kind::not_equal, 2) : simple(token_kind::bang, 1);
    case '<': return c2 == '=' ? simple(token_kind::less_equal, 2) : simple(token_kind::less, 1);
    case '>': return c2 == '=' ? simple(token_kind::greater_equal, 2) : simple(token_kind::greater, 1);
    case '&':
        if (c2 == '&') return simple(token_kind::and_and, 2);
        break;
    case '|':
        if (c2 == '|') return simple(token_kind::or_or, 2);
        break;
    default: break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) fail(begin, fmt::format("unexpected character '{}'", c));
    fail(begin, fmt::format("unexpected byte 0x{:02X}", byte));
}

token lexer::lex_number(std::size_t begin) {
    bool real = false;
    while (pos_ < source_.size() && is_digit(source_[pos_])) ++pos_;
    if (pos_ + 1 < source_.size() && source_[pos_] == '.' && is_digit(source_[pos_ + 1])) {
        real = true;
        ++pos_;
        while (pos_ < source_.size() && is_digit(source_[pos_])) ++pos_;
    }
    if (pos_ < source_.size() && (source_[pos_] == 'e' || source_[pos_] == 'E')) {
        std::size_t p = pos_ + 1;
        if (p < source_.size() && (source_[p] == '+' || source_[p] == '-')) ++p;
        if (p < source_.size() && is_digit(source_[p])) {
            real = true;
            pos_ = p;
            while (pos_ < source_.size() && is_digit(source_[pos_])) ++pos_;
        }
    }
    if (pos_ < source_.size() && is_word_start(source_[pos_])) fail(pos_, "expected an operator after a number");
    token t;
    t.begin = begin;
    t.end = pos_;
    t.text = source_.substr(begin, pos_ - begin);
    const char* first = t.text.data();
    const char* last = first + t.text.size();
    if (!real) {
        t.kind = token_kind::integer;
        auto [ptr, ec] = std::from_chars(first, last, t.int_value);
        if (ec != std::errc{} || ptr != last) fail(begin, "integer literal out of range");
    } else {
        t.kind = token_kind::real;
        auto [ptr, ec] = std::from_chars(first, last, t.real_value);
        if (ec != std::errc{} || ptr != last || !std::isfinite(t.real_value))
            fail(begin, "number literal out of range");
    }
    return t;
}

token lexer::lex_string(std::size_t begin) {
    const char quote = source_[pos_++];
    token t;
    t.kind = token_kind::string;
    t.begin = begin;
    for (;;) {
        if (pos_ >= source_.size()) fail(begin, "unterminated string starting");
        const char c = source_[pos_];
        if (c == quote) {
            ++pos_;
            break;
        }
        if (c == '\\') {
            lex_escape(t.string_value);
        } else {
            t.string_value += c;
            ++pos_;
        }
    }
    t.end = pos_;
    t.text = source_.substr(begin, pos_ - begin);
    return t;
}

void lexer::lex_escape(std::string& out) {
    const std::size_t at = pos_;
    if (pos_ + 1 >= source_.size()) fail(at, "unterminated escape");
    const char e = source_[pos_ + 1];
    pos_ += 2;
    switch (e) {
    case '\\': out += '\\'; return;
    case '\'': out += '\''; return;
    case '"': out += '"'; return;
    case '/': out += '/'; return;
    case 'n': out += '\n'; return;
    case 't': out += '\t'; return;
    case 'r': out += '\r'; return;
    case 'b': out += '\b'; return;
    case 'f': out += '\f'; return;
    case 'u': {
        std::uint32_t cp = lex_hex4();
        if (cp >= 0xDC00 && cp <= 0xDFFF) fail(at, "invalid \\u escape (lone low surrogate)");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (pos_ + 1 >= source_.size() || source_[pos_] != '\\' || source_[pos_ + 1] != 'u')
                fail(at, "invalid \\u escape (high surrogate without its low half)");
            pos_ += 2;
            const std::uint32_t low = lex_hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail(at, "invalid \\u escape (high surrogate without its low half)");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        append_utf8(out, cp);
        return;
    }
    default: break;
    }
    const auto byte = static_cast<unsigned char>(e);
    if (byte >= 0x20 && byte < 0x7F) fail(at, fmt::format("invalid escape '\\{}'", e));
    fail(at, "invalid escape");
}

unsigned lexer::lex_hex4() {
    unsigned value = 0;
    for (int i = 0; i < 4; ++i) {
        if (pos_ >= source_.size()) fail(pos_, "expected 4 hex digits after \\u");
        const char c = source_[pos_];
        unsigned digit;
        if (is_digit(c)) digit = unsigned(c - '0');
        else if (c >= 'a' && c <= 'f') digit = unsigned(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') digit = unsigned(c - 'A' + 10);
        else fail(pos_, "expected 4 hex digits after \\u");
        value = value * 16 + digit;
        ++pos_;
    }
    return value;
}

}  // namespace chainbot::expr::detail
