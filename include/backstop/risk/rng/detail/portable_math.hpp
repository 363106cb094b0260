// log and expm1 of our own, for the lab's vectorised draws (student_t_steps, GarchJump).
//
// Why not <cmath>: libm's log and exp may differ in the last bit between C libraries, and a loop
// that calls them does not vectorise. These use only +, -, *, / and integer operations on the
// bits, so they give the same bits in scalar code and in every SIMD width, and on every IEEE-754
// platform when built without fused multiply-add (-ffp-contract=off; the dispatched kernels
// ensure it themselves), and the compiler vectorises loops over them.
// (Square roots need no such care: IEEE rounds them correctly everywhere; see vector_sqrt.hpp.)
// Accuracy: a few ulps (the tests bound the relative error by 4e-16 against libm). Domains are
// stated per function; the callers stay inside them, and nothing here checks (these sit in the
// innermost loops).
#pragma once

#include "backstop/core/config.hpp"  // BACKSTOP_ALWAYS_INLINE
#include "backstop/risk/floating_point.hpp"

#include <cstdint>
#include <cstring>

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

// Natural log of a positive normal double. x = 2^e m with m in [sqrt(1/2), sqrt(2)), f = m - 1,
// s = f / (2 + f); then log m = f - f^2/2 + s (f^2/2 + R(s^2)), R the degree-7 minimax
// polynomial of fdlibm's e_log.c (Sun Microsystems; its coefficients, error below 2^-58.45 on
// this range). The exponent is taken from the bits with 64-bit adds and shifts only (no int64 ->
// double conversion, which SSE2 and AVX2 lack), so the loop vectorises.
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
    const double f = m - 1.0;
    const double s = f / (2.0 + f);
    const double z = s * s;
    const double w = z * z;
    const double odd = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
    const double even = z * (6.666666666666735130e-01 +
                             w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
    const double r = even + odd;
    const double half_f_squared = 0.5 * f * f;
    return e * ln2_high - ((half_f_squared - (s * (half_f_squared + r) + e * ln2_low)) - f);
}

// e^x - 1 for x in [0, 709]. x = n ln 2 + r with n the nearest integer to x / ln 2 and
// |r| <= ln 2 / 2; e^r - 1 = r + r c / (2 - c), c = r - r^2 P(r^2), with the degree-5 minimax
// polynomial P of fdlibm's e_exp.c (its coefficients, error below 2^-59 on this range); then
// e^x - 1 = 2^n expm1(r) + (2^n - 1), where 2^n - 1 is exact up to n = 53. At n = 0 this is
// expm1(r) itself; from n = 1 the sum cancels at most where r = -ln 2 / 2 and n = 1
// (-0.59 + 1), which costs under a bit of expm1(r)'s few ulps (the test's bound holds there).
BACKSTOP_ALWAYS_INLINE double portable_expm1_nonnegative(double x) noexcept {
    BACKSTOP_NO_FP_CONTRACTION
    constexpr double shifter = 0x1.8p52;  // adding it rounds to an integer, kept in the low bits
    constexpr double log2_e = 1.4426950408889634;
    const double shifted = x * log2_e + shifter;
    const double n = shifted - shifter;
    const std::uint64_t n_integer = bits_of(shifted) - bits_of(shifter);
    const double r = (x - n * ln2_high) - n * ln2_low;
    const double t = r * r;
    const double c = r - t * (1.66666666666666019037e-01 +
                              t * (-2.77777777770155933842e-03 +
                                   t * (6.61375632143793436117e-05 +
                                        t * (-1.65339022054652515390e-06 + t * 4.13813679705723846039e-08))));
    const double expm1_r = r + r * c / (2.0 - c);
    const double two_to_n = double_from_bits((n_integer + 1023) << 52);
    return two_to_n * expm1_r + (two_to_n - 1.0);
}

}  // namespace backstop::risk::detail
