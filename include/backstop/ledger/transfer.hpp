// A transfer moves a positive amount from one place to another, for a stated reason. It is the
// only way a balance changes.
#pragma once

#include "backstop/ledger/place.hpp"
#include "backstop/money/amount.hpp"

#include <cstdint>
#include <string_view>

namespace backstop {

// Stable numbers: journals store them.
enum class TransferReason : std::uint16_t {
    deposit = 1,
    withdrawal = 2,
    fund_deposit = 3,     // capital put into an insurance fund from outside
    fund_withdrawal = 4,  // capital taken out of an insurance fund
    stake = 5,            // a staker's capital into a fund, for shares
    unstake = 6,          // a staker's claim paid out of a fund
    fund_asset_sale = 7,  // a fund's holding sold (out of its ledger) and its proceeds (in)
    realised_pnl = 10,
    funding_payment = 11,
    trading_fee = 12,
    penalty_to_liquidator = 20,
    penalty_to_fund = 21,
    penalty_to_treasury = 22,
    liquidator_discount = 23,  // the liquidator's price advantage, paid by the liquidated account
    bad_debt_payment = 30,    // the fund covering a deficit
    socialized_loss = 31,     // a bearer's share of a deficit the fund did not cover
    auto_deleveraging = 32,
    default_fund = 33,        // a clearing-house layer beyond the fund
    rounding_residue = 40,    // dust
    yield_allocation = 50,     // a fund's capital placed with a yield strategy
    yield_recall = 51,         // capital returned from a yield strategy to its fund
    yield_income = 52,         // a strategy's earnings (from outside)
    yield_loss = 53,           // a strategy's loss (to outside): a drawdown or a default
    reinsurance_premium = 60,  // a cedent fund's premium to its reinsurer
    reinsurance_claim = 61,    // a reinsurer's payment of a claim to the cedent fund
    pool_contribution = 62,    // a member fund's contribution to a risk-sharing pool
    pool_payout = 63,          // a pool's payment of a member's loss
    hedge_margin = 70,         // collateral moved between a fund and the account that carries its hedge
    backstop_backing = 71,     // the fund's capital behind the account that takes a liquidation over for it
    other = 99,
};

constexpr std::string_view transfer_reason_name(TransferReason reason) noexcept {
    switch (reason) {
        case TransferReason::deposit: return "deposit";
        case TransferReason::withdrawal: return "withdrawal";
        case TransferReason::fund_deposit: return "fund_deposit";
        case TransferReason::fund_withdrawal: return "fund_withdrawal";
        case TransferReason::stake: return "stake";
        case TransferReason::unstake: return "unstake";
        case TransferReason::fund_asset_sale: return "fund_asset_sale";
        case TransferReason::realised_pnl: return "realised_pnl";
        case TransferReason::funding_payment: return "funding_payment";
        case TransferReason::trading_fee: return "trading_fee";
        case TransferReason::penalty_to_liquidator: return "penalty_to_liquidator";
        case TransferReason::penalty_to_fund: return "penalty_to_fund";
        case TransferReason::penalty_to_treasury: return "penalty_to_treasury";
        case TransferReason::liquidator_discount: return "liquidator_discount";
        case TransferReason::bad_debt_payment: return "bad_debt_payment";
        case TransferReason::socialized_loss: return "socialized_loss";
        case TransferReason::auto_deleveraging: return "auto_deleveraging";
        case TransferReason::default_fund: return "default_fund";
        case TransferReason::rounding_residue: return "rounding_residue";
        case TransferReason::yield_allocation: return "yield_allocation";
        case TransferReason::yield_recall: return "yield_recall";
        case TransferReason::yield_income: return "yield_income";
        case TransferReason::yield_loss: return "yield_loss";
        case TransferReason::reinsurance_premium: return "reinsurance_premium";
        case TransferReason::reinsurance_claim: return "reinsurance_claim";
        case TransferReason::pool_contribution: return "pool_contribution";
        case TransferReason::pool_payout: return "pool_payout";
        case TransferReason::hedge_margin: return "hedge_margin";
        case TransferReason::backstop_backing: return "backstop_backing";
        case TransferReason::other: return "other";
    }
    return "unknown";
}

template <class Asset, class Rep = default_rep_t<Asset>>
struct Transfer {
    Place source;
    Place target;
    Amount<Asset, Rep> amount;
    TransferReason reason = TransferReason::other;
};

}  // namespace backstop
