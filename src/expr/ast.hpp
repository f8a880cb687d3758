#pragma once
// The syntax tree shared by expressions and templates. Built by the parser, then never changed:
// evaluations only read it, so one tree serves any number of threads.

#include <boost/json/value.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace chainbot::expr::detail {

struct builtin;
struct compiled_regex;

enum class op : std::uint8_t {
    add, sub, mul, div, mod,          // arithmetic chains
    eq, ne, lt, le, gt, ge, in, not_in,  // comparisons
    neg, logical_not,                 // unary
    logical_and, logical_or,          // logical chains
};

enum class node_kind : std::uint8_t {
    literal,  // `literal`
    array,    // `children` are the items
    path,     // `root` (or children[0] as the base when root is empty) followed by `segments`
    unary,    // `oper` applied to children[0]
    arith,    // children[0] ops[0] children[1] ops[1] children[2] …, left to right
    compare,  // children[0] `oper` children[1]
    logical,  // children joined by `oper` (and/or), short-circuit
    call,     // `fn` applied to `children`
};

struct node;

/// @brief One step of a path: `.name`, `[3]`, `["key"]` or `[expr]`.
struct segment {
    enum class kind : std::uint8_t { key, index, computed };
    kind type = kind::key;
    std::string key;
    std::int64_t index = 0;
    std::unique_ptr<node> expr;
};

struct node {
    node_kind kind = node_kind::literal;
    op oper = op::add;
    std::uint32_t begin = 0;  // source span, for error messages
    std::uint32_t end = 0;
    boost::json::value literal;
    std::vector<std::unique_ptr<node>> children;
    std::vector<op> ops;
    std::string root;
    std::vector<segment> segments;
    const builtin* fn = nullptr;
    std::shared_ptr<const compiled_regex> pattern;  // matches() with a literal pattern, compiled at parse time
};

/// @brief A parsed expression: its source (which error messages quote) and its tree.
struct program {
    std::string source;
    std::unique_ptr<node> root;
    std::vector<std::string> references;
};

/// @brief Literal text, or a `${…}` placeholder when `expr` is set.
struct template_part {
    std::string text;
    std::unique_ptr<node> expr;
};

struct template_program {
    std::string source;
    std::vector<template_part> parts;
    std::vector<std::string> references;
};

}  // namespace chainbot::expr::detail
