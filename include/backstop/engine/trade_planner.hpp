// A trade planned whole from const state (validate, plan, commit): both fills, each side's
// trading fee and where it goes (the market's fund, the treasury), the margin and balance checks
// that make its commit unable to fail; then the commit. MarginEngine::trade calls these.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/engine/engine_reports.hpp"
#include "backstop/engine/engine_view.hpp"
#include "backstop/engine/fills.hpp"
#include "backstop/engine/liquidation_plan.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/engine/position_book.hpp"
#include "backstop/engine/transfer_check.hpp"
#include "backstop/ledger/place.hpp"

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace backstop {
namespace detail {

// One side's trading fee: of the fill's value at the side's rate, rounded up (the protocol's
// favour); the fund's share rounded down, the treasury the rest, so nothing is left as dust.
struct FeePlan {
    std::int64_t fee = 0;
    std::int64_t to_fund = 0;
    std::int64_t to_treasury = 0;
};

// `value` is within int64 max / 8 (trade_value) and the rates within [0, 100%]: no overflow.
inline FeePlan plan_fee(const MarketConfig& config, std::int64_t value, Ppm rate) {
    FeePlan plan;
    const int128 magnitude = value < 0 ? -int128(value) : int128(value);
    plan.fee = static_cast<std::int64_t>(ceil_div(magnitude * rate.count(), int128(Ppm::denominator)));
    plan.to_fund = static_cast<std::int64_t>(int128(plan.fee) * config.fee_to_fund.count() / Ppm::denominator);
    plan.to_treasury = plan.fee - plan.to_fund;
    return plan;
}

// Where a market's share of fees and penalties goes, and what pays its bad debt first: its own
// fund if it is isolated, else the shared insurance fund.
inline Place market_fund_place(const MarketState& state, Place shared_fund) {
    return state.isolated() ? Place::fund(FundId{state.isolated_fund}) : shared_fund;
}

struct TradePlan {
    std::uint32_t market = 0;
    std::int64_t value = 0;
    FillPlan buy;
    FillPlan sell;
    FeePlan buyer_fee;
    FeePlan seller_fee;
    Place fee_place;
    int128 open_interest = 0;
};

// A fill of `size_atoms` at `raw_price` between `buyer` and `seller`, `taker` paying the taker
// fee. Refused with the first failing check's typed error; nothing is touched.
template <class LedgerType>
Result<TradePlan> plan_trade(const EngineView<LedgerType>& v, Place shared_fund, std::uint32_t market, AccountId buyer,
                             AccountId seller, std::int64_t size_atoms, std::int64_t raw_price, Taker taker) {
    if (buyer == seller) return make_error(ErrorCode::self_trade, "buyer and seller are the same");
    const MarketState& state = v.markets[market];
    if (state.config.status == MarketStatus::halted) return make_error(ErrorCode::market_halted, "market is halted");
    if (Result<void> ok = v.check_mark_fresh(state); !ok) return ok.error();
    if (size_atoms <= 0) return make_error(ErrorCode::size_not_positive, "trade size must be positive");
    if (size_atoms % state.config.lot_size != 0) return make_error(ErrorCode::off_lot, "size off the lot size");
    if (raw_price <= 0) return make_error(ErrorCode::price_not_positive, "price must be positive");
    if (raw_price % state.config.tick_size != 0) return make_error(ErrorCode::off_tick, "price off the tick size");
    if (taker != Taker::buyer && taker != Taker::seller) return make_error(ErrorCode::invalid_argument, "unknown taker side");

    TradePlan plan;
    plan.market = market;
    Result<std::int64_t> value = trade_value(state, size_atoms, raw_price);
    if (!value) return value.error();
    plan.value = *value;
    Result<FillPlan> buy = plan_fill(v, buyer, market, size_atoms, plan.value);
    if (!buy) return buy.error();
    Result<FillPlan> sell = plan_fill(v, seller, market, -size_atoms, -plan.value);
    if (!sell) return sell.error();
    plan.buy = *buy;
    plan.sell = *sell;
    // An expired series only winds down (its payoff fixed, its positions need no margin): reducing
    // fills until settle_expired_series closes what is left.
    if ((state.config.status == MarketStatus::reduce_only || state.option_expired) && (!plan.buy.reduces || !plan.sell.reduces)) {
        return make_error(ErrorCode::market_reduce_only, "market accepts only reducing trades");
    }
    // Sizes are below 2^63 each: the sum of three fits in 128 bits.
    plan.open_interest =
        int128(state.open_interest) + plan.buy.open_interest_change_long() + plan.sell.open_interest_change_long();
    if (plan.open_interest > state.config.open_interest_max && plan.open_interest > state.open_interest) {
        return make_error(ErrorCode::open_interest_limit, "open interest limit");
    }
    const bool buyer_takes = taker == Taker::buyer;
    plan.buyer_fee = plan_fee(state.config, plan.value, buyer_takes ? state.config.taker_fee : state.config.maker_fee);
    plan.seller_fee = plan_fee(state.config, plan.value, buyer_takes ? state.config.maker_fee : state.config.taker_fee);
    plan.fee_place = market_fund_place(state, shared_fund);
    if (Result<void> ok = check_fill_margin(v, plan.buy, plan.buyer_fee.fee); !ok) return ok.error();
    if (Result<void> ok = check_fill_margin(v, plan.sell, plan.seller_fee.fee); !ok) return ok.error();
    // Both fills' transfers, then both fees, in commit order, fit every balance.
    TransferCheck<LedgerType> check(v.ledger);
    check_fill(check, plan.buy);
    check_fill(check, plan.sell);
    for (const FillPlan* fill : {&plan.buy, &plan.sell}) {
        const FeePlan& fee = fill == &plan.buy ? plan.buyer_fee : plan.seller_fee;
        check.apply(Place::collateral(fill->account), plan.fee_place, fee.to_fund);
        check.apply(Place::collateral(fill->account), Place::treasury(), fee.to_treasury);
    }
    if (!check.ok()) return make_error(ErrorCode::overflow, "the fills would overflow a balance");
    return plan;
}

// Commits a plan that plan_trade returned on this state: it cannot fail. The shared fund takes its
// fee shares itself (they count in its statistics); an isolated fund's are plain transfers.
// Writes into `report`, value-initialized where the caller holds it (a report built here and
// returned was copied into the engine's Result: 880 bytes a trade).
template <class LedgerType, class Fund, class Asset = typename Fund::asset_type>
void commit_trade(LedgerType& ledger, PositionBook& book, std::vector<MarketState>& markets, Fund& fund, const TradePlan& plan,
                  TradeReport<Asset>& report) {
    MarketState& state = markets[plan.market];
    report.value = Amount<Asset>(plan.value);
    report.buyer = commit_fill(ledger, book, state, plan.buy, report.transfers);
    report.seller = commit_fill(ledger, book, state, plan.sell, report.transfers);
    report.buyer_realised_pnl = Amount<Asset>(plan.buy.realised);
    report.seller_realised_pnl = Amount<Asset>(plan.sell.realised);
    for (const FillPlan* fill : {&plan.buy, &plan.sell}) {
        const FeePlan& fee = fill == &plan.buy ? plan.buyer_fee : plan.seller_fee;
        if (plan.fee_place == fund.place() && fee.to_fund > 0) {
            fund.commit_fee(ledger, Place::collateral(fill->account), Amount<Asset>(fee.to_fund));
            report.transfers.add(Transfer<Asset>{Place::collateral(fill->account), plan.fee_place, Amount<Asset>(fee.to_fund),
                                                 TransferReason::trading_fee});
        } else {
            move(ledger, Place::collateral(fill->account), plan.fee_place, fee.to_fund, TransferReason::trading_fee,
                 report.transfers);
        }
        move(ledger, Place::collateral(fill->account), Place::treasury(), fee.to_treasury, TransferReason::trading_fee,
             report.transfers);
    }
    report.buyer_fee = Amount<Asset>(plan.buyer_fee.fee);
    report.seller_fee = Amount<Asset>(plan.seller_fee.fee);
    report.fees_to_fund = Amount<Asset>(plan.buyer_fee.to_fund + plan.seller_fee.to_fund);
    // Within open_interest_max, or no larger than before: fits int64.
    state.open_interest = static_cast<std::int64_t>(plan.open_interest);
    BACKSTOP_ASSERT(report.transfers.dropped == 0, "a trade commits at most trade_transfers_max transfers");
}

}  // namespace detail
}  // namespace backstop
