// The arithmetic of one position at its market's mark: value, notional, requirements under
// cumulative tiers, funding owed. Exact in 128 bits, every rounding against the account (values
// down, notionals, requirements and charges up), so that the engine never overstates equity.
//
// Bounds that make 128 bits enough: |size| < 2^63, mark < 2^63 (products < 2^126); a notional is
// at most int64 max / 8 (set_mark checks the position limit against it), so notional x 10^6 and
// the tier offsets stay below 2^90; funding indices stay within +-2^62 (market.hpp), so a
// difference times a size stays below 2^126.
#pragma once

#include "backstop/core/checked_arith.hpp"
#include "backstop/core/config.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/money/rate.hpp"

#include <cstdint>
#include <limits>

namespace backstop {
namespace detail {

// Rounding in the money layer's one place for it (checked_arith.hpp): down and up, named for the
// margin arithmetic below. Always inlined: out of line, their copies took 12% of an ADL over 10^5
// bearers.
BACKSTOP_ALWAYS_INLINE int128 floor_div(int128 n, int128 d) { return divide_rounded_128(n, d, Rounding::down); }
BACKSTOP_ALWAYS_INLINE int128 ceil_div(int128 n, int128 d) { return divide_rounded_128(n, d, Rounding::up); }
inline int128 abs128(int128 x) { return x < 0 ? -x : x; }

// a x part / whole rounded toward zero (whole != 0), exactly int128(a) * part / whole: `a` itself
// when part == whole (a full close) without a division.
inline int128 mul_div_trunc(std::int64_t a, int128 part, int128 whole) {
    if (part == whole) return a;
    return divide_rounded_128(int128(a) * part, whole, Rounding::toward_zero);
}

inline bool fits_int64(int128 value) {
    return value >= std::numeric_limits<std::int64_t>::min() && value <= std::numeric_limits<std::int64_t>::max();
}
// For reports and bearers' views: a figure beyond int64 shows as the nearest int64.
inline std::int64_t clamp_int64(int128 value) {
    if (value > std::numeric_limits<std::int64_t>::max()) return std::numeric_limits<std::int64_t>::max();
    if (value < std::numeric_limits<std::int64_t>::min()) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(value);
}

// |size| x mark / the market's divisor, when |size| x mark < 2^63 (almost always): the quotient
// by a multiply (InvariantDivisor) and whether a remainder is left. False otherwise: the callers
// then divide in 128 bits.
struct NotionalQuotient {
    std::uint64_t quotient = 0;
    bool inexact = false;
};
// The same from the mark and the divisor themselves (a caller that keeps them beside it).
BACKSTOP_ALWAYS_INLINE bool notional_quotient(std::int64_t mark, const InvariantDivisor& division, std::int64_t size,
                                              NotionalQuotient& out) {
    const std::uint64_t magnitude = size < 0 ? 0 - static_cast<std::uint64_t>(size) : static_cast<std::uint64_t>(size);
    std::uint64_t product = 0;  // the mark is never negative
    if (__builtin_mul_overflow(magnitude, static_cast<std::uint64_t>(mark), &product) || product >> 63 != 0) return false;
    out.quotient = division.quotient(product);
    out.inexact = out.quotient * division.divisor() != product;
    return true;
}
BACKSTOP_ALWAYS_INLINE bool notional_quotient(const MarketState& state, std::int64_t size, NotionalQuotient& out) {
    return notional_quotient(state.mark, state.notional_division, size, out);
}

// size x mark, rounded down (a long is worth less, a short owes more).
inline int128 position_value(const MarketState& state, std::int64_t size) {
    NotionalQuotient q;
    if (notional_quotient(state, size, q)) {
        return size >= 0 ? int128(q.quotient) : -int128(q.quotient + (q.inexact ? 1u : 0u));
    }
    return floor_div(int128(size) * state.mark, state.notional_divisor);
}

// |size| x mark, rounded up.
inline int128 position_notional(const MarketState& state, std::int64_t size) {
    NotionalQuotient q;
    if (notional_quotient(state, size, q)) return int128(q.quotient + (q.inexact ? 1u : 0u));
    return ceil_div(abs128(size) * state.mark, state.notional_divisor);
}

// A position's value and notional together, from one quotient when |size| x mark < 2^63: the
// notional is q + (r != 0), the value q for a long and minus the notional for a short, which is
// position_value() and position_notional() exactly ([perf_equivalence]).
struct ValueAndNotional {
    int128 value = 0;
    int128 notional = 0;
};
BACKSTOP_ALWAYS_INLINE ValueAndNotional value_and_notional(const MarketState& state, std::int64_t size) {
    NotionalQuotient q;
    if (!notional_quotient(state, size, q)) return ValueAndNotional{position_value(state, size), position_notional(state, size)};
    const int128 rounded_up = int128(q.quotient + (q.inexact ? 1u : 0u));
    return ValueAndNotional{size >= 0 ? int128(q.quotient) : -rounded_up, rounded_up};
}

// |size| x mark, rounded down: the base of penalties and discounts.
inline int128 closed_notional(const MarketState& state, std::int64_t size) {
    NotionalQuotient q;
    if (notional_quotient(state, size, q)) return int128(q.quotient);
    return floor_div(abs128(size) * state.mark, state.notional_divisor);
}

inline std::size_t tier_index(const MarketState& state, int128 notional) {
    for (std::size_t t = 0; t + 1 < state.config.tier_count; ++t) {
        if (notional <= state.config.tiers[t].notional_max) return t;
    }
    return state.config.tier_count - 1u;
}

// The cumulative offsets of a market's tiers (quote atoms x 10^6): computed once per market.
inline void compute_tier_offsets(MarketState& state) {
    state.initial_offset[0] = 0;
    state.maintenance_offset[0] = 0;
    for (std::size_t k = 1; k < state.config.tier_count; ++k) {
        const MarginTier& below = state.config.tiers[k - 1];
        const MarginTier& tier = state.config.tiers[k];
        state.initial_offset[k] = state.initial_offset[k - 1] +
                                  int128(below.notional_max) * (tier.initial.count() - below.initial.count());
        state.maintenance_offset[k] =
            state.maintenance_offset[k - 1] +
            int128(below.notional_max) * (tier.maintenance.count() - below.maintenance.count());
    }
}

// The requirements under cumulative tiers, exactly in 128 bits (the [perf_equivalence] reference).
inline int128 initial_requirement_exact(const MarketState& state, int128 notional) {
    const std::size_t k = tier_index(state, notional);
    return ceil_div(notional * state.config.tiers[k].initial.count() - state.initial_offset[k], Ppm::denominator);
}
inline int128 maintenance_requirement_exact(const MarketState& state, int128 notional) {
    const std::size_t k = tier_index(state, notional);
    return ceil_div(notional * state.config.tiers[k].maintenance.count() - state.maintenance_offset[k],
                    Ppm::denominator);
}

inline constexpr auto ppm_denominator_64 = static_cast<std::uint64_t>(Ppm::denominator);
// The largest notional x rate that ppm_ceil_64 takes.
inline constexpr std::uint64_t ppm_product_max_64 = std::numeric_limits<std::uint64_t>::max() - (ppm_denominator_64 - 1);
// ceil(product / 10^6) for product <= ppm_product_max_64, as (p + 10^6 - 1) / 10^6: one multiply
// and shift, not the quotient's product compared with p.
BACKSTOP_ALWAYS_INLINE std::uint64_t ppm_ceil_64(std::uint64_t product) {
    return (product + (ppm_denominator_64 - 1)) / ppm_denominator_64;
}
// ceil(notional x rate / 10^6) in 64 bits (rate >= 0): a multiply and a division by a constant,
// which the compiler makes a multiply. False when the product is not below 2^64 - 10^6 + 1 (a
// notional above 9 x 10^12 quote atoms at a 100% rate, far more at real ones).
BACKSTOP_ALWAYS_INLINE bool ppm_requirement_64(std::uint64_t notional, std::int64_t rate_ppm, std::uint64_t& requirement) {
    std::uint64_t product = 0;
    if (rate_ppm < 0 || __builtin_mul_overflow(notional, static_cast<std::uint64_t>(rate_ppm), &product) ||
        product > ppm_product_max_64) {
        return false;
    }
    requirement = ppm_ceil_64(product);
    return true;
}

// The requirement for a notional in the first tier (whose offset is 0), in 64 bits when it fits;
// false otherwise. Out of line, the 128-bit requirement took 13% of an ADL over 10^5 bearers.
BACKSTOP_ALWAYS_INLINE bool first_tier_requirement(const MarketState& state, int128 notional, std::int64_t rate_ppm,
                                                   int128& requirement) {
    const MarginTier& first = state.config.tiers[0];
    if (notional < 0 || notional > std::numeric_limits<std::int64_t>::max() ||
        (state.config.tier_count > 1 && notional > first.notional_max)) {
        return false;
    }
    std::uint64_t requirement_64 = 0;
    if (!ppm_requirement_64(static_cast<std::uint64_t>(notional), rate_ppm, requirement_64)) return false;
    requirement = int128(requirement_64);
    return true;
}
BACKSTOP_ALWAYS_INLINE int128 initial_requirement(const MarketState& state, int128 notional) {
    int128 requirement = 0;
    if (first_tier_requirement(state, notional, state.config.tiers[0].initial.count(), requirement)) return requirement;
    return initial_requirement_exact(state, notional);
}
BACKSTOP_ALWAYS_INLINE int128 maintenance_requirement(const MarketState& state, int128 notional) {
    int128 requirement = 0;
    if (first_tier_requirement(state, notional, state.config.tiers[0].maintenance.count(), requirement)) return requirement;
    return maintenance_requirement_exact(state, notional);
}

// The fraction a partial liquidation must restore for one more unit of notional: the initial
// fraction of the position's tier, or with a buffer, its maintenance fraction plus the buffer.
inline std::int64_t target_rate_ppm(const MarketState& state, int128 notional) {
    const MarginTier& tier = state.config.tiers[tier_index(state, notional)];
    if (state.config.liquidation_buffer.count() == 0) return tier.initial.count();
    return tier.maintenance.count() + state.config.liquidation_buffer.count();
}

// The requirement a partial liquidation restores for a position of this notional.
inline int128 target_requirement(const MarketState& state, int128 notional) {
    if (state.config.liquidation_buffer.count() == 0) return initial_requirement(state, notional);
    return maintenance_requirement(state, notional) +
           ceil_div(notional * state.config.liquidation_buffer.count(), Ppm::denominator);
}

// A funding index's side for a position of this size.
inline int128 funding_index_for(const MarketState& state, std::int64_t size) {
    return size > 0 ? state.funding_index_long : state.funding_index_short;
}

// Funding a position owes (+) or is due (-) since its last settlement: the signed amount
// rounded up (charges round up, credits down).
inline int128 funding_owed(const MarketState& state, std::int64_t size, int128 snapshot) {
    if (size == 0) return 0;
    const int128 moved = funding_index_for(state, size) - snapshot;
    if (moved == 0) return 0;  // settled at the current index (the common case): no division
    return ceil_div(int128(size) * moved, state.funding_divisor);
}

}  // namespace detail
}  // namespace backstop
