// What a policy must provide, checked at compile time with messages that name the missing
// member (C++17 has no concepts; these are detection traits).
//
//   FeeCapture:        Result<void> validate() const;
//                      PenaltySplit<Asset> split(const Amount<Asset>& penalty,
//                                                const FundState<Asset>& fund) const;
//   BadDebtSettlement: Result<void> validate() const;
//                      Amount<Asset> payable(const Amount<Asset>& deficit, const SettleContext&,
//                                            const FundState<Asset>& fund) const;
//                      Amount<Asset> reserve(const FundState<Asset>& fund) const;
//   SocializedLoss:    Result<void> validate() const;
//                      template <class Ledger>
//                      Result<SocializePlan<Asset>> plan(const Amount<Asset>& remainder,
//                          Span<const LossBearer<Asset>>, Span<Allocation<Asset>> out,
//                          const SocializeContext&, const Ledger&) const;
// and each names its asset: `using asset_type = Asset;`. A socialized-loss policy may also
// declare `SocializationKind kind() const` and `std::uint32_t bearers_max() const`, read with
// socialization_kind_of and bearers_max_of (socialization_kind.hpp), which give defaults when
// they are absent.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/fund/socialization_kind.hpp"
#include "backstop/ledger/ledger.hpp"

#include <type_traits>
#include <utility>

namespace backstop {
namespace detail {

template <class Policy, class = void>
struct has_asset_type : std::false_type {};
template <class Policy>
struct has_asset_type<Policy, std::void_t<typename Policy::asset_type>> : std::true_type {};

template <class Policy, class = void>
struct has_validate : std::false_type {};
template <class Policy>
struct has_validate<Policy, std::enable_if_t<std::is_same<
                                decltype(std::declval<const Policy&>().validate()), Result<void>>::value>>
    : std::true_type {};

template <class Policy, class Asset, class = void>
struct has_split : std::false_type {};
template <class Policy, class Asset>
struct has_split<Policy, Asset,
                 std::enable_if_t<std::is_same<
                     decltype(std::declval<const Policy&>().split(
                         std::declval<const Amount<Asset>&>(), std::declval<const FundState<Asset>&>())),
                     PenaltySplit<Asset>>::value>> : std::true_type {};

template <class Policy, class Asset, class = void>
struct has_payable : std::false_type {};
template <class Policy, class Asset>
struct has_payable<Policy, Asset,
                   std::enable_if_t<std::is_same<
                       decltype(std::declval<const Policy&>().payable(
                           std::declval<const Amount<Asset>&>(), std::declval<const SettleContext&>(),
                           std::declval<const FundState<Asset>&>())),
                       Amount<Asset>>::value>> : std::true_type {};

template <class Policy, class Asset, class = void>
struct has_reserve : std::false_type {};
template <class Policy, class Asset>
struct has_reserve<Policy, Asset,
                   std::enable_if_t<std::is_same<
                       decltype(std::declval<const Policy&>().reserve(
                           std::declval<const FundState<Asset>&>())),
                       Amount<Asset>>::value>> : std::true_type {};

template <class Policy, class Asset, class = void>
struct has_plan : std::false_type {};
template <class Policy, class Asset>
struct has_plan<Policy, Asset,
                std::enable_if_t<std::is_same<
                    decltype(std::declval<const Policy&>().plan(
                        std::declval<const Amount<Asset>&>(),
                        std::declval<Span<const LossBearer<Asset>>>(),
                        std::declval<Span<Allocation<Asset>>>(),
                        std::declval<const SocializeContext&>(),
                        std::declval<const Ledger<Asset>&>())),
                    Result<SocializePlan<Asset>>>::value>> : std::true_type {};

template <class Policy, class Asset>
constexpr bool policy_asset_matches() {
    if constexpr (has_asset_type<Policy>::value) {
        return std::is_same<typename Policy::asset_type, Asset>::value;
    } else {
        return false;
    }
}

}  // namespace detail

template <class Policy, class Asset>
struct check_fee_capture_policy {
    static_assert(detail::policy_asset_matches<Policy, Asset>(),
                  "FeeCapture policy: needs `using asset_type = Asset;` naming the fund's asset");
    static_assert(detail::has_validate<Policy>::value,
                  "FeeCapture policy: lacks `Result<void> validate() const`");
    static_assert(detail::has_split<Policy, Asset>::value,
                  "FeeCapture policy: lacks `PenaltySplit<Asset> split(const Amount<Asset>&, "
                  "const FundState<Asset>&) const`");
    static constexpr bool value = true;
};

template <class Policy, class Asset>
struct check_settlement_policy {
    static_assert(detail::policy_asset_matches<Policy, Asset>(),
                  "BadDebtSettlement policy: needs `using asset_type = Asset;` naming the fund's asset");
    static_assert(detail::has_validate<Policy>::value,
                  "BadDebtSettlement policy: lacks `Result<void> validate() const`");
    static_assert(detail::has_payable<Policy, Asset>::value,
                  "BadDebtSettlement policy: lacks `Amount<Asset> payable(const Amount<Asset>&, "
                  "const SettleContext&, const FundState<Asset>&) const`");
    static_assert(detail::has_reserve<Policy, Asset>::value,
                  "BadDebtSettlement policy: lacks `Amount<Asset> reserve(const FundState<Asset>&) "
                  "const`");
    static constexpr bool value = true;
};

template <class Policy, class Asset>
struct check_socialized_loss_policy {
    static_assert(detail::policy_asset_matches<Policy, Asset>(),
                  "SocializedLoss policy: needs `using asset_type = Asset;` naming the fund's asset");
    static_assert(detail::has_validate<Policy>::value,
                  "SocializedLoss policy: lacks `Result<void> validate() const`");
    static_assert(detail::has_plan<Policy, Asset>::value,
                  "SocializedLoss policy: lacks `template <class Ledger> "
                  "Result<SocializePlan<Asset>> plan(const Amount<Asset>&, "
                  "Span<const LossBearer<Asset>>, Span<Allocation<Asset>>, "
                  "const SocializeContext&, const Ledger&) const`");
    static constexpr bool value = true;
};

}  // namespace backstop
