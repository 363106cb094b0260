// Unsigned arithmetic on magnitudes wider than the compiler's 128 bits, for the checked Int128
// operations: the 256-bit product of two 128-bit magnitudes, and its division by a 128-bit
// magnitude when the quotient fits 128 bits (Knuth's algorithm D on 64-bit digits, TAOCP vol. 2,
// 4.3.1), with the rounding of a quotient's magnitude that every mul_div shares. No Boost: the
// Int128 mul_div takes this instead of a 256-bit cpp_int, several times cheaper.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/rounding.hpp"

#include <cstdint>
#include <limits>

namespace backstop {
namespace detail {

// hi:lo / d for hi < d (so the quotient fits 64 bits): x86-64's one 128-by-64 division, where the
// compiler would call libgcc's general 128-bit __udivti3. Elsewhere the portable division.
BACKSTOP_ALWAYS_INLINE std::uint64_t divide_u128_by_u64(std::uint64_t hi, std::uint64_t lo, std::uint64_t d,
                                                        std::uint64_t& remainder) noexcept {
    BACKSTOP_ASSERT(hi < d, "the quotient must fit 64 bits");
#if defined(__x86_64__)
    std::uint64_t quotient = 0;
    __asm__("divq %[d]" : "=a"(quotient), "=d"(remainder) : [d] "r"(d), "a"(lo), "d"(hi) : "cc");
    return quotient;
#else
    const uint128 n = (static_cast<uint128>(hi) << 64) | lo;
    remainder = static_cast<std::uint64_t>(n % d);
    return static_cast<std::uint64_t>(n / d);
#endif
}

// Whether a quotient's magnitude, truncated with this remainder (< d), rounds up (one more) for a
// quotient of the given sign and parity. U is unsigned.
template <class U>
BACKSTOP_ALWAYS_INLINE bool magnitude_rounds_up(U remainder, U d, bool odd, bool negative, Rounding rounding) noexcept {
    if (remainder == 0) return false;
    switch (rounding) {
        case Rounding::down: return negative;
        case Rounding::up: return !negative;
        case Rounding::toward_zero: return false;
        case Rounding::away_from_zero: return true;
        case Rounding::half_even: {
            const U rest = d - remainder;  // 2r > d  <=>  r > d - r, without overflowing 2r
            return remainder > rest || (remainder == rest && odd);
        }
    }
    return false;
}

// Rounds a quotient's magnitude q, truncated with this remainder, as asked for a quotient of the
// given sign: q + 1 or q. False when that carries past U's maximum. U is unsigned; remainder < d.
template <class U>
BACKSTOP_ALWAYS_INLINE bool round_magnitude(U& q, U remainder, U d, bool negative, Rounding rounding) noexcept {
    if (!magnitude_rounds_up(remainder, d, (q & 1) != 0, negative, rounding)) return true;
    if (q == static_cast<U>(~U(0))) return false;
    ++q;
    return true;
}

// A 256-bit magnitude as four 64-bit digits, least significant first.
struct U256 {
    std::uint64_t digit[4];
    constexpr uint128 high() const noexcept { return (static_cast<uint128>(digit[3]) << 64) | digit[2]; }
};

BACKSTOP_ALWAYS_INLINE constexpr U256 multiply_128_by_128(uint128 a, uint128 b) noexcept {
    if (((a | b) >> 64) == 0) {  // both below 2^64 (money's usual case): one multiplication
        const uint128 p = a * b;
        return U256{{static_cast<std::uint64_t>(p), static_cast<std::uint64_t>(p >> 64), 0, 0}};
    }
    const auto a0 = static_cast<std::uint64_t>(a);
    const auto a1 = static_cast<std::uint64_t>(a >> 64);
    const auto b0 = static_cast<std::uint64_t>(b);
    const auto b1 = static_cast<std::uint64_t>(b >> 64);
    const uint128 p00 = static_cast<uint128>(a0) * b0;
    const uint128 p01 = static_cast<uint128>(a0) * b1;
    const uint128 p10 = static_cast<uint128>(a1) * b0;
    const uint128 p11 = static_cast<uint128>(a1) * b1;
    // Each sum fits 128 bits: mid <= 3 (2^64 - 1); high <= 2^128 - 1 (the product is below 2^256).
    const uint128 mid = (p00 >> 64) + static_cast<std::uint64_t>(p01) + static_cast<std::uint64_t>(p10);
    const uint128 high = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    return U256{{static_cast<std::uint64_t>(p00), static_cast<std::uint64_t>(mid), static_cast<std::uint64_t>(high),
                 static_cast<std::uint64_t>(high >> 64)}};
}

// n / d for a divisor of two digits (d >= 2^64) and n.high() < d: Knuth's algorithm D, out of
// line (money's usual divisors have one digit and stay on the inlined path below).
__attribute__((noinline)) inline uint128 divide_256_by_two_digits(const U256& n, uint128 d, uint128& remainder) noexcept {
    const auto d1 = static_cast<std::uint64_t>(d >> 64);
    const auto d0 = static_cast<std::uint64_t>(d);
    // Normalise: shift both until the divisor's top bit is set (its estimates are then at most 2
    // too large). u's fifth digit, what the shift pushes out, is zero since n.high() < d: the
    // quotient has the two digits j = 1, 0.
    const int s = __builtin_clzll(d1);
    const auto shift_left = [s](std::uint64_t high, std::uint64_t low) {
        return s == 0 ? high : (high << s) | (low >> (64 - s));
    };
    const std::uint64_t v1 = shift_left(d1, d0);
    const std::uint64_t v0 = d0 << s;
    std::uint64_t u[5] = {n.digit[0] << s, shift_left(n.digit[1], n.digit[0]), shift_left(n.digit[2], n.digit[1]),
                          shift_left(n.digit[3], n.digit[2]), s == 0 ? 0 : n.digit[3] >> (64 - s)};
    std::uint64_t q[2] = {0, 0};
    for (int j = 1; j >= 0; --j) {
        // Estimate the digit from the top two digits of the remainder over v1, then correct it
        // with v0 (Knuth's step D3). With a divisor of two digits that test compares q_hat x
        // (v1 : v0) with the three digits exactly, so the digit it leaves is exact: Knuth's
        // add-back (D6) cannot happen here.
        const uint128 top = (static_cast<uint128>(u[j + 2]) << 64) | u[j + 1];
        uint128 q_hat = top / v1;
        uint128 r_hat = top - q_hat * v1;
        while ((q_hat >> 64) != 0 || q_hat * v0 > ((r_hat << 64) | u[j])) {
            --q_hat;
            r_hat += v1;
            if ((r_hat >> 64) != 0) break;
        }
        // Multiply and subtract: u[j .. j+2] -= q_hat x (v1 : v0), which leaves u[j+2] zero.
        const auto qd = static_cast<std::uint64_t>(q_hat);
        const uint128 p0 = static_cast<uint128>(qd) * v0;
        const uint128 p1 = static_cast<uint128>(qd) * v1;
        const auto low0 = static_cast<std::uint64_t>(p0);
        std::uint64_t borrow = u[j] < low0 ? 1 : 0;
        u[j] -= low0;
        const uint128 sub1 = (p0 >> 64) + static_cast<std::uint64_t>(p1) + borrow;  // at most 2^65 - 1
        const auto low1 = static_cast<std::uint64_t>(sub1);
        borrow = u[j + 1] < low1 ? 1 : 0;
        u[j + 1] -= low1;
        const uint128 sub2 = (p1 >> 64) + (sub1 >> 64) + borrow;
        BACKSTOP_ASSERT(sub2 == u[j + 2], "the corrected estimate is exact");
        u[j + 2] = 0;
        q[j] = static_cast<std::uint64_t>(q_hat);
    }
    // The remainder is in u[1] : u[0], shifted back.
    const uint128 shifted = (static_cast<uint128>(u[1]) << 64) | u[0];
    remainder = shifted >> s;
    return (static_cast<uint128>(q[1]) << 64) | q[0];
}

// n / d for d != 0 and n.high() < d (the quotient fits 128 bits): the quotient, and the remainder
// in `remainder`.
BACKSTOP_ALWAYS_INLINE uint128 divide_256_by_128(const U256& n, uint128 d, uint128& remainder) noexcept {
    BACKSTOP_ASSERT(d != 0 && n.high() < d, "the quotient must fit 128 bits");
    const auto d0 = static_cast<std::uint64_t>(d);
    if ((d >> 64) != 0) return divide_256_by_two_digits(n, d, remainder);
    // A one-digit divisor: n.digit[3] is 0 and n.digit[2] < d0.
    std::uint64_t r = 0;
    if (n.digit[2] == 0 && n.digit[1] < d0) {  // a one-digit quotient (money's usual case): one division
        const std::uint64_t q0 = divide_u128_by_u64(n.digit[1], n.digit[0], d0, r);
        remainder = r;
        return q0;
    }
    const std::uint64_t q1 = divide_u128_by_u64(n.digit[2], n.digit[1], d0, r);
    const std::uint64_t q0 = divide_u128_by_u64(r, n.digit[0], d0, r);
    remainder = r;
    return (static_cast<uint128>(q1) << 64) | q0;
}

}  // namespace detail
}  // namespace backstop
