// Commits a liquidation plan (liquidation_planner.hpp): the same transfers, in the same order, as
// transfers_fit replayed, so nothing here can fail. The fund commits its own parts (capture,
// settlement, socialization) from the plan; the engine logs them in the report.
#pragma once

#include "backstop/core/config.hpp"
#include "backstop/core/span.hpp"
#include "backstop/engine/engine_reports.hpp"
#include "backstop/engine/fills.hpp"
#include "backstop/engine/liquidation_plan.hpp"
#include "backstop/engine/margin_math.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/engine/position_book.hpp"
#include "backstop/engine/waterfall.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/fund/socialization_kind.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace backstop {
namespace detail {

// Records a transfer the fund made on the engine's behalf (the fund commits its own).
template <class Asset>
void log_if_positive(TransferLog<Asset>& log, Place source, Place target, const Amount<Asset>& amount, TransferReason reason) {
    if (amount.is_positive()) log.add(Transfer<Asset>{source, target, amount, reason});
}

template <class LedgerType, class Fund, class Asset>
void commit_liquidation(LedgerType& ledger, PositionBook& book, std::vector<MarketState>& markets, Fund& fund,
                        const LiquidationPlan<Asset>& plan, const LiquidationScratch<Asset>& scratch, AccountId account,
                        AccountId liquidator, LiquidationReport<Asset>& report) {
    auto commit = [&](const FillPlan& fill) {
        return commit_fill(ledger, book, markets[fill.market], fill, report.transfers);
    };
    // The fund's backing of a backstop liquidator, first: it pays for what the takeover opens.
    fund.commit_backing(ledger, Place::collateral(liquidator), Amount<Asset>(plan.backing));
    log_if_positive(report.transfers, fund.place(), Place::collateral(liquidator), Amount<Asset>(plan.backing),
                    TransferReason::backstop_backing);
    gains_then_losses(plan.defaulter_fills, plan.fill_count,
                      [&](const FillPlan& fill) { report.closed[report.closed_count++] = commit(fill); });
    gains_then_losses(plan.liquidator_fills, plan.fill_count, [&](const FillPlan& fill) { (void)commit(fill); });
    for (std::size_t k = 0; k < plan.fill_count; ++k) {
        markets[plan.defaulter_fills[k].market].open_interest +=
            plan.defaulter_fills[k].open_interest_change_long() + plan.liquidator_fills[k].open_interest_change_long();
    }
    MarketState& state = markets[plan.defaulting_market.value];
    for (std::size_t k = 0; k < plan.bearer_fill_count; ++k) {
        const FillPlan& fill = scratch.bearer_fills[k];
        (void)commit(fill);
        state.open_interest += fill.open_interest_change_long();
        move(ledger, Place::collateral(fill.account), Place::pnl_pool(), scratch.bearer_charges[k],
             TransferReason::auto_deleveraging, report.transfers);
    }
    if (plan.has_adl_fill) {
        // Its open-interest change counts from after the takeover (already counted).
        const FillPlan& fill = plan.adl_liquidator_fill;
        std::int64_t taken_size = 0;
        for (std::size_t k = 0; k < plan.fill_count; ++k) {
            if (plan.liquidator_fills[k].market == fill.market) taken_size = plan.liquidator_fills[k].size_after;
        }
        (void)commit(fill);
        state.open_interest += std::max<std::int64_t>(fill.size_after, 0) - std::max<std::int64_t>(taken_size, 0);
    }
    move(ledger, Place::collateral(account), Place::collateral(liquidator), plan.discount, TransferReason::liquidator_discount,
         report.transfers);
    if (plan.penalty > 0 && plan.isolated) {
        // The shared fund's policy split it; the fund's share goes to the market's own fund.
        const Place source = Place::collateral(account);
        move(ledger, source, Place::collateral(liquidator), plan.split.to_liquidator.atoms(), TransferReason::penalty_to_liquidator,
             report.transfers);
        move(ledger, source, plan.market_fund, plan.split.to_fund.atoms(), TransferReason::penalty_to_fund, report.transfers);
        move(ledger, source, Place::treasury(), plan.split.to_treasury.atoms(), TransferReason::penalty_to_treasury,
             report.transfers);
        move(ledger, source, Place::dust(), plan.split.to_dust.atoms(), TransferReason::rounding_residue, report.transfers);
    } else if (plan.penalty > 0) {
        const CaptureContext capture{Place::collateral(account), Place::collateral(liquidator), plan.defaulting_market};
        const CaptureReport<Asset> captured = fund.commit_capture(ledger, plan.split, capture);
        const PenaltySplit<Asset>& split = captured.split;
        log_if_positive(report.transfers, capture.source, capture.liquidator, split.to_liquidator,
                        TransferReason::penalty_to_liquidator);
        log_if_positive(report.transfers, capture.source, fund.place(), split.to_fund, TransferReason::penalty_to_fund);
        log_if_positive(report.transfers, capture.source, Place::treasury(), split.to_treasury,
                        TransferReason::penalty_to_treasury);
        log_if_positive(report.transfers, capture.source, Place::dust(), split.to_dust, TransferReason::rounding_residue);
    }
    move(ledger, plan.market_fund, Place::pnl_pool(), plan.isolated_paid, TransferReason::bad_debt_payment, report.transfers);
    if (plan.deficit_settled > plan.isolated_paid) {
        const SettlementReport<Asset> settled =
            fund.commit_settle(ledger, Amount<Asset>(plan.deficit_settled - plan.isolated_paid), Amount<Asset>(plan.fund_paid),
                               SettleContext{Place::pnl_pool(), plan.defaulting_market});
        log_if_positive(report.transfers, fund.place(), Place::pnl_pool(), settled.paid, TransferReason::bad_debt_payment);
    }
    // The shared fund's payments (and a default fund's, kept in its place) count against the cap
    // of every market the liquidation closed.
    std::int64_t drawn = plan.fund_paid;
    if (plan.kind == SocializationKind::charges_collateral) {
        for (std::size_t k = 0; k < plan.allocation_count; ++k) {
            if (scratch.allocations[k].source == fund.place()) drawn += scratch.allocations[k].amount.atoms();
        }
    }
    if (drawn > 0) {
        for (std::size_t k = 0; k < plan.fill_count; ++k) markets[plan.defaulter_fills[k].market].shared_fund_drawn += drawn;
    }
    if (plan.kind == SocializationKind::charges_collateral) {
        for (std::size_t k = 0; k < plan.allocation_count; ++k) {
            const Allocation<Asset>& allocation = scratch.allocations[k];
            move(ledger, allocation.source, Place::pnl_pool(), allocation.amount.atoms(), transfer_reason_of(allocation.layer),
                 report.transfers);
        }
    }
    if (plan.kind == SocializationKind::funding_index && plan.covered > 0) {
        // The positions owe `covered` through the indices; the funding pool advances it now.
        move(ledger, Place::funding_pool(), Place::pnl_pool(), plan.covered, TransferReason::socialized_loss, report.transfers);
        state.set_funding_indices(state.funding_index_long + plan.funding_delta, state.funding_index_short - plan.funding_delta);
    }
    if (plan.remainder > 0) {
        SocializePlan<Asset> social;
        social.covered = Amount<Asset>(plan.covered);
        social.allocation_count = plan.allocation_count;
        social.funding_delta_per_unit = clamp_int64(plan.funding_delta);
        SocializeContext context{Place::pnl_pool(), plan.defaulting_market};
        context.commit_transfers = false;
        (void)fund.commit_socialize(ledger, Amount<Asset>(plan.remainder),
                                    Span<const Allocation<Asset>>(scratch.allocations.data(), plan.allocation_count), social,
                                    context);
    }
}

// The report's account of a committed plan; the allocations are copied to `allocations` (as
// many as fit; report.allocation_count says how many there were).
template <class Asset>
void report_plan(const LiquidationPlan<Asset>& plan, const LiquidationScratch<Asset>& scratch,
                 Span<Allocation<Asset>> allocations, LiquidationReport<Asset>& report) {
    using Money = Amount<Asset>;
    report.closed_notional = Money(clamp_int64(plan.effect.notional));
    int128 realised = 0;
    for (std::size_t k = 0; k < plan.fill_count; ++k) realised += plan.defaulter_fills[k].realised;
    report.realised_pnl = Money(clamp_int64(realised));
    report.discount = Money(plan.discount);
    report.penalty = Money(plan.penalty);
    report.penalty_split = plan.split;
    // deficit = isolated_fund_paid + fund_paid + remainder and remainder = socialized + uncovered, exactly while the
    // deficit fits int64 (the part the pnl_pool could not take is uncovered, never settled).
    report.deficit = Money(clamp_int64(plan.deficit));
    report.isolated_fund_paid = Money(plan.isolated_paid);
    report.fund_paid = Money(plan.fund_paid);
    report.remainder = Money(clamp_int64(plan.deficit - plan.funds_paid()));
    report.socialized = Money(plan.covered);
    report.uncovered = Money(clamp_int64(uncovered_of(plan)));
    report.allocation_count = plan.allocation_count;
    report.funding_delta_per_unit = clamp_int64(plan.funding_delta);
    report.socialization_failed = plan.socialization_failed;
    report.socialization_error = plan.socialization_error;
    if (plan.allocation_count > 0) report.socialized_by = scratch.allocations[0].layer;
    const std::size_t copied = std::min(plan.allocation_count, allocations.size());
    for (std::size_t k = 0; k < copied; ++k) allocations[k] = scratch.allocations[k];
}

}  // namespace detail
}  // namespace backstop
