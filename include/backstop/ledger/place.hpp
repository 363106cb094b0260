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
};

inline constexpr int place_kind_count = 7;

constexpr std::string_view place_kind_name(PlaceKind kind) noexcept {
    switch (kind) {
        case PlaceKind::external: return "external";
        case PlaceKind::collateral: return "collateral";
        case PlaceKind::fund: return "fund";
        case PlaceKind::treasury: return "treasury";
        case PlaceKind::liquidator: return "liquidator";
        case PlaceKind::socialized_loss: return "socialized_loss";
        case PlaceKind::dust: return "dust";
    }
    return "unknown";
}

// Only the outside world and the socialized-loss bucket (a claim on bearers not yet collected)
// may hold a negative balance; everything else is real money that cannot go below zero.
constexpr bool place_kind_may_be_negative(PlaceKind kind) noexcept {
    return kind == PlaceKind::external || kind == PlaceKind::socialized_loss;
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
}  // namespace detail

using AccountId = StrongId<detail::AccountIdTag>;
using FundId = StrongId<detail::FundIdTag>;
using LiquidatorId = StrongId<detail::LiquidatorIdTag>;

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
