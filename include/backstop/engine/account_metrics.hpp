// An account's equity and margin requirements at the marks: exact in 128 bits (Metrics), with
// hypothetical positions for plans (SlotOverride), and the scan's test for "below maintenance",
// which decides most accounts in double and the rest exactly.
#pragma once

#include "backstop/core/config.hpp"
#include "backstop/core/span.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/engine/engine_reports.hpp"
#include "backstop/engine/engine_view.hpp"
#include "backstop/engine/liquidation_plan.hpp"
#include "backstop/engine/margin_math.hpp"
#include "backstop/engine/option_markets.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace backstop {
namespace detail {

// Equity and requirements of an account, exact in 128 bits (quote atoms).
struct Metrics {
    int128 equity = 0;
    int128 initial = 0;
    int128 maintenance = 0;
    int128 notional = 0;  // sum of |size x mark| over positions, rounded up
    std::size_t position_count = 0;
    bool has_positions = false;
};

// Adds one position's contribution to `m`: unrealised PnL at the mark (values round down),
// funding owed, and requirements on the notional rounded up (`tiers`; not for a position its
// underlying's portfolio requirement covers). `conservative`: a position in a market a
// liquidation cannot close (closable false) counts its losses but not its profits.
inline void add_position(Metrics& m, const MarketState& state, std::int64_t size, std::int64_t cost, int128 funding_owed,
                         bool conservative, bool closable, bool tiers = true) {
    if (size == 0) return;
    const int128 notional = position_notional(state, size);
    int128 pnl = position_value(state, size) - cost - funding_owed;
    if (conservative && pnl > 0 && !closable) pnl = 0;
    m.equity += pnl;
    if (tiers) {
        m.initial += initial_requirement(state, notional);
        m.maintenance += maintenance_requirement(state, notional);
    }
    m.notional += notional;
    m.has_positions = true;
    m.position_count += 1;
}

// account_metrics() of an account holding options: the positions after the overrides (which
// settle their funding: owed 0), each option and each perpetual a live option of the account
// covers counted without tiers, then every underlying's portfolio requirement.
// Calls `visit(state, market, size, cost, funding owed)` for each of the account's positions
// after the overrides (which settle their funding: owed 0), the book's slots first.
template <class LedgerType, class Visit>
BACKSTOP_ALWAYS_INLINE void for_each_held(const EngineView<LedgerType>& v, AccountId account,
                                          Span<const SlotOverride> overrides, Visit&& visit) {
    const PositionBook& book = v.book;
    for (std::uint32_t s = 0; s < book.per_account; ++s) {
        const std::size_t i = book.index(account.value, s);
        const std::uint16_t market = book.market[i];
        if (market == PositionBook::empty) continue;
        bool replaced = false;
        for (const SlotOverride& o : overrides) replaced = replaced || o.market == market;
        if (replaced) continue;
        const MarketState& state = v.markets[market];
        visit(state, market, book.size[i], book.cost[i], funding_owed(state, book.size[i], book.funding[i]));
    }
    for (const SlotOverride& o : overrides) {
        if (o.market == PositionBook::empty) continue;
        visit(v.markets[o.market], static_cast<std::uint16_t>(o.market), o.size, o.cost, int128{0});
    }
}

// account_metrics() of an account holding options: each option, and each perpetual a live option
// of the account covers, counted without tiers, then every underlying's portfolio requirement.
template <class LedgerType>
Metrics metrics_with_options(const EngineView<LedgerType>& v, AccountId account, Span<const SlotOverride> overrides,
                             int128 collateral_change, bool conservative) {
    Metrics m;
    m.equity = int128(v.collateral(account)) + collateral_change;
    std::array<HeldPosition, 2 * positions_per_account_max> held;
    std::size_t count = 0;
    for_each_held(v, account, overrides,
                  [&](const MarketState&, std::uint16_t market, std::int64_t size, std::int64_t cost, int128 owed) {
                      if (count < held.size()) held[count++] = HeldPosition{market, size, cost, owed};
                  });
    for (std::size_t k = 0; k < count; ++k) {
        const MarketState& state = v.markets[held[k].market];
        add_position(m, state, held[k].size, held[k].cost, held[k].funding_owed, conservative,
                     !conservative || v.closable(state), !in_portfolio(v.markets, held.data(), count, k));
    }
    int128 initial = 0, maintenance = 0;
    add_portfolio_requirements(v, held.data(), count, initial, maintenance);
    m.initial += initial;
    m.maintenance += maintenance;
    return m;
}

// Metrics of an account, with some positions replaced (overrides settle their funding: the
// override's cost already includes it) and collateral changed by `collateral_change`.
template <class LedgerType>
Metrics account_metrics(const EngineView<LedgerType>& v, AccountId account, Span<const SlotOverride> overrides,
                        int128 collateral_change, bool conservative = false) {
    Metrics m;
    m.equity = int128(v.collateral(account)) + collateral_change;
    bool options = false;
    // for_each_held's loop written out: through its lambda the 128-bit sums stay in memory, and a
    // partial liquidation (which calls this many times) measured 6% slower.
    const PositionBook& book = v.book;
    for (std::uint32_t s = 0; s < book.per_account; ++s) {
        const std::size_t i = book.index(account.value, s);
        const std::uint16_t market = book.market[i];
        if (market == PositionBook::empty) continue;
        bool replaced = false;
        for (const SlotOverride& o : overrides) replaced = replaced || o.market == market;
        if (replaced) continue;
        const MarketState& state = v.markets[market];
        options = options || state.is_option();
        add_position(m, state, book.size[i], book.cost[i], funding_owed(state, book.size[i], book.funding[i]), conservative,
                     !conservative || v.closable(state));
    }
    for (const SlotOverride& o : overrides) {
        if (o.market == PositionBook::empty) continue;
        const MarketState& state = v.markets[o.market];
        options = options || state.is_option();
        add_position(m, state, o.size, o.cost, 0, conservative, !conservative || v.closable(state));
    }
    // With options (rare, and never on the perpetual-only paths that must stay fast): again, with
    // the portfolio requirement in place of the tiers of what it covers.
    if (options) m = metrics_with_options(v, account, overrides, collateral_change, conservative);
    // Summed in a local, returned as a copy: summing into the return slot keeps the 128-bit sums in
    // memory, and each 16-byte reload of two 8-byte stores stalls (store forwarding fails).
    Metrics out;
    out.equity = m.equity;
    out.initial = m.initial;
    out.maintenance = m.maintenance;
    out.notional = m.notional;
    out.position_count = m.position_count;
    out.has_positions = m.has_positions;
    return out;
}

template <class LedgerType>
bool is_below_maintenance_exact(const EngineView<LedgerType>& v, std::uint32_t account) {
    const Metrics m = account_metrics(v, AccountId{account}, {}, 0);
    return m.has_positions && m.equity < m.maintenance;
}

// The scan's inner test. A fast pass in double decides every account that is clearly on one side
// of its maintenance requirement (by far the most); an account within the pass's error bound of
// the boundary, or in a tiered market, is decided by the exact arithmetic of account_metrics().
// So the answer is always the exact one, without 128-bit divisions for most.
template <class LedgerType>
BACKSTOP_ALWAYS_INLINE bool is_below_maintenance(const EngineView<LedgerType>& v, std::uint32_t account) {
    const PositionBook& book = v.book;
    const double collateral = static_cast<double>(v.collateral(AccountId{account}));
    double equity = collateral;
    double maintenance = 0.0;
    double magnitude = std::abs(collateral);
    bool has_positions = false;
    bool exact_needed = false;
    for (std::uint32_t s = 0; s < book.per_account; ++s) {
        const std::size_t i = book.index(account, s);
        const std::uint16_t market = book.market[i];
        if (market == PositionBook::empty) continue;
        const MarketState& state = v.markets[market];
        has_positions = true;
        // Tiers, and options (their underlying's portfolio requirement), take the exact path.
        exact_needed = exact_needed || state.exact_only;
        const double size = static_cast<double>(book.size[i]);
        const double value = size * state.mark_per_atom;
        // Settled positions (the common case) owe nothing; otherwise the difference is exact in
        // 128 bits (indices stay within +-2^62) and fits int64, then one rounding. The 64-bit
        // copies of the indices select without a branch (sides are mixed at random).
        const std::int64_t index = book.size[i] > 0 ? state.funding_index_long64 : state.funding_index_short64;
        const double funding = size * static_cast<double>(index - book.funding[i]) * state.funding_per_unit;
        const double cost = static_cast<double>(book.cost[i]);
        equity += value - cost - funding;
        maintenance += std::abs(value) * state.maintenance_fraction;
        magnitude += std::abs(value) + std::abs(cost) + std::abs(funding);
    }
    if (!has_positions) return false;
    // Each term is within a few ulps; the exact version also rounds each position to atoms.
    const double tolerance = magnitude * 1e-12 + 16.0 * (book.per_account + 1);
    if (!exact_needed && equity - maintenance > tolerance) return false;
    if (!exact_needed && equity - maintenance < -tolerance) return true;
    return is_below_maintenance_exact(v, account);
}

// What MarginEngine::summary shows of an account: its metrics in the quote asset, each clamped to
// int64 (an equity beyond it is only reachable with funding extremes).
template <class Asset, class LedgerType>
AccountSummary<Asset> account_summary(const EngineView<LedgerType>& v, AccountId account) {
    using Money = Amount<Asset>;
    const Metrics m = account_metrics(v, account, {}, 0);
    AccountSummary<Asset> result;
    result.collateral = Money(v.collateral(account));
    result.equity = Money(clamp_int64(m.equity));
    result.initial_requirement = Money(clamp_int64(m.initial));
    result.maintenance_requirement = Money(clamp_int64(m.maintenance));
    result.free_collateral = Money(clamp_int64(m.equity - m.initial));
    result.position_count = m.position_count;
    result.liquidatable = m.has_positions && m.equity < m.maintenance;
    return result;
}

}  // namespace detail
}  // namespace backstop
