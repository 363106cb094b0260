// Fills: how a position changes. A fill's plan (FillPlan: funding settled, the part that closes
// realising PnL, the part that opens adding to the cost) is a pure function of the view; its
// commit moves the money in the ledger and writes the position book, and cannot fail. Trades,
// liquidation closes and ADL closes are all fills.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/checked_arith.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/engine/account_metrics.hpp"
#include "backstop/engine/engine_reports.hpp"
#include "backstop/engine/engine_view.hpp"
#include "backstop/engine/liquidation_plan.hpp"
#include "backstop/engine/margin_math.hpp"
#include "backstop/engine/position_book.hpp"
#include "backstop/engine/transfer_check.hpp"
#include "backstop/ledger/ledger.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>

namespace backstop {
namespace detail {

// The quote value of `size` base atoms at `price`, rounded down; refused beyond int64 max / 8.
inline Result<std::int64_t> trade_value(const MarketState& state, std::int64_t size, std::int64_t price) {
    const int128 value = floor_div(int128(size) * price, state.notional_divisor);
    if (value > std::numeric_limits<std::int64_t>::max() / 8) return make_error(ErrorCode::overflow, "trade value too large");
    return static_cast<std::int64_t>(value);
}

// Whether `account` may open a position in `market`: a position in an isolated market is the only
// position of its account (dYdX's isolated positions live in subaccounts of their own), so that
// its deficit is the market's alone and its own fund and draw cap apply to all of it.
template <class LedgerType>
bool isolation_allows(const EngineView<LedgerType>& v, AccountId account, std::uint32_t market) {
    const bool opening_isolated = v.markets[market].isolated();
    for (std::uint32_t s = 0; s < v.book.per_account; ++s) {
        const std::size_t i = v.book.index(account.value, s);
        const std::uint32_t held = v.book.market[i];
        if (held == PositionBook::empty || held == market || v.book.size[i] == 0) continue;
        if (opening_isolated || v.markets[held].isolated()) return false;
    }
    return true;
}

// Plans a fill of signed size `delta` (buy > 0) worth signed `value` for `account`, whose
// position in `market` is `position`, after settling its pending funding. Pure.
template <class LedgerType>
Result<FillPlan> plan_fill_on(const EngineView<LedgerType>& v, AccountId account, std::uint32_t market,
                              const PositionState& position, std::int64_t delta, std::int64_t value) {
    FillPlan plan;
    plan.account = account;
    plan.market = market;
    const MarketState& state = v.markets[market];
    plan.new_slot = position.slot < 0 && position.size == 0;
    if (plan.new_slot && v.book.free_slot(account.value) < 0) {
        return make_error(ErrorCode::position_slots_full, "no free position slot");
    }
    if (plan.new_slot && delta != 0 && !isolation_allows(v, account, market)) {
        return make_error(ErrorCode::isolated_market_conflict,
                          "an isolated market's position is alone in its account (use another account)");
    }
    const std::int64_t size = position.size;
    const int128 owed = funding_owed(state, size, position.snapshot);
    const int128 cost_settled = int128(position.cost) + owed;
    if (!fits_int64(owed) || !fits_int64(cost_settled)) {
        return make_error(ErrorCode::overflow, "funding owed does not fit the position's cost");
    }
    plan.funding = static_cast<std::int64_t>(owed);
    const std::int64_t cost = static_cast<std::int64_t>(cost_settled);
    plan.size_before = size;
    Result<std::int64_t> size_after = checked_add(size, delta);
    if (!size_after) return size_after.error();
    plan.size_after = *size_after;
    const int128 magnitude_after = abs128(plan.size_after);
    const int128 magnitude_before = abs128(size);
    plan.reduces = magnitude_after <= magnitude_before && (plan.size_after == 0 || (plan.size_after > 0) == (size > 0));
    if (magnitude_after > state.config.position_max && magnitude_after > magnitude_before) {
        return make_error(ErrorCode::position_limit, "position limit");
    }
    // Split the fill into the part that closes the existing position and the part that opens.
    const bool closing = size != 0 && delta != 0 && ((size > 0) != (delta > 0));
    const int128 delta_magnitude = abs128(delta);
    const int128 closed = closing ? std::min(delta_magnitude, magnitude_before) : 0;
    int128 value_closed = 0;
    int128 cost_removed = 0;
    if (closed > 0) {
        // Toward zero; a fill that closes all of itself or all of the position (every full
        // liquidation) takes the whole value or cost without a division.
        value_closed = mul_div_trunc(value, closed, delta_magnitude);
        cost_removed = mul_div_trunc(cost, closed, magnitude_before);
    }
    const int128 realised = -value_closed - cost_removed;
    const int128 cost_after = int128(cost) - cost_removed + (value - value_closed);
    if (!fits_int64(realised) || !fits_int64(cost_after)) return make_error(ErrorCode::overflow, "fill value overflow");
    plan.realised = static_cast<std::int64_t>(realised);
    plan.cost_after = static_cast<std::int64_t>(cost_after);
    // A position closed in full leaves no cost, save what a fill with no size carries (none).
    BACKSTOP_ASSERT(plan.size_after != 0 || plan.cost_after == 0 || delta == 0, "a closed position keeps a cost");
    plan.collateral_change = plan.realised;
    const int128 opened = value - value_closed;  // paid (+) or received (-) for what the fill opens
    if (state.config.option.premium_style && opened != 0) {
        // Premium-style: that premium moves in cash now instead of into the cost. A reducing fill
        // keeps the proportional cost as any fill does (a premium-style position has a cost only
        // when a settlement realised its gain or funding socialization charged it).
        const int128 cash = realised - opened;
        if (!fits_int64(cash)) return make_error(ErrorCode::overflow, "fill value overflow");
        plan.collateral_change = static_cast<std::int64_t>(cash);
        plan.cost_after = static_cast<std::int64_t>(cost_after - opened);  // = cost - cost_removed: fits
    }
    return plan;
}

template <class LedgerType>
Result<FillPlan> plan_fill(const EngineView<LedgerType>& v, AccountId account, std::uint32_t market, std::int64_t delta,
                           std::int64_t value) {
    return plan_fill_on(v, account, market, v.book.position(account, market), delta, value);
}

// The state a planned fill leaves (its funding settled).
inline PositionState position_after(const FillPlan& fill, const MarketState& state, int slot_index) {
    PositionState p;
    p.slot = fill.size_after == 0 ? -1 : slot_index;
    p.size = fill.size_after;
    p.cost = fill.cost_after;
    p.snapshot = funding_index_for(state, fill.size_after);
    return p;
}

// The signed value (paid, + for a buy) of the fill by which an account holding `size` closes
// `close` (signed like its position) at the mark against the liquidator, who holds `taker`.
// Each side's equity changes by the difference of its position's values (rounded down) and the
// value: the liquidator's rounding never gains and the closing account's never loses, so a close
// at the mark costs the closing account nothing and pays the liquidator nothing (at most an atom
// goes the closing account's way).
inline std::int64_t close_value(const MarketState& state, std::int64_t size, std::int64_t close, std::int64_t taker) {
    const int128 own = position_value(state, size - close) - position_value(state, size);
    const int128 liquidator = position_value(state, taker) - position_value(state, taker + close);
    return static_cast<std::int64_t>(std::min(own, liquidator));
}

// A trade's fill: its realised loss and its fee (>= 0) need collateral to pay them (a gain is
// credited first); if it adds risk, the account's initial requirement must be met after it, at
// fresh marks in every market the account holds (equity backs new risk only at fresh marks).
template <class LedgerType>
Result<void> check_fill_margin(const EngineView<LedgerType>& v, const FillPlan& plan, std::int64_t fee = 0) {
    if (int128(v.collateral(plan.account)) + plan.collateral_change < fee) {
        return make_error(ErrorCode::insufficient_collateral, "realised loss and fee exceed collateral");
    }
    // A fill that only reduces a position lowers a perpetual account's requirement; with live
    // options it may raise it (closing a hedge): there it must not raise maintenance.
    const bool options = holds_live_option(v, plan.account);
    if (plan.reduces && !options) return {};
    if (Result<void> ok = v.check_marks_fresh(plan.account, plan.market); !ok) return ok;
    const SlotOverride o{plan.market, plan.size_after, plan.cost_after};
    const Metrics after =
        account_metrics(v, plan.account, Span<const SlotOverride>(&o, 1), int128(plan.collateral_change) - fee);
    if (plan.reduces && after.maintenance <= account_metrics(v, plan.account, {}, 0).maintenance) return {};
    if (after.equity < after.initial) return make_error(ErrorCode::insufficient_margin, "fill would breach initial margin");
    return {};
}

// A fill's transfers (funding settled, realised PnL), in commit order, on a TransferCheck.
template <class LedgerType>
void check_fill(TransferCheck<LedgerType>& check, const FillPlan& fill) {
    check.apply(Place::pnl_pool(), Place::funding_pool(), fill.funding);
    check.apply(Place::pnl_pool(), Place::collateral(fill.account), fill.collateral_change);
}

// Every fill of `fills` whose realised PnL is a gain, then every loss: a collateral never dips
// below zero on the way (a plan only guarantees the net).
template <class Visit>
void gains_then_losses(const std::array<FillPlan, positions_per_account_max>& fills, std::size_t count, Visit visit) {
    for (const bool gains : {true, false}) {
        for (std::size_t k = 0; k < count; ++k) {
            if ((fills[k].collateral_change >= 0) == gains) visit(fills[k]);
        }
    }
}

// Commits a signed transfer of `atoms` (negative: the other way) and logs it. Checked before.
template <class LedgerType, class Asset, std::size_t Capacity>
void move(LedgerType& ledger, Place source, Place target, std::int64_t atoms, TransferReason reason,
          TransferLog<Asset, Capacity>& log) {
    if (atoms == 0) return;
    if (atoms < 0) {
        std::swap(source, target);
        atoms = -atoms;
    }
    ledger.commit(source, target, Amount<Asset>(atoms), reason);
    log.add(Transfer<Asset>{source, target, Amount<Asset>(atoms), reason});
}

// Commits a planned fill: its funding moves from the position's PnL (its cost) to the funding
// pool, its realised PnL to the collateral, and the slot takes the new size, cost and snapshot.
template <class LedgerType, class Asset, std::size_t Capacity>
PositionChange commit_fill(LedgerType& ledger, PositionBook& book, const MarketState& state, const FillPlan& plan,
                           TransferLog<Asset, Capacity>& log) {
    int s = book.find(plan.account.value, plan.market);
    if (s < 0) {
        s = book.free_slot(plan.account.value);
        BACKSTOP_ASSERT(s >= 0, "planned fill has no slot");
    }
    const std::size_t i = book.index(plan.account.value, static_cast<std::uint32_t>(s));
    book.market[i] = static_cast<std::uint16_t>(plan.market);
    move(ledger, Place::pnl_pool(), Place::funding_pool(), plan.funding, TransferReason::funding_payment, log);
    move(ledger, Place::pnl_pool(), Place::collateral(plan.account), plan.collateral_change, TransferReason::realised_pnl, log);
    book.size[i] = plan.size_after;
    book.cost[i] = plan.cost_after;
    // An index stays within +-2^62 (funding_index_max): its snapshot fits 64 bits, which keeps the
    // scan's bytes per slot at 26.
    book.funding[i] = static_cast<std::int64_t>(funding_index_for(state, plan.size_after));
    if (plan.size_after == 0) {
        book.market[i] = PositionBook::empty;
        book.funding[i] = 0;
    }
    return PositionChange{plan.account, MarketId{plan.market}, plan.size_before, plan.size_after};
}

}  // namespace detail
}  // namespace backstop
