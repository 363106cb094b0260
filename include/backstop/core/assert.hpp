// BACKSTOP_ASSERT guards invariants: a failure is a bug in backstop or its caller, never bad input
// (bad input is an Error value). Tests may define BACKSTOP_ASSERT_HANDLER before any include to
// throw instead of abort, so that "this must assert" can be checked.
#pragma once

#include <cstdio>
#include <cstdlib>

#ifndef BACKSTOP_ASSERT_HANDLER
#define BACKSTOP_ASSERT_HANDLER(condition_text, message, file, line) \
    ::backstop::detail::assert_failed(condition_text, message, file, line)
#endif

#define BACKSTOP_ASSERT(condition, message)                                    \
    do {                                                                       \
        if (!(condition)) {                                                    \
            BACKSTOP_ASSERT_HANDLER(#condition, message, __FILE__, __LINE__);  \
        }                                                                      \
    } while (false)

namespace backstop {
namespace detail {
[[noreturn]] inline void assert_failed(const char* condition_text, const char* message,
                                       const char* file, int line) noexcept {
    std::fprintf(stderr, "backstop: assertion failed: %s (%s) at %s:%d\n", condition_text,
                 message, file, line);
    std::abort();
}
}  // namespace detail
}  // namespace backstop
