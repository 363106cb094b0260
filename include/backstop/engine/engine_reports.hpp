// What engine operations return: the transfers they made and the positions they changed.
// Fixed capacity, no allocation: a report is a value.
#pragma once

#include "backstop/core/config.hpp"
#include "backstop/core/error_code.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/ledger/transfer.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/quantity.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace backstop {

inline constexpr std::size_t positions_per_account_max = 8;

// A MarginEngine's capacities, fixed at create (its buffers are sized once).
struct EngineLimits {
    std::uint32_t accounts_max = 1024;
    std::uint32_t positions_per_account = 4;  // at most positions_per_account_max
    std::uint32_t markets_max = 16;
};

// A position in atoms and price units (MarginEngine::position's untyped read, for any market).
struct EnginePosition {
    MarketId market;
    std::int64_t size = 0;             // base atoms, signed
    std::int64_t cost = 0;             // quote atoms, signed
    detail::int128 funding_index = 0;  // the index at its last settlement
};

// The ledger transfers an operation committed, in order (up to `capacity`; `dropped` counts the
// rest, which only socializations over many bearers produce: those are in the allocations).
template <class Asset, std::size_t Capacity = 24>
struct TransferLog {
    static constexpr std::size_t capacity = Capacity;
    std::array<Transfer<Asset>, capacity> transfers{};
    std::size_t count = 0;
    std::size_t dropped = 0;

    void add(const Transfer<Asset>& transfer) {
        if (count < capacity) {
            transfers[count++] = transfer;
        } else {
            ++dropped;
        }
    }
};

// A position, typed: size signed (positive long), cost the signed quote value paid to open it
// (its funding settled up to its last settlement).
template <class Base, class Quote>
struct Position {
    Quantity<Base> size;
    Amount<Quote> cost;
};

struct PositionChange {
    AccountId account;
    MarketId market;
    std::int64_t size_before = 0;  // base atoms, signed
    std::int64_t size_after = 0;
};

// The most transfers a trade commits: each fill's funding and realised PnL, each side's fee to the
// fund and to the treasury. Its log holds no more (a smaller report to clear and return).
inline constexpr std::size_t trade_transfers_max = 8;

template <class Asset>
struct TradeReport {
    Amount<Asset> value;  // |size x price|, rounded down
    PositionChange buyer;
    PositionChange seller;
    Amount<Asset> buyer_realised_pnl;
    Amount<Asset> seller_realised_pnl;
    Amount<Asset> buyer_fee;     // taker or maker fee, rounded up
    Amount<Asset> seller_fee;
    Amount<Asset> fees_to_fund;  // both fees' share to the market's fund (the rest: the treasury)
    TransferLog<Asset, trade_transfers_max> transfers;
};

// Where an account stands: equity and requirements in quote atoms.
template <class Asset>
struct AccountSummary {
    Amount<Asset> collateral;
    Amount<Asset> equity;                 // collateral + unrealised PnL - funding owed
    Amount<Asset> initial_requirement;
    Amount<Asset> maintenance_requirement;
    Amount<Asset> free_collateral;        // equity - initial requirement (may be negative)
    std::size_t position_count = 0;
    bool liquidatable = false;
};

template <class Asset>
struct LiquidationReport {
    AccountId account;
    AccountId liquidator;
    bool full = false;  // every position closed
    std::array<PositionChange, positions_per_account_max> closed{};  // the defaulter's positions
    std::size_t closed_count = 0;
    Amount<Asset> equity_before;
    Amount<Asset> closed_notional;   // at the mark
    Amount<Asset> realised_pnl;      // of the defaulter, at the mark
    Amount<Asset> discount;          // paid to the liquidator (forgone before the fund pays)
    Amount<Asset> penalty;           // charged (forgone first when equity is short)
    PenaltySplit<Asset> penalty_split;
    Amount<Asset> deficit;           // negative equity left after the close
    Amount<Asset> isolated_fund_paid;  // by the market's own fund, first
    Amount<Asset> fund_paid;           // by the shared fund, within the market's draw cap
    Amount<Asset> remainder;           // deficit - isolated_fund_paid - fund_paid
    Amount<Asset> socialized;        // covered by the socialized-loss policy
    Amount<Asset> uncovered;         // nobody could bear it: the system is short this much
    LossLayer socialized_by = LossLayer::haircut;
    std::size_t allocation_count = 0;     // written to the caller's span (or engine scratch)
    std::int64_t funding_delta_per_unit = 0;  // funding socialization: each index moved this far
    bool socialization_failed = false;       // the policy refused to plan: the remainder is uncovered
    ErrorCode socialization_error{};         // and why
    Amount<Asset> equity_after;
    TransferLog<Asset> transfers;
};

}  // namespace backstop
