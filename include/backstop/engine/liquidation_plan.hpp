// What a liquidation plan is made of: hypothetical positions (SlotOverride), one account's fill
// (FillPlan), what a set of closes does to the account (CloseEffect), and the whole plan
// (LiquidationPlan: every fill, the discount, the penalty, the fund's payment, the socialized
// loss), and the scratch that holds its per-bearer part. Plain values: the engine computes them
// from const state, then commits them.
#pragma once

#include "backstop/core/config.hpp"
#include "backstop/core/error_code.hpp"
#include "backstop/engine/engine_reports.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/fund/socialization_kind.hpp"
#include "backstop/ledger/place.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace backstop {
namespace detail {

// The market id of an empty position slot.
inline constexpr std::uint16_t empty_slot_market = 0xFFFF;

// A hypothetical position of an account, used to evaluate a plan before committing it.
struct SlotOverride {
    std::uint32_t market = empty_slot_market;
    std::int64_t size = 0;
    std::int64_t cost = 0;
};

// The effect of one fill (after settling the position's pending funding) on one account.
struct FillPlan {
    AccountId account;
    std::uint32_t market = 0;
    std::int64_t size_before = 0;
    std::int64_t size_after = 0;
    std::int64_t cost_after = 0;
    std::int64_t funding = 0;           // owed (+) or due (-), settled into the cost first
    std::int64_t realised = 0;          // realised PnL of the fill
    std::int64_t collateral_change = 0; // realised PnL actually moved (may be capped: bad debt), and a
                                        // premium-style series' premium
    bool new_slot = false;              // the account has no position in the market yet
    bool reduces = false;               // |size_after| <= |size_before| on the same side

    std::int64_t open_interest_change_long() const {
        return std::max<std::int64_t>(size_after, 0) - std::max<std::int64_t>(size_before, 0);
    }
};

// A position as a plan sees it: its slot, size, cost and funding snapshot.
struct PositionState {
    int slot = -1;
    std::int64_t size = 0;
    std::int64_t cost = 0;
    detail::int128 snapshot = 0;
};

// What closing some of an account's positions at the mark does to it (liquidation planning).
struct CloseEffect {
    detail::int128 equity = 0;      // after the closes, frozen markets' profits not counted
    detail::int128 target = 0;      // the requirement a partial liquidation must restore
    detail::int128 collateral = 0;  // collateral + realised PnL of the closes
    detail::int128 penalty = 0;     // the full penalty on the closed notional (rounded up)
    detail::int128 discount = 0;    // the full liquidator discount (rounded down)
    detail::int128 notional = 0;    // closed notional at the mark (rounded down)
    bool positions_left = false;
    std::array<std::int64_t, positions_per_account_max> values{};  // each close's fill value
    // A closed position's cost with its funding settled does not fit the ledger's int64: its
    // close cannot be represented (a funding debt beyond 9.2e18 atoms), so no plan closes it.
    bool unrepresentable = false;

    bool restores() const {
        return !unrepresentable && equity - penalty - discount >= target && collateral >= penalty + discount;
    }
};

using Closes = std::array<std::int64_t, positions_per_account_max>;  // per slot, signed like the position

// A plan's scalars: reset for every liquidation (LiquidationPlan::restart).
template <class Asset>
struct LiquidationPlanTotals {
    bool full = false;
    std::size_t fill_count = 0;
    std::int64_t backing = 0;          // the fund's capital to the liquidator's collateral, last
    std::int64_t discount = 0;
    std::int64_t penalty = 0;
    PenaltySplit<Asset> split;
    detail::int128 deficit = 0;        // collateral the closes could not find
    std::int64_t deficit_settled = 0;  // the part that goes down the waterfall (fits int64)
    Place market_fund;                 // the penalty's fund share goes here (isolated or shared)
    bool isolated = false;             // the defaulting market has its own fund, drawn first
    std::int64_t isolated_paid = 0;    // by the market's own fund
    std::int64_t fund_paid = 0;        // by the shared fund
    detail::int128 shared_room = std::numeric_limits<std::int64_t>::max();  // the draw caps' room, before fund_paid
    std::int64_t remainder = 0;
    std::int64_t covered = 0;
    MarketId defaulting_market;
    std::int64_t defaulting_size = 0;  // |size| closed there
    int defaulting_side = 0;           // +1: the defaulter was long there
    SocializationKind kind = SocializationKind::charges_collateral;
    std::size_t allocation_count = 0;  // in the scratch's allocations
    std::size_t bearer_fill_count = 0; // in the scratch's bearer_fills (ADL), one per allocation that closes
    bool has_adl_fill = false;
    detail::int128 funding_delta = 0;  // funding socialization: each index moves this far
    ErrorCode socialization_error{};   // the policy refused: the remainder stays uncovered
    bool socialization_failed = false;
};

// The whole plan. Its arrays are valid up to fill_count, and the ADL fill when has_adl_fill: they
// are overwritten, never cleared, so that a liquidation does not clear 1.4 KB (the plan is kept
// in the scratch and restarted by plan_liquidation).
template <class Asset>
struct LiquidationPlan : LiquidationPlanTotals<Asset> {
    Closes closes{};
    std::array<FillPlan, positions_per_account_max> defaulter_fills{};
    std::array<FillPlan, positions_per_account_max> liquidator_fills{};
    CloseEffect effect;
    FillPlan adl_liquidator_fill;      // the liquidator's side of the ADL closes, net

    // What the funds pay into the pnl_pool, after the closes.
    int128 funds_paid() const { return int128(this->isolated_paid) + this->fund_paid; }

    void restart() { static_cast<LiquidationPlanTotals<Asset>&>(*this) = LiquidationPlanTotals<Asset>{}; }
};

// The part of a plan whose length is the number of accounts (bearers, their fills and charges,
// the socialized-loss allocations), sized once when the engine is built, and the plan itself:
// planning a liquidation allocates nothing. A plan is a pure function of the state; the scratch
// only holds it.
template <class Asset>
struct LiquidationScratch {
    std::vector<LossBearer<Asset>> bearers;
    std::vector<FillPlan> bearer_fills;
    std::vector<std::int64_t> bearer_charges;
    std::vector<Allocation<Asset>> allocations;
    std::vector<std::uint8_t> bearer_marks;  // all zero between liquidations
    LiquidationPlan<Asset> plan;  // kept, so that its arrays are not cleared per liquidation

    explicit LiquidationScratch(std::uint32_t accounts_max)
        : bearers(accounts_max), bearer_fills(accounts_max), bearer_charges(accounts_max),
          allocations(std::size_t{accounts_max} + 1), bearer_marks(accounts_max) {}
};

}  // namespace detail
}  // namespace backstop
