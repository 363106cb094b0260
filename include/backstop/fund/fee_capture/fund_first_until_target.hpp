// Fee capture that fills the fund first: after the liquidator's share, the penalty goes to the
// fund until the fund reaches its target size, and to the treasury beyond it (the dYdX and
// Drift practice of sending liquidation revenue to the fund, with a target as the cut-off).
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/money/rate.hpp"

#include <algorithm>

namespace backstop {
namespace fee_capture {

template <class Asset>
struct FundFirstUntilTarget {
    using asset_type = Asset;
    using Money = Amount<Asset>;

    Bps liquidator_share{0};
    Money fund_target;

    Result<void> validate() const {
        if (liquidator_share < Bps{0} || liquidator_share.count() > Bps::denominator) {
            return make_error(ErrorCode::invalid_policy_parameter,
                              "liquidator share must be within [0, 100%]");
        }
        if (fund_target.is_negative()) {
            return make_error(ErrorCode::invalid_policy_parameter, "fund target must be >= 0");
        }
        return {};
    }

    PenaltySplit<Asset> split(const Money& penalty, const FundState<Asset>& fund) const {
        PenaltySplit<Asset> result;
        result.to_liquidator = apply_rate(penalty, liquidator_share, round_down).value();
        const Money rest = penalty - result.to_liquidator;
        const Money room = std::max(Money::zero(), fund_target - std::min(fund.balance, fund_target));
        result.to_fund = std::min(rest, room);
        result.to_treasury = rest - result.to_fund;
        return result;
    }
};

}  // namespace fee_capture
}  // namespace backstop
