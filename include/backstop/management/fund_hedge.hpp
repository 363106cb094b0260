// FundHedge: a fund long a volatile asset (a base-asset holding, MultiAssetFund's, or a position it
// took over as a backstop liquidator, Hyperliquid's HLP) hedges it with a short perpetual in an
// engine account it controls. The hedge ratio is a policy.
//
//   target      = -(ratio x exposure), rounded toward zero, then to the market's lot toward zero:
//                 |target| <= ratio x |exposure|, the fund never over-hedges
//   order       = target - hedge, to the lot toward zero; none (hedge_not_needed) when
//                 |target - hedge| <= band x |target| (the band bounds the trading cost)
//   equity goal = margin_ratio x the hedge account's notional after the order, rounded up (the
//                 account stays at least that well collateralised)
//   move        = equity goal - equity after the order: + from the fund into the hedge account,
//                 - back (at most the account's collateral: unrealised gains stay until a trade
//                 realises them), and at least what the trade's realised loss and fee need of
//                 collateral (gains not realised cannot pay them). Without an order, only when
//                 |move| > band x equity goal.
//   fund value  = fund balance + holding value + hedge_value (the hedge account's equity)
//
// plan_hedge is the pure per-period step (int64 atoms, no engine). FundHedge::rebalance executes
// it on a MarginEngine with the engine's own commands: fund_withdraw + deposit for a top-up, the
// trade at the mark (the hedge account takes), withdraw + fund_deposit for a return. A top-up and
// a return each conserve value (fund -> outside -> account and back); the engine's ledger stays
// balanced after every command. Validate, plan, commit: plan_rebalance checks every command it
// will issue against the state each will meet (see there), so the commit cannot fail and a refused
// rebalance changes nothing. top_up_needed is the same plan's top-up before the fund's balance is
// checked: what a fund holding other assets raises first.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/checked_arith.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/engine/account_metrics.hpp"
#include "backstop/engine/engine_view.hpp"
#include "backstop/engine/fills.hpp"
#include "backstop/engine/margin_math.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/engine/oracle_marks.hpp"
#include "backstop/engine/trade_planner.hpp"
#include "backstop/engine/transfer_check.hpp"
#include "backstop/ledger/place.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/price.hpp"
#include "backstop/money/quantity.hpp"
#include "backstop/money/rate.hpp"

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace backstop {

struct HedgePolicy {
    Ppm hedge_ratio{500'000};   // of the exposure, [0, 100%]
    Ppm band{100'000};          // tolerated drift, as a fraction of the target, [0, 100%]
    Ppm margin_ratio{200'000};  // equity kept in the hedge account per unit of notional, (0, 100%];
                                // at least the market's highest initial fraction (checked at rebalance)

    Result<void> validate() const {
        if (hedge_ratio < Ppm{0} || hedge_ratio > Ppm{Ppm::denominator}) {
            return make_error(ErrorCode::invalid_policy_parameter, "hedge ratio must be within [0, 100%]");
        }
        if (band < Ppm{0} || band > Ppm{Ppm::denominator}) {
            return make_error(ErrorCode::invalid_policy_parameter, "band must be within [0, 100%]");
        }
        if (margin_ratio <= Ppm{0} || margin_ratio > Ppm{Ppm::denominator}) {
            return make_error(ErrorCode::invalid_policy_parameter, "margin ratio must be within (0, 100%]");
        }
        return {};
    }
};

// A rebalance's trade in base atoms: + buy, - sell; `target` is the hedge it aims at.
struct HedgeOrder {
    std::int64_t size = 0;
    std::int64_t target = 0;
};

// -(ratio x exposure) to the lot, toward zero (the fund is never over-hedged).
inline Result<std::int64_t> hedge_target(const HedgePolicy& policy, std::int64_t exposure, std::int64_t lot) {
    if (Result<void> ok = policy.validate(); !ok) return ok.error();
    if (lot <= 0) return make_error(ErrorCode::invalid_argument, "lot must be positive");
    // |exposure| x 10^6 < 2^84: exact in 128 bits; a 64-bit division whenever the operands fit.
    const detail::int128 hedged = detail::divide_rounded_128(
        -(detail::int128(exposure) * policy.hedge_ratio.count()), Ppm::denominator, Rounding::toward_zero);
    const detail::int128 target = detail::divide_rounded_128(hedged, lot, Rounding::toward_zero) * lot;
    // Not int64 min either: a target and an order can be negated.
    if (!detail::fits_int64_open(target)) return make_error(ErrorCode::overflow, "hedge target beyond int64");
    return static_cast<std::int64_t>(target);
}

// The per-period step: the order that brings `current_hedge` to the target, or hedge_not_needed
// inside the band or below a lot. Pure and allocation-free: the lab calls it every period.
inline Result<HedgeOrder> plan_hedge(const HedgePolicy& policy, std::int64_t exposure, std::int64_t current_hedge,
                                     std::int64_t lot) {
    const Result<std::int64_t> target = hedge_target(policy, exposure, lot);
    if (!target) return target.error();
    const detail::int128 drift = detail::int128(*target) - current_hedge;
    // "More than band x target", compared exactly: |drift| x 10^6 and band x |target| < 2^84.
    if (detail::abs128(drift) * Ppm::denominator <= detail::int128(policy.band.count()) * detail::abs128(*target)) {
        return make_error(ErrorCode::hedge_not_needed, "hedge within the band");
    }
    // To the lot toward zero, never trading past the target: a hedge off the lot (not one the
    // engine holds) stays within a lot of it.
    const detail::int128 size = detail::divide_rounded_128(drift, lot, Rounding::toward_zero) * lot;
    if (size == 0) return make_error(ErrorCode::hedge_not_needed, "order below a lot");
    if (!detail::fits_int64_open(size)) return make_error(ErrorCode::overflow, "hedge order beyond int64");
    return HedgeOrder{static_cast<std::int64_t>(size), *target};
}

// The hedge account's equity (collateral + unrealised PnL - funding owed, at the mark), exact.
template <class Engine>
Result<Amount<typename Engine::Asset, Int128>> hedge_value(const Engine& engine, AccountId hedge_account) {
    if (hedge_account.value >= engine.ledger().account_count()) {
        return make_error(ErrorCode::unknown_account, "no such hedge account");
    }
    const detail::Metrics m = detail::account_metrics(engine.view(), hedge_account, {}, 0);
    return Amount<typename Engine::Asset, Int128>(Int128(m.equity));
}

template <class Asset>
struct HedgeReport {
    std::int64_t traded = 0;       // base atoms: + bought, - sold
    std::int64_t target = 0;       // the hedge aimed at
    std::int64_t hedge_after = 0;  // the hedge account's position after
    std::int64_t price_raw = 0;    // the fill's price (the mark on the tick), 0 without a trade
    Amount<Asset> fee;             // paid by the hedge account (the taker)
    Amount<Asset> fees_to_fund;    // both sides' fee shares to the market's fund (comes back if it is the fund)
    Amount<Asset> collateral_moved;          // + fund -> hedge account, - back to the fund
    Amount<Asset, Int128> equity_after;      // hedge_value after
};

namespace detail {

// The engine's ledger as it will be after a top-up (the hedge account's collateral up, the fund's
// balance down): what plan_trade reads, so that the trade is planned on the state it will meet.
template <class LedgerType>
class CollateralOverlay {
public:
    using Money = typename LedgerType::Money;
    CollateralOverlay(const LedgerType& ledger, Place up, Place down, std::int64_t amount)
        : ledger_(ledger), up_(up), down_(down), amount_(amount) {}
    Result<Money> balance(Place place) const {
        Result<Money> held = ledger_.balance(place);
        if (!held) return held;
        return Money(held->atoms() + delta(place));
    }
    Money balance_of(Place place) const { return Money(ledger_.balance_of(place).atoms() + delta(place)); }
    Money collateral_of(AccountId account) const { return balance_of(Place::collateral(account)); }

private:
    // The planner checked that both adjusted balances fit (checked_add, check_transfer).
    std::int64_t delta(Place place) const {
        if (amount_ == 0) return 0;
        if (place == up_) return amount_;
        if (place == down_) return -amount_;
        return 0;
    }
    const LedgerType& ledger_;
    Place up_;
    Place down_;
    std::int64_t amount_;
};

}  // namespace detail

// What a rebalance will do: the engine commands, each already checked against the state it meets.
template <class Base>
struct HedgeRebalancePlan {
    MarketId market;
    AccountId hedge;
    AccountId counterparty;
    std::int64_t now_ms = 0;
    HedgeOrder order;              // size 0: no trade
    std::int64_t price_raw = 0;
    std::int64_t fee = 0;          // the hedge account's
    std::int64_t collateral_move = 0;  // + top-up before the trade, - return after it
};

template <class Engine>
class FundHedge {
public:
    using Asset = typename Engine::Asset;
    using Money = Amount<Asset>;
    using Wide = Amount<Asset, Int128>;
    template <class Base>
    using Plan = HedgeRebalancePlan<Base>;

    FundHedge() = default;

    static Result<FundHedge> open(const HedgePolicy& policy) {
        if (Result<void> ok = policy.validate(); !ok) return ok.error();
        FundHedge hedge;
        hedge.policy_ = policy;
        return hedge;
    }

    const HedgePolicy& policy() const { return policy_; }
    Result<void> set_policy(const HedgePolicy& policy) {
        if (Result<void> ok = policy.validate(); !ok) return ok;
        policy_ = policy;
        return {};
    }
    std::uint64_t rebalance_count() const { return rebalances_; }
    const Wide& fees_total() const { return fees_total_; }
    const Wide& collateral_in_total() const { return collateral_in_; }
    const Wide& collateral_out_total() const { return collateral_out_; }
    std::int64_t last_rebalance_ms() const { return last_ms_; }

    // Plans bringing the hedge in `hedge_account` (its position in `market`) to the policy's target
    // for `exposure` (the base the fund is long, signed), trading at the mark against
    // `counterparty`, at the caller's time `now_ms` (not before the engine's; the mark must be
    // fresh then). Refused with hedge_not_needed when neither the hedge nor its collateral is off
    // by more than the band.
    //
    // Why the commit cannot leave half a rebalance: every command is checked here against the
    // state it will meet. A top-up comes first, and the trade is planned by the engine's own
    // plan_trade on the ledger as the top-up will leave it (CollateralOverlay), so a trade that
    // would be refused (counterparty's margin, limits, halted market) refuses the whole rebalance
    // before any collateral moved. A return comes after the trade and is checked as the engine's
    // withdraw will check it (collateral, fresh marks, initial margin with the trade's fill in
    // place) and the fund deposit on the balances the trade leaves (TransferCheck). Nothing is
    // ever undone.
    template <class Base>
    Result<Plan<Base>> plan_rebalance(const Engine& engine, AccountId hedge_account, AccountId counterparty,
                                      MarketId market, Quantity<Base> exposure, std::int64_t now_ms) const {
        const Result<Moves<Base>> moves = plan_moves(engine, hedge_account, counterparty, market, exposure, now_ms);
        if (!moves) return moves.error();
        if (Result<void> ok = check_commands(engine, *moves); !ok) return ok.error();
        return moves->plan;
    }

    // What the rebalance would move from the fund's balance into the hedge account (0 when it
    // moves nothing in, or returns collateral), whether or not the fund's balance holds it: a fund
    // with other assets (a base-asset holding) raises `top_up - balance` before it rebalances.
    // The same plan as plan_rebalance's, so the two cannot drift apart; refused as it is, except
    // for the checks of the commands themselves (the fund's balance, the counterparty's margin).
    template <class Base>
    Result<std::int64_t> top_up_needed(const Engine& engine, AccountId hedge_account, AccountId counterparty,
                                       MarketId market, Quantity<Base> exposure, std::int64_t now_ms) const {
        const Result<Moves<Base>> moves = plan_moves(engine, hedge_account, counterparty, market, exposure, now_ms);
        if (!moves) return moves.error();
        return std::max<std::int64_t>(moves->plan.collateral_move, 0);
    }

    // Issues the planned commands (a plan from plan_rebalance on this engine's current state).
    template <class Base>
    HedgeReport<Asset> commit_rebalance(Engine& engine, const Plan<Base>& plan) {
        HedgeReport<Asset> report;
        report.target = plan.order.target;
        if (plan.collateral_move > 0) {
            const Money top_up(plan.collateral_move);
            const bool out = engine.fund_withdraw(top_up).has_value();
            BACKSTOP_ASSERT(out, "a planned top-up left the fund");
            const bool in = engine.deposit(plan.hedge, top_up).has_value();
            BACKSTOP_ASSERT(in, "a planned top-up reached the hedge account");
        }
        if (plan.order.size != 0) {
            const bool buys = plan.order.size > 0;
            const Result<TradeReport<Asset>> trade = engine.trade(
                plan.market, buys ? plan.hedge : plan.counterparty, buys ? plan.counterparty : plan.hedge,
                Quantity<Base>(buys ? plan.order.size : -plan.order.size), Price<Base, Asset>::from_raw(plan.price_raw),
                taker(plan));
            BACKSTOP_ASSERT(trade.has_value(), "a planned hedge trade was refused");
            report.traded = plan.order.size;
            report.price_raw = plan.price_raw;
            report.fee = buys ? trade->buyer_fee : trade->seller_fee;
            report.fees_to_fund = trade->fees_to_fund;
        }
        if (plan.collateral_move < 0) {
            const Money back(-plan.collateral_move);
            const bool out = engine.withdraw(plan.hedge, back).has_value();
            BACKSTOP_ASSERT(out, "a planned return left the hedge account");
            const bool in = engine.fund_deposit(back).has_value();
            BACKSTOP_ASSERT(in, "a planned return reached the fund");
        }
        report.collateral_moved = Money(plan.collateral_move);
        report.hedge_after = engine.position(plan.hedge, plan.market).size;
        report.equity_after = hedge_value(engine, plan.hedge).value();  // the account exists: planned
        ++rebalances_;
        last_ms_ = plan.now_ms;
        fees_total_ += Wide(Int128(report.fee.atoms()));
        if (plan.collateral_move > 0) collateral_in_ += Wide(Int128(plan.collateral_move));
        if (plan.collateral_move < 0) collateral_out_ += Wide(Int128(-plan.collateral_move));  // > int64 min: planned
        return report;
    }

    template <class Base>
    Result<HedgeReport<Asset>> rebalance(Engine& engine, AccountId hedge_account, AccountId counterparty, MarketId market,
                                         Quantity<Base> exposure, std::int64_t now_ms) {
        Result<Plan<Base>> plan = plan_rebalance(engine, hedge_account, counterparty, market, exposure, now_ms);
        if (!plan) return plan.error();
        return commit_rebalance(engine, *plan);
    }

private:
    // A plan with the hedge account's fill, which the check of a return reads.
    template <class Base>
    struct Moves {
        Plan<Base> plan;
        detail::SlotOverride filled;     // none without an order
        detail::int128 fill_change = 0;  // realised PnL less the fee
    };

    // The order and the collateral move, before any command is checked.
    template <class Base>
    Result<Moves<Base>> plan_moves(const Engine& engine, AccountId hedge_account, AccountId counterparty,
                                  MarketId market, Quantity<Base> exposure, std::int64_t now_ms) const {
        static_assert(std::is_same<default_rep_t<Base>, std::int64_t>::value, "the engine trades int64 base atoms");
        const Result<Price<Base, Asset>> mark = engine.template mark<Base>(market);  // market, base, a mark
        if (!mark) return mark.error();
        const std::uint32_t accounts = engine.ledger().account_count();
        if (hedge_account.value >= accounts || counterparty.value >= accounts) {
            return make_error(ErrorCode::unknown_account, "no such account");
        }
        if (hedge_account == counterparty) return make_error(ErrorCode::self_trade, "the hedge trades with itself");
        if (now_ms < engine.now().ms) return make_error(ErrorCode::time_backwards, "rebalance before the engine's time");
        const auto v = engine.view();
        const detail::MarketState& state = v.markets[market.value];
        if (state.config.status == MarketStatus::halted) return make_error(ErrorCode::market_halted, "market is halted");
        // Fresh at the caller's time, which is not before the engine's: fresh for the engine too.
        if (Result<void> ok = detail::check_mark_fresh(state, now_ms); !ok) return ok.error();
        for (std::size_t t = 0; t < state.config.tier_count; ++t) {
            if (policy_.margin_ratio < state.config.tiers[t].initial) {
                return make_error(ErrorCode::invalid_policy_parameter, "margin ratio below the market's initial margin");
            }
        }

        Moves<Base> moves;
        Plan<Base>& plan = moves.plan;
        plan.market = market;
        plan.hedge = hedge_account;
        plan.counterparty = counterparty;
        plan.now_ms = now_ms;
        const std::int64_t current = v.book.position(hedge_account, market.value).size;
        Result<HedgeOrder> order = plan_hedge(policy_, exposure.atoms(), current, state.config.lot_size);
        if (!order && order.error().code != ErrorCode::hedge_not_needed) return order.error();
        if (order) plan.order = *order;

        // The hedge account after the order (the engine's fill arithmetic), before any move.
        detail::SlotOverride& filled = moves.filled;
        detail::int128& fill_change = moves.fill_change;
        if (plan.order.size != 0) {
            // The mark on the tick against the fund (a sell down, a buy up): a market maker quotes on
            // ticks, and the hedge's cost is never understated.
            const detail::int128 tick = state.config.tick_size;
            const detail::int128 on_tick = detail::divide_rounded_128(
                                               state.mark, tick, plan.order.size < 0 ? Rounding::down : Rounding::up) *
                                           tick;
            if (!detail::fits_int64(on_tick) || on_tick <= 0) {
                return make_error(ErrorCode::price_out_of_range, "the mark has no tick to trade at");
            }
            plan.price_raw = static_cast<std::int64_t>(on_tick);
            const std::int64_t magnitude = plan.order.size < 0 ? -plan.order.size : plan.order.size;
            const Result<std::int64_t> value = detail::trade_value(state, magnitude, plan.price_raw);
            if (!value) return value.error();
            const Result<detail::FillPlan> fill =
                detail::plan_fill(v, hedge_account, market.value, plan.order.size, plan.order.size < 0 ? -*value : *value);
            if (!fill) return fill.error();
            plan.fee = detail::plan_fee(state.config, *value, state.config.taker_fee).fee;
            filled = detail::SlotOverride{market.value, fill->size_after, fill->cost_after};
            fill_change = detail::int128(fill->collateral_change) - plan.fee;
        }
        const detail::Metrics after = detail::account_metrics(
            v, hedge_account, Span<const detail::SlotOverride>(&filled, plan.order.size != 0 ? 1 : 0), fill_change);
        const detail::int128 goal = detail::ceil_div(after.notional * policy_.margin_ratio.count(), Ppm::denominator);
        detail::int128 move = goal - after.equity;
        if (plan.order.size == 0 &&
            detail::abs128(move) * Ppm::denominator <= detail::int128(policy_.band.count()) * goal) {
            move = 0;  // collateral within the band too
        }
        // A return takes collateral only: gains not yet realised stay in the account.
        const detail::int128 collateral_after = detail::int128(v.collateral(hedge_account)) + fill_change;
        if (move < 0) move = -std::min(-move, std::max<detail::int128>(collateral_after, 0));
        // The trade's realised loss and fee are paid from collateral, never from gains not yet
        // realised: a hedge whose equity is all such gains still gets the top-up that pays them.
        if (collateral_after < 0) move = std::max(move, -collateral_after);
        if (!detail::fits_int64(move)) return make_error(ErrorCode::overflow, "collateral move beyond int64");
        plan.collateral_move = static_cast<std::int64_t>(move);
        if (plan.order.size == 0 && plan.collateral_move == 0) {
            return make_error(ErrorCode::hedge_not_needed, "hedge and its collateral within the band");
        }
        return moves;
    }

    // Every command of `plan` against the state it will meet (see plan_rebalance).
    template <class Base>
    static Result<void> check_commands(const Engine& engine, const Moves<Base>& moves) {
        const Plan<Base>& plan = moves.plan;
        const detail::SlotOverride& filled = moves.filled;
        const detail::int128 fill_change = moves.fill_change;
        const auto v = engine.view();
        const AccountId hedge_account = plan.hedge;
        const AccountId counterparty = plan.counterparty;
        const MarketId market = plan.market;
        const Place collateral = Place::collateral(hedge_account);

        const Place fund = engine.fund().place();
        const std::int64_t top_up = std::max<std::int64_t>(plan.collateral_move, 0);
        if (top_up > 0) {
            // fund_withdraw (fund -> outside), then deposit (outside -> the account).
            if (Result<void> ok = engine.ledger().check_transfer(fund, Place::external(), Money(top_up)); !ok) return ok;
            if (Result<std::int64_t> ok = checked_add(v.collateral(hedge_account), top_up); !ok) return ok.error();
        }
        detail::TransferCheck<typename Engine::LedgerType> check(engine.ledger());
        if (plan.order.size != 0) {
            const detail::CollateralOverlay<typename Engine::LedgerType> overlay(engine.ledger(), collateral, fund, top_up);
            const detail::EngineView<detail::CollateralOverlay<typename Engine::LedgerType>> ahead{
                overlay, v.markets, v.book, v.now_ms, v.option_models};
            const bool buys = plan.order.size > 0;
            const std::int64_t magnitude = buys ? plan.order.size : -plan.order.size;
            const Result<detail::TradePlan> trade =
                detail::plan_trade(ahead, fund, market.value, buys ? hedge_account : counterparty,
                                   buys ? counterparty : hedge_account, magnitude, plan.price_raw, taker(plan));
            if (!trade) return trade.error();
            if (top_up == 0) {  // the trade's transfers, for the return's check below
                detail::check_fill(check, trade->buy);
                detail::check_fill(check, trade->sell);
                for (const detail::FillPlan* fill : {&trade->buy, &trade->sell}) {
                    const detail::FeePlan& fee = fill == &trade->buy ? trade->buyer_fee : trade->seller_fee;
                    check.apply(Place::collateral(fill->account), trade->fee_place, fee.to_fund);
                    check.apply(Place::collateral(fill->account), Place::treasury(), fee.to_treasury);
                }
            }
        }
        if (plan.collateral_move < 0) {
            // withdraw (the account -> outside) after the trade, as MarginEngine::withdraw checks it,
            // then fund_deposit (outside -> the fund).
            const std::int64_t back = -plan.collateral_move;
            if (Result<void> ok = v.check_marks_fresh(hedge_account); !ok) return ok;
            const detail::Metrics left = detail::account_metrics(
                v, hedge_account, Span<const detail::SlotOverride>(&filled, plan.order.size != 0 ? 1 : 0),
                fill_change - back);
            if (left.has_positions && left.equity < left.initial) {
                return make_error(ErrorCode::insufficient_margin, "the return would breach initial margin");
            }
            check.apply(collateral, Place::external(), back);
            check.apply(Place::external(), fund, back);
            if (!check.ok()) return make_error(ErrorCode::insufficient_balance, "the return does not fit the balances");
        }
        return {};
    }

    // The hedge crosses the counterparty's resting quote: it pays the taker fee.
    template <class Base>
    static Taker taker(const Plan<Base>& plan) {
        return plan.order.size > 0 ? Taker::buyer : Taker::seller;
    }

    HedgePolicy policy_;
    std::uint64_t rebalances_ = 0;
    std::int64_t last_ms_ = 0;
    Wide fees_total_;
    Wide collateral_in_;
    Wide collateral_out_;
};

}  // namespace backstop
