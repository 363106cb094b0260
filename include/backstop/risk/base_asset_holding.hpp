// The part of a simulated fund held in the market's base asset (the currency-mismatch stress,
// docs/management.md): a MultiAssetFund<USDC, BTC> whose holding is valued at the mark less its
// haircut and sold, at the mark less haircut and slippage, just before a liquidation whose deficit
// the engine's fund could not pay from its USDC. The sale's proceeds come in through the engine's
// fund_deposit: each ledger (the holding's, the sale's settlement side, the engine's) conserves.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/ledger/ledger.hpp"
#include "backstop/management/multi_asset_fund.hpp"
#include "backstop/money/assets.hpp"
#include "backstop/money/price.hpp"
#include "backstop/money/rate.hpp"

#include <cstdint>

namespace backstop {
namespace risk {

class BaseAssetHolding {
public:
    using Fund = MultiAssetFund<assets::USDC, assets::BTC>;

    // `btc_atoms` held, valued and sold with `haircut` and `slippage`.
    static Result<BaseAssetHolding> open(std::int64_t btc_atoms, Ppm haircut, Ppm slippage) {
        Result<Fund> fund = Fund::open({HoldingConfig{haircut, slippage}}, {0});
        if (!fund) return fund.error();
        BaseAssetHolding holding;
        holding.fund_ = std::move(*fund);
        if (btc_atoms > 0) {
            if (Result<void> ok = holding.fund_.deposit(Amount<assets::BTC>(btc_atoms)); !ok) return ok.error();
        }
        Result<FundId> place = holding.sales_.open_fund();
        if (!place) return place.error();
        holding.place_ = Place::fund(*place);
        return holding;
    }

    void set_price(std::int64_t raw_mark) { (void)fund_.set_price(Price<assets::BTC, assets::USDC>::from_raw(raw_mark)); }

    // The holding at its price less its haircut, in USDC atoms (0 before a price).
    std::int64_t value_atoms() const {
        const Result<Amount<assets::USDC, Int128>> value = fund_.value(sales_, place_);
        return value ? static_cast<std::int64_t>(value->atoms()) : 0;
    }

    // The BTC held, in base atoms.
    std::int64_t base_atoms() const { return fund_.holding<assets::BTC>().atoms(); }

    // Sells what raises `needed` USDC atoms (or all there is) and hands the proceeds over: they
    // leave the sale's ledger for the outside, which `deposit` (the engine's fund_deposit) takes.
    template <class Deposit>
    std::int64_t raise(std::int64_t needed, Deposit deposit) {
        if (needed <= 0 || fund_.holding<assets::BTC>().is_zero()) return 0;
        const Result<Fund::Plan> plan = fund_.raise(sales_, place_, Amount<assets::USDC>(needed));
        if (!plan || plan->raised <= 0) return 0;
        (void)sales_.transfer(place_, Place::external(), Amount<assets::USDC>(plan->raised), TransferReason::fund_asset_sale);
        deposit(Amount<assets::USDC>(plan->raised));
        return plan->raised;
    }

    bool conserved() const { return sales_.audit().balanced() && fund_.ledger<assets::BTC>().audit().balanced(); }

private:
    BaseAssetHolding() = default;
    Fund fund_;
    Ledger<assets::USDC> sales_{LedgerLimits{1, 1, 1}};
    Place place_;
};

}  // namespace risk
}  // namespace backstop
