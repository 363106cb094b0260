// Checked arithmetic on the three representations of money: std::int64_t (exact, fast),
// Int128 (exact, wide) and double (research only). Overflow and division by zero are Error
// values, never wrap-around or undefined behaviour.
//
// mul_div(a, b, c, rounding) computes a * b / c exactly in a type twice as wide as the operands
// (__int128 for int64, 256 bits for Int128) and rounds once, in the direction the caller names.
// For double the quotient is computed in double and rounded to a whole atom the same way, so the
// research representation follows the same rules up to floating-point error.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/rounding.hpp"
#include "backstop/core/wide_division.hpp"
#include "backstop/core/int128.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace backstop {

// The representations an Amount, Quantity or Price may use.
template <class Rep>
struct is_exact_rep : std::bool_constant<std::is_same<Rep, std::int64_t>::value ||
                                         std::is_same<Rep, Int128>::value> {};
template <class Rep>
struct is_research_rep : std::is_same<Rep, double> {};
template <class Rep>
struct is_money_rep : std::bool_constant<is_exact_rep<Rep>::value || is_research_rep<Rep>::value> {};

template <class Rep>
inline constexpr bool is_exact_rep_v = is_exact_rep<Rep>::value;
template <class Rep>
inline constexpr bool is_money_rep_v = is_money_rep<Rep>::value;

namespace detail {

// n / d rounded as asked. W is a signed integer type with truncating division (C++ semantics);
// the caller guarantees d != 0 and that 2 * |d| fits in W.
template <class W>
constexpr W divide_rounded(const W& n, const W& d, Rounding rounding) noexcept {
    W q = n / d;
    W r = n - q * d;  // remainder with the sign of n
    if (r == 0) return q;
    const bool quotient_negative = (r < 0) != (d < 0);
    const W away = quotient_negative ? W(-1) : W(1);
    switch (rounding) {
        case Rounding::down:
            if (quotient_negative) q -= 1;
            break;
        case Rounding::up:
            if (!quotient_negative) q += 1;
            break;
        case Rounding::toward_zero:
            break;
        case Rounding::away_from_zero:
            q += away;
            break;
        case Rounding::half_even: {
            const W r_twice = (r < 0 ? W(-r) : r) * 2;
            const W d_abs = d < 0 ? W(-d) : d;
            if (r_twice > d_abs || (r_twice == d_abs && (q % 2) != 0)) q += away;
            break;
        }
    }
    return q;
}

inline double double_round(double x, Rounding rounding) noexcept {
    switch (rounding) {
        case Rounding::down: return std::floor(x);
        case Rounding::up: return std::ceil(x);
        case Rounding::toward_zero: return std::trunc(x);
        case Rounding::away_from_zero: return x < 0 ? -std::ceil(-x) : std::ceil(x);
        case Rounding::half_even: {
            const double lower = std::floor(x);
            const double fraction = x - lower;
            if (fraction > 0.5) return lower + 1;
            if (fraction < 0.5) return lower;
            return std::fmod(lower, 2.0) == 0.0 ? lower : lower + 1;
        }
    }
    return x;
}

inline Error overflow_error() noexcept {
    return make_error(ErrorCode::overflow, "result does not fit the representation");
}
inline Error division_by_zero_error() noexcept {
    return make_error(ErrorCode::division_by_zero, "divisor is zero");
}

}  // namespace detail

// ---- int64 -------------------------------------------------------------------------------------

