// The socialized-loss step of a liquidation's waterfall, planned: who can bear the remainder and
// how much (collect_bearers: a bearer's capacity is its profit in the defaulting market, and no
// more than its account's equity above maintenance), the fund's policy's allocation, and what the
// engine itself must do for it: close ADL bearers at the mark and cap each charge exactly
// (plan_deleveraging), or move its funding indices (plan_funding_socialization). Never refuses:
// what cannot be planned stays uncovered, and the plan says why.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/error_code.hpp"
#include "backstop/core/hash.hpp"
#include "backstop/core/span.hpp"
#include "backstop/core/wide_division.hpp"
#include "backstop/engine/account_metrics.hpp"
#include "backstop/engine/engine_view.hpp"
#include "backstop/engine/fills.hpp"
#include "backstop/engine/liquidation_plan.hpp"
#include "backstop/engine/margin_math.hpp"
#include "backstop/engine/option_markets.hpp"
#include "backstop/engine/position_book.hpp"
#include "backstop/engine/scan_keys.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/fund/socialization_kind.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace backstop {
namespace detail {

// The pools as the commit finds them after the takeover's fills (their funding settled, their
// realised PnL moved), before any bearer closes and before the fund pays.
struct PoolsAfterTakeover {
    int128 pnl_pool = 0;
    int128 funding_pool = 0;
};
template <class LedgerType, class Asset>
PoolsAfterTakeover pools_after_takeover(const EngineView<LedgerType>& v, const LiquidationPlan<Asset>& plan) {
    PoolsAfterTakeover pools{v.ledger.balance_of(Place::pnl_pool()).atoms(), v.ledger.balance_of(Place::funding_pool()).atoms()};
    for (std::size_t k = 0; k < plan.fill_count; ++k) {
        for (const FillPlan* fill : {&plan.defaulter_fills[k], &plan.liquidator_fills[k]}) {
            pools.pnl_pool -= int128(fill->funding) + fill->collateral_change;
            pools.funding_pool += fill->funding;
        }
    }
    return pools;
}

// What collect_bearers computes of a bearer's position: its value, PnL after funding, notional and
// maintenance requirement.
struct BearerFigures {
    int128 value = 0;
    int128 pnl = 0;
    int128 notional = 0;
    int128 maintenance = 0;
};
BACKSTOP_ALWAYS_INLINE BearerFigures bearer_figures(const MarketState& state, const PositionState& position) {
    BearerFigures f;
    const ValueAndNotional figures = value_and_notional(state, position.size);
    f.value = figures.value;
    f.notional = figures.notional;
    // Settled positions (almost every bearer) owe nothing: funding_owed's own first test, here
    // without the call.
    const int128 owed = position.snapshot == funding_index_for(state, position.size)
                            ? int128(0)
                            : funding_owed(state, position.size, position.snapshot);
    f.pnl = f.value - position.cost - owed;
    f.maintenance = maintenance_requirement(state, f.notional);
    return f;
}

// A bearer account's conservative equity and maintenance requirement.
struct BearerMargin {
    int128 equity = 0;
    int128 maintenance = 0;
};

// A lone position's margin (the account's only position, not an option's): add_position's
// conservative figures, where a profit that cannot be closed counts as nothing.
inline BearerMargin lone_bearer_margin(std::int64_t collateral, const BearerFigures& figures, bool closable) {
    return BearerMargin{int128(collateral) + (figures.pnl > 0 && !closable ? 0 : figures.pnl), figures.maintenance};
}

// A bearer account's conservative equity and maintenance requirement, as account_metrics gives
// them. When the position is the account's only one and not an option (almost every bearer) they
// are the position's own figures, as add_position() takes them, without walking the account again
// or computing anything twice.
template <class LedgerType>
BACKSTOP_ALWAYS_INLINE BearerMargin bearer_margin(const EngineView<LedgerType>& v, AccountId account, const MarketState& state,
                                                  const PositionState& position, const BearerFigures& figures) {
    const PositionBook& book = v.book;
    bool alone = position.slot >= 0 && !state.is_option();
    for (std::uint32_t s = 0; alone && s < book.per_account; ++s) {
        alone = static_cast<int>(s) == position.slot || book.market[book.index(account.value, s)] == PositionBook::empty;
    }
    if (!alone) {
        const Metrics m = account_metrics(v, account, {}, 0, /*conservative*/ true);
        return BearerMargin{m.equity, m.maintenance};
    }
    return lone_bearer_margin(v.collateral(account), figures, v.closable(state));
}

// A bearer's entry from its position's figures and its account's margin, in 128 bits.
template <class Asset>
void write_bearer_entry(SocializationKind kind, AccountId account, std::int64_t collateral, const PositionState& position,
                        const BearerFigures& figures, const BearerMargin& margin, LossBearer<Asset>& bearer) {
    const int128 pnl = figures.pnl;
    bearer.account = account;
    bearer.side = position.size > 0 ? Side::long_side : Side::short_side;
    bearer.size_atoms = position.size < 0 ? -position.size : position.size;
    bearer.position_value = Amount<Asset>(clamp_int64(abs128(figures.value)));
    bearer.entry_value = Amount<Asset>(clamp_int64(abs128(position.cost)));
    bearer.maintenance = Amount<Asset>(clamp_int64(figures.maintenance));
    if (kind == SocializationKind::funding_index) {
        bearer.unrealised_pnl = Amount<Asset>(clamp_int64(pnl));
        bearer.collateral = Amount<Asset>(collateral);
        return;
    }
    const int128 headroom = std::max<int128>(margin.equity - margin.maintenance, 0);
    const int128 capacity = std::min(std::max<int128>(pnl, 0), headroom);
    bearer.unrealised_pnl = Amount<Asset>(clamp_int64(capacity));
    // ADL pays from the profit its close realises; a charge comes from collateral.
    bearer.collateral = kind == SocializationKind::auto_deleveraging
                            ? Amount<Asset>(clamp_int64(collateral + capacity))
                            : Amount<Asset>(clamp_int64(std::min<int128>(collateral, headroom)));
}

// One bearer's entry from its position (`a` holds it in the defaulting market; `alone`: it is the
// account's only position and not an option's, so its figures are the account's).
template <class LedgerType, class Asset>
BACKSTOP_ALWAYS_INLINE void write_bearer(const EngineView<LedgerType>& v, const LiquidationPlan<Asset>& plan, const MarketState& state,
                                         std::uint32_t a, const PositionState& position, bool alone, bool closable,
                                         LossBearer<Asset>& bearer) {
    const std::int64_t collateral = v.collateral(AccountId{a});
    const BearerFigures figures = bearer_figures(state, position);
    BearerMargin margin;  // funding socialization needs none
    if (plan.kind != SocializationKind::funding_index) {
        margin = alone ? lone_bearer_margin(collateral, figures, closable) : bearer_margin(v, AccountId{a}, state, position, figures);
    }
    write_bearer_entry(plan.kind, AccountId{a}, collateral, position, figures, margin, bearer);
}

// What a lone bearer's 64-bit entry needs of its market, read once per liquidation: the side's
// funding index, the divisor, the first tier's limit and maintenance rate, closability, and the
// bounds that make each bearer's overflow tests one comparison.
struct LoneBearerTerms {
    SocializationKind kind = SocializationKind::auto_deleveraging;
    bool closable = true;
    std::int64_t index_long = 0;
    std::int64_t index_short = 0;
    std::int64_t mark = 0;
    std::int64_t maintenance_ppm = 0;
    // The most notional whose requirement takes the 64-bit path: in the first tier, and
    // notional x rate + 10^6 - 1 below 2^64 (ppm_requirement_64's own bound); -1 for a negative
    // rate, which a valid market never has.
    std::int64_t notional_max = 0;
    InvariantDivisor divisor;
    std::uint64_t product_max = 0;  // 2^63 - divisor: |size| x mark + divisor - 1 stays below 2^63
};
inline LoneBearerTerms lone_bearer_terms(const MarketState& state, SocializationKind kind, bool closable) {
    LoneBearerTerms t;
    t.kind = kind;
    t.closable = closable;
    t.index_long = state.funding_index_long64;
    t.index_short = state.funding_index_short64;
    t.mark = state.mark;
    t.maintenance_ppm = state.config.tiers[0].maintenance.count();
    const std::int64_t first_tier_max =
        state.config.tier_count > 1 ? state.config.tiers[0].notional_max : std::numeric_limits<std::int64_t>::max();
    if (t.maintenance_ppm < 0 || first_tier_max < 0) {
        t.notional_max = -1;
    } else {
        const std::uint64_t rate_limit =
            t.maintenance_ppm > 0 ? ppm_product_max_64 / static_cast<std::uint64_t>(t.maintenance_ppm) : ppm_product_max_64;
        t.notional_max = static_cast<std::int64_t>(std::min(static_cast<std::uint64_t>(first_tier_max), rate_limit));
    }
    t.divisor = state.notional_division;
    t.product_max = (std::uint64_t{1} << 63) - t.divisor.divisor();
    return t;
}

// write_bearer for a lone position (the account's only one, not an option's) of an ADL or a
// charge, in 64 bits: when the position is settled at its side's index, |size| x mark < 2^63, the
// notional is in the first tier and every sum fits, the same entry as write_bearer's 128-bit
// arithmetic (the [perf_equivalence] test compares them); false, writing nothing, otherwise.
template <class Asset>
BACKSTOP_ALWAYS_INLINE bool write_lone_bearer_64(const LoneBearerTerms& t, AccountId account, std::int64_t collateral,
                                                 std::int64_t size, std::int64_t cost, std::int64_t snapshot,
                                                 LossBearer<Asset>& bearer) {
    if (size == std::numeric_limits<std::int64_t>::min() || cost == std::numeric_limits<std::int64_t>::min() ||
        snapshot != (size > 0 ? t.index_long : t.index_short)) {
        return false;
    }
    // |size| x mark rounded down and up, as two independent quotients (the rounded-up one of
    // product + divisor - 1) rather than one tested for a remainder: a shorter chain of
    // dependent multiplies. Both numerators are below 2^63, so are both quotients.
    const std::uint64_t magnitude = size < 0 ? 0 - static_cast<std::uint64_t>(size) : static_cast<std::uint64_t>(size);
    std::uint64_t product = 0;  // the mark is never negative
    if (__builtin_mul_overflow(magnitude, static_cast<std::uint64_t>(t.mark), &product) || product > t.product_max) return false;
    const auto notional = static_cast<std::int64_t>(t.divisor.quotient(product + (t.divisor.divisor() - 1)));
    const std::int64_t value = size > 0 ? static_cast<std::int64_t>(t.divisor.quotient(product)) : -notional;
    // first_tier_requirement's (ppm_requirement_64 on the first tier) with its tier and overflow
    // tests in the one bound: ceil(notional x rate / 10^6), a multiply and a shift.
    if (notional > t.notional_max) return false;
    const auto maintenance =
        static_cast<std::int64_t>(ppm_ceil_64(static_cast<std::uint64_t>(notional) * static_cast<std::uint64_t>(t.maintenance_ppm)));
    std::int64_t pnl = 0;
    std::int64_t equity = 0;
    std::int64_t headroom = 0;
    if (__builtin_sub_overflow(value, cost, &pnl) ||
        __builtin_add_overflow(collateral, pnl > 0 && !t.closable ? 0 : pnl, &equity) ||
        __builtin_sub_overflow(equity, maintenance, &headroom)) {
        return false;
    }
    headroom = std::max<std::int64_t>(headroom, 0);
    const std::int64_t capacity = std::min(std::max<std::int64_t>(pnl, 0), headroom);
    std::int64_t adl_collateral = 0;
    if (__builtin_add_overflow(collateral, capacity, &adl_collateral)) return false;
    bearer.account = account;
    bearer.side = size > 0 ? Side::long_side : Side::short_side;
    bearer.size_atoms = size < 0 ? -size : size;
    bearer.position_value = Amount<Asset>(size > 0 ? value : notional);  // |value|
    bearer.entry_value = Amount<Asset>(cost < 0 ? -cost : cost);
    bearer.maintenance = Amount<Asset>(maintenance);
    bearer.unrealised_pnl = Amount<Asset>(capacity);
    // ADL pays from the profit its close realises; a charge comes from collateral.
    bearer.collateral = Amount<Asset>(t.kind == SocializationKind::auto_deleveraging ? adl_collateral : std::min(collateral, headroom));
    return true;
}

// A lone bearer's entry in 128 bits, where write_lone_bearer_64's cannot be: out of line, like
// write_unclassed_bearer, so that collect_bearers' loop keeps its 64-bit path's values in
// registers.
template <class LedgerType, class Asset>
BACKSTOP_NEVER_INLINE void write_lone_bearer_128(const EngineView<LedgerType>& v, const LiquidationPlan<Asset>& plan,
                                                 const MarketState& state, std::uint32_t a, bool closable,
                                                 LossBearer<Asset>& bearer) {
    const PositionState position = v.book.position(AccountId{a}, plan.defaulting_market.value);
    write_bearer(v, plan, state, a, position, !state.is_option(), closable, bearer);
}

// collect_bearers for an account its scan class does not decide (several positions, the
// liquidator, whose position is the one its takeover leaves, or every account when `exact`): true
// when it bears, its entry written to `bearer`.
template <class LedgerType, class Asset>
BACKSTOP_NEVER_INLINE bool write_unclassed_bearer(const EngineView<LedgerType>& v, const LiquidationPlan<Asset>& plan,
                                                  const MarketState& state, std::uint32_t a, AccountId liquidator,
                                                  bool closable, LossBearer<Asset>& bearer) {
    const std::uint32_t market = plan.defaulting_market.value;
    const bool funding = plan.kind == SocializationKind::funding_index;
    PositionState position;
    if (a == liquidator.value) {
        if (!funding) return false;
        for (std::size_t k = 0; k < plan.fill_count; ++k) {
            const FillPlan& fill = plan.liquidator_fills[k];
            if (fill.market == market) position = position_after(fill, state, 0);
        }
    } else {
        position = v.book.position(AccountId{a}, market);
    }
    if (position.size == 0) return false;
    if (!funding && (position.size > 0) == (plan.defaulting_side > 0)) return false;
    write_bearer(v, plan, state, a, position, false, closable, bearer);
    return true;
}

// Positions in the defaulting market that can bear the remainder (none in an option series its
// underlying exempts: OptionMarginTerms::options_exempt_from_adl), in account order, never the
// defaulter's: the opposite side for ADL and charges (not the liquidator), every position for
// funding (the liquidator's as it will be). A bearer's capacity is its profit there, and no more
// than its account's equity above maintenance, so that bearing it leaves it healthy.
//
// The account's scan class (scan_keys.hpp, current after every operation) says in one load
// whether it holds nothing, one position in one market on one side, or several: an account
// without a position, with a lone one elsewhere or on the defaulter's side is passed over without
// reading its slots, and a lone bearer's margin is its position's own figures. `exact` walks
// every account's slots instead (the [perf_equivalence] reference).
template <class LedgerType, class Asset>
std::size_t collect_bearers(const EngineView<LedgerType>& v, const LiquidationPlan<Asset>& plan, AccountId account,
                            AccountId liquidator, LiquidationScratch<Asset>& scratch, bool exact = false) {
    std::size_t count = 0;
    const std::uint32_t market = plan.defaulting_market.value;
    const MarketState& state = v.markets[market];
    // A series whose underlying exempts its options: nobody in it bears the loss (it stays uncovered).
    if (exempt_from_adl(v.markets, state)) return 0;
    const bool funding = plan.kind == SocializationKind::funding_index;
    const bool closable = v.closable(state);
    const PositionBook& book = v.book;
    // The classes of a lone bearer: either side for funding, the defaulter's opposite otherwise.
    const std::uint32_t bearer_long = scan_class_of(market, false);
    const std::uint32_t bearer_short = scan_class_of(market, true);
    // The one or two classes that bear (the same class twice for ADL and charges; scan_full, which
    // never reaches that test, for a defaulter without a side): an account's class is compared
    // with each, without testing the sides again per account.
    const std::uint32_t bearing_class = funding || plan.defaulting_side < 0 ? bearer_long
                                        : plan.defaulting_side > 0         ? bearer_short
                                                                           : PositionBook::scan_full;
    const std::uint32_t other_bearing_class = funding ? bearer_short : bearing_class;
    // Lone bearers of ADL and charges in a market that is not an option's take the 64-bit path.
    const bool lone_in_64_bits = !funding && !state.is_option();
    const LoneBearerTerms terms = lone_bearer_terms(state, plan.kind, closable);
    const std::uint32_t accounts = v.ledger.account_count();
    for (std::uint32_t a = 0; a < accounts; ++a) {
        if (a == account.value) continue;
        if (a == liquidator.value || exact || book.scan_class[a] == PositionBook::scan_full) {
            if (write_unclassed_bearer(v, plan, state, a, liquidator, closable, scratch.bearers[count])) ++count;
            continue;
        }
        const std::uint32_t scan_class = book.scan_class[a];
        if (scan_class != bearing_class && scan_class != other_bearing_class) continue;
        // The account's one slot in use is the lone position's. Found by this loop rather than
        // book.find, whose general search costs 2.7% more instructions on this path (callgrind,
        // ADL over 10^3 bearers), the path held to 10 ns per bearer.
        std::size_t i = book.index(a, 0);
        for (std::uint32_t s = 1; s < book.per_account && book.market[i] != market; ++s) ++i;
        BACKSTOP_ASSERT(book.market[i] == market && (scan_class == bearer_short ? book.size[i] < 0 : book.size[i] > 0),
                        "a lone position's scan class names its market and side");
        LossBearer<Asset>& bearer = scratch.bearers[count++];
        if (!lone_in_64_bits ||
            !write_lone_bearer_64(terms, AccountId{a}, v.collateral(AccountId{a}), book.size[i], book.cost[i], book.funding[i], bearer)) {
            write_lone_bearer_128(v, plan, state, a, closable, bearer);
        }
    }
    return count;
}

// Every position pays the same per unit at its next settlement: both indices move by
// ceil(target x funding_divisor / total size), target being the remainder or less (what `room`
// lets the pools move), so the charges add up to at least the target. Beyond funding_index_max it
// covers nothing (the remainder is uncovered).
template <class Asset>
void plan_funding_socialization(LiquidationPlan<Asset>& plan, Span<const LossBearer<Asset>> bearers, const MarketState& state,
                                int128 room, LiquidationScratch<Asset>& scratch) {
    int128 total = 0;
    for (const LossBearer<Asset>& bearer : bearers) total += bearer.size_atoms;
    plan.allocation_count = 0;
    // What the pools cannot move stays uncovered.
    const int128 target = std::min<int128>(plan.remainder, room);
    if (total == 0 || target <= 0) return;
    // ceil(target x divisor / total) on 256-bit magnitudes (all three are positive).
    const U256 product = multiply_128_by_128(static_cast<uint128>(target), static_cast<uint128>(state.funding_divisor));
    const auto divisor = static_cast<uint128>(total);
    if (product.high() >= divisor) return;  // a quotient of 2^128 or more: far beyond funding_index_max
    uint128 remainder = 0;
    const uint128 quotient = divide_256_by_128(product, divisor, remainder);
    const auto max = static_cast<uint128>(funding_index_max);
    if (quotient > max || (quotient == max && remainder != 0)) return;
    const int128 delta = static_cast<int128>(quotient) + (remainder != 0 ? 1 : 0);
    if (abs128(state.funding_index_long + delta) > funding_index_max ||
        abs128(state.funding_index_short - delta) > funding_index_max) {
        return;
    }
    plan.funding_delta = delta;
    plan.covered = static_cast<std::int64_t>(target);
    for (std::uint32_t k = 0; k < bearers.size(); ++k) {
        const int128 charge = ceil_div(int128(bearers[k].size_atoms) * delta, state.funding_divisor);
        if (charge <= 0) continue;
        scratch.allocations[plan.allocation_count++] =
            Allocation<Asset>{k, bearers[k].account, Place::collateral(bearers[k].account), Amount<Asset>(clamp_int64(charge)),
                              0, LossLayer::funding};
    }
}

// Auto-deleveraging: each chosen bearer closes its quantity against the liquidator at the mark
// and pays its charge, which together is closing at the defaulter's bankruptcy price. The charge
// is cut to the cash the close leaves and to the account's equity above maintenance after the
// close, exactly: a bearer is never overdrawn nor made liquidatable. A bearer whose close cannot
// be planned, or would take its collateral or a pool beyond int64, bears nothing.
template <class LedgerType, class Asset>
void plan_deleveraging(const EngineView<LedgerType>& v, LiquidationPlan<Asset>& plan, AccountId liquidator,
                       LiquidationScratch<Asset>& scratch) {
    const std::uint32_t market = plan.defaulting_market.value;
    const MarketState& state = v.markets[market];
    // The liquidator's position after its takeover: the bearers close against it in turn.
    std::int64_t taker = v.book.position(liquidator, market).size;
    for (std::size_t k = 0; k < plan.fill_count; ++k) {
        if (plan.liquidator_fills[k].market == market) taker = plan.liquidator_fills[k].size_after;
    }
    // The pools as the commit finds them when the bearers close: a bearer's gain is paid from the
    // pnl_pool before its charge comes back to it, and the fund pays into it after them all (its
    // payment is kept room for at every step).
    const PoolsAfterTakeover pools = pools_after_takeover(v, plan);
    int128 pnl_pool = pools.pnl_pool;
    int128 funding_pool = pools.funding_pool;
    const int128 fund_paid = plan.funds_paid();
    std::int64_t liquidator_delta = 0;
    int128 liquidator_value = 0;
    int128 covered = 0;
    std::size_t kept = 0;
    for (std::size_t k = 0; k < plan.allocation_count; ++k) {
        Allocation<Asset> allocation = scratch.allocations[k];
        if (allocation.quantity_atoms <= 0) continue;
        const PositionState position = v.book.position(allocation.account, market);
        const std::int64_t magnitude = position.size < 0 ? -position.size : position.size;
        const std::int64_t quantity = std::min(allocation.quantity_atoms, magnitude);
        if (quantity <= 0) continue;
        const std::int64_t close = position.size > 0 ? quantity : -quantity;
        const std::int64_t value = close_value(state, position.size, close, taker);
        Result<FillPlan> fill = plan_fill_on(v, allocation.account, market, position, -close, value);
        if (!fill) continue;
        // A bearer whose close would overdraw its collateral (a close that realises a loss) or
        // take it or a pool beyond int64 (its gain is paid before its charge) is passed over,
        // like one whose close cannot be planned: the waterfall never refuses.
        const int128 cash = int128(v.collateral(allocation.account)) + fill->collateral_change;
        const int128 pnl_pool_after = pnl_pool - fill->funding - fill->collateral_change;
        if (cash < 0 || !fits_int64(cash) || !fits_int64(pnl_pool - fill->funding) ||
            !fits_int64(pnl_pool_after + fund_paid) || !fits_int64(pnl_pool_after) || !fits_int64(funding_pool + fill->funding)) {
            continue;
        }
        const SlotOverride o{market, fill->size_after, fill->cost_after};
        const Metrics m = account_metrics(v, allocation.account, Span<const SlotOverride>(&o, 1), fill->collateral_change, true);
        // With live options a close can raise the requirement (a hedge leg): a bearer it would
        // leave below maintenance is passed over, never made liquidatable.
        if (m.equity < m.maintenance && holds_live_option(v, allocation.account)) continue;
        taker += close;
        // The charge comes back to the pnl_pool: no more than it can hold beside the fund's payment.
        const int128 pool_room = std::numeric_limits<std::int64_t>::max() - pnl_pool_after - fund_paid;
        const int128 charge = std::max<int128>(0, std::min<int128>({allocation.amount.atoms(), cash, m.equity - m.maintenance,
                                                                    plan.remainder - covered, pool_room}));
        scratch.bearer_fills[plan.bearer_fill_count] = *fill;
        scratch.bearer_charges[plan.bearer_fill_count] = static_cast<std::int64_t>(charge);
        ++plan.bearer_fill_count;
        liquidator_delta += close;
        liquidator_value -= value;
        covered += charge;
        pnl_pool = pnl_pool_after + charge;
        funding_pool += fill->funding;
        allocation.quantity_atoms = quantity;
        allocation.amount = Amount<Asset>(static_cast<std::int64_t>(charge));
        if (charge > 0) scratch.allocations[kept++] = allocation;
    }
    plan.allocation_count = kept;
    plan.covered = static_cast<std::int64_t>(covered);
    if (plan.bearer_fill_count == 0) return;
    // The liquidator's side, net, on top of its takeover in that market.
    for (std::size_t k = 0; k < plan.fill_count; ++k) {
        const FillPlan& takeover = plan.liquidator_fills[k];
        if (takeover.market != market) continue;
        const PositionState taken = position_after(takeover, state, takeover.new_slot ? -1 : v.book.find(liquidator.value, market));
        Result<FillPlan> net = plan_fill_on(v, liquidator, market, taken, liquidator_delta, static_cast<std::int64_t>(liquidator_value));
        // What the net fill realises moves between the pools and the liquidator's collateral after
        // the bearers: if that would leave int64 (a liquidator whose old position's cost is far
        // from the mark), nobody is deleveraged rather than the liquidation refused.
        int128 liquidator_cash = v.collateral(liquidator);
        for (std::size_t j = 0; j < plan.fill_count; ++j) liquidator_cash += plan.liquidator_fills[j].collateral_change;
        if (net && (!fits_int64(pnl_pool - net->funding) || !fits_int64(pnl_pool - net->funding - net->collateral_change) ||
                    !fits_int64(pnl_pool - net->funding - net->collateral_change + fund_paid) ||
                    !fits_int64(funding_pool + net->funding) || !fits_int64(liquidator_cash + net->collateral_change))) {
            break;
        }
        if (net) {
            plan.adl_liquidator_fill = *net;
            plan.adl_liquidator_fill.new_slot = false;
            plan.adl_liquidator_fill.size_before = takeover.size_before;
            plan.has_adl_fill = true;
            return;
        }
    }
    // The net fill cannot be planned (it cannot happen: the bearers close at most what the
    // liquidator took over) or would leave int64: nobody is deleveraged, the remainder stays
    // uncovered.
    plan.bearer_fill_count = 0;
    plan.allocation_count = 0;
    plan.covered = 0;
}

// Whether a policy's allocations are ones the engine can apply: each from a place the ledger
// holds other than the pnl_pool; a bearer's collateral (or, for ADL, a bearer to close) named by
// its bearer index, each at most once; any other source at most once. The shipped policies always
// are; a policy a user writes may not be, and its remainder then stays uncovered.
template <class LedgerType, class Asset>
bool allocations_applicable(const EngineView<LedgerType>& v, const LiquidationPlan<Asset>& plan,
                            Span<const LossBearer<Asset>> bearers, LiquidationScratch<Asset>& scratch) {
    constexpr std::size_t other_sources_max = 8;
    std::array<Place, other_sources_max> others{};
    std::size_t other_count = 0;
    const bool closes = plan.kind == SocializationKind::auto_deleveraging;
    bool ok = true;
    std::size_t k = 0;
    for (; k < plan.allocation_count && ok; ++k) {
        const Allocation<Asset>& allocation = scratch.allocations[k];
        if (closes || allocation.source.kind() == PlaceKind::collateral) {
            const AccountId account = closes ? allocation.account : AccountId{allocation.source.index()};
            ok = allocation.bearer_index < bearers.size() && bearers[allocation.bearer_index].account == account &&
                 (closes || allocation.source == Place::collateral(account)) && scratch.bearer_marks[allocation.bearer_index] == 0;
            if (ok) scratch.bearer_marks[allocation.bearer_index] = 1;
            continue;
        }
        ok = v.ledger.contains(allocation.source) && allocation.source != Place::pnl_pool() && other_count < other_sources_max;
        for (std::size_t j = 0; ok && j < other_count; ++j) ok = others[j] != allocation.source;
        if (ok) others[other_count++] = allocation.source;
    }
    // Clear the marks set (the allocations [0, k) that reached a mark).
    for (std::size_t j = 0; j < k; ++j) {
        const Allocation<Asset>& allocation = scratch.allocations[j];
        if (allocation.bearer_index < bearers.size()) scratch.bearer_marks[allocation.bearer_index] = 0;
    }
    return ok;
}

// Plans the socialized-loss step. Never refuses: a policy that cannot plan leaves the remainder
// uncovered (and says why in the plan).
template <class LedgerType, class Fund, class Asset>
void plan_socialization(const EngineView<LedgerType>& v, const Fund& fund, LiquidationPlan<Asset>& plan, AccountId account,
                        AccountId liquidator, LiquidationScratch<Asset>& scratch) {
    plan.kind = socialization_kind_of(fund.socialized_loss());
    const std::size_t bearer_count = collect_bearers(v, plan, account, liquidator, scratch);
    const Span<const LossBearer<Asset>> bearers(scratch.bearers.data(), bearer_count);
    const MarketState& state = v.markets[plan.defaulting_market.value];
    // Every cover lands in the pnl_pool, as the fund's payment does: no more than the pool can
    // hold beside it (and funding socialization's from the funding_pool, no more than it can give).
    const PoolsAfterTakeover pools = pools_after_takeover(v, plan);
    const int128 pool_room = std::numeric_limits<std::int64_t>::max() - pools.pnl_pool - plan.funds_paid();
    if (plan.kind == SocializationKind::funding_index) {
        // The engine moves its own indices, in its own precision: what the policy would compute
        // in its units (which may not fit) is not needed.
        const int128 funding_room = pools.funding_pool - std::numeric_limits<std::int64_t>::min();
        plan_funding_socialization(plan, bearers, state, std::min(pool_room, funding_room), scratch);
        return;
    }
    SocializeContext context{Place::pnl_pool(), plan.defaulting_market};
    context.defaulter_size_atoms = plan.defaulting_size;
    context.commit_transfers = false;
    context.event_seed = StableHash().add(account.value).add(static_cast<std::uint64_t>(v.now_ms)).value();
    Result<SocializePlan<Asset>> planned = fund.socialized_loss().plan(
        Amount<Asset>(plan.remainder), bearers, Span<Allocation<Asset>>(scratch.allocations), context, v.ledger);
    if (!planned) {
        plan.socialization_failed = true;
        plan.socialization_error = planned.error().code;
        return;
    }
    plan.allocation_count = std::min(planned->allocation_count, scratch.allocations.size());
    if (!allocations_applicable(v, plan, bearers, scratch)) {
        plan.allocation_count = 0;
        plan.socialization_failed = true;
        plan.socialization_error = ErrorCode::invalid_policy_output;
        return;
    }
    if (plan.kind == SocializationKind::auto_deleveraging) {
        plan_deleveraging(v, plan, liquidator, scratch);
        return;
    }
    int128 covered = 0;
    std::size_t kept = 0;
    for (std::size_t k = 0; k < plan.allocation_count; ++k) {
        Allocation<Asset> allocation = scratch.allocations[k];
        // The insurance fund as a source (a clearing house's default fund kept in it) has paid
        // its part and received the penalty's share by then.
        int128 balance = v.ledger.balance_of(allocation.source).atoms();
        if (allocation.source == fund.place()) {
            balance += (plan.isolated ? 0 : int128(plan.split.to_fund.atoms())) - int128(plan.fund_paid);
            // A default fund kept in the shared fund's place pays within the draw caps too.
            balance = std::min(balance, plan.shared_room - plan.fund_paid);
        } else if (plan.isolated && allocation.source == plan.market_fund) {
            balance += int128(plan.split.to_fund.atoms()) - int128(plan.isolated_paid);
        }
        const int128 room = std::max<int128>(balance, 0);
        allocation.amount = Amount<Asset>(static_cast<std::int64_t>(
            std::max<int128>(0, std::min<int128>({allocation.amount.atoms(), room, plan.remainder - covered, pool_room - covered}))));
        if (!allocation.amount.is_positive()) continue;
        covered += allocation.amount.atoms();
        scratch.allocations[kept++] = allocation;
    }
    plan.allocation_count = kept;
    plan.covered = static_cast<std::int64_t>(covered);
}

}  // namespace detail
}  // namespace backstop
