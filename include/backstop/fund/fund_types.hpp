// The vocabulary shared by the insurance fund and its policies: what an operation is told
// (contexts), what a policy sees of the fund (FundState), who can bear a loss (LossBearer), and
// what comes back (splits, allocations, reports).
#pragma once

#include "backstop/ledger/place.hpp"
#include "backstop/ledger/transfer.hpp"
#include "backstop/core/int128.hpp"
#include "backstop/money/amount.hpp"

#include <cstddef>
#include <cstdint>

namespace backstop {

namespace detail {
struct MarketIdTag {};
}  // namespace detail
using MarketId = StrongId<detail::MarketIdTag>;

enum class Side : std::uint8_t { long_side = 1, short_side = 2 };

// What a policy may read of the fund when it plans. Plain data: policies stay pure.
template <class Asset>
struct FundState {
    using Money = Amount<Asset>;
    // Cumulative payouts outgrow any balance (the fund is refilled and pays again), so they are
    // kept in the wide representation, like the fund's statistics.
    using Total = Amount<Asset, Int128>;
    Money balance;
    const Total* paid_by_market = nullptr;  // bad debt paid so far, per market id
    std::uint32_t market_count = 0;

    Total paid_in(MarketId market) const {
        return market.value < market_count ? paid_by_market[market.value] : Total::zero();
    }
};

// ---- capture ----------------------------------------------------------------------------------

struct CaptureContext {
    Place source;      // where the penalty is taken from (the liquidated account's collateral)
    Place liquidator;  // who receives the liquidator's share
    MarketId market;
};

// A penalty split four ways. The parts always add up to the penalty; `to_dust` is the rounding
// residue a split leaves when every share rounds down.
template <class Asset>
struct PenaltySplit {
    using Money = Amount<Asset>;
    Money to_liquidator;
    Money to_fund;
    Money to_treasury;
    Money to_dust;

    Money total() const { return to_liquidator + to_fund + to_treasury + to_dust; }
};

template <class Asset>
struct CaptureReport {
    Amount<Asset> penalty;
    PenaltySplit<Asset> split;
};

// ---- settlement -------------------------------------------------------------------------------

struct SettleContext {
    Place target;  // who receives the fund's payment (the place holding the deficit)
    MarketId market;
    // false: plan_settle does not check that the target can hold the payment in its present
    // balance (the engine pays after other transfers of the same plan, and checks them all).
    bool check_target_room = true;
    // What leaves the fund earlier in the same plan (a backstop liquidator's backing): the
    // policy settles against the balance less this (atoms, >= 0).
    std::int64_t committed_atoms = 0;
};

template <class Asset>
struct SettlementReport {
    Amount<Asset> deficit;
    Amount<Asset> paid;       // from the fund, now
    Amount<Asset> remainder;  // deficit - paid: for the socialized-loss policy
    bool depleted = false;    // the fund could not pay in full because it reached zero or its floor
};

// ---- socialized loss --------------------------------------------------------------------------

// An account that can bear part of a loss: normally an open position on the side opposite the
// defaulter. Amounts are in the fund's asset; sizes in atoms of the market's base asset.
template <class Asset>
struct LossBearer {
    using Money = Amount<Asset>;
    AccountId account;
    Side side = Side::long_side;
    std::int64_t size_atoms = 0;  // absolute position size
    Money unrealised_pnl;         // at the mark; profit is positive
    Money collateral;
    Money position_value;         // |size x mark|
    Money entry_value;            // |size x entry price|
    Money maintenance;            // maintenance requirement of the position

    // Collateral plus unrealised PnL, wide: both come from the caller, and a bearer holding
    // nearly int64 max of collateral with a profit would overflow the narrow sum.
    Amount<Asset, Int128> equity() const {
        return Amount<Asset, Int128>(collateral) + Amount<Asset, Int128>(unrealised_pnl);
    }
};

enum class LossLayer : std::uint8_t {
    auto_deleveraging = 1,  // positions closed at the bankruptcy price
    haircut = 2,            // winners' profit reduced pro rata
    funding = 3,            // charged through the funding index at the next settlement
    default_fund = 4,       // a clearing house's mutualised default fund
    assessment = 5,         // a clearing house's capped call on surviving members
};

// The ledger reason of a transfer that covers part of a loss in `layer`.
constexpr TransferReason transfer_reason_of(LossLayer layer) noexcept {
    switch (layer) {
        case LossLayer::auto_deleveraging: return TransferReason::auto_deleveraging;
        case LossLayer::default_fund: return TransferReason::default_fund;
        case LossLayer::haircut:
        case LossLayer::funding:
        case LossLayer::assessment: return TransferReason::socialized_loss;
    }
    return TransferReason::socialized_loss;
}

template <class Asset>
struct Allocation {
    std::uint32_t bearer_index = 0;  // into the bearers the caller passed (unused by default_fund)
    AccountId account;
    Place source;                    // where the value comes from when the plan is committed
    Amount<Asset> amount;            // loss borne, > 0
    std::int64_t quantity_atoms = 0; // auto-deleveraging: size closed (base atoms)
    LossLayer layer = LossLayer::haircut;
};

struct SocializeContext {
    Place target;                     // the place holding the uncovered deficit
    MarketId market;
    std::int64_t defaulter_size_atoms = 0;  // auto-deleveraging: size left to close
    std::uint64_t event_seed = 0;     // pseudo-random choices (dYdX's start offset)
    bool commit_transfers = true;     // false: plan only; the engine applies the allocations
};

// What a socialized-loss policy decided, before it is committed.
template <class Asset>
struct SocializePlan {
    Amount<Asset> covered;                 // sum of the allocations (funding: what it will collect)
    std::size_t allocation_count = 0;
    std::int64_t funding_delta_per_unit = 0;  // funding: quote atoms per base unit, scaled (see policy)
};

template <class Asset>
struct SocializeReport {
    Amount<Asset> remainder;
    Amount<Asset> covered;
    Amount<Asset> uncovered;  // remainder - covered, when the bearers could not take it all
    std::size_t allocation_count = 0;
    std::int64_t funding_delta_per_unit = 0;
};

}  // namespace backstop
