// The swarm's reference model: what an account's equity and requirements are, computed from the
// engine's public state (positions, collateral, marks, funding indices, market configs) with exact
// integer arithmetic on Boost.Multiprecision's cpp_int (a fixed 256-bit, overflow-checked
// backend: a value the model cannot hold throws instead of wrapping). It shares no code with the
// engine: every formula is written here from docs/engine.md and issue 12, in one place
// (`Formulas`), so that it is easy to adjust when the engine's semantics move.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>

#include <backstop/core/config.hpp>
#include <backstop/engine/market.hpp>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace backstop_swarm {

using Big = boost::multiprecision::number<boost::multiprecision::cpp_int_backend<
    256, 256, boost::multiprecision::signed_magnitude, boost::multiprecision::checked, void>>;

inline Big big_from_int128(backstop::detail::int128 v) {
    const bool negative = v < 0;
    const backstop::detail::uint128 magnitude =
        negative ? backstop::detail::uint128(0) - static_cast<backstop::detail::uint128>(v)
                 : static_cast<backstop::detail::uint128>(v);
    Big r = Big(static_cast<std::uint64_t>(magnitude >> 64));
    r <<= 64;
    r += Big(static_cast<std::uint64_t>(magnitude));
    return negative ? Big(-r) : r;
}

template <class T, class = void>
struct has_atoms : std::false_type {};
template <class T>
struct has_atoms<T, std::void_t<decltype(std::declval<const T&>().atoms())>> : std::true_type {};
template <class T, class = void>
struct has_raw : std::false_type {};
template <class T>
struct has_raw<T, std::void_t<decltype(std::declval<const T&>().raw())>> : std::true_type {};
template <class T, class = void>
struct has_count : std::false_type {};
template <class T>
struct has_count<T, std::void_t<decltype(std::declval<const T&>().count())>> : std::true_type {};

// Any integer the engine shows (int64, __int128, an Amount, a Quantity, a Price, a rate) as a Big:
// the engine's API is moving from raw integers to typed values, the model reads either.
template <class T>
Big to_big(const T& v) {
    if constexpr (std::is_same<T, backstop::detail::int128>::value) {
        return big_from_int128(v);
    } else if constexpr (std::is_integral<T>::value) {
        return Big(v);
    } else if constexpr (has_atoms<T>::value) {
        return to_big(v.atoms());
    } else if constexpr (has_raw<T>::value) {
        return to_big(v.raw());
    } else if constexpr (has_count<T>::value) {
        return to_big(v.count());
    } else {
        return Big(v);  // a Boost number (Int128)
    }
}

inline Big pow10(int n) {
    Big r = 1;
    for (int i = 0; i < n; ++i) r *= 10;
    return r;
}
// Boost's division truncates toward zero; these round as named, for any signs.
inline Big floor_div(const Big& n, const Big& d) {
    Big q = n / d;
    if (q * d != n && ((n < 0) != (d < 0))) q -= 1;
    return q;
}
inline Big ceil_div(const Big& n, const Big& d) { return -floor_div(-n, d); }
inline Big trunc_div(const Big& n, const Big& d) { return n / d; }
inline Big abs_big(const Big& v) { return v < 0 ? Big(-v) : v; }

inline const Big& int64_max() {
    static const Big v(std::numeric_limits<std::int64_t>::max());
    return v;
}
inline const Big& int64_min() {
    static const Big v(std::numeric_limits<std::int64_t>::min());
    return v;
}
// backstop::funding_index_max (issue 12): |index| <= 2^62.
inline const Big& funding_index_max_big() {
    static const Big v = Big(1) << 62;
    return v;
}
inline Big clamp64(const Big& v) { return v > int64_max() ? int64_max() : (v < int64_min() ? int64_min() : v); }
inline bool fits64(const Big& v) { return v <= int64_max() && v >= int64_min(); }

