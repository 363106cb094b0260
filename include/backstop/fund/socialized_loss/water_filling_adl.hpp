// Socialized loss by water-filling: haircut the most-levered winners first, until the leverages
// left equalise, so that the largest leverage after the haircut is as small as it can be
// (Campbell, Hey, Moallemi, Nutz, arXiv 2603.15963; domain.md 10.1).
//
// The model. Bearer i has position value P_i, unrealised profit pnl_i > 0, equity
// E_i = collateral_i + pnl_i and capacity C_i = profit_capacity (min of profit and collateral).
// Deleveraging closes a fraction f_i of the position and takes f_i * pnl_i of its profit, so the
// take is h_i = f_i * pnl_i <= C_i and the leverage left is
//     lev_i(f) = P_i (1 - f) / (E_i - f pnl_i),
// which falls with f because pnl_i < E_i (collateral > 0). For a level l, a bearer above it
// (P_i / E_i > l) closes
//     f_i(l) = clamp((P_i - l E_i) / (P_i - l pnl_i), 0, C_i / pnl_i),
// the fraction that brings it down to l (or its cap). T(l) = sum f_i(l) pnl_i falls as l rises,
// from the total capacity at l = 0 to 0 at the largest leverage. The policy finds l with
// T(l) = remainder by bisection on doubles (IEEE +, -, *, /, the same bits everywhere), then
// makes the shares exact: each floor(f_i(l) pnl_i) atoms, the residue atom by atom to the
// most-levered bearers with room (an excess from rounding, the other way, from the least
// levered). The total is exactly min(remainder, total capacity).
//
// Bearers must come in strictly increasing account order (check_bearers, as the fund does).
// Allocations come out most-levered first; quantity_atoms is the size the model closes
// (floor(size * take / pnl)), for information: the fund only charges collateral.
// Cost: O(n log n) to sort the eligible bearers by leverage once, then O(k) per bisection step
// for the k bearers above the level. The scratch is sized once (bearers_max): planning
// allocates nothing.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/fund/socialization_kind.hpp"
#include "backstop/fund/socialized_loss/adl_rank.hpp"
#include "backstop/fund/socialized_loss/allocation_support.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace backstop {
namespace socialized_loss {

template <class Asset>
class WaterFillingAdl {
public:
    using asset_type = Asset;
    using Money = Amount<Asset>;

    WaterFillingAdl() : WaterFillingAdl(1024) {}
    explicit WaterFillingAdl(std::uint32_t bearers_max) : bearers_max_(bearers_max) {
        scratch_.reserve(bearers_max);
    }
    // A copied vector keeps its elements, not its capacity: reserve again (as RankedAdl does).
    WaterFillingAdl(const WaterFillingAdl& other) : WaterFillingAdl(other.bearers_max_) {}
    WaterFillingAdl& operator=(const WaterFillingAdl& other) {
        bearers_max_ = other.bearers_max_;
        scratch_.clear();
        scratch_.reserve(bearers_max_);
        return *this;
    }
    WaterFillingAdl(WaterFillingAdl&&) noexcept = default;
    WaterFillingAdl& operator=(WaterFillingAdl&&) noexcept = default;

    std::uint32_t bearers_max() const { return bearers_max_; }
    SocializationKind kind() const { return SocializationKind::charges_collateral; }
    Result<void> validate() const { return {}; }

    template <class Ledger>
    Result<SocializePlan<Asset>> plan(const Money& remainder, Span<const LossBearer<Asset>> bearers,
                                      Span<Allocation<Asset>> out, const SocializeContext&,
                                      const Ledger&) const {
        if (remainder.is_negative()) return make_error(ErrorCode::amount_negative, "remainder below zero");
        if (Result<void> sorted = detail::check_bearers(bearers); !sorted) return sorted.error();
        scratch_.clear();
        detail::int128 capacity_total = 0;
        for (std::uint32_t i = 0; i < bearers.size(); ++i) {
            const std::int64_t capacity = detail::profit_capacity(bearers[i]).atoms();
            if (capacity <= 0) continue;  // profit and collateral both positive, so E > pnl > 0
            if (scratch_.size() == bearers_max_) {
                return make_error(ErrorCode::allocation_capacity,
                                  "more eligible bearers than the policy's bearers_max");
            }
            const auto& b = bearers[i];
            Entry e;
            e.position = std::max(0.0, static_cast<double>(b.position_value.atoms()));
            e.pnl = static_cast<double>(b.unrealised_pnl.atoms());
            e.equity = detail::equity_as_double(b);
            e.leverage = e.position / e.equity;
            e.capacity = capacity;
            e.account = b.account;
            e.bearer_index = i;
            scratch_.push_back(e);
            capacity_total += capacity;
        }
        if (remainder.is_zero() || scratch_.empty()) return SocializePlan<Asset>{};
        std::sort(scratch_.begin(), scratch_.end(), more_levered);

        const std::int64_t covered = detail::int128(remainder.atoms()) < capacity_total
                                         ? remainder.atoms()
                                         : static_cast<std::int64_t>(capacity_total);
        if (detail::int128(covered) == capacity_total) {
            for (Entry& e : scratch_) e.share = e.capacity;
        } else {
            fill_to(static_cast<double>(covered));
            settle_residue(covered);
        }

        SocializePlan<Asset> result;
        for (const Entry& e : scratch_) {
            if (e.share <= 0) continue;
            if (result.allocation_count == out.size()) {
                return make_error(ErrorCode::allocation_capacity, "allocation buffer too small");
            }
            const auto& b = bearers[e.bearer_index];
            const auto closed = static_cast<std::int64_t>(detail::int128(b.size_atoms) * e.share /
                                                          b.unrealised_pnl.atoms());
            out[result.allocation_count++] =
                Allocation<Asset>{e.bearer_index, b.account, Place::collateral(b.account),
                                  Money(e.share), std::max<std::int64_t>(0, closed), LossLayer::haircut};
        }
        result.covered = Money(covered);
        return result;
    }

