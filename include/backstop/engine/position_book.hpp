// PositionBook: every account's position slots, struct-of-arrays, and each account's scan key
// (scan_keys.hpp: the scan reads 12 bytes per account, its class and its key's upper bound).
// Plain data and lookups; what a position is worth is margin_math.hpp's, how it changes is
// fills.hpp's.
#pragma once

#include "backstop/core/config.hpp"
#include "backstop/core/hash.hpp"
#include "backstop/engine/liquidation_plan.hpp"
#include "backstop/ledger/place.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace backstop {
namespace detail {

struct PositionBook {
    static constexpr std::uint16_t empty = empty_slot_market;

    std::uint32_t per_account = 1;
    std::vector<std::uint16_t> market;  // empty when the slot holds nothing
    std::vector<std::int64_t> size;     // base atoms, signed
    std::vector<std::int64_t> cost;     // quote atoms, signed
    std::vector<std::int64_t> funding;  // the index at the last settlement (|x| <= 2^62)
    // Per account, the scan's key (scan_keys.hpp): its class (no position, the full test, or a
    // lone position's market and side) and the key's bounds, in quote atoms per base atom.
    static constexpr std::uint32_t scan_none = 0;
    static constexpr std::uint32_t scan_full = 1;
    std::vector<std::uint32_t> scan_class;
    std::vector<double> scan_low;
    std::vector<double> scan_high;

    PositionBook(std::uint32_t positions_per_account, std::uint32_t accounts_max) : per_account(positions_per_account) {
        const std::size_t slots = std::size_t{accounts_max} * positions_per_account;
        market.reserve(slots);
        size.reserve(slots);
        cost.reserve(slots);
        funding.reserve(slots);
        scan_class.reserve(accounts_max);
        scan_low.reserve(accounts_max);
        scan_high.reserve(accounts_max);
    }

    // Slots for one more account (within the reserved capacity: no allocation).
    void add_account() {
        for (std::uint32_t s = 0; s < per_account; ++s) {
            market.push_back(empty);
            size.push_back(0);
            cost.push_back(0);
            funding.push_back(0);
        }
        scan_class.push_back(scan_none);
        scan_low.push_back(0.0);
        scan_high.push_back(0.0);
    }

    std::size_t index(std::uint32_t account, std::uint32_t s) const { return std::size_t{account} * per_account + s; }

    // The slot holding `account`'s position in `market_id` (empty_slot_market: a free slot), or -1.
    int find(std::uint32_t account, std::uint32_t market_id) const {
        for (std::uint32_t s = 0; s < per_account; ++s) {
            if (market[index(account, s)] == market_id) return static_cast<int>(s);
        }
        return -1;
    }
    int free_slot(std::uint32_t account) const { return find(account, empty); }
    std::int32_t free_slot_count(std::uint32_t account) const {
        std::int32_t free = 0;
        for (std::uint32_t s = 0; s < per_account; ++s) free += market[index(account, s)] == empty ? 1 : 0;
        return free;
    }

    PositionState position(AccountId account, std::uint32_t market_id) const {
        PositionState p;
        p.slot = find(account.value, market_id);
        if (p.slot >= 0) {
            const std::size_t i = index(account.value, static_cast<std::uint32_t>(p.slot));
            p.size = size[i];
            p.cost = cost[i];
            p.snapshot = funding[i];
        }
        return p;
    }

    void hash_into(StableHash& hash) const {
        for (std::size_t i = 0; i < market.size(); ++i) {
            hash.add(market[i]).add_signed(size[i]).add_signed(cost[i]);
            const auto bits = static_cast<uint128>(int128(funding[i]));
            hash.add(static_cast<std::uint64_t>(bits)).add(static_cast<std::uint64_t>(bits >> 64));
        }
    }
};

}  // namespace detail
}  // namespace backstop
