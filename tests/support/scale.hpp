// Long randomised tests run their full length by default; a slow build (the sanitizer one) sets
// BACKSTOP_TEST_SCALE (e.g. 0.1) to shorten them. The seeds stay the same.
#pragma once

#include <cstdint>
#include <cstdlib>

namespace backstop::testing {

inline std::uint64_t scaled(std::uint64_t full_count) {
    const char* text = std::getenv("BACKSTOP_TEST_SCALE");
    if (text == nullptr) return full_count;
    const double scale = std::atof(text);
    if (!(scale > 0.0) || scale >= 1.0) return full_count;
    const auto count = static_cast<std::uint64_t>(static_cast<double>(full_count) * scale);
    return count > 0 ? count : 1;
}

}  // namespace backstop::testing
