// The scan's keys. For an account whose only position is in a market the fast test decides (one
// margin tier, no options), "below maintenance" is one comparison: a number kept per account (its
// key) against one kept per market and side (MarketState::scan_band). The scan reads 12 bytes
// per account (class and the key's upper bound) instead of the position and the collateral.
//
// A position of size s (base atoms), cost c and funding snapshot f, in an account of collateral C,
// real-valued (D the funding divisor, m the mark per base atom, mm the maintenance fraction):
//   equity - maintenance = C - c + s f / D + s U,
//   U = m (1 - mm) - I_long / D (long), m (1 + mm) - I_short / D (short).
// Divided by |s|: excess per atom = threshold - key, with key = (c - C) / s - f / D and threshold
// = U for a long; a short's key and threshold are both negated (so the comparison keeps its
// direction). The exact test (account_metrics) rounds the value down, the funding owed and the
// requirement up: its excess lies in (real - 4 atoms, real]. A key's bounds widen it by 8 / |s|
// atoms plus 10^-12 of its terms (a few roundings of 2^-53 each); the band by its own error. So:
//   band.low >= key.high   the real excess is at least 8 atoms: not below maintenance;
//   band.high < key.low    the real excess is negative, so is the exact one: below;
//   otherwise              the exact test decides.
// A key depends only on the account's collateral and position: the engine refreshes it after
// every operation that moves either (MarginEngine::refresh_scan_key). Marks, funding and the
// maintenance fraction move the band, so a mark update touches no key.
#pragma once

