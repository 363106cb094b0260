// Which positions a liquidation closes, and how much of each: what a set of closes at the mark
// does to the account (evaluate_closes), the least partial close of one position that restores
// the target (partial_close_of), the choice over positions (choose_closes), and for an account
// holding live options the choice by risk reduction (choose_option_closes). Pure functions of
// the view.
#pragma once

#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/engine/account_metrics.hpp"
#include "backstop/engine/engine_view.hpp"
#include "backstop/engine/fills.hpp"
#include "backstop/engine/liquidation_plan.hpp"
#include "backstop/engine/margin_math.hpp"
#include "backstop/engine/option_markets.hpp"
#include "backstop/money/rate.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>

namespace backstop {
namespace detail {

// A liquidation needs at least one position it can close; otherwise the first reason another
// cannot be closed (halted, no mark, stale).
template <class LedgerType>
Result<void> check_any_closable(const EngineView<LedgerType>& v, AccountId account) {
    Result<void> blocked{};
    for (std::uint32_t s = 0; s < v.book.per_account; ++s) {
        const std::uint16_t market = v.book.market[v.book.index(account.value, s)];
        if (market == PositionBook::empty) continue;
        const MarketState& state = v.markets[market];
        if (v.closable(state)) return {};
        if (blocked) {
            blocked = state.config.status == MarketStatus::halted
                          ? Result<void>(make_error(ErrorCode::market_halted, "every market of the account is halted or stale"))
                          : v.check_mark_fresh(state);
        }
    }
    return blocked;
}

// What closing `closes` (per slot, signed like each position, at the mark) does to the account.
template <class LedgerType>
CloseEffect evaluate_closes(const EngineView<LedgerType>& v, AccountId account, AccountId liquidator, const Closes& closes) {
    const PositionBook& book = v.book;
    // Everything is summed in locals and the effect built once at the end: summing into the
    // returned object (in memory) made each 16-byte reload of two 8-byte stores stall, and zeroing
    // it first (176 bytes, a rep stos) cost more than the few fields it saved writing.
    std::array<std::int64_t, positions_per_account_max> values{};
    bool positions_left = false;
    bool unrepresentable = false;
    int128 collateral = v.collateral(account);
    int128 pnl = 0;
    int128 target = 0;
    int128 penalty = 0;
    int128 discount = 0;
    int128 notional_sum = 0;
    for (std::uint32_t s = 0; s < book.per_account; ++s) {
        const std::size_t i = book.index(account.value, s);
        if (book.market[i] == PositionBook::empty) continue;
        const MarketState& state = v.markets[book.market[i]];
        const std::int64_t size = book.size[i];
        const int128 owed = funding_owed(state, size, book.funding[i]);
        const std::int64_t close = closes[s];
        if (close == 0) {
            int128 position_pnl = position_value(state, size) - book.cost[i] - owed;
            if (position_pnl > 0 && !v.closable(state)) position_pnl = 0;
            pnl += position_pnl;
            target += target_requirement(state, position_notional(state, size));
            positions_left = true;
            continue;
        }
        const std::int64_t left = size - close;
        const int128 cost = int128(book.cost[i]) + owed;
        if (!fits_int64(owed) || !fits_int64(cost)) {
            unrepresentable = true;
            continue;
        }
        // Toward zero, as plan_fill_on computes it (the cost fits int64: checked above).
        const int128 cost_removed = mul_div_trunc(static_cast<std::int64_t>(cost), abs128(close), abs128(size));
        const std::int64_t taker = book.position(liquidator, book.market[i]).size;
        const std::int64_t value = close_value(state, size, close, taker);
        values[s] = value;
        collateral += -value - cost_removed;
        pnl += position_value(state, left) - (cost - cost_removed);
        const int128 notional = closed_notional(state, close);
        notional_sum += notional;
        penalty += ceil_div(notional * state.config.liquidation_penalty.count(), Ppm::denominator);
        discount += floor_div(notional * state.config.liquidator_discount.count(), Ppm::denominator);
        if (left != 0) {
            target += target_requirement(state, position_notional(state, left));
            positions_left = true;
        }
    }
    return CloseEffect{collateral + pnl, target,         collateral,      penalty, discount,
                       notional_sum,     positions_left, values, unrepresentable};
}

// The partial close of slot `s` (on top of `closes`) that restores the target with the fewest
// lots: an estimate from the linear condition, then confirmed exactly and walked to the lot.
// Returns 0 when no close that leaves at least a lot restores it.
template <class LedgerType>
std::int64_t partial_close_of(const EngineView<LedgerType>& v, AccountId account, AccountId liquidator, Closes closes,
                              std::uint32_t s, CloseEffect& chosen_effect) {
    const std::size_t i = v.book.index(account.value, s);
    const MarketState& state = v.markets[v.book.market[i]];
    const std::int64_t size = v.book.size[i];
    const std::int64_t magnitude = size < 0 ? -size : size;
    const std::int64_t lot = state.config.lot_size;
    const std::int64_t lots = magnitude / lot;
    if (lots <= 1) return 0;
    // Relief per lot closed: the target it frees less the penalty and discount it costs.
    const double relief_ppm = static_cast<double>(target_rate_ppm(state, position_notional(state, size)) -
                                                  state.config.liquidation_penalty.count() -
                                                  state.config.liquidator_discount.count());
    if (relief_ppm <= 0) return 0;
    const double relief_per_lot = relief_ppm / Ppm::denominator * static_cast<double>(lot) *
                                  static_cast<double>(state.mark) / static_cast<double>(state.notional_divisor);
    closes[s] = 0;
    const CloseEffect base = evaluate_closes(v, account, liquidator, closes);
    auto lots_for = [&](const CloseEffect& e) {
        const double gap = static_cast<double>(e.target + e.penalty + e.discount - e.equity);
        return std::max(1.0, std::ceil(gap / relief_per_lot));
    };
    double estimate = lots_for(base);
    for (int round = 0; round < 24 && estimate < static_cast<double>(lots); ++round) {
        std::int64_t close_lots = static_cast<std::int64_t>(estimate);
        closes[s] = size > 0 ? close_lots * lot : -close_lots * lot;
        const CloseEffect effect = evaluate_closes(v, account, liquidator, closes);
        if (effect.restores()) {
            // The smallest: walk down while a lot less still restores (rounding is not monotone).
            // The effect of the close returned goes to the caller, whose plan then need not
            // evaluate it again.
            chosen_effect = effect;
            for (int step = 0; step < 64 && close_lots > 1; ++step) {
                closes[s] = size > 0 ? (close_lots - 1) * lot : -(close_lots - 1) * lot;
                const CloseEffect fewer = evaluate_closes(v, account, liquidator, closes);
                if (!fewer.restores()) break;
                chosen_effect = fewer;
                --close_lots;
            }
            return size > 0 ? close_lots * lot : -close_lots * lot;
        }
        // Short of cash rather than of equity: closing more of this position will not help.
        if (effect.equity - effect.penalty - effect.discount >= effect.target) return 0;
        estimate += lots_for(effect);
    }
    return 0;
}

// What closing `closes` does to an account holding live options: evaluate_closes(), with the
// target the account's initial requirement after the closes (its portfolio requirement covers
// what its options hedge, so no position's tiers bound it alone).
template <class LedgerType>
CloseEffect evaluate_option_closes(const EngineView<LedgerType>& v, AccountId account, AccountId liquidator,
                                   const Closes& closes) {
    CloseEffect effect = evaluate_closes(v, account, liquidator, closes);
    std::array<SlotOverride, positions_per_account_max> left{};
    std::size_t count = 0;
    for (std::uint32_t s = 0; s < v.book.per_account; ++s) {
        if (closes[s] == 0) continue;
        const std::size_t i = v.book.index(account.value, s);
        left[count++] = SlotOverride{v.book.market[i], v.book.size[i] - closes[s], 0};  // requirements ignore cost
    }
    effect.target = account_metrics(v, account, Span<const SlotOverride>(left.data(), count), 0).initial;
    return effect;
}

// The closes of an account holding live options, by risk reduction: each round closes in full
// the position whose close lowers the requirement most per unit of penalty and discount it
// costs (only closes that lower it by more than they cost; ties: the larger reduction, then slot
// order), until the target is restored; then each close, the last first, is cut to the fewest
// lots that restore it with the others as they are (bisection, each answer confirmed exactly: an
// earlier close may be needed only for the cash a later one frees). `order`: the closable slots.
// Sets `full` when no such sequence restores the target (then everything closable closes).
template <class LedgerType>
Closes choose_option_closes(const EngineView<LedgerType>& v, AccountId account, AccountId liquidator,
                            const std::array<std::uint32_t, positions_per_account_max>& order, std::size_t count,
                            bool& full) {
    const PositionBook& book = v.book;
    Closes closes{};
    std::array<std::uint32_t, positions_per_account_max> chosen{};
    std::size_t chosen_count = 0;
    for (std::size_t round = 0; round < count; ++round) {
        const CloseEffect base = evaluate_option_closes(v, account, liquidator, closes);
        const int128 base_cost = base.penalty + base.discount;
        std::uint32_t best = positions_per_account_max;
        int128 best_reduction = 0;
        int128 best_cost = 0;
        for (std::size_t k = 0; k < count; ++k) {
            const std::uint32_t s = order[k];
            const std::int64_t size = book.size[book.index(account.value, s)];
            if (closes[s] == size) continue;
            Closes trial = closes;
            trial[s] = size;
            const CloseEffect e = evaluate_option_closes(v, account, liquidator, trial);
            if (e.unrepresentable) continue;
            // Both clamped to int64 so that their cross products fit (a requirement the model
            // cannot compute reads as 2^100): beyond 9.2e18 atoms only the order matters.
            const int128 reduction = std::min<int128>(base.target - e.target, std::numeric_limits<std::int64_t>::max());
            const int128 cost = std::min<int128>(e.penalty + e.discount - base_cost, std::numeric_limits<std::int64_t>::max());
            if (reduction <= cost) continue;
            // reduction / cost > best_reduction / best_cost, in integers (costs >= 0).
            const int128 left_side = reduction * best_cost;
            const int128 right_side = best_reduction * cost;
            if (best == positions_per_account_max || left_side > right_side ||
                (left_side == right_side && reduction > best_reduction)) {
                best = s;
                best_reduction = reduction;
                best_cost = cost;
            }
        }
        if (best == positions_per_account_max) break;
        chosen[chosen_count++] = best;
        closes[best] = book.size[book.index(account.value, best)];
        if (!evaluate_option_closes(v, account, liquidator, closes).restores()) continue;
        // Restored: each close cut to the fewest lots that keep it restored, the last chosen first.
        for (std::size_t k = chosen_count; k-- > 0;) {
            const std::uint32_t s = chosen[k];
            const std::int64_t size = book.size[book.index(account.value, s)];
            const std::int64_t lot = v.markets[book.market[book.index(account.value, s)]].config.lot_size;
            const std::int64_t magnitude = size < 0 ? -size : size;
            // Closing `lots` lots, the last one whatever is left below a lot.
            auto with_lots = [&](std::int64_t lots) {
                const std::int64_t closed = lots >= magnitude / lot + (magnitude % lot != 0) ? magnitude : lots * lot;
                return size > 0 ? closed : -closed;
            };
            std::int64_t low = 0;  // closing `low` lots does not restore, `high` lots do
            std::int64_t high = magnitude / lot + (magnitude % lot != 0);
            closes[s] = 0;
            if (k + 1 != chosen_count && evaluate_option_closes(v, account, liquidator, closes).restores()) continue;
            while (high - low > 1) {
                const std::int64_t middle = low + (high - low) / 2;
                closes[s] = with_lots(middle);
                (evaluate_option_closes(v, account, liquidator, closes).restores() ? high : low) = middle;
            }
            closes[s] = with_lots(high);
        }
        return closes;
    }
    full = true;
    for (std::size_t k = 0; k < count; ++k) closes[order[k]] = book.size[book.index(account.value, order[k])];
    return closes;
}

// The closes chosen, and their effect (evaluate_closes) when choosing them computed it.
struct ChosenCloses {
    Closes closes{};
    CloseEffect effect;
    bool effect_known = false;
};

// Which positions a liquidation closes and how much: everything a liquidation can close when it
// is full; otherwise, the positions that restore the target with the least penalty per unit of
// relief, each in full but the last, the last to the lot. Sets `full`.
template <class LedgerType>
ChosenCloses choose_closes(const EngineView<LedgerType>& v, AccountId account, AccountId liquidator, const Metrics& before,
                           bool& full) {
    const PositionBook& book = v.book;
    ChosenCloses chosen;
    Closes& closes = chosen.closes;
    std::array<std::uint32_t, positions_per_account_max> order{};
    std::size_t count = 0;
    bool options = false;  // holds a live option (holds_live_option, in this loop)
    for (std::uint32_t s = 0; s < book.per_account; ++s) {
        const std::size_t i = book.index(account.value, s);
        if (book.market[i] == PositionBook::empty) continue;
        const MarketState& state = v.markets[book.market[i]];
        if (book.size[i] != 0 && state.is_option() && !state.option_expired) {
            options = true;
            full = full || v.markets[state.config.option.underlying].config.option_margin.liquidate_books_whole;
        }
        if (!v.closable(state)) continue;
        order[count++] = s;
        // Equity can be far beyond int64 (funding owed is 128-bit): scaled past int128 it is far
        // above maintenance x threshold, which the notional bounds. Not positive: full below.
        const Ppm threshold = state.config.full_liquidation_below;
        int128 scaled_equity = 0;
        if (before.equity > 0 && !__builtin_mul_overflow(before.equity, int128{Ppm::denominator}, &scaled_equity) &&
            scaled_equity < before.maintenance * threshold.count()) {
            full = true;
        }
    }
    if (before.equity <= 0) full = true;
    // An account with live options: its requirement is its book's worst scenario, which no
    // position's tiers bound alone; closed by risk reduction (or whole, where its underlying's
    // OptionMarginTerms::liquidate_books_whole says so: above).
    if (!full && options) {
        chosen.closes = choose_option_closes(v, account, liquidator, order, count, full);
        return chosen;
    }
    if (!full) {
        // Least penalty per unit of relief first; ties in slot order (stable).
        auto relief_of = [&](std::uint32_t s) {
            const std::size_t i = book.index(account.value, s);
            const MarketState& state = v.markets[book.market[i]];
            return target_rate_ppm(state, position_notional(state, book.size[i])) -
                   state.config.liquidation_penalty.count() - state.config.liquidator_discount.count();
        };
        auto penalty_of = [&](std::uint32_t s) {
            return v.markets[book.market[book.index(account.value, s)]].config.liquidation_penalty.count();
        };
        // Insertion sort: stable, and std::stable_sort would allocate a buffer.
        auto before_in_order = [&](std::uint32_t a, std::uint32_t b) {
            const std::int64_t ra = relief_of(a);
            const std::int64_t rb = relief_of(b);
            if ((ra > 0) != (rb > 0)) return ra > 0;
            if (ra <= 0) return false;
            return int128(penalty_of(a)) * rb < int128(penalty_of(b)) * ra;
        };
        for (std::size_t k = 1; k < count; ++k) {
            for (std::size_t j = k; j > 0 && before_in_order(order[j], order[j - 1]); --j) std::swap(order[j], order[j - 1]);
        }
        for (std::size_t k = 0; k < count; ++k) {
            const std::uint32_t s = order[k];
            const std::int64_t part = partial_close_of(v, account, liquidator, closes, s, chosen.effect);
            if (part != 0) {
                closes[s] = part;
                chosen.effect_known = true;
                return chosen;
            }
            closes[s] = book.size[book.index(account.value, s)];
            chosen.effect = evaluate_closes(v, account, liquidator, closes);
            if (chosen.effect.restores()) {
                chosen.effect_known = true;
                return chosen;
            }
        }
        full = true;
    }
    for (std::size_t k = 0; k < count; ++k) closes[order[k]] = book.size[book.index(account.value, order[k])];
    return chosen;
}

}  // namespace detail
}  // namespace backstop
