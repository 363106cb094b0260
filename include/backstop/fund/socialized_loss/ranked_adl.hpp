// Auto-deleveraging ranked by a key (adl_rank::PnlTimesLeverage for BitMEX, BinanceLeveragePnl
// for Binance): the highest-ranked profitable bearers are closed first, against the defaulter's
// remaining size, until the remainder is covered. A bearer closing q of the defaulter's Q units
// bears its share of the remainder for those units (cumulative shares round up, so together
// they are exactly the remainder), never more than its profit or collateral.
//
// Cost: O(n) to heapify the eligible bearers plus O(log n) per bearer actually deleveraged.
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
            scratch_.push_back(Ranked{Rank::key(bearer), bearer.account, i});
        }
        // Through a lambda, not the function's address: the comparison is inlined into the heap's
        // loops (as a pointer it was a call per comparison, a third of the heap's time).
        const auto below = [](const Ranked& a, const Ranked& b) { return ranks_below(a, b); };
        std::make_heap(scratch_.begin(), scratch_.end(), below);

        SocializePlan<Asset> result;
        std::int64_t closed = 0;
        auto heap_end = scratch_.end();
        while (heap_end != scratch_.begin() && closed < context.defaulter_size_atoms) {
            std::pop_heap(scratch_.begin(), heap_end, below);
            --heap_end;
            const auto& bearer = bearers[heap_end->bearer_index];
            const std::int64_t quantity =
                std::min(bearer.size_atoms, context.defaulter_size_atoms - closed);
            const Money share = detail::share_of_close(remainder, context.defaulter_size_atoms,
                                                       closed, closed + quantity);
            closed += quantity;
            const Money amount = std::min(share, detail::profit_capacity(bearer));
            if (!amount.is_positive()) continue;
            if (result.allocation_count == out.size()) {
                return make_error(ErrorCode::allocation_capacity, "allocation buffer too small");
            }
            out[result.allocation_count++] =
                Allocation<Asset>{heap_end->bearer_index, bearer.account,
                                  Place::collateral(bearer.account), amount, quantity,
                                  LossLayer::auto_deleveraging};
            result.covered += amount;
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

    std::uint32_t bearers_max_;
    mutable std::vector<Ranked> scratch_;
};

}  // namespace socialized_loss
}  // namespace backstop
