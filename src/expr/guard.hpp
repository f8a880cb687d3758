#pragma once
// The public entry points promise to throw nothing but parse_error, eval_error and std::bad_alloc;
// these wrappers keep the promise if a library call (or the caller's resolver) throws something else.

#include "expr/error.hpp"

#include <fmt/format.h>

#include <exception>
#include <new>

namespace chainbot::expr::detail {

template <typename Error, typename F>
auto guarded(F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const error&) {
        throw;
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(fmt::format("internal error: {}", e.what()), 0);
    } catch (...) {
        throw Error("internal error: unknown exception", 0);
    }
}

}  // namespace chainbot::expr::detail
