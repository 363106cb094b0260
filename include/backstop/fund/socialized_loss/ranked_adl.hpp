// Auto-deleveraging ranked by a key (adl_rank::PnlTimesLeverage for BitMEX, BinanceLeveragePnl
// for Binance): the highest-ranked profitable bearers are closed first, against the defaulter's
// remaining size, until the remainder is covered. A bearer closing q of the defaulter's Q units
// bears its share of the remainder for those units (cumulative shares round up, so together
// they are exactly the remainder), never more than its profit or collateral.
//
// Cost: one selection pass over the eligible bearers for the 32 highest-ranked (about one
// comparison each), and only if those do not cover the defaulter, a heap over the rest: O(n),
// plus O(log n) per bearer deleveraged beyond the first 32.
// The heap lives in scratch storage sized once (bearers_max): nothing is allocated per event.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/fund/socialization_kind.hpp"
#include "backstop/fund/socialized_loss/adl_rank.hpp"
#include "backstop/fund/socialized_loss/allocation_support.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace backstop {
namespace socialized_loss {

template <class Asset, class Rank = adl_rank::PnlTimesLeverage>
class RankedAdl {
public:
    using asset_type = Asset;
    using Money = Amount<Asset>;
    using rank_type = Rank;

    RankedAdl() : RankedAdl(1024) {}
    explicit RankedAdl(std::uint32_t bearers_max) : bearers_max_(bearers_max) {
        scratch_.reserve(bearers_max);
    }
    // A copied vector keeps its elements, not its capacity: reserve again, so that a copy (the
    // fund holds one) never allocates when it plans.
    RankedAdl(const RankedAdl& other) : RankedAdl(other.bearers_max_) {}
    RankedAdl& operator=(const RankedAdl& other) {
        bearers_max_ = other.bearers_max_;
        scratch_.clear();
        scratch_.reserve(bearers_max_);
        return *this;
    }
    RankedAdl(RankedAdl&&) noexcept = default;
    RankedAdl& operator=(RankedAdl&&) noexcept = default;

    // The scratch heap holds at most bearers_max eligible bearers; planning for more is refused
    // (allocation_capacity), so an engine sizes it to its accounts.
    std::uint32_t bearers_max() const { return bearers_max_; }
    // Allocations close positions before they charge: the engine applies them.
    SocializationKind kind() const { return SocializationKind::auto_deleveraging; }
    Result<void> validate() const { return {}; }

    template <class Ledger>
    Result<SocializePlan<Asset>> plan(const Money& remainder, Span<const LossBearer<Asset>> bearers,
                                      Span<Allocation<Asset>> out, const SocializeContext& context,
                                      const Ledger&) const {
        if (remainder.is_zero()) return SocializePlan<Asset>{};
        if (context.defaulter_size_atoms <= 0) {
            return make_error(ErrorCode::invalid_argument,
                              "auto-deleveraging needs the defaulter's size to close");
        }
        scratch_.clear();
        for (std::uint32_t i = 0; i < bearers.size(); ++i) {
            const auto& bearer = bearers[i];
            if (bearer.size_atoms <= 0 || !detail::profit_capacity(bearer).is_positive()) continue;
            if (scratch_.size() == bearers_max_) {
                return make_error(ErrorCode::allocation_capacity,
                                  "more eligible bearers than the policy's bearers_max");
            }
            // Written in place: a Ranked built on the stack and copied as 16 bytes was reloaded
            // from three smaller stores, a store-forwarding stall per bearer.
            Ranked& ranked = scratch_.emplace_back();
            ranked.key = Rank::key(bearer);
            ranked.account = bearer.account;
            ranked.bearer_index = i;
        }
        SocializePlan<Asset> result;
        std::int64_t closed = 0;
        // Deleverages one bearer, the next in rank order; false on a full allocation buffer.
        const auto take = [&](const Ranked& ranked) {
            const auto& bearer = bearers[ranked.bearer_index];
            const std::int64_t quantity = std::min(bearer.size_atoms, context.defaulter_size_atoms - closed);
            const Money share = detail::share_of_close(remainder, context.defaulter_size_atoms, closed, closed + quantity);
            closed += quantity;
            const Money amount = std::min(share, detail::profit_capacity(bearer));
            if (!amount.is_positive()) return true;
            if (result.allocation_count == out.size()) return false;
            out[result.allocation_count++] = Allocation<Asset>{ranked.bearer_index, bearer.account,
                                                               Place::collateral(bearer.account), amount, quantity,
                                                               LossLayer::auto_deleveraging};
            result.covered += amount;
            return true;
        };
        const auto buffer_full = [] { return make_error(ErrorCode::allocation_capacity, "allocation buffer too small"); };
        // The comparisons go through lambdas, not the function's address, so they are inlined.
        const auto below = [](const Ranked& x, const Ranked& y) { return ranks_below(x, y); };
        const auto above = [](const Ranked& x, const Ranked& y) { return ranks_below(y, x); };
        // First the highest-ranked few, sorted by one selection pass (about one comparison a
        // bearer): they cover the defaulter almost always. The order is total (ties go to the
        // account id), so this is the order a heap over all of them pops.
        const std::size_t head = std::min<std::size_t>(first_pass, scratch_.size());
        std::partial_sort(scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(head), scratch_.end(), above);
        for (std::size_t k = 0; k < head && closed < context.defaulter_size_atoms; ++k) {
            if (!take(scratch_[k])) return buffer_full();
        }
        // The rest, if needed, from a heap: O(log n) a bearer actually deleveraged.
        const auto rest = scratch_.begin() + static_cast<std::ptrdiff_t>(head);
        if (closed < context.defaulter_size_atoms && rest != scratch_.end()) {
            std::make_heap(rest, scratch_.end(), below);
            auto heap_end = scratch_.end();
            while (heap_end != rest && closed < context.defaulter_size_atoms) {
                std::pop_heap(rest, heap_end, below);
                --heap_end;
                if (!take(*heap_end)) return buffer_full();
            }
        }
        return result;
    }

private:
    struct Ranked {
        double key;
        AccountId account;
        std::uint32_t bearer_index;
    };
    // Heap order: a is below b when its key is lower, or equal with a higher account id.
    static bool ranks_below(const Ranked& a, const Ranked& b) {
        if (a.key != b.key) return a.key < b.key;
        return b.account < a.account;
    }

    static constexpr std::size_t first_pass = 32;  // bearers sorted before falling back to a heap

    std::uint32_t bearers_max_;
    mutable std::vector<Ranked> scratch_;
};

}  // namespace socialized_loss
}  // namespace backstop
