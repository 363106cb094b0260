// Auto-deleveraging as dYdX v4 does it in code (domain.md 1.3): no ranking; the walk over the
// opposite side starts at a pseudo-random offset (here derived from the event seed, so it is
// reproducible) and visits at most `bearers_visited_max` bearers (dYdX: 500), each closing
// min(size left, its size). Shares as in RankedAdl; capped by profit and collateral. O(n).
#pragma once

#include "backstop/core/hash.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/fund/socialization_kind.hpp"
#include "backstop/fund/socialized_loss/allocation_support.hpp"

#include <algorithm>
#include <cstdint>

namespace backstop {
namespace socialized_loss {

template <class Asset>
struct RandomStartAdl {
    using asset_type = Asset;
    using Money = Amount<Asset>;

    std::uint32_t bearers_visited_max = 500;

    // Allocations close positions before they charge: the engine applies them. Any number of
    // bearers can be passed (only bearers_visited_max are visited), so no bearers_max().
    SocializationKind kind() const { return SocializationKind::auto_deleveraging; }

    Result<void> validate() const {
        if (bearers_visited_max == 0) {
            return make_error(ErrorCode::invalid_policy_parameter, "must visit at least one bearer");
        }
        return {};
    }

    template <class Ledger>
    Result<SocializePlan<Asset>> plan(const Money& remainder, Span<const LossBearer<Asset>> bearers,
                                      Span<Allocation<Asset>> out, const SocializeContext& context,
                                      const Ledger&) const {
        if (remainder.is_zero() || bearers.empty()) return SocializePlan<Asset>{};
        if (context.defaulter_size_atoms <= 0) {
            return make_error(ErrorCode::invalid_argument,
                              "auto-deleveraging needs the defaulter's size to close");
        }
        const std::size_t count = bearers.size();
        const std::size_t offset =
            static_cast<std::size_t>(StableHash().add(context.event_seed).value() % count);
        const std::size_t visits = std::min<std::size_t>(count, bearers_visited_max);
        SocializePlan<Asset> result;
        std::int64_t closed = 0;
        for (std::size_t step = 0; step < visits && closed < context.defaulter_size_atoms; ++step) {
            const auto index = static_cast<std::uint32_t>((offset + step) % count);
            const auto& bearer = bearers[index];
            const Money capacity = detail::profit_capacity(bearer);
            if (bearer.size_atoms <= 0 || !capacity.is_positive()) continue;
            const std::int64_t quantity =
                std::min(bearer.size_atoms, context.defaulter_size_atoms - closed);
            const Money share = detail::share_of_close(remainder, context.defaulter_size_atoms,
                                                       closed, closed + quantity);
            closed += quantity;
            const Money amount = std::min(share, capacity);
            if (!amount.is_positive()) continue;
            if (result.allocation_count == out.size()) {
                return make_error(ErrorCode::allocation_capacity, "allocation buffer too small");
            }
            out[result.allocation_count++] =
                Allocation<Asset>{index, bearer.account, Place::collateral(bearer.account), amount,
                                  quantity, LossLayer::auto_deleveraging};
            result.covered += amount;
        }
        return result;
    }
};

}  // namespace socialized_loss
}  // namespace backstop
