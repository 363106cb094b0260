// Counts heap allocations: this binary replaces the global operator new, and a test reads the
// count before and after the code under test (without Catch2 assertions in between, which
// allocate themselves).
#pragma once

#include <cstddef>
#include <cstdint>

namespace backstop::testing {
std::uint64_t allocation_count() noexcept;
}  // namespace backstop::testing
