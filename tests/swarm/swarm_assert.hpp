// Included first by every swarm translation unit, before any backstop header: a failed
// BACKSTOP_ASSERT throws instead of aborting, so that the swarm reports the seed and the operation
// index of the abort (check 3) instead of losing the process.
#pragma once

#include <string>

namespace backstop_swarm {
struct AssertHit {
    std::string what;
};
[[noreturn]] inline void assert_hit(const char* condition, const char* message, const char* file, int line) {
    throw AssertHit{std::string(message) + " (" + condition + ") at " + file + ":" + std::to_string(line)};
}
}  // namespace backstop_swarm

#ifdef BACKSTOP_ASSERT_HANDLER
#error "swarm_assert.hpp must come before any backstop header"
#endif
#define BACKSTOP_ASSERT_HANDLER(condition_text, message, file, line) \
    ::backstop_swarm::assert_hit(condition_text, message, file, line)
