// log, expm1 and sqrt of our own, for the lab's vectorised draws (StudentTSteps, GarchJump).
//
// Why not <cmath>: libm's log and exp may differ in the last bit between C libraries, and a loop
// that calls them does not vectorise (GCC keeps std::sqrt scalar too, for errno). These use only
// +, -, *, / and integer operations on the bits, so they give the same bits on every IEEE-754
// platform, in scalar code and in every SIMD width, and the compiler vectorises loops over them.
// Accuracy: a few ulps (the tests bound the relative error by 4e-16 against libm). Domains are
// stated per function; the callers stay inside them, and nothing here checks (these sit in the
// innermost loops).
#pragma once

#include "backstop/risk/floating_point.hpp"

#include <cstdint>
#include <cstring>

#if defined(__GNUC__) || defined(__clang__)
#define BACKSTOP_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define BACKSTOP_ALWAYS_INLINE inline
#endif

namespace backstop::risk::detail {

BACKSTOP_ALWAYS_INLINE std::uint64_t bits_of(double x) noexcept {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &x, sizeof bits);
    return bits;
}

BACKSTOP_ALWAYS_INLINE double double_from_bits(std::uint64_t bits) noexcept {
    double x = 0.0;
    std::memcpy(&x, &bits, sizeof x);
    return x;
}

// ln 2 in two parts: the high part has 11 trailing zero bits, so n * ln2_high is exact for
// |n| < 2^11.
inline constexpr double ln2_high = 0x1.62e42fefa3800p-1;
inline constexpr double ln2_low = 0x1.ef35793c76730p-45;

// Natural log of a positive normal double. x = 2^e m with m in [sqrt(1/2), sqrt(2)), then
// log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, by its series to s^23 (the next term
// is below 1e-18 of the sum). The exponent is taken from the bits with 64-bit adds and shifts
// only (no int64 -> double conversion, which SSE2 and AVX2 lack), so the loop vectorises.
BACKSTOP_ALWAYS_INLINE double portable_log(double x) noexcept {
    BACKSTOP_NO_FP_CONTRACTION
    constexpr std::uint64_t sqrt_half_bits = 0x3fe6a09e667f3bcdULL;
    constexpr std::uint64_t exponent_offset = std::uint64_t{1024} << 52;
    const std::uint64_t bits = bits_of(x);
    // e + 1024 where x = 2^e m: shifting by the bits of sqrt(1/2) puts m's cut at a power of 2.
    const std::uint64_t exponent_biased = (bits - sqrt_half_bits + exponent_offset) >> 52;
    const double m = double_from_bits(bits - (exponent_biased << 52) + exponent_offset);
    // (double)(e): 2^52 + 1024 + e has e + 1024 in its low bits.
    const double e = double_from_bits(0x4330000000000000ULL | exponent_biased) - (0x1p52 + 1024.0);
    const double s = (m - 1.0) / (m + 1.0);
    const double z = s * s;
    double p = 1.0 / 23.0;
    p = p * z + 1.0 / 21.0;
    p = p * z + 1.0 / 19.0;
    p = p * z + 1.0 / 17.0;
    p = p * z + 1.0 / 15.0;
    p = p * z + 1.0 / 13.0;
    p = p * z + 1.0 / 11.0;
    p = p * z + 1.0 / 9.0;
    p = p * z + 1.0 / 7.0;
    p = p * z + 1.0 / 5.0;
    p = p * z + 1.0 / 3.0;
    const double log_m = 2.0 * s + 2.0 * s * (z * p);
    return e * ln2_high + (e * ln2_low + log_m);
}

// e^x - 1 for x in [0, 709]. x = n ln 2 + r with n the nearest integer to x / ln 2 and
// |r| <= ln 2 / 2; expm1(r) by its Taylor series to r^13 (remainder below 2e-17 relative); then
// e^x - 1 = 2^n expm1(r) + (2^n - 1), where 2^n - 1 is exact up to n = 53 and both terms are
// positive, so there is no cancellation at any x (and at n = 0 the result is expm1(r) itself).
BACKSTOP_ALWAYS_INLINE double portable_expm1_nonnegative(double x) noexcept {
    BACKSTOP_NO_FP_CONTRACTION
    constexpr double shifter = 0x1.8p52;  // adding it rounds to an integer, kept in the low bits
    constexpr double log2_e = 1.4426950408889634;
    const double shifted = x * log2_e + shifter;
    const double n = shifted - shifter;
    const std::uint64_t n_integer = bits_of(shifted) - bits_of(shifter);
    const double r = (x - n * ln2_high) - n * ln2_low;
    double p = 1.0 / 6227020800.0;  // 1/13!
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    const double expm1_r = r + (r * r) * p;
    const double two_to_n = double_from_bits((n_integer + 1023) << 52);
    return two_to_n * expm1_r + (two_to_n - 1.0);
}

// Square root of 0 or a positive normal double: 1/sqrt(x) from a bit-level first guess (within
// 3.5%) refined by four Newton steps y <- y (3/2 - x y^2 / 2) (the error squares each time), then
// x y. Not correctly rounded like the hardware's (within 2 ulps), but it vectorises everywhere,
// which GCC's std::sqrt does not unless errno is switched off. (At 0 the first guess would
// overflow in the steps, so 0 takes the steps on 1 and is selected out.)
BACKSTOP_ALWAYS_INLINE double portable_sqrt(double x) noexcept {
    BACKSTOP_NO_FP_CONTRACTION
    const bool is_zero = x == 0.0;
    const double operand = is_zero ? 1.0 : x;
    const double half_x = 0.5 * operand;
    double y = double_from_bits(0x5fe6eb50c7b537a9ULL - (bits_of(operand) >> 1));
    y = y * (1.5 - half_x * (y * y));
    y = y * (1.5 - half_x * (y * y));
    y = y * (1.5 - half_x * (y * y));
    y = y * (1.5 - half_x * (y * y));
    return is_zero ? 0.0 : operand * y;
}

}  // namespace backstop::risk::detail
