// Fee capture by fixed shares: the liquidator and the treasury each get a fixed share of the
// penalty, the fund gets the rest of the shares. Every share rounds down (the protocol pays
// them); the residue of at most two atoms goes to dust.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/money/rate.hpp"

namespace backstop {
namespace fee_capture {

template <class Asset>
struct FixedShares {
    using asset_type = Asset;
    using Money = Amount<Asset>;

    Bps liquidator_share{0};
    Bps treasury_share{0};

    Result<void> validate() const {
        // Each share is bounded before the two are added, so the sum cannot overflow whatever
        // counts the caller passed.
        if (liquidator_share < Bps{0} || treasury_share < Bps{0} ||
            liquidator_share.count() > Bps::denominator || treasury_share.count() > Bps::denominator ||
            liquidator_share.count() + treasury_share.count() > Bps::denominator) {
            return make_error(ErrorCode::invalid_policy_parameter,
                              "shares must be non-negative and add up to at most 100%");
        }
        return {};
    }

    PenaltySplit<Asset> split(const Money& penalty, const FundState<Asset>&) const {
        const Bps fund_share{Bps::denominator - liquidator_share.count() - treasury_share.count()};
        PenaltySplit<Asset> result;
        result.to_liquidator = apply_rate(penalty, liquidator_share, round_down).value();
        result.to_treasury = apply_rate(penalty, treasury_share, round_down).value();
        result.to_fund = apply_rate(penalty, fund_share, round_down).value();
        result.to_dust = penalty - result.to_liquidator - result.to_treasury - result.to_fund;
        return result;
    }
};

}  // namespace fee_capture
}  // namespace backstop