inline Result<std::int64_t> checked_add(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t sum = 0;
    if (__builtin_add_overflow(a, b, &sum)) return detail::overflow_error();
    return sum;
}
inline Result<std::int64_t> checked_sub(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t difference = 0;
    if (__builtin_sub_overflow(a, b, &difference)) return detail::overflow_error();
    return difference;
}
namespace detail {

// Whether x is in (int64 min, int64 max]: one compare of the high word with the low word's sign,
// int64 min excluded so that neither a quotient by -1 nor a negation overflows 64 bits.
constexpr bool fits_int64_open(int128 x) noexcept {
    const auto low = static_cast<std::int64_t>(x);
    return int128(low) == x && low != std::numeric_limits<std::int64_t>::min();
}

inline std::uint64_t magnitude_64(std::int64_t x) noexcept {
    return x < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(x) : static_cast<std::uint64_t>(x);
}

// n / d on magnitudes (d != 0), rounded as asked for a quotient of the given sign: one 128-by-64
// division. False when the rounded magnitude reaches 2^64 (hi >= d, or the rounding carries).
BACKSTOP_ALWAYS_INLINE bool divide_magnitude_rounded(uint128 n, std::uint64_t d, bool negative, Rounding rounding,
                                                     std::uint64_t& quotient) noexcept {
    const auto hi = static_cast<std::uint64_t>(n >> 64);
    if (hi >= d) return false;
    std::uint64_t remainder = 0;
    std::uint64_t q = divide_u128_by_u64(hi, static_cast<std::uint64_t>(n), d, remainder);
    if (!round_magnitude(q, remainder, d, negative, rounding)) return false;
    quotient = q;
    return true;
}

// n / d (d != 0) rounded as asked, exact in 128 bits: a 64-bit division when both fit; when only d
// and the quotient do, one 128-by-64 division on magnitudes (several times cheaper than libgcc's
// 128-bit division); otherwise the general path. The engine's margin arithmetic rounds through
// here. Always inlined, so that a constant rounding folds its switch (out of line, three copies
// took 10% of a partial liquidation).
BACKSTOP_ALWAYS_INLINE int128 divide_rounded_128(int128 n, int128 d, Rounding rounding) noexcept {
    constexpr std::int64_t half_max = std::numeric_limits<std::int64_t>::max() / 2;
    if (fits_int64_open(n) && fits_int64_open(d) &&
        (rounding != Rounding::half_even || (d <= half_max && d >= -half_max))) {
        // Both in 64 bits (the engine's usual case): the signed division, without the magnitudes.
        return divide_rounded<std::int64_t>(static_cast<std::int64_t>(n), static_cast<std::int64_t>(d), rounding);
    }
    const auto d_low = static_cast<std::int64_t>(d);
    if (int128(d_low) == d) {
        const bool negative = (n < 0) != (d_low < 0);
        std::uint64_t q = 0;
        if (divide_magnitude_rounded(magnitude_128(n), magnitude_64(d_low), negative, rounding, q)) {
            return negative ? -int128(q) : int128(q);
        }
    }
    return divide_rounded<int128>(n, d, rounding);
}

// The general path alone, for the [perf_equivalence] test.
constexpr int128 divide_rounded_128_exact(int128 n, int128 d, Rounding rounding) noexcept {
    return divide_rounded<int128>(n, d, rounding);
}

}  // namespace detail

inline Result<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t product = 0;
    if (__builtin_mul_overflow(a, b, &product)) return detail::overflow_error();
    return product;
}
namespace detail {

// The plain exact path: the product in 128 bits, the general 128-bit division, a range check. The
// fast path below must agree with it bit for bit ([perf_equivalence]).
inline Result<std::int64_t> mul_div_exact(std::int64_t a, std::int64_t b, std::int64_t c,
                                          Rounding rounding) noexcept {
    if (c == 0) return division_by_zero_error();
    const int128 product = static_cast<int128>(a) * b;  // |a*b| <= 2^126
    const int128 q = divide_rounded_128_exact(product, c, rounding);
    if (q > std::numeric_limits<std::int64_t>::max() || q < std::numeric_limits<std::int64_t>::min()) {
        return overflow_error();
    }
    return static_cast<std::int64_t>(q);
}

}  // namespace detail

// a * b / c on magnitudes: one widening multiply, one 128-by-64 division whose quotient must fit
// 64 bits (a larger one overflows int64 whatever the rounding), the rounding on the remainder.
inline Result<std::int64_t> mul_div(std::int64_t a, std::int64_t b, std::int64_t c,
                                    Rounding rounding) noexcept {
    if (c == 0) return detail::division_by_zero_error();
    const bool negative = ((a < 0) != (b < 0)) != (c < 0);  // the quotient's sign (a zero one has no remainder)
    const detail::uint128 product = static_cast<detail::uint128>(detail::magnitude_64(a)) * detail::magnitude_64(b);
    std::uint64_t q = 0;
    if (!detail::divide_magnitude_rounded(product, detail::magnitude_64(c), negative, rounding, q)) {
        return detail::overflow_error();
    }
    constexpr auto max_positive = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (negative) {
        if (q > max_positive + 1) return detail::overflow_error();
        return q == max_positive + 1 ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(q);
    }
    if (q > max_positive) return detail::overflow_error();
    return static_cast<std::int64_t>(q);
}

// ---- Int128 ------------------------------------------------------------------------------------
// On the raw __int128 (core/int128.hpp): the compiler's overflow checks for + and -, the
// magnitudes' 256-bit product for * and mul_div (wide_division.hpp). Int128 excludes -2^127, so
// a result equal to it is an overflow too.

namespace detail {

// The Int128 of a magnitude and a sign, or an overflow beyond 2^127 - 1.
BACKSTOP_ALWAYS_INLINE Result<Int128> signed_int128(uint128 magnitude, bool negative) noexcept {
    if (magnitude > static_cast<uint128>(int128_raw_max)) return overflow_error();
    return int128_from_raw(apply_sign(magnitude, negative));
}

}  // namespace detail

