// A liquidation planned whole from const state (liquidation_plan.hpp's LiquidationPlan): the
// closes (liquidation_closes.hpp), the defaulter's and the liquidator's fills at the mark, the
// waterfall (waterfall.hpp), then the checks that make its commit unable to fail: the
// liquidator's slots, cash and initial margin, and every transfer replayed in commit order on
// copies of the balances (TransferCheck).
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/engine/account_metrics.hpp"
#include "backstop/engine/engine_view.hpp"
#include "backstop/engine/fills.hpp"
#include "backstop/engine/liquidation_closes.hpp"
#include "backstop/engine/liquidation_plan.hpp"
#include "backstop/engine/option_markets.hpp"
#include "backstop/engine/transfer_check.hpp"
#include "backstop/engine/waterfall.hpp"
#include "backstop/fund/socialization_kind.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace backstop {
namespace detail {

// The liquidator needs free slots, cash for the losses its takeover realises, and its initial
// requirement after taking over (its positions in halted or stale markets count their losses,
// not their profits); the fund's backing arrives first and counts towards both.
template <class LedgerType, class Asset>
Result<void> check_liquidator(const EngineView<LedgerType>& v, const LiquidationPlan<Asset>& plan, AccountId liquidator) {
    std::array<SlotOverride, positions_per_account_max> taken{};
    std::int32_t new_slots = 0;
    int128 cash = plan.discount + plan.split.to_liquidator.atoms() + plan.backing;
    for (std::size_t k = 0; k < plan.fill_count; ++k) {
        const FillPlan& fill = plan.liquidator_fills[k];
        FillPlan final_fill = fill;
        if (plan.has_adl_fill && plan.adl_liquidator_fill.market == fill.market) {
            final_fill.size_after = plan.adl_liquidator_fill.size_after;
            final_fill.cost_after = plan.adl_liquidator_fill.cost_after;
            cash += plan.adl_liquidator_fill.collateral_change;
        }
        taken[k] = SlotOverride{fill.market, final_fill.size_after, final_fill.cost_after};
        cash += fill.collateral_change;
        if (fill.new_slot && fill.size_after != 0) ++new_slots;
    }
    if (new_slots > v.book.free_slot_count(liquidator.value)) {
        return make_error(ErrorCode::position_slots_full, "liquidator has no free slot");
    }
    // Its cash (and the backing) pays the losses its fills realise (gains are credited first),
    // before its reward.
    int128 running = int128(v.collateral(liquidator)) + plan.backing;
    for (std::size_t k = 0; k < plan.fill_count; ++k) running += plan.liquidator_fills[k].collateral_change;
    const int128 after_takeover = running;
    if (plan.has_adl_fill) running += plan.adl_liquidator_fill.collateral_change;
    if (after_takeover < 0 || running < 0) {
        return make_error(ErrorCode::insufficient_collateral,
                          "liquidator cannot pay the loss its takeover realises (or the premium it opens)");
    }
    const Metrics after = account_metrics(v, liquidator, Span<const SlotOverride>(taken.data(), plan.fill_count), cash,
                                          /*conservative*/ true);
    if (after.has_positions && after.equity < after.initial) {
        return make_error(ErrorCode::insufficient_margin, "liquidator lacks initial margin for the takeover");
    }
    return {};
}

// Replays the plan's transfers in commit order (liquidation_commit.hpp) on copies of the balances.
template <class LedgerType, class Fund, class Asset>
bool transfers_fit(const EngineView<LedgerType>& v, const Fund& fund, const LiquidationPlan<Asset>& plan, AccountId account,
                   AccountId liquidator, const LiquidationScratch<Asset>& scratch) {
    TransferCheck<LedgerType> check(v.ledger);
    check.apply(fund.place(), Place::collateral(liquidator), plan.backing);
    gains_then_losses(plan.defaulter_fills, plan.fill_count, [&](const FillPlan& f) { check_fill(check, f); });
    gains_then_losses(plan.liquidator_fills, plan.fill_count, [&](const FillPlan& f) { check_fill(check, f); });
    for (std::size_t k = 0; k < plan.bearer_fill_count; ++k) {
        const FillPlan& fill = scratch.bearer_fills[k];
        check_fill(check, fill);
        check.apply(Place::collateral(fill.account), Place::pnl_pool(), scratch.bearer_charges[k]);
        check.release(Place::collateral(fill.account));
    }
    if (plan.has_adl_fill) check_fill(check, plan.adl_liquidator_fill);
    const Place source = Place::collateral(account);
    check.apply(source, Place::collateral(liquidator), plan.discount);
    check.apply(source, Place::collateral(liquidator), plan.split.to_liquidator.atoms());
    check.apply(source, plan.market_fund, plan.split.to_fund.atoms());
    check.apply(source, Place::treasury(), plan.split.to_treasury.atoms());
    check.apply(source, Place::dust(), plan.split.to_dust.atoms());
    check.apply(plan.market_fund, Place::pnl_pool(), plan.isolated_paid);
    check.apply(fund.place(), Place::pnl_pool(), plan.fund_paid);
    if (plan.kind == SocializationKind::charges_collateral) {
        for (std::size_t k = 0; k < plan.allocation_count; ++k) {
            const Allocation<Asset>& allocation = scratch.allocations[k];
            check.apply(allocation.source, Place::pnl_pool(), allocation.amount.atoms());
            if (allocation.source.kind() == PlaceKind::collateral) check.release(allocation.source);
        }
    }
    if (plan.kind == SocializationKind::funding_index) check.apply(Place::funding_pool(), Place::pnl_pool(), plan.covered);
    return check.ok();
}

// plan_liquidation() with the closes chosen.
template <class LedgerType, class Fund, class Asset>
Result<void> plan_liquidation_of_closes(const EngineView<LedgerType>& v, const Fund& fund, AccountId account,
                                        AccountId liquidator, const Closes& closes, LiquidationScratch<Asset>& scratch,
                                        LiquidationPlan<Asset>& plan, std::int64_t backing,
                                        const CloseEffect* known_effect = nullptr) {
    plan.restart();
    plan.backing = backing;
    plan.closes = closes;
    // The effect choose_closes already computed for these closes, or evaluated here.
    plan.effect = known_effect != nullptr ? *known_effect : evaluate_closes(v, account, liquidator, plan.closes);
    if (plan.effect.unrepresentable) {
        return make_error(ErrorCode::overflow, "a position's funding debt does not fit the ledger's int64");
    }
    plan.full = !plan.effect.positions_left;

    // The fills: the defaulter closes at the mark, the liquidator takes the other side.
    // The defaulting market (its bearers take a socialized loss; its fund pays) is where the most
    // notional closes (sizes in different markets count different atoms). With closes in series
    // exempt from ADL, it is the largest close of the group, exempt series or the rest, whose net
    // realised loss is the larger: a small position in the other group cannot move the loss.
    struct Candidate {
        int128 notional = -1;
        std::uint32_t market = 0;
        std::int64_t close = 0;
        int128 realised = 0;  // the group's net realised PnL
    };
    Candidate groups[2];  // [0]: markets whose holders may bear a loss; [1]: exempt series
    for (std::uint32_t s = 0; s < v.book.per_account; ++s) {
        const std::int64_t close = plan.closes[s];
        if (close == 0) continue;
        const std::uint32_t market = v.book.market[v.book.index(account.value, s)];
        const MarketState& state = v.markets[market];
        const std::int64_t value = plan.effect.values[s];  // as evaluated
        Result<FillPlan> defaulter = plan_fill_on(v, account, market, v.book.position(account, market), -close, value);
        if (!defaulter) return defaulter.error();
        Result<FillPlan> taker = plan_fill(v, liquidator, market, close, -value);
        if (!taker) return taker.error();
        plan.defaulter_fills[plan.fill_count] = *defaulter;
        plan.liquidator_fills[plan.fill_count] = *taker;
        ++plan.fill_count;
        Candidate& group = groups[exempt_from_adl(v.markets, state) ? 1 : 0];
        group.realised += defaulter->realised;
        const int128 notional = closed_notional(state, close);
        if (notional > group.notional) {
            group.notional = notional;
            group.market = market;
            group.close = close;
        }
    }
    BACKSTOP_ASSERT(plan.fill_count > 0, "a liquidation plan closes nothing");
    const bool exempt_group = groups[0].notional < 0 || (groups[1].notional >= 0 && groups[1].realised < groups[0].realised);
    const Candidate& chosen = groups[exempt_group ? 1 : 0];
    plan.defaulting_market = MarketId{chosen.market};
    plan.defaulting_size = chosen.close < 0 ? -chosen.close : chosen.close;
    plan.defaulting_side = chosen.close > 0 ? 1 : -1;

    plan_waterfall(v, fund, plan, account, liquidator, scratch);

    if (Result<void> ok = check_liquidator(v, plan, liquidator); !ok) return ok.error();
    if (!transfers_fit(v, fund, plan, account, liquidator, scratch)) {
        plan.backing = 0;  // is it the fund, short of the backing? (the plan is refused either way)
        if (backing > 0 && transfers_fit(v, fund, plan, account, liquidator, scratch)) {
            return make_error(ErrorCode::insufficient_balance, "the fund cannot back the takeover");
        }
        return make_error(ErrorCode::overflow, "the liquidation would overflow a balance");
    }
    return {};
}

// The whole plan of liquidating `account` (below maintenance, `before` its metrics) with
// `liquidator` taking over what is closed, written to `plan` (restarted here, then planned in
// place: a Result<LiquidationPlan> would copy its 1.5 KB once more), or the typed reason it cannot
// be done (what `plan` then holds is meaningless). For an account holding live options, a partial
// plan the liquidator cannot take (one leg of a book without its hedge can need more margin or
// cash than the whole book) falls back to closing everything closable; a perpetual-only account's
// partial plan is never widened (docs/engine.md: a partial whenever one restores the target).
template <class LedgerType, class Fund, class Asset>
Result<void> plan_liquidation(const EngineView<LedgerType>& v, const Fund& fund, AccountId account, AccountId liquidator,
                              const Metrics& before, LiquidationScratch<Asset>& scratch, LiquidationPlan<Asset>& plan,
                              std::int64_t backing = 0) {
    bool full = false;
    const ChosenCloses chosen = choose_closes(v, account, liquidator, before, full);
    Result<void> planned = plan_liquidation_of_closes(v, fund, account, liquidator, chosen.closes, scratch, plan, backing,
                                                      chosen.effect_known ? &chosen.effect : nullptr);
    if (planned || full) return planned;
    const ErrorCode refused = planned.error().code;
    if ((refused != ErrorCode::insufficient_margin && refused != ErrorCode::insufficient_collateral &&
         refused != ErrorCode::position_slots_full) ||
        !holds_live_option(v, account)) {
        return planned;
    }
    Closes all{};
    for (std::uint32_t s = 0; s < v.book.per_account; ++s) {
        const std::size_t i = v.book.index(account.value, s);
        if (v.book.market[i] != PositionBook::empty && v.closable(v.markets[v.book.market[i]])) all[s] = v.book.size[i];
    }
    if (all == chosen.closes) return planned;
    return plan_liquidation_of_closes(v, fund, account, liquidator, all, scratch, plan, backing);
}

// Validates liquidating `account` (known, as `liquidator`, backed with `backing` atoms of the
// fund's capital) and plans it whole into scratch.plan: its metrics before.
template <class LedgerType, class Fund, class Asset>
Result<Metrics> plan_liquidation_checked(const EngineView<LedgerType>& v, const Fund& fund, AccountId account,
                                         AccountId liquidator, LiquidationScratch<Asset>& scratch, std::int64_t backing = 0) {
    if (account == liquidator) return make_error(ErrorCode::self_trade, "an account cannot liquidate itself");
    if (backing < 0) return make_error(ErrorCode::amount_not_positive, "the fund's backing cannot be negative");
    const Metrics before = account_metrics(v, account, {}, 0);
    if (!before.has_positions || before.equity >= before.maintenance) {
        return make_error(ErrorCode::not_liquidatable, "account meets its maintenance requirement");
    }
    if (Result<void> ok = check_any_closable(v, account); !ok) return ok.error();
    if (Result<void> ok = plan_liquidation(v, fund, account, liquidator, before, scratch, scratch.plan, backing); !ok) {
        return ok.error();
    }
    return before;
}

}  // namespace detail
}  // namespace backstop
