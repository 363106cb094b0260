// Pieces shared by the socialized-loss policies: input checks, the cap on what one bearer can
// bear, and a pro-rata allocation that is exact to the atom without allocating memory.
#pragma once

#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/fund/fund_types.hpp"

#include <algorithm>
#include <cstdint>

namespace backstop {
namespace detail {

// Bearers must come in strictly increasing account order: that makes every tie-break and
// every residue distribution deterministic, and rules out duplicates without a set.
template <class Asset>
Result<void> check_bearers(Span<const LossBearer<Asset>> bearers) {
    for (std::size_t i = 0; i < bearers.size(); ++i) {
        if (i > 0 && !(bearers[i - 1].account < bearers[i].account)) {
            return make_error(ErrorCode::bearers_not_sorted,
                              "loss bearers must be in strictly increasing account order");
        }
        if (bearers[i].size_atoms < 0 || bearers[i].collateral.is_negative()) {
            return make_error(ErrorCode::invalid_argument,
                              "a loss bearer has a negative size or collateral");
        }
    }
    return {};
}

// The most a bearer can give up: its profit (positive unrealised PnL), and never more than the
// collateral it holds, so that a committed allocation cannot overdraw it.
template <class Asset>
Amount<Asset> profit_capacity(const LossBearer<Asset>& bearer) {
    const Amount<Asset> profit = std::max(bearer.unrealised_pnl, Amount<Asset>::zero());
    return std::min(profit, bearer.collateral);
}

// Allocates `amount` over bearers in proportion to capacity(bearer), never above it:
// floor(amount * capacity_i / total) each, then the residue (fewer atoms than bearers) one atom
// at a time in bearer order to those with room. `amount` must not exceed the total capacity.
// Writes allocations for bearers with a positive share; returns how many it wrote.
template <class Asset, class Capacity>
Result<std::size_t> allocate_pro_rata(const Amount<Asset>& amount,
                                      Span<const LossBearer<Asset>> bearers, Capacity capacity,
                                      Place (*source_of)(const LossBearer<Asset>&), LossLayer layer,
                                      Span<Allocation<Asset>> out) {
    int128 total = 0;
    std::size_t eligible = 0;
    for (const auto& bearer : bearers) {
        const std::int64_t room = capacity(bearer).atoms();
        if (room > 0) {
            total += room;
            ++eligible;
        }
    }
    if (amount.is_zero() || eligible == 0) return std::size_t{0};
    BACKSTOP_ASSERT(int128(amount.atoms()) <= total, "pro-rata amount above total capacity");
    if (out.size() < eligible) {
        return make_error(ErrorCode::allocation_capacity, "allocation buffer too small");
    }
    std::size_t written = 0;
    std::int64_t allocated = 0;
    for (std::uint32_t i = 0; i < bearers.size(); ++i) {
        const std::int64_t room = capacity(bearers[i]).atoms();
        if (room <= 0) continue;
        // amount <= total, so the share is at most room: no overflow, no overdraw.
        const auto share = static_cast<std::int64_t>(int128(amount.atoms()) * room / total);
        out[written] = Allocation<Asset>{i, bearers[i].account, source_of(bearers[i]),
                                         Amount<Asset>(share), 0, layer};
        allocated += share;
        ++written;
    }
    std::int64_t residue = amount.atoms() - allocated;
    BACKSTOP_ASSERT(residue >= 0 && static_cast<std::uint64_t>(residue) <= eligible,
                    "pro-rata residue out of bounds");
    for (std::size_t k = 0; k < written && residue > 0; ++k) {
        const std::int64_t room = capacity(bearers[out[k].bearer_index]).atoms();
        if (out[k].amount.atoms() < room) {
            out[k].amount += Amount<Asset>(1);
            --residue;
        }
    }
    BACKSTOP_ASSERT(residue == 0, "pro-rata residue left over");
    // Drop zero shares so that every allocation moves a positive amount.
    std::size_t kept = 0;
    for (std::size_t k = 0; k < written; ++k) {
        if (out[k].amount.is_positive()) out[kept++] = out[k];
    }
    return kept;
}

template <class Asset>
Place collateral_of(const LossBearer<Asset>& bearer) {
    return Place::collateral(bearer.account);
}

// Splits `amount` over the close of `defaulter_size` units: the cumulative share after
// `closed_after` units, rounded up, minus the share after `closed_before`. Summed over a full
// close the parts telescope to exactly `amount`.
template <class Asset>
Amount<Asset> share_of_close(const Amount<Asset>& amount, std::int64_t defaulter_size,
                             std::int64_t closed_before, std::int64_t closed_after) {
    const Amount<Asset> after = mul_div(amount, closed_after, defaulter_size, round_up).value();
    const Amount<Asset> before = mul_div(amount, closed_before, defaulter_size, round_up).value();
    return after - before;
}

}  // namespace detail
}  // namespace backstop
