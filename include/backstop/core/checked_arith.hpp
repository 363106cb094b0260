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
#include "backstop/core/wide_int.hpp"

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

inline const Int256& int128_magnitude_max() {
    static const Int256 value = Int256(std::numeric_limits<Int128>::max());
    return value;
}

inline bool fits_int128(const Int256& x) {
    return x <= int128_magnitude_max() && x >= -int128_magnitude_max();
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

// n / d (d != 0) rounded as asked, exact in 128 bits, with a 64-bit division whenever both fit: a
// 64-bit division is several times cheaper than the 128-bit library call. Every rounding of the
// money layer's int64 mul_div and of the engine's margin arithmetic goes through here.
constexpr int128 divide_rounded_128(int128 n, int128 d, Rounding rounding) noexcept {
    constexpr std::int64_t half_max = std::numeric_limits<std::int64_t>::max() / 2;
    if (fits_int64_open(n) && fits_int64_open(d) &&
        (rounding != Rounding::half_even || (d <= half_max && d >= -half_max))) {
        return divide_rounded<std::int64_t>(static_cast<std::int64_t>(n), static_cast<std::int64_t>(d), rounding);
    }
    return divide_rounded<int128>(n, d, rounding);
}

}  // namespace detail

inline Result<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t product = 0;
    if (__builtin_mul_overflow(a, b, &product)) return detail::overflow_error();
    return product;
}
inline Result<std::int64_t> mul_div(std::int64_t a, std::int64_t b, std::int64_t c,
                                    Rounding rounding) noexcept {
    if (c == 0) return detail::division_by_zero_error();
    const detail::int128 product = static_cast<detail::int128>(a) * b;  // |a*b| <= 2^126
    const detail::int128 q = detail::divide_rounded_128(product, c, rounding);
    if (q > std::numeric_limits<std::int64_t>::max() ||
        q < std::numeric_limits<std::int64_t>::min()) {
        return detail::overflow_error();
    }
    return static_cast<std::int64_t>(q);
}

// ---- Int128 ------------------------------------------------------------------------------------
// Boost's checked type throws on overflow; we compute in Int256 and range-check instead, so no
// exception ever crosses an engine path.

namespace detail {

// An Int128 whose magnitude is below 2^127 as the compiler's __int128 (two's complement), or
// false. Boost's 128-bit cpp_int is "trivial" where __int128 exists: a sign and one 128-bit
// magnitude, read here without a conversion.
inline bool native_int128(const Int128& x, int128& out) noexcept {
    static_assert(boost::multiprecision::backends::is_trivial_cpp_int<Int128::backend_type>::value,
                  "Int128 is expected to hold one unsigned __int128 magnitude");
    const uint128 magnitude = *x.backend().limbs();
    if ((magnitude >> 127) != 0) return false;
    out = x.backend().sign() ? -static_cast<int128>(magnitude) : static_cast<int128>(magnitude);
    return true;
}

}  // namespace detail

// + and - on Int128 take the native path when both operands and the result are within +-2^127
// (every sum of money a fund or engine meets: several times cheaper than the 256-bit detour).
inline Result<Int128> checked_add(const Int128& a, const Int128& b) {
    detail::int128 x = 0;
    detail::int128 y = 0;
    detail::int128 native_sum = 0;
    if (detail::native_int128(a, x) && detail::native_int128(b, y) && !__builtin_add_overflow(x, y, &native_sum)) {
        return Int128(native_sum);
    }
    const Int256 sum = Int256(a) + Int256(b);
    if (!detail::fits_int128(sum)) return detail::overflow_error();
    return Int128(sum);
}
inline Result<Int128> checked_sub(const Int128& a, const Int128& b) {
    detail::int128 x = 0;
    detail::int128 y = 0;
    detail::int128 native_difference = 0;
    if (detail::native_int128(a, x) && detail::native_int128(b, y) && !__builtin_sub_overflow(x, y, &native_difference)) {
        return Int128(native_difference);
    }
    const Int256 difference = Int256(a) - Int256(b);
    if (!detail::fits_int128(difference)) return detail::overflow_error();
    return Int128(difference);
}
inline Result<Int128> checked_mul(const Int128& a, const Int128& b) {
    const Int256 product = Int256(a) * Int256(b);  // |a*b| < 2^256
    if (!detail::fits_int128(product)) return detail::overflow_error();
    return Int128(product);
}
inline Result<Int128> mul_div(const Int128& a, const Int128& b, const Int128& c,
                              Rounding rounding) {
    if (c == 0) return detail::division_by_zero_error();
    const Int256 q = detail::divide_rounded<Int256>(Int256(a) * Int256(b), Int256(c), rounding);
    if (!detail::fits_int128(q)) return detail::overflow_error();
    return Int128(q);
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
template <class Rep>
inline Rep pow10(int exponent) {
    const int exponent_max = std::is_same<Rep, std::int64_t>::value ? 18 : 38;
    BACKSTOP_ASSERT(exponent >= 0 && exponent <= exponent_max, "pow10 exponent out of range");
    Rep value = Rep(1);
    for (int i = 0; i < exponent; ++i) value *= 10;
    return value;
}

}  // namespace backstop
