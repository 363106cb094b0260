// Fee capture with a capped liquidator reward: the liquidator gets its share of the penalty but
// never more than a fixed amount per liquidation (large liquidations do not need a larger
// bribe); the rest is split between treasury and fund. Shares round down, residue to dust.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/money/rate.hpp"

#include <algorithm>

namespace backstop {
namespace fee_capture {

template <class Asset>
struct CappedLiquidatorShare {
    using asset_type = Asset;
    using Money = Amount<Asset>;

    Bps liquidator_share{0};
    Money liquidator_max;           // cap per liquidation
    Bps treasury_share_of_rest{0};  // of what is left after the liquidator

    Result<void> validate() const {
        if (liquidator_share < Bps{0} || liquidator_share.count() > Bps::denominator ||
            treasury_share_of_rest < Bps{0} ||
            treasury_share_of_rest.count() > Bps::denominator) {
            return make_error(ErrorCode::invalid_policy_parameter, "shares must be within [0, 100%]");
        }
        if (liquidator_max.is_negative()) {
            return make_error(ErrorCode::invalid_policy_parameter, "liquidator cap must be >= 0");
        }
        return {};
    }

    PenaltySplit<Asset> split(const Money& penalty, const FundState<Asset>&) const {
        PenaltySplit<Asset> result;
        result.to_liquidator =
            std::min(apply_rate(penalty, liquidator_share, round_down).value(), liquidator_max);
        const Money rest = penalty - result.to_liquidator;
        result.to_treasury = apply_rate(rest, treasury_share_of_rest, round_down).value();
        const Bps fund_share{Bps::denominator - treasury_share_of_rest.count()};
        result.to_fund = apply_rate(rest, fund_share, round_down).value();
        result.to_dust = rest - result.to_treasury - result.to_fund;
        return result;
    }
};

}  // namespace fee_capture
}  // namespace backstop
