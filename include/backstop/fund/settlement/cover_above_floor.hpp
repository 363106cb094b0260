// Settlement that keeps a reserve: the fund pays only from what it holds above a floor, so a
// run of bad debt cannot empty it (the floor is there for the next day's liquidations).
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/fund/fund_types.hpp"

#include <algorithm>

namespace backstop {
namespace settlement {

template <class Asset>
struct CoverAboveFloor {
    using asset_type = Asset;
    using Money = Amount<Asset>;

    Money floor;

    Result<void> validate() const {
        if (floor.is_negative()) {
            return make_error(ErrorCode::invalid_policy_parameter, "floor must be >= 0");
        }
        return {};
    }
    Money reserve(const FundState<Asset>&) const { return floor; }
    Money payable(const Money& deficit, const SettleContext&, const FundState<Asset>& fund) const {
        const Money above = fund.balance > floor ? fund.balance - floor : Money::zero();
        return std::min(deficit, above);
    }
};

}  // namespace settlement
}  // namespace backstop
