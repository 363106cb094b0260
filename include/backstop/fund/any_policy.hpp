// Runtime-selectable policies for notebooks and parameter sweeps: each Any* holds one of the
// shipped policies of its role (a std::variant) and forwards to it, so
//   RuntimeInsuranceFund<Asset> = InsuranceFund<Asset, AnyFeeCapture, AnySettlement,
//                                               AnySocializedLoss>
// behaves exactly like the statically chosen fund with the same policies (tests check it).
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/fund/fee_capture/capped_liquidator_share.hpp"
#include "backstop/fund/fee_capture/fixed_shares.hpp"
#include "backstop/fund/fee_capture/fund_first_until_target.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/fund/insurance_fund.hpp"
#include "backstop/fund/socialization_kind.hpp"
#include "backstop/fund/settlement/capped_per_event_and_market.hpp"
#include "backstop/fund/settlement/cover_above_floor.hpp"
#include "backstop/fund/settlement/cover_up_to_balance.hpp"
#include "backstop/fund/socialized_loss/adl_rank.hpp"
#include "backstop/fund/socialized_loss/clearing_house_waterfall.hpp"
#include "backstop/fund/socialized_loss/funding_socialization.hpp"
#include "backstop/fund/socialized_loss/pro_rata_haircut.hpp"
#include "backstop/fund/socialized_loss/random_start_adl.hpp"
#include "backstop/fund/socialized_loss/ranked_adl.hpp"
#include "backstop/fund/socialized_loss/water_filling_adl.hpp"

#include <cstdint>
#include <type_traits>
#include <utility>
#include <variant>

namespace backstop {

namespace detail {
template <class T, class Variant>
struct is_alternative;
template <class T, class... Ts>
struct is_alternative<T, std::variant<Ts...>> : std::disjunction<std::is_same<T, Ts>...> {};
}  // namespace detail

namespace fee_capture {
template <class Asset>
class AnyFeeCapture {
public:
    using asset_type = Asset;
    using Variant = std::variant<FixedShares<Asset>, FundFirstUntilTarget<Asset>,
                                 CappedLiquidatorShare<Asset>>;

    AnyFeeCapture() = default;
    template <class Policy, std::enable_if_t<detail::is_alternative<Policy, Variant>::value, int> = 0>
    AnyFeeCapture(Policy policy) : policy_(std::move(policy)) {}  // NOLINT: implicit on purpose

    Result<void> validate() const {
        return std::visit([](const auto& p) { return p.validate(); }, policy_);
    }
    PenaltySplit<Asset> split(const Amount<Asset>& penalty, const FundState<Asset>& fund) const {
        return std::visit([&](const auto& p) { return p.split(penalty, fund); }, policy_);
    }
    const Variant& variant() const { return policy_; }

private:
    Variant policy_;
};
}  // namespace fee_capture

namespace settlement {
template <class Asset>
class AnySettlement {
public:
    using asset_type = Asset;
    using Variant = std::variant<CoverUpToBalance<Asset>, CoverAboveFloor<Asset>,
                                 CappedPerEventAndMarket<Asset>>;

    AnySettlement() = default;
    template <class Policy, std::enable_if_t<detail::is_alternative<Policy, Variant>::value, int> = 0>
    AnySettlement(Policy policy) : policy_(std::move(policy)) {}  // NOLINT

    Result<void> validate() const {
        return std::visit([](const auto& p) { return p.validate(); }, policy_);
    }
    Amount<Asset> payable(const Amount<Asset>& deficit, const SettleContext& context,
                          const FundState<Asset>& fund) const {
        return std::visit([&](const auto& p) { return p.payable(deficit, context, fund); }, policy_);
    }
    Amount<Asset> reserve(const FundState<Asset>& fund) const {
        return std::visit([&](const auto& p) { return p.reserve(fund); }, policy_);
    }
    const Variant& variant() const { return policy_; }

private:
    Variant policy_;
};
}  // namespace settlement

namespace socialized_loss {
template <class Asset>
class AnySocializedLoss {
public:
    using asset_type = Asset;
    using Variant = std::variant<RankedAdl<Asset, adl_rank::PnlTimesLeverage>,
                                 RankedAdl<Asset, adl_rank::BinanceLeveragePnl>,
                                 RandomStartAdl<Asset>, ProRataHaircut<Asset>,
                                 FundingSocialization<Asset>, ClearingHouseWaterfall<Asset>,
                                 WaterFillingAdl<Asset>>;

    AnySocializedLoss() = default;
    template <class Policy, std::enable_if_t<detail::is_alternative<Policy, Variant>::value, int> = 0>
    AnySocializedLoss(Policy policy) : policy_(std::move(policy)) {}  // NOLINT

    Result<void> validate() const {
        return std::visit([](const auto& p) { return p.validate(); }, policy_);
    }
    // The held policy's declarations (socialization_kind.hpp), so that an engine holding the
    // runtime form treats it as it would the policy itself.
    SocializationKind kind() const {
        return std::visit([](const auto& p) { return socialization_kind_of(p); }, policy_);
    }
    std::uint32_t bearers_max() const {
        return std::visit([](const auto& p) { return bearers_max_of(p); }, policy_);
    }
    template <class Ledger>
    Result<SocializePlan<Asset>> plan(const Amount<Asset>& remainder,
                                      Span<const LossBearer<Asset>> bearers,
                                      Span<Allocation<Asset>> out, const SocializeContext& context,
                                      const Ledger& ledger) const {
        return std::visit(
            [&](const auto& p) { return p.plan(remainder, bearers, out, context, ledger); }, policy_);
    }
    const Variant& variant() const { return policy_; }

private:
    Variant policy_;
};
}  // namespace socialized_loss

template <class Asset>
using RuntimeInsuranceFund =
    InsuranceFund<Asset, fee_capture::AnyFeeCapture<Asset>, settlement::AnySettlement<Asset>,
                  socialized_loss::AnySocializedLoss<Asset>>;

}  // namespace backstop
