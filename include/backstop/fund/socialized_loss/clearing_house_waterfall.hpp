// A clearing house's layers beyond the insurance fund (domain.md 6.1): first the mutualised
// default fund (a second fund place in the ledger), capped per event; then assessments on the
// surviving members, pro rata to their collateral and capped at `assessment_max` of it
// (CME caps assessments; its rule 802.G allows up to 550% of guaranty-fund contributions for
// multiple defaults). The defaulter's own margin and the insurance fund come before, in the
// engine's waterfall and InsuranceFund::settle.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/fund/socialization_kind.hpp"
#include "backstop/fund/socialized_loss/allocation_support.hpp"
#include "backstop/money/rate.hpp"

#include <algorithm>
#include <limits>

namespace backstop {
namespace socialized_loss {

template <class Asset>
struct ClearingHouseWaterfall {
    using asset_type = Asset;
    using Money = Amount<Asset>;

    FundId default_fund;
    Money default_fund_max;  // per event
    Bps assessment_max{0};   // per member, of its collateral

    // Each allocation is a transfer out of the default fund or a member's collateral.
    SocializationKind kind() const { return SocializationKind::charges_collateral; }

    Result<void> validate() const {
        if (default_fund_max.is_negative()) {
            return make_error(ErrorCode::invalid_policy_parameter, "default fund cap must be >= 0");
        }
        if (assessment_max < Bps{0} || assessment_max.count() > Bps::denominator) {
            return make_error(ErrorCode::invalid_policy_parameter,
                              "assessment cap must be within [0, 100%] of collateral");
        }
        return {};
    }

    template <class Ledger>
    Result<SocializePlan<Asset>> plan(const Money& remainder, Span<const LossBearer<Asset>> bearers,
                                      Span<Allocation<Asset>> out, const SocializeContext&,
                                      const Ledger& ledger) const {
        if (remainder.is_zero()) return SocializePlan<Asset>{};
        Result<Money> fund_balance = ledger.balance(Place::fund(default_fund));
        if (!fund_balance) return fund_balance.error();
        SocializePlan<Asset> result;
        const Money from_fund =
            std::min({remainder, default_fund_max, std::max(*fund_balance, Money::zero())});
        if (from_fund.is_positive()) {
            if (out.empty()) return make_error(ErrorCode::allocation_capacity, "allocation buffer too small");
            out[0] = Allocation<Asset>{std::numeric_limits<std::uint32_t>::max(), AccountId{},
                                       Place::fund(default_fund), from_fund, 0,
                                       LossLayer::default_fund};
            result.allocation_count = 1;
            result.covered = from_fund;
        }
        const Money left = remainder - from_fund;
        const Bps cap = assessment_max;
        auto capacity = [cap](const LossBearer<Asset>& bearer) {
            return apply_rate(bearer.collateral, cap, round_down).value();
        };
        detail::int128 capacity_total = 0;
        for (const auto& bearer : bearers) capacity_total += capacity(bearer).atoms();
        const Money assessed = detail::int128(left.atoms()) <= capacity_total
                                   ? left
                                   : Money(static_cast<std::int64_t>(capacity_total));
        Result<std::size_t> written = detail::allocate_pro_rata<Asset>(
            assessed, bearers, capacity, &detail::collateral_of<Asset>, LossLayer::assessment,
            Span<Allocation<Asset>>(out.data() + result.allocation_count,
                                    out.size() - result.allocation_count));
        if (!written) return written.error();
        result.allocation_count += *written;
        result.covered += assessed;
        return result;
    }
};

}  // namespace socialized_loss
}  // namespace backstop
