// Settlement that covers a deficit in full, up to everything the fund holds.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/fund/fund_types.hpp"

#include <algorithm>

namespace backstop {
namespace settlement {

template <class Asset>
struct CoverUpToBalance {
    using asset_type = Asset;
    using Money = Amount<Asset>;

    Result<void> validate() const { return {}; }
    Money reserve(const FundState<Asset>&) const { return Money::zero(); }
    Money payable(const Money& deficit, const SettleContext&, const FundState<Asset>& fund) const {
        return std::min(deficit, std::max(fund.balance, Money::zero()));
    }
};

}  // namespace settlement
}  // namespace backstop