// Which semantics the formulas follow. The swarm detects the engine's (see swarm_run.hpp) and
// BACKSTOP_SWARM_SEMANTICS=target|legacy forces one.
struct Semantics {
    // true: funding indices in quote units per whole base unit x 10^9 (Drift's, issue 12);
    // false: quote atoms per base atom x 10^9 (the engine before issue 12).
    bool funding_per_whole_unit = true;
    // true: Binance's cumulative tiers (issue 12); false: the tier's fraction of the whole notional.
    bool cumulative_tiers = true;
};

// A market as the model sees it.
struct ModelMarket {
    int base_decimals = 0;
    int price_decimals = 0;
    int quote_decimals = 6;
    Big divisor = 1;  // 10^(base + price - quote decimals): size x price / divisor = quote atoms
    backstop::MarketConfig config;
    Big mark = 0;
    bool has_mark = false;
    Big mark_time = 0;
    Big index_long = 0;
    Big index_short = 0;
    // An option series (config.option): its volatility and whether an underlying mark at or after
    // its expiry fixed its mark at the payoff (it never ages then). Model-own, like mark_time.
    double option_volatility = 0.0;
    bool option_expired = false;
};

struct ModelPosition {
    Big size = 0;
    Big cost = 0;
    Big snapshot = 0;  // funding index at the last settlement
};

inline bool operator==(const ModelPosition& a, const ModelPosition& b) {
    return a.size == b.size && a.cost == b.cost && (a.size == 0 || a.snapshot == b.snapshot);
}
inline bool operator!=(const ModelPosition& a, const ModelPosition& b) { return !(a == b); }

struct ModelMetrics {
    Big collateral = 0;
    Big equity = 0;
    Big initial = 0;
    Big maintenance = 0;
    std::size_t position_count = 0;
    bool liquidatable() const { return position_count > 0 && equity < maintenance; }
};

// ---- the formulas, all of them ------------------------------------------------------------------
struct Formulas {
    Semantics semantics;

