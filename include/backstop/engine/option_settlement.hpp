// Cash settlement of an expired option series (docs/options.md, "Options in the engine"): once the
// first underlying mark at or after expiry has fixed the series' mark at the payoff, every holder's
// position closes at it in one operation. A holder's close is a fill at the payoff (the long side
// receives its value rounded down, the short side pays it rounded up: the protocol's favour), so
// its realised PnL moves between the pnl_pool and its collateral as any close's does; what the
// roundings leave in the pnl_pool goes to the dust place. Planned whole from a const view, then
// committed: refused, changing nothing, before expiry or when a holder's collateral cannot pay its
// loss (a writer who cannot pay is liquidated first, or deposits).
#pragma once

#include "backstop/engine/engine_view.hpp"
#include "backstop/engine/fills.hpp"
#include "backstop/engine/transfer_check.hpp"

#include <cstdint>
#include <vector>

namespace backstop {

template <class Asset>
struct SeriesSettlementReport {
    MarketId series;
    std::int64_t payoff = 0;         // the series' fixed mark, price units
    std::uint32_t holders = 0;       // positions closed
    Amount<Asset, Int128> paid;       // to holders with a gain, from the pnl_pool (summed: wide)
    Amount<Asset, Int128> collected;  // from holders with a loss, into the pnl_pool
    Amount<Asset> dust;              // the roundings' residue, pnl_pool to dust
};

namespace detail {

struct SeriesSettlementPlan {
    std::uint32_t series = 0;
    std::size_t count = 0;   // fills planned in the engine's settlement scratch
    int128 paid = 0;
    int128 collected = 0;
    std::int64_t dust = 0;
};

template <class LedgerType>
Result<SeriesSettlementPlan> plan_series_settlement(const EngineView<LedgerType>& v, std::uint32_t series,
                                                    std::vector<FillPlan>& fills) {
    const MarketState& state = v.markets[series];
    if (!state.is_option()) return make_error(ErrorCode::invalid_argument, "not an option series");
    if (!state.option_expired) {
        return make_error(ErrorCode::invalid_argument, "the series' payoff is not fixed yet (no underlying mark since expiry)");
    }
    SeriesSettlementPlan plan;
    plan.series = series;
    int128 residue = 0;
    TransferCheck<LedgerType> check(v.ledger);
    const std::uint32_t accounts = v.ledger.account_count();
    for (std::uint32_t a = 0; a < accounts; ++a) {
        const PositionState position = v.book.position(AccountId{a}, series);
        if (position.size == 0) continue;
        // The close's value (+ for a buy): minus the position's value, rounded against the holder.
        const int128 value = -position_value(state, position.size);
        if (!fits_int64(value)) return make_error(ErrorCode::overflow, "a position's payoff beyond int64");
        Result<FillPlan> fill = plan_fill_on(v, AccountId{a}, series, position, -position.size, static_cast<std::int64_t>(value));
        if (!fill) return fill.error();
        if (int128(v.collateral(AccountId{a})) + fill->collateral_change < 0) {
            return make_error(ErrorCode::insufficient_collateral,
                              "a holder's collateral cannot pay its settlement (liquidate it or deposit first)");
        }
        check_fill(check, *fill);
        check.release(Place::collateral(AccountId{a}));  // no later transfer touches it
        BACKSTOP_ASSERT(plan.count < fills.size(), "more holders than accounts");
        fills[plan.count++] = *fill;
        residue += value;
        (fill->collateral_change >= 0 ? plan.paid : plan.collected) += abs128(int128(fill->collateral_change));
    }
    // The sizes sum to zero, so the closes' values sum to the roundings alone: >= 0, each close
    // losing at most one atom to them.
    BACKSTOP_ASSERT(residue >= 0 && residue <= int128(plan.count), "settlement residue out of bounds");
    plan.dust = static_cast<std::int64_t>(residue);
    check.apply(Place::pnl_pool(), Place::dust(), plan.dust);
    if (!check.ok()) return make_error(ErrorCode::overflow, "the settlement would overflow a balance");
    return plan;
}

// Commits the plan (cannot fail: checked in the same order).
template <class LedgerType, class Asset>
SeriesSettlementReport<Asset> commit_series_settlement(LedgerType& ledger, PositionBook& book, MarketState& state,
                                                       const std::vector<FillPlan>& fills, const SeriesSettlementPlan& plan) {
    TransferLog<Asset> log;  // (not kept: the ledger's journal has every transfer)
    for (std::size_t k = 0; k < plan.count; ++k) (void)commit_fill(ledger, book, state, fills[k], log);
    if (plan.dust > 0) ledger.commit(Place::pnl_pool(), Place::dust(), Amount<Asset>(plan.dust), TransferReason::rounding_residue);
    state.open_interest = 0;
    SeriesSettlementReport<Asset> report;
    report.series = MarketId{plan.series};
    report.payoff = state.mark;
    report.holders = static_cast<std::uint32_t>(plan.count);
    report.paid = Amount<Asset, Int128>(Int128(plan.paid));
    report.collected = Amount<Asset, Int128>(Int128(plan.collected));
    report.dust = Amount<Asset>(plan.dust);
    return report;
}

}  // namespace detail
}  // namespace backstop
