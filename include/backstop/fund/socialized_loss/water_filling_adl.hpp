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
// makes the shares exact: each bearer's take interpolated between the last two levels (adjacent
// doubles can be far apart in atoms), rounded UP so that every bearer reaches the level, and
// the excess (about one atom per bearer above it) taken back one atom each from the bearers
// that one atom less leaves least levered. The total is exactly min(remainder, total capacity);
// each share is within about one atom of the exact water-filling (tested against an
// independent reference), more only where doubles cannot resolve it (amounts near 2^63, or a
// collateral far below the profit, where the leverage barely moves with the take).
//
// Bearers must come in strictly increasing account order (check_bearers, as the fund does).
// Allocations come out most-levered first; quantity_atoms is the size the model closes
// (floor(size * take / pnl)), for information: the fund only charges collateral.
// Cost: O(n log n) to sort the eligible bearers by leverage (twice: once more after the
// residue's selection), then O(k) per bisection step for the k bearers above the level. The
// scratch is sized once (bearers_max): planning allocates nothing. Not thread-safe: one policy
// object plans one call at a time (the scratch is shared).
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
#include <limits>
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
        double key = 0.0;  // settle_residue's selection key
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

    // What a bearer gives at a level: nothing once the level is at or above its leverage.
    static double take_above(const Entry& e, double level) {
        return (level > 0.0 && e.leverage <= level) ? 0.0 : take_at(e, level);
    }
    // ceil(x) for 0 <= x, capped at the capacity; x >= the capacity's double (which may round
    // up to 2^63) gives the capacity, so the cast only sees values below 2^63 (a double that
    // large is an integer already, so ceil does not move it).
    static std::int64_t ceil_share(const Entry& e, double x) {
        if (!(x > 0.0)) return 0;
        if (x >= static_cast<double>(e.capacity)) return e.capacity;
        return std::min(e.capacity, static_cast<std::int64_t>(std::ceil(x)));
    }

    // Bisection on the level: low keeps T(low) >= target, high keeps T(high) < target; stops
    // when the two are adjacent doubles or after a fixed number of halvings. Adjacent levels can
    // still be far apart in atoms when a bearer's take is steep in the level (collateral far
    // below its profit, or amounts near 2^63): the shares are therefore interpolated between the
    // two levels, each bearer moving in proportion to its own take's step, which is the first
    // order solution of T = target. Rounded UP, every bearer above the level reaches it (the
    // last atom of a small profit on a large position can matter a lot); the excess, about one
    // atom per such bearer, is settled after.
    void fill_to(double target) const {
        double low = 0.0;
        double high = scratch_.front().leverage;
        if (!(high > 0.0)) {
            // No bearer holds a position: every split leaves leverage 0. Shares start at 0 and the
            // residue fills them in account order (taking every capacity and giving the excess
            // back, as the level 0 would, overflows int64 when the capacities do).
            for (Entry& e : scratch_) e.share = 0;
            return;
        }
        for (int step = 0; step < 200; ++step) {
            const double mid = low + 0.5 * (high - low);
            if (!(mid > low && mid < high)) break;
            if (total_at(mid) >= target) {
                low = mid;
            } else {
                high = mid;
            }
        }
        double total_high = 0.0, total_low = 0.0;
        for (const Entry& e : scratch_) {
            total_high += take_above(e, high);
            total_low += take_above(e, low);
        }
        const double weight =
            total_low > total_high ? std::min(1.0, std::max(0.0, (target - total_high) / (total_low - total_high))) : 0.0;
        for (Entry& e : scratch_) {
            const double at_high = take_above(e, high);
            const double at_low = std::max(at_high, take_above(e, low));
            e.share = ceil_share(e, at_high + weight * (at_low - at_high));
        }
    }

    // The leverage a bearer is left with after giving `share` atoms (the model in the header).
    static double leverage_left(const Entry& e, std::int64_t share) {
        const double left = e.equity - static_cast<double>(share);
        if (!(left > 0.0)) return 0.0;
        return e.position * (1.0 - static_cast<double>(share) / e.pnl) / left;
    }
    // A strict order on (key, account): nth_element then picks the same set on every library.
    static bool key_before(const Entry& a, const Entry& b) {
        if (a.key != b.key) return a.key > b.key;
        return a.account < b.account;
    }

    // Makes the shares add up to `covered` exactly. The rounded-up shares are usually a few
    // atoms over (about one per bearer above the level): each comes off a different bearer,
    // those that one atom less leaves LEAST levered first (a shortfall: one atom each to those
    // left MOST levered). That selection is O(n) (nth_element on a strict order, so the same set
    // on every library), then the bearers are sorted back. A residue larger than the number of
    // bearers (rounding on amounts near 2^63, where a double step is ~1,000 atoms) goes in
    // chunks instead: each to (from) the bearer left most (least) levered by it; each chunk
    // empties the residue or a bearer's room (share), so there are at most n passes of O(n).
    void settle_residue(std::int64_t covered) const {
        // In int128 throughout: shares are each at most a capacity, their sum need not fit int64.
        detail::int128 residue = covered;
        for (const Entry& e : scratch_) residue -= e.share;
        const std::size_t n = scratch_.size();
        if (residue != 0 && (residue > 0 ? residue : -residue) <= static_cast<detail::int128>(n)) {
            const bool give = residue > 0;
            const auto moves = static_cast<std::size_t>(give ? residue : -residue);
            std::size_t room = 0;
            for (Entry& e : scratch_) {
                const bool can = give ? e.share < e.capacity : e.share > 0;
                e.key = !can ? -std::numeric_limits<double>::infinity()
                             : give ? leverage_left(e, e.share) : -leverage_left(e, e.share - 1);
                if (can) ++room;
            }
            if (room >= moves) {
                const auto first = scratch_.begin();
                if (moves < n) {
                    std::nth_element(first, first + static_cast<std::ptrdiff_t>(moves - 1), scratch_.end(), key_before);
                }
                for (std::size_t i = 0; i < moves; ++i) scratch_[i].share += give ? 1 : -1;
                residue = 0;
                std::sort(first, scratch_.end(), more_levered);
            }
        }
        for (std::size_t pass = 0; residue != 0 && pass <= n; ++pass) {
            Entry* best = nullptr;
            double best_key = 0.0;
            std::int64_t best_move = 0;
            for (Entry& e : scratch_) {
                const detail::int128 room = residue > 0 ? e.capacity - e.share : e.share;
                if (room <= 0) continue;
                const auto move = static_cast<std::int64_t>(std::min<detail::int128>(residue > 0 ? residue : -residue, room));
                const double key = residue > 0 ? leverage_left(e, e.share) : -leverage_left(e, e.share - move);
                if (best == nullptr || key > best_key) {  // ties: the first in leverage order
                    best = &e;
                    best_key = key;
                    best_move = move;
                }
            }
            if (best == nullptr) break;
            best->share += residue > 0 ? best_move : -best_move;
            residue += residue > 0 ? -best_move : best_move;
        }
        BACKSTOP_ASSERT(residue == 0, "water-filling residue left over");
    }

    std::uint32_t bearers_max_;
    mutable std::vector<Entry> scratch_;
};

}  // namespace socialized_loss
}  // namespace backstop