    // size x mark, rounded down (against the account, long or short).
    Big value(const ModelMarket& m, const Big& size) const { return floor_div(size * m.mark, m.divisor); }
    // |size| x mark, rounded up.
    Big notional(const ModelMarket& m, const Big& size) const { return ceil_div(abs_big(size) * m.mark, m.divisor); }
    // Value of a fill of `size` atoms at `price` (both positive): rounded down.
    Big fill_value(const ModelMarket& m, const Big& size, const Big& price) const {
        return floor_div(size * price, m.divisor);
    }
    // The value (signed, + for a buy) of the fill by which a position of `size` closes `close`
    // (signed like it) at the mark against a liquidator holding `taker`: of the two sides'
    // changes of value (each rounded down), the one better for the closing account, so that it
    // never loses by rounding and the liquidator never gains.
    Big close_value(const ModelMarket& m, const Big& size, const Big& close, const Big& taker) const {
        const Big own = value(m, size - close) - value(m, size);
        const Big liquidator = value(m, taker) - value(m, taker + close);
        return own < liquidator ? own : liquidator;
    }
    std::size_t tier_of(const ModelMarket& m, const Big& notional) const {
        for (std::size_t t = 0; t + 1 < m.config.tier_count; ++t) {
            if (notional <= Big(m.config.tiers[t].notional_max)) return t;
        }
        return m.config.tier_count - 1u;
    }
    // initial (true) or maintenance requirement of one position of this notional.
    Big requirement(const ModelMarket& m, const Big& notional, bool initial) const {
        const std::size_t k = tier_of(m, notional);
        auto rate = [&](std::size_t t) {
            return to_big(initial ? m.config.tiers[t].initial.count() : m.config.tiers[t].maintenance.count());
        };
        Big offset = 0;  // A_k = sum_{j<k} notional_max_j x (rate_{j+1} - rate_j)
        if (semantics.cumulative_tiers) {
            for (std::size_t j = 0; j < k; ++j) offset += Big(m.config.tiers[j].notional_max) * (rate(j + 1) - rate(j));
        }
        return ceil_div(notional * rate(k) - offset, Big(1'000'000));
    }
    // Funding a position owes (+) or is due (-) since its snapshot: the signed amount rounded up.
    Big funding_owed(const ModelMarket& m, const ModelPosition& p) const {
        if (p.size == 0) return 0;
        const Big& index = p.size > 0 ? m.index_long : m.index_short;
        const Big delta = index - p.snapshot;
        if (semantics.funding_per_whole_unit) {
            return ceil_div(p.size * delta * pow10(m.quote_decimals), pow10(m.base_decimals) * Big(1'000'000'000));
        }
        return ceil_div(p.size * delta, Big(1'000'000'000));
    }
    // Unrealised PnL of a position at the mark, funding owed deducted.
    Big pnl(const ModelMarket& m, const ModelPosition& p) const {
        if (p.size == 0) return 0;
        return value(m, p.size) - p.cost - funding_owed(m, p);
    }
    // An account: collateral + sum of (value - cost - funding owed); requirements per position.
    ModelMetrics metrics(const Big& collateral, const std::vector<ModelMarket>& markets,
                         const std::vector<ModelPosition>& positions) const {
        ModelMetrics r;
        r.collateral = collateral;
        r.equity = collateral;
        for (std::size_t k = 0; k < positions.size(); ++k) {
            const ModelPosition& p = positions[k];
            if (p.size == 0) continue;
            const ModelMarket& m = markets[k];
            const Big n = notional(m, p.size);
            r.equity += pnl(m, p);
            r.initial += requirement(m, n, true);
            r.maintenance += requirement(m, n, false);
            r.position_count += 1;
        }
        return r;
    }
    // A mark is fresh when there is one and it is at most staleness_max_ms old (exact: no overflow).
    bool fresh(const ModelMarket& m, const Big& now) const {
        if (m.option_expired) return m.has_mark;  // a settled payoff never ages
        return m.has_mark && now - m.mark_time <= Big(m.config.staleness_max_ms);
    }

    // The effect of a fill of signed `delta` atoms worth signed `value` (the buyer's value is
    // positive) on a position, after its funding is settled into its cost: the part that closes
    // realises what it receives for that part minus that part's share of the cost, both pro rata
    // and rounded toward zero; the rest of the cost stays.
    struct Fill {
        ModelPosition after;
        Big funding = 0;   // settled into the cost first
        Big realised = 0;  // to the collateral
        bool reduces = false;
    };
    Fill fill(const ModelMarket& m, const ModelPosition& before, const Big& delta, const Big& value) const {
        Fill f;
        Big size = before.size;
        Big cost = before.cost;
        if (size != 0) {
            f.funding = funding_owed(m, before);
            cost += f.funding;
        }
        const Big size_after = size + delta;
        const Big magnitude_before = abs_big(size);
        const Big magnitude_after = abs_big(size_after);
        f.reduces = magnitude_after <= magnitude_before && (size_after == 0 || ((size_after > 0) == (size > 0)));
        const bool closing = size != 0 && ((size > 0) != (delta > 0));
        const Big delta_magnitude = abs_big(delta);
        const Big closed = closing ? (delta_magnitude < magnitude_before ? delta_magnitude : magnitude_before) : Big(0);
        Big value_closed = 0;
        Big cost_removed = 0;
        if (closed > 0) {
            value_closed = trunc_div(value * closed, delta_magnitude);
            cost_removed = trunc_div(cost * closed, magnitude_before);
            f.realised = -value_closed - cost_removed;
        }
        f.after.size = size_after;
        f.after.cost = cost - cost_removed + (value - value_closed);  // 0 when the position closes
        f.after.snapshot = size_after > 0 ? m.index_long : (size_after < 0 ? m.index_short : Big(0));
        if (m.config.option.premium_style) {  // the premium of what the fill opens in cash now
            f.realised -= value - value_closed;
            f.after.cost -= value - value_closed;
        }
        return f;
    }
};

}  // namespace backstop_swarm
