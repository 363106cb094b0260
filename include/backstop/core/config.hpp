// Compiler and language checks shared by every header.
#pragma once

#if __cplusplus < 201703L
#error "backstop needs C++17 or later"
#endif

#if !defined(__GNUC__) && !defined(__clang__)
#error "backstop supports gcc and clang (it relies on __int128 and __builtin_*_overflow)"
#endif

// Forces inlining where a hot loop calls a function too large for the compiler's own choice (the
// scan's per-account test: a call per account costs a third of the scan).
#define BACKSTOP_ALWAYS_INLINE inline __attribute__((always_inline))
// Keeps a rare path out of a hot loop, so that the loop's own values stay in registers.
#define BACKSTOP_NEVER_INLINE inline __attribute__((noinline))

namespace backstop {
namespace detail {
// __extension__ keeps -Wpedantic quiet: __int128 is the wide intermediate of every int64 mul_div.
__extension__ typedef __int128 int128;
__extension__ typedef unsigned __int128 uint128;
}  // namespace detail
}  // namespace backstop