    // The leverage a bearer is left with after giving up `take` atoms of its profit (the model
    // above); public so that tests and the lab can measure what the policy minimises.
    static double leverage_after(const LossBearer<Asset>& bearer, std::int64_t take) {
        const double pnl = static_cast<double>(bearer.unrealised_pnl.atoms());
        const double equity = detail::equity_as_double(bearer);
        const double position = static_cast<double>(bearer.position_value.atoms());
        if (!(equity > 0.0)) return 0.0;
        const double f = pnl > 0.0 ? std::min(1.0, static_cast<double>(take) / pnl) : 0.0;
        const double left = equity - f * pnl;
        return left > 0.0 ? position * (1.0 - f) / left : 0.0;
    }

private:
    struct Entry {
        double position = 0.0, pnl = 0.0, equity = 0.0, leverage = 0.0;
        std::int64_t capacity = 0;
        std::int64_t share = 0;
        AccountId account;
        std::uint32_t bearer_index = 0;
    };
    // Most levered first; ties to the lower account id.
    static bool more_levered(const Entry& a, const Entry& b) {
        if (a.leverage != b.leverage) return a.leverage > b.leverage;
        return a.account < b.account;
    }

    static double take_at(const Entry& e, double level) {
        const double cap = static_cast<double>(e.capacity);
        if (level <= 0.0) return cap;
        const double f = (e.position - level * e.equity) / (e.position - level * e.pnl);
        return std::min(cap, std::max(0.0, f) * e.pnl);
    }
    // Scratch is sorted by leverage, so only the prefix above the level takes anything.
    double total_at(double level) const {
        double total = 0.0;
        for (const Entry& e : scratch_) {
            if (level > 0.0 && e.leverage <= level) break;
            total += take_at(e, level);
        }
        return total;
    }

    // Bisection on the level: low keeps T(low) >= target, high keeps T(high) < target; stops
    // when the two are adjacent doubles or after a fixed number of halvings. Shares at `high`
    // floor to at most the target, so the residue is small and positive.
    void fill_to(double target) const {
        double low = 0.0;
        double high = scratch_.front().leverage;
        for (int step = 0; step < 200; ++step) {
            const double mid = low + 0.5 * (high - low);
            if (!(mid > low && mid < high)) break;
            if (total_at(mid) >= target) {
                low = mid;
            } else {
                high = mid;
            }
        }
        for (Entry& e : scratch_) {
            e.share = (high > 0.0 && e.leverage <= high)
                          ? 0
                          : std::min(e.capacity, static_cast<std::int64_t>(std::floor(take_at(e, high))));
        }
    }

    // Makes the shares add up to `covered` exactly: a shortfall goes one atom at a time to the
    // most-levered bearers with room, then (if any is still left, only after a pathological
    // level search) as much as each can take in the same order; an excess comes off the least
    // levered bearers first.
    void settle_residue(std::int64_t covered) const {
        detail::int128 sum = 0;
        for (const Entry& e : scratch_) sum += e.share;
        auto residue = static_cast<std::int64_t>(detail::int128(covered) - sum);
        for (Entry& e : scratch_) {
            if (residue <= 0) break;
            if (e.share < e.capacity) {
                ++e.share;
                --residue;
            }
        }
        for (Entry& e : scratch_) {
            if (residue <= 0) break;
            const std::int64_t extra = std::min(residue, e.capacity - e.share);
            e.share += extra;
            residue -= extra;
        }
        for (auto it = scratch_.rbegin(); it != scratch_.rend() && residue < 0; ++it) {
            const std::int64_t less = std::min(-residue, it->share);
            it->share -= less;
            residue += less;
        }
        BACKSTOP_ASSERT(residue == 0, "water-filling residue left over");
    }

    std::uint32_t bearers_max_;
    mutable std::vector<Entry> scratch_;
};

}  // namespace socialized_loss
}  // namespace backstop
