// Socialized loss by a pro-rata haircut of winners' profit: every bearer with unrealised profit
// gives up the same fraction of it (capped by its collateral), exact to the atom. Pro rata is
// the unique "fair" rule in Chitra's ADL trilemma (domain.md 3.6).
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/fund/socialization_kind.hpp"
#include "backstop/fund/socialized_loss/allocation_support.hpp"

#include <algorithm>

namespace backstop {
namespace socialized_loss {

template <class Asset>
struct ProRataHaircut {
    using asset_type = Asset;
    using Money = Amount<Asset>;

    // Each allocation is a transfer out of a winner's collateral.
    SocializationKind kind() const { return SocializationKind::charges_collateral; }
    Result<void> validate() const { return {}; }

    template <class Ledger>
    Result<SocializePlan<Asset>> plan(const Money& remainder, Span<const LossBearer<Asset>> bearers,
                                      Span<Allocation<Asset>> out, const SocializeContext&,
                                      const Ledger&) const {
        detail::int128 capacity_total = 0;
        for (const auto& bearer : bearers) capacity_total += detail::profit_capacity(bearer).atoms();
        const Money covered = detail::int128(remainder.atoms()) <= capacity_total
                                  ? remainder
                                  : Money(static_cast<std::int64_t>(capacity_total));
        auto capacity = [](const LossBearer<Asset>& bearer) { return detail::profit_capacity(bearer); };
        Result<std::size_t> written = detail::allocate_pro_rata<Asset>(
            covered, bearers, capacity, &detail::collateral_of<Asset>, LossLayer::haircut, out);
        if (!written) return written.error();
        return SocializePlan<Asset>{covered, *written, 0};
    }
};

}  // namespace socialized_loss
}  // namespace backstop
