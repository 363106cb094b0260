// Division by a divisor fixed at set-up (a market's 10^k), by one widening multiply and a shift
// instead of a hardware division (Granlund and Montgomery, "Division by invariant integers using
// multiplication", 1994, theorem 4.2, with N = 63).
//
// For 1 <= d < 2^63, l = ceil(log2 d) and m = ceil(2^(63 + l) / d): m d = 2^(63 + l) + e with
// 0 <= e < d <= 2^l, so for 0 <= n < 2^63, m n / 2^(63 + l) = n / d + e n / (d 2^(63 + l)), whose
// second term is below 1 / d: the floor is floor(n / d). m < 2^64 (m = 2^63 when d is a power of
// two), and 63 + l <= 126 keeps the shift inside the 128-bit product.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/config.hpp"

#include <cstdint>

namespace backstop {
namespace detail {

class InvariantDivisor {
public:
    constexpr InvariantDivisor() = default;
    // 1 <= divisor < 2^63 (a caller's own invariant: the engine's divisors are powers of ten).
    constexpr explicit InvariantDivisor(std::uint64_t divisor) : divisor_(divisor) {
        BACKSTOP_ASSERT(divisor >= 1 && divisor < (std::uint64_t{1} << 63), "a divisor in [1, 2^63)");
        unsigned l = 0;
        while ((std::uint64_t{1} << l) < divisor) ++l;
        high_shift_ = l;
        magic_ = static_cast<std::uint64_t>(((uint128{1} << (63 + l)) + divisor - 1) / divisor);
    }

    constexpr std::uint64_t divisor() const { return divisor_; }
    // floor(n / divisor) for n < 2^63. m 2n / 2^(64 + l) is m n / 2^(63 + l) and 2n < 2^64: the
    // quotient is the high word of one product shifted by l, not a 128-bit shift (which takes
    // four instructions, the shift count being a variable).
    constexpr std::uint64_t quotient(std::uint64_t n) const {
        return static_cast<std::uint64_t>((static_cast<uint128>(magic_) * (n << 1)) >> 64) >> high_shift_;
    }

private:
    std::uint64_t divisor_ = 1;
    std::uint64_t magic_ = std::uint64_t{1} << 63;
    unsigned high_shift_ = 0;  // l
};

}  // namespace detail
}  // namespace backstop
