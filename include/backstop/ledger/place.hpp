// Places where value lives. Every balance in backstop belongs to exactly one place, and value
// moves between places only by a ledger transfer.
#pragma once

#include <cstdint>
#include <string_view>

namespace backstop {

enum class PlaceKind : std::uint8_t {
    external = 0,         // the world outside: deposits come from here, withdrawals go here
    collateral = 1,       // an account's collateral, by AccountId
    fund = 2,             // an insurance fund, by FundId
    treasury = 3,         // the protocol's own revenue
    liquidator = 4,       // a liquidator's reward account, by LiquidatorId
    socialized_loss = 5,  // loss allocated to bearers but not yet collected from them
    dust = 6,             // rounding residue kept by the protocol
    pnl_pool = 7,         // counterpart of realised trading PnL: winners are paid from it,
                          // losers pay into it (negative while it has paid out more than it took)
    funding_pool = 8,     // funding in transit between the positions that pay and receive it
    strategy = 9,         // capital a fund placed with a yield strategy, by StrategyId
};

inline constexpr int place_kind_count = 10;

constexpr std::string_view place_kind_name(PlaceKind kind) noexcept {
    switch (kind) {
        case PlaceKind::external: return "external";
        case PlaceKind::collateral: return "collateral";
        case PlaceKind::fund: return "fund";
        case PlaceKind::treasury: return "treasury";
        case PlaceKind::liquidator: return "liquidator";
        case PlaceKind::socialized_loss: return "socialized_loss";
        case PlaceKind::dust: return "dust";
        case PlaceKind::pnl_pool: return "pnl_pool";
        case PlaceKind::funding_pool: return "funding_pool";
        case PlaceKind::strategy: return "strategy";
    }
    return "unknown";
}

// Only the outside world and the pools that stand for claims not yet settled (loss allocated
// but not collected, PnL and funding owed between positions) may hold a negative balance;
// everything else is real money that cannot go below zero.
constexpr bool place_kind_may_be_negative(PlaceKind kind) noexcept {
    return kind == PlaceKind::external || kind == PlaceKind::socialized_loss ||
           kind == PlaceKind::pnl_pool || kind == PlaceKind::funding_pool;
}

// Strong ids: an AccountId is not a FundId is not an index.
template <class Tag>
struct StrongId {
    std::uint32_t value = 0;

    friend constexpr bool operator==(StrongId a, StrongId b) { return a.value == b.value; }
    friend constexpr bool operator!=(StrongId a, StrongId b) { return a.value != b.value; }
    friend constexpr bool operator<(StrongId a, StrongId b) { return a.value < b.value; }
    friend constexpr bool operator>(StrongId a, StrongId b) { return a.value > b.value; }
    friend constexpr bool operator<=(StrongId a, StrongId b) { return a.value <= b.value; }
    friend constexpr bool operator>=(StrongId a, StrongId b) { return a.value >= b.value; }
};

namespace detail {
struct AccountIdTag {};
struct FundIdTag {};
struct LiquidatorIdTag {};
struct StrategyIdTag {};
}  // namespace detail

using AccountId = StrongId<detail::AccountIdTag>;
using FundId = StrongId<detail::FundIdTag>;
using LiquidatorId = StrongId<detail::LiquidatorIdTag>;
using StrategyId = StrongId<detail::StrategyIdTag>;

// A place: a kind and, for kinds that come in many, an index.
class Place {
public:
    static constexpr Place external() { return Place(PlaceKind::external, 0); }
    static constexpr Place collateral(AccountId account) {
        return Place(PlaceKind::collateral, account.value);
    }
    static constexpr Place fund(FundId fund_id) { return Place(PlaceKind::fund, fund_id.value); }
    static constexpr Place treasury() { return Place(PlaceKind::treasury, 0); }
    static constexpr Place liquidator(LiquidatorId liquidator_id) {
        return Place(PlaceKind::liquidator, liquidator_id.value);
    }
    static constexpr Place socialized_loss() { return Place(PlaceKind::socialized_loss, 0); }
    static constexpr Place dust() { return Place(PlaceKind::dust, 0); }
    static constexpr Place pnl_pool() { return Place(PlaceKind::pnl_pool, 0); }
    static constexpr Place funding_pool() { return Place(PlaceKind::funding_pool, 0); }
    static constexpr Place strategy(StrategyId strategy_id) {
        return Place(PlaceKind::strategy, strategy_id.value);
    }
    // For journals and replays, which store places as (kind, index).
    static constexpr Place from_parts(PlaceKind kind, std::uint32_t index) {
        return Place(kind, index);
    }

    constexpr Place() = default;
    constexpr PlaceKind kind() const { return kind_; }
    constexpr std::uint32_t index() const { return index_; }

    friend constexpr bool operator==(Place a, Place b) {
        return a.kind_ == b.kind_ && a.index_ == b.index_;
    }
    friend constexpr bool operator!=(Place a, Place b) { return !(a == b); }

private:
    constexpr Place(PlaceKind kind, std::uint32_t index) : kind_(kind), index_(index) {}

    PlaceKind kind_ = PlaceKind::external;
    std::uint32_t index_ = 0;
};

}  // namespace backstop