inline Result<Int128> checked_add(Int128 a, Int128 b) noexcept {
    detail::int128 sum = 0;
    if (!detail::add_int128(a.raw(), b.raw(), sum)) return detail::overflow_error();
    return detail::int128_from_raw(sum);
}
inline Result<Int128> checked_sub(Int128 a, Int128 b) noexcept {
    detail::int128 difference = 0;
    if (!detail::sub_int128(a.raw(), b.raw(), difference)) return detail::overflow_error();
    return detail::int128_from_raw(difference);
}
inline Result<Int128> checked_mul(Int128 a, Int128 b) noexcept {
    detail::int128 product = 0;
    if (!detail::multiply_int128(a.raw(), b.raw(), product)) return detail::overflow_error();
    return detail::int128_from_raw(product);
}

// a * b / c on the magnitudes: their 256-bit product, a division by c's magnitude whose quotient
// must fit 128 bits, the rounding on the remainder, a range check against 2^127 - 1. A divisor
// below 2^64 (money's usual one) divides digit by digit and rounds on a 64-bit remainder.
BACKSTOP_ALWAYS_INLINE Result<Int128> mul_div(Int128 a, Int128 b, Int128 c, Rounding rounding) noexcept {
    const detail::uint128 divisor = detail::magnitude_128(c.raw());
    if (divisor == 0) return detail::division_by_zero_error();
    const bool negative = ((a.raw() < 0) != (b.raw() < 0)) != (c.raw() < 0);
    const detail::U256 product =
        detail::multiply_128_by_128(detail::magnitude_128(a.raw()), detail::magnitude_128(b.raw()));
    if (product.high() >= divisor) return detail::overflow_error();
    detail::uint128 q = 0;
    if ((divisor >> 64) == 0) {
        // product.digit[3] is 0 and product.digit[2] < d, so each digit of the quotient fits 64 bits.
        const auto d = static_cast<std::uint64_t>(divisor);
        std::uint64_t remainder = product.digit[1];
        std::uint64_t q1 = 0;
        if (product.digit[2] != 0 || product.digit[1] >= d) {
            q1 = detail::divide_u128_by_u64(product.digit[2], product.digit[1], d, remainder);
        }
        const std::uint64_t q0 = detail::divide_u128_by_u64(remainder, product.digit[0], d, remainder);
        q = (static_cast<detail::uint128>(q1) << 64) | q0;
        if (detail::magnitude_rounds_up(remainder, d, (q0 & 1) != 0, negative, rounding)) {
            if (q >= static_cast<detail::uint128>(detail::int128_raw_max)) return detail::overflow_error();
            ++q;
        }
    } else {
        detail::uint128 remainder = 0;
        q = detail::divide_256_by_two_digits(product, divisor, remainder);
        if (!detail::round_magnitude(q, remainder, divisor, negative, rounding)) return detail::overflow_error();
    }
    return detail::signed_int128(q, negative);
}

// ---- double (research) -------------------------------------------------------------------------

inline Result<double> checked_add(double a, double b) noexcept {
    const double sum = a + b;
    if (!std::isfinite(sum)) return detail::overflow_error();
    return sum;
}
inline Result<double> checked_sub(double a, double b) noexcept {
    const double difference = a - b;
    if (!std::isfinite(difference)) return detail::overflow_error();
    return difference;
}
inline Result<double> checked_mul(double a, double b) noexcept {
    const double product = a * b;
    if (!std::isfinite(product)) return detail::overflow_error();
    return product;
}
inline Result<double> mul_div(double a, double b, double c, Rounding rounding) noexcept {
    if (c == 0.0) return detail::division_by_zero_error();
    const double q = detail::double_round(a * b / c, rounding);
    if (!std::isfinite(q)) return detail::overflow_error();
    return q + 0.0;  // -0.0 becomes +0.0, as in the integer representations
}

// ---- powers of ten -----------------------------------------------------------------------------

// 10^exponent in Rep, for the scales of assets and prices: up to 10^18 in int64, 10^38 in Int128.
// On the raw integers (10^38 < 2^127), so that a constant exponent folds to a constant.
template <class Rep>
constexpr Rep pow10(int exponent) {
    const int exponent_max = std::is_same<Rep, std::int64_t>::value ? 18 : 38;
    BACKSTOP_ASSERT(exponent >= 0 && exponent <= exponent_max, "pow10 exponent out of range");
    using Raw = std::conditional_t<std::is_same<Rep, Int128>::value, detail::int128, Rep>;
    Raw value = 1;
    for (int i = 0; i < exponent; ++i) value *= 10;
    if constexpr (std::is_same<Rep, Int128>::value) {
        return detail::int128_from_raw(value);
    } else {
        return value;
    }
}

}  // namespace backstop
