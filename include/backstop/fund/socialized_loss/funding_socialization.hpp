// Socialized loss through the funding index (Drift v2's perp bankruptcy, domain.md 2.4): every
// open position, long or short, pays the same amount per unit of size,
//   delta = ceil(remainder * precision / total size),
// at its next funding settlement. Each position's charge rounds up (the protocol collects), so
// the charges add up to at least the remainder; the surplus is dust. When the fund commits the
// charges itself, a charge never exceeds the collateral the position's account holds.
#pragma once

#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/fund/socialization_kind.hpp"
#include "backstop/fund/socialized_loss/allocation_support.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace backstop {
namespace socialized_loss {

template <class Asset>
struct FundingSocialization {
    using asset_type = Asset;
    using Money = Amount<Asset>;

    // delta is in quote atoms per base atom times `precision` (Drift: 1e9).
    std::int64_t precision = 1'000'000'000;

    // The remainder is charged through the funding index: the engine moves the index.
    SocializationKind kind() const { return SocializationKind::funding_index; }

    Result<void> validate() const {
        if (precision <= 0) {
            return make_error(ErrorCode::invalid_policy_parameter, "precision must be > 0");
        }
        return {};
    }

    template <class Ledger>
    Result<SocializePlan<Asset>> plan(const Money& remainder, Span<const LossBearer<Asset>> bearers,
                                      Span<Allocation<Asset>> out, const SocializeContext& context,
                                      const Ledger&) const {
        using detail::int128;
        int128 size_total = 0;
        std::size_t eligible = 0;
        for (const auto& bearer : bearers) {
            size_total += bearer.size_atoms;
            if (bearer.size_atoms > 0) ++eligible;
        }
        if (remainder.is_zero() || size_total == 0) return SocializePlan<Asset>{};
        const int128 numerator = int128(remainder.atoms()) * precision;
        const int128 delta = (numerator + size_total - 1) / size_total;  // ceil, both positive
        if (delta > std::numeric_limits<std::int64_t>::max()) {
            return make_error(ErrorCode::overflow, "funding delta per unit does not fit int64");
        }
        if (out.size() < eligible) {
            return make_error(ErrorCode::allocation_capacity, "allocation buffer too small");
        }
        std::size_t written = 0;
        int128 charged = 0;
        for (std::uint32_t i = 0; i < bearers.size(); ++i) {
            const auto& bearer = bearers[i];
            if (bearer.size_atoms <= 0) continue;
            const int128 charge = (int128(bearer.size_atoms) * delta + precision - 1) / precision;
            // Committed here, a charge comes out of collateral and cannot exceed it. Applied by an
            // engine through the funding index (commit_transfers false), it is owed in full and
            // settled against the position's equity.
            const int128 owed = context.commit_transfers ? std::min(charge, int128(bearer.collateral.atoms())) : charge;
            // A charge is at most the position's share of the remainder plus size / precision
            // atoms of rounding: beyond int64 only for sizes and a precision no market has.
            if (owed > std::numeric_limits<std::int64_t>::max()) {
                return make_error(ErrorCode::overflow, "a funding charge does not fit int64");
            }
            const auto capped = static_cast<std::int64_t>(owed);
            if (capped <= 0) continue;
            out[written++] = Allocation<Asset>{i, bearer.account, Place::collateral(bearer.account),
                                               Money(capped), 0, LossLayer::funding};
            charged += capped;
        }
        const Money covered = charged >= remainder.atoms() ? remainder
                                                           : Money(static_cast<std::int64_t>(charged));
        return SocializePlan<Asset>{covered, written, static_cast<std::int64_t>(delta)};
    }
};

}  // namespace socialized_loss
}  // namespace backstop
