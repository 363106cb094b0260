// Settlement with caps: at most `per_event_max` for one deficit and at most `per_market_max` in
// total for one market (Drift caps each market's draw on the shared fund by its contract tier,
// e.g. $1M for tier B; dYdX caps the fund's loss per subaccount per block at $1M).
#pragma once

#include "backstop/core/assert.hpp"
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
        // What a market has been paid is wide (it can pass int64 when the fund is refilled), so
        // the room left under the cap is computed wide; it is then at most the cap, which fits.
        using Total = typename FundState<Asset>::Total;
        const Total paid = fund.paid_in(context.market);
        const Total cap(per_market_max);
        Money market_room = Money::zero();
        if (cap > paid) {
            const Result<Money> room = rep_cast<typename Money::rep>(cap - paid);
            BACKSTOP_ASSERT(room.has_value(), "room under a cap exceeds the cap");
            market_room = *room;
        }
        return std::min({deficit, std::max(fund.balance, Money::zero()), per_event_max, market_room});
    }
};

}  // namespace settlement
}  // namespace backstop
