// A settlement policy without reserve(): the fund's static_assert names the missing member.
#include <backstop/fund/fee_capture/fixed_shares.hpp>
#include <backstop/fund/insurance_fund.hpp>
#include <backstop/fund/socialized_loss/pro_rata_haircut.hpp>
#include <backstop/money/assets.hpp>

#include <algorithm>

using namespace backstop;
using namespace backstop::assets;

struct PayEverything {
    using asset_type = USDC;
    Result<void> validate() const { return {}; }
    Amount<USDC> payable(const Amount<USDC>& deficit, const SettleContext&,
                         const FundState<USDC>& fund) const {
        return std::min(deficit, fund.balance);
    }
#ifndef BACKSTOP_COMPILE_FAIL
    Amount<USDC> reserve(const FundState<USDC>&) const { return Amount<USDC>::zero(); }
#endif
};

int main() {
    Ledger<USDC> ledger;
    using Fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, PayEverything,
                               socialized_loss::ProRataHaircut<USDC>>;
    auto fund = Fund::open(ledger, {}, {}, {});
    return fund.has_value() ? 0 : 1;
}