#include "backstop/core/config.hpp"
#include "backstop/core/span.hpp"
#include "backstop/engine/account_metrics.hpp"
#include "backstop/engine/engine_view.hpp"
#include "backstop/engine/liquidation_plan.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/engine/option_settlement.hpp"
#include "backstop/engine/position_book.hpp"
#include "backstop/ledger/place.hpp"

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace backstop {
namespace detail {

struct ScanKey {
    std::uint32_t scan_class = PositionBook::scan_none;  // or scan_full, or 2 + 2 x market + side
    double low = 0.0;
    double high = 0.0;
};

inline constexpr std::uint32_t scan_class_of(std::uint32_t market, bool is_short) {
    return 2 + 2 * market + (is_short ? 1u : 0u);
}

// The key of `account` as its collateral and positions stand.
template <class LedgerType>
ScanKey scan_key_of(const EngineView<LedgerType>& v, std::uint32_t account) {
    const PositionBook& book = v.book;
    std::uint32_t held = 0;
    std::size_t slot = 0;
    for (std::uint32_t s = 0; s < book.per_account; ++s) {
        const std::size_t i = book.index(account, s);
        if (book.market[i] == PositionBook::empty) continue;
        ++held;
        slot = i;
    }
    if (held == 0) return ScanKey{PositionBook::scan_none, 0.0, 0.0};
    const std::int64_t size = book.size[slot];
    if (held > 1 || size == 0) return ScanKey{PositionBook::scan_full, 0.0, 0.0};
    const MarketState& state = v.markets[book.market[slot]];
    const double s = static_cast<double>(size);
    const double cost = static_cast<double>(book.cost[slot]);
    const double collateral = static_cast<double>(v.collateral(AccountId{account}));
    const double snapshot = static_cast<double>(book.funding[slot]) * state.funding_per_unit;
    // One division (the operations that refresh keys are hot too); its rounding and the product's
    // are two more of 2^-53, far inside the 10^-12.
    const double per_atom = 1.0 / s;
    const double key = (cost - collateral) * per_atom - snapshot;
    const double magnitude = (std::abs(cost) + std::abs(collateral)) * std::abs(per_atom) + std::abs(snapshot);
    const double width = 1e-12 * magnitude + 8.0 * std::abs(per_atom);
    const double signed_key = size > 0 ? key : -key;
    if (!std::isfinite(signed_key - width) || !std::isfinite(signed_key + width)) {
        return ScanKey{PositionBook::scan_full, 0.0, 0.0};
    }
    return ScanKey{scan_class_of(book.market[slot], size < 0), signed_key - width, signed_key + width};
}

// Whether the stored key of `account` is the one its collateral and positions give now (the
// randomized engine runs and the swarm check every account after every step).
template <class LedgerType>
bool scan_key_current(const EngineView<LedgerType>& v, std::uint32_t account) {
    const ScanKey key = scan_key_of(v, account);
    return key.scan_class == v.book.scan_class[account] && key.low == v.book.scan_low[account] &&
           key.high == v.book.scan_high[account];
}

// Refreshes the key of `account` (the view reads `book`: the key is computed, then stored).
template <class LedgerType>
void refresh_scan_key(PositionBook& book, const EngineView<LedgerType>& v, AccountId account) {
    const ScanKey key = scan_key_of(v, account.value);
    book.scan_class[account.value] = key.scan_class;
    book.scan_low[account.value] = key.low;
    book.scan_high[account.value] = key.high;
}

// After a liquidation: the account, the liquidator (its backing, the takeover, the penalty) and
// every bearer the waterfall deleveraged or charged.
template <class LedgerType, class Asset>
void refresh_scan_keys(PositionBook& book, const EngineView<LedgerType>& v, const LiquidationPlan<Asset>& plan,
                       const LiquidationScratch<Asset>& scratch, AccountId account, AccountId liquidator) {
    refresh_scan_key(book, v, account);
    refresh_scan_key(book, v, liquidator);
    for (std::size_t k = 0; k < plan.bearer_fill_count; ++k) refresh_scan_key(book, v, scratch.bearer_fills[k].account);
    // A charge's account is its source place (what the commit moves from and the plan checked),
    // not Allocation::account, which a policy may leave unset.
    for (std::size_t k = 0; k < plan.allocation_count; ++k) {
        const Place source = scratch.allocations[k].source;
        if (source.kind() == PlaceKind::collateral) refresh_scan_key(book, v, AccountId{source.index()});
    }
}

// After an expired series' settlement: every holder it closed, every account whose gains it realised.
template <class LedgerType>
void refresh_scan_keys(PositionBook& book, const EngineView<LedgerType>& v, const SeriesSettlementPlan& plan,
                       const SettlementScratch& scratch) {
    for (std::size_t k = 0; k < plan.count; ++k) refresh_scan_key(book, v, scratch.fills[k].account);
    for (const GainRealisation& realised : scratch.realisations) refresh_scan_key(book, v, AccountId{realised.account});
}

// The scan's test: the key against its side's band, the fast pass (is_below_maintenance) for an
// account with several positions, the exact test between the bounds. Always the exact answer.
template <class LedgerType>
BACKSTOP_ALWAYS_INLINE bool scan_finds_below_maintenance(const EngineView<LedgerType>& v, std::uint32_t account) {
    const PositionBook& book = v.book;
    const std::uint32_t scan_class = book.scan_class[account];
    if (scan_class == PositionBook::scan_none) return false;
    if (scan_class == PositionBook::scan_full) return is_below_maintenance(v, account);
    const ScanBand& band = v.markets[(scan_class >> 1) - 1].scan_band[scan_class & 1];
    if (band.low >= book.scan_high[account]) return false;
    if (band.high < book.scan_low[account]) return true;
    return is_below_maintenance_exact(v, account);
}

// The scan: every account of [0, count) below maintenance, in account order, into `out` (the
// first out.size() of them); returns how many it wrote. With up to 64 markets, the bands' lower
// ends are copied to a table indexed by class (no position: +inf, never below; several: -inf,
// always tested), so that the common account costs two loads and one compare.
template <class LedgerType>
std::size_t scan_below_maintenance(const EngineView<LedgerType>& v, std::uint32_t count, Span<AccountId> out) {
    constexpr std::size_t table_markets_max = 64;
    const PositionBook& book = v.book;
    std::size_t found = 0;
    if (v.markets.size() > table_markets_max) {
        for (std::uint32_t a = 0; a < count && found < out.size(); ++a) {
            if (scan_finds_below_maintenance(v, a)) out[found++] = AccountId{a};
        }
        return found;
    }
    std::array<double, 2 + 2 * table_markets_max> low;
    low[PositionBook::scan_none] = std::numeric_limits<double>::infinity();
    low[PositionBook::scan_full] = -std::numeric_limits<double>::infinity();
    for (std::uint32_t m = 0; m < v.markets.size(); ++m) {
        low[scan_class_of(m, false)] = v.markets[m].scan_band[0].low;
        low[scan_class_of(m, true)] = v.markets[m].scan_band[1].low;
    }
    for (std::uint32_t a = 0; a < count && found < out.size(); ++a) {
        if (low[book.scan_class[a]] >= book.scan_high[a]) continue;
        if (scan_finds_below_maintenance(v, a)) out[found++] = AccountId{a};
    }
    return found;
}

}  // namespace detail
}  // namespace backstop
