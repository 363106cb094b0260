// Cash settlement of an expired option series (docs/options.md, "Options in the engine"): once the
// first underlying mark at or after expiry has fixed the series' mark at the payoff, every holder's
// position closes at it in one operation. A holder's close is a fill at the payoff (the long side
// receives its value rounded down, the short side pays it rounded up: the protocol's favour), so
// its realised PnL moves between the pnl_pool and its collateral as any close's does; what the
// roundings leave in the pnl_pool goes to the dust place. A holder whose loss exceeds its
// collateral pays the rest from the gains of its other positions (in open markets at fresh marks,
// in slot order, never more than the shortfall), realised first, each from the pnl_pool into its
// collateral with the position's cost raised as much (its size unchanged: its equity does not
// move, only where the value sits). A settlement whose holders realise more gains than the scratch
// reserved (one per account) allocates: settlement is not a hot path. Planned whole from a const view, then committed: refused, changing
// nothing, before expiry or when a holder's collateral and realisable gains cannot pay its loss (a
// writer who cannot pay is liquidated first, or deposits).
#pragma once

#include "backstop/engine/engine_view.hpp"
#include "backstop/engine/fills.hpp"
#include "backstop/engine/transfer_check.hpp"

#include <algorithm>
#include <cstddef>
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
    Amount<Asset, Int128> realised_from_other_positions;  // gains realised to pay holders' shortfalls
};

namespace detail {

// A gain of a holder's other position realised into its collateral (cost raised by `amount`).
struct GainRealisation {
    std::uint32_t account = 0;
    std::size_t book_index = 0;
    std::int64_t amount = 0;
};

// A settlement's plan, kept in the engine (sized once: one fill per account; a realisation per
// account reserved, more only when holders short of collateral hold several gaining positions).
struct SettlementScratch {
    std::vector<FillPlan> fills;
    std::vector<GainRealisation> realisations;
    explicit SettlementScratch(std::uint32_t accounts_max) : fills(accounts_max) { realisations.reserve(accounts_max); }
};

struct SeriesSettlementPlan {
    std::uint32_t series = 0;
    std::size_t count = 0;   // fills planned in the scratch
    int128 paid = 0;
    int128 collected = 0;
    int128 realised = 0;     // over the scratch's realisations
    std::int64_t dust = 0;
};

// Plans realising `shortfall` atoms of `account`'s gains outside `series` (see the header), into
// the scratch and the check; false when its gains cannot cover it.
template <class LedgerType>
bool plan_gain_realisations(const EngineView<LedgerType>& v, AccountId account, std::uint32_t series, int128 shortfall,
                            TransferCheck<LedgerType>& check, SettlementScratch& scratch, SeriesSettlementPlan& plan) {
    const PositionBook& book = v.book;
    for (std::uint32_t s = 0; s < book.per_account && shortfall > 0; ++s) {
        const std::size_t i = book.index(account.value, s);
        const std::uint16_t market = book.market[i];
        if (market == PositionBook::empty || market == series || book.size[i] == 0) continue;
        const MarketState& state = v.markets[market];
        if (!v.closable(state)) continue;  // a halted market's or a stale mark's gain is not realised
        const int128 gain = position_value(state, book.size[i]) - book.cost[i] - funding_owed(state, book.size[i], book.funding[i]);
        if (gain <= 0) continue;
        const int128 amount = std::min(gain, shortfall);
        if (!fits_int64(int128(book.cost[i]) + amount)) continue;
        check.apply(Place::pnl_pool(), Place::collateral(account), amount);
        scratch.realisations.push_back(GainRealisation{account.value, i, static_cast<std::int64_t>(amount)});
        plan.realised += amount;
        shortfall -= amount;
    }
    return shortfall <= 0;
}

template <class LedgerType>
Result<SeriesSettlementPlan> plan_series_settlement(const EngineView<LedgerType>& v, std::uint32_t series,
                                                    SettlementScratch& scratch) {
    const MarketState& state = v.markets[series];
    if (!state.is_option()) return make_error(ErrorCode::invalid_argument, "not an option series");
    if (!state.option_expired) {
        return make_error(ErrorCode::invalid_argument, "the series' payoff is not fixed yet (no underlying mark since expiry)");
    }
    SeriesSettlementPlan plan;
    plan.series = series;
    scratch.realisations.clear();
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
        const int128 shortfall = -(int128(v.collateral(AccountId{a})) + fill->collateral_change);
        if (shortfall > 0 && !plan_gain_realisations(v, AccountId{a}, series, shortfall, check, scratch, plan)) {
            return make_error(ErrorCode::insufficient_collateral,
                              "a holder's collateral and realisable gains cannot pay its settlement (liquidate it or deposit first)");
        }
        check_fill(check, *fill);
        check.release(Place::collateral(AccountId{a}));  // no later transfer touches it
        BACKSTOP_ASSERT(plan.count < scratch.fills.size(), "more holders than accounts");
        scratch.fills[plan.count++] = *fill;
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

// Commits the plan (cannot fail: checked in the same order, each holder's realisations then its
// close).
template <class LedgerType, class Asset>
SeriesSettlementReport<Asset> commit_series_settlement(LedgerType& ledger, PositionBook& book, MarketState& state,
                                                       const SettlementScratch& scratch, const SeriesSettlementPlan& plan) {
    TransferLog<Asset> log;  // (not kept: the ledger's journal has every transfer)
    std::size_t r = 0;
    for (std::size_t k = 0; k < plan.count; ++k) {
        const FillPlan& fill = scratch.fills[k];
        for (; r < scratch.realisations.size() && scratch.realisations[r].account == fill.account.value; ++r) {
            const GainRealisation& gain = scratch.realisations[r];
            book.cost[gain.book_index] += gain.amount;
            ledger.commit(Place::pnl_pool(), Place::collateral(fill.account), Amount<Asset>(gain.amount), TransferReason::realised_pnl);
        }
        (void)commit_fill(ledger, book, state, fill, log);
    }
    BACKSTOP_ASSERT(r == scratch.realisations.size(), "a realisation of no holder");
    if (plan.dust > 0) ledger.commit(Place::pnl_pool(), Place::dust(), Amount<Asset>(plan.dust), TransferReason::rounding_residue);
    state.open_interest = 0;
    SeriesSettlementReport<Asset> report;
    report.series = MarketId{plan.series};
    report.payoff = state.mark;
    report.holders = static_cast<std::uint32_t>(plan.count);
    report.paid = Amount<Asset, Int128>(Int128(plan.paid));
    report.collected = Amount<Asset, Int128>(Int128(plan.collected));
    report.dust = Amount<Asset>(plan.dust);
    report.realised_from_other_positions = Amount<Asset, Int128>(Int128(plan.realised));
    return report;
}

}  // namespace detail
}  // namespace backstop
