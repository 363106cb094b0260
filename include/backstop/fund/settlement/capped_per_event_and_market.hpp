// Settlement with caps: at most `per_event_max` for one deficit and at most `per_market_max` in
// total for one market (Drift caps each market's draw on the shared fund by its contract tier,
// e.g. $1M for tier B; dYdX caps the fund's loss per subaccount per block at $1M).
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/fund/fund_types.hpp"

#include <algorithm>

namespace backstop {
namespace settlement {

template <class Asset>
struct CappedPerEventAndMarket {
    using asset_type = Asset;
    using Money = Amount<Asset>;

    Money per_event_max;
    Money per_market_max;

    Result<void> validate() const {
        if (per_event_max.is_negative() || per_market_max.is_negative()) {
            return make_error(ErrorCode::invalid_policy_parameter, "caps must be >= 0");
        }
        return {};
    }
    Money reserve(const FundState<Asset>&) const { return Money::zero(); }
    Money payable(const Money& deficit, const SettleContext& context,
                  const FundState<Asset>& fund) const {
        const Money paid = fund.paid_in(context.market);
        const Money market_room = per_market_max > paid ? per_market_max - paid : Money::zero();
        return std::min({deficit, std::max(fund.balance, Money::zero()), per_event_max, market_room});
    }
};

}  // namespace settlement
}  // namespace backstop
