// How a staked fund's pool of shares follows the fund's balance (fund_staking.hpp operates on it):
// revenue and vesting, losses in the configured order, Drift's seeding and rebase, and a staker's
// record brought to the pool's epoch and base. Pure functions of the pool and the configuration.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/checked_arith.hpp"
#include "backstop/core/rounding.hpp"
#include "backstop/core/int128.hpp"
#include "backstop/management/share_math.hpp"
#include "backstop/management/staking_types.hpp"
#include "backstop/money/rate.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace backstop {
namespace staking {

// What account_balance saw: the balance's rise (revenue) or fall (loss) since the last operation.
struct BalanceChange {
    Int128 revenue = 0;
    Int128 loss = 0;
    Shares protocol_shares_minted = 0;
    bool stakers_wiped_out = false;
};

// Revenue not yet in the shares' value at `now_ms` (linear to the pool's vesting end).
inline Int128 unvested_at(const StakingPool& pool, std::int64_t now_ms) {
    if (pool.unvested_at_anchor <= 0 || now_ms >= pool.vest_end_ms) return Int128(0);
    // Rounded up: what is held back is the protocol's safe side; the remaining time and the
    // whole span are both below 2^63, so the product stays within Int128's 256-bit detour.
    const Int128 remaining = Int128(pool.vest_end_ms) - Int128(now_ms);
    const Int128 span = Int128(pool.vest_end_ms) - Int128(pool.anchor_ms);
    return mul_div(pool.unvested_at_anchor, remaining, span, round_up).value();
}

// The shares' value in `pool`: its accounted balance less revenue not yet vested.
inline Int128 pool_value(const StakingPool& pool) { return pool.accounted - unvested_at(pool, pool.now_ms); }

// Moves value between the tranches so that a loss of `loss` out of `value` falls as the
// LossOrder says; only the protocol-owned shares (one number) or the stakers' epoch change.
// Returns whether the stakers were wiped out.
inline bool absorb_loss(StakingPool& pool, LossOrder order, const Int128& value, const Int128& loss) {
    const Shares user = pool.user_shares;
    const Shares protocol = pool.protocol_shares();
    if (order == LossOrder::pro_rata || user == 0 || pool.total_shares == 0) return false;
    // The stakers' value rounded down (what their shares claim), the protocol's the rest.
    const Int128 user_value = mul_div(value, user, pool.total_shares, round_down).value();
    const Int128 protocol_value = value - user_value;
    const Int128 value_after = value - loss;
    if (order == LossOrder::protocol_first) {
        if (loss >= protocol_value) {
            pool.total_shares = user;  // the protocol's capital is gone; stakers bear the rest
        } else if (user_value > 0) {
            // Stakers keep user_value: total' = value_after * user / user_value, rounded up
            // (the protocol's favour). total' >= user as value_after >= user_value.
            Result<Shares> total = mul_div(value_after, user, user_value, round_up);
            if (total) pool.total_shares = *total;
        }
        return false;
    }
    // stakers_first
    if (loss >= user_value) {
        pool.user_epoch += 1;  // every staker's shares are worth nothing: cleared lazily
        pool.user_shares = 0;
        pool.total_shares = protocol;
        return true;
    }
    // The protocol keeps protocol_value: protocol' = protocol_value * user / (value_after -
    // protocol_value), rounded up; the denominator is user_value - loss > 0.
    Result<Shares> minted = mul_div(protocol_value, user, value_after - protocol_value, round_up);
    Result<Shares> total = minted ? checked_add(user, *minted) : Result<Shares>(minted.error());
    if (!total) {
        // So many protocol shares would be needed that the stakers' remainder is below an
        // atom per 2^127 shares: they are wiped out, to the protocol's favour.
        pool.user_epoch += 1;
        pool.user_shares = 0;
        pool.total_shares = protocol;
        return true;
    }
    pool.total_shares = *total;
    return false;
}

// `pool` brought to the fund's `balance` at `now_ms` (not before pool.now_ms: the caller checks):
// a rise is revenue (the protocol's cut minted as its shares at the price before it, the rest
// vested or in the value at once), a fall is a loss (unvested revenue first, then the shares'
// value in the loss order); an unowned value is seeded as protocol shares, shares that outgrew
// the value are rebased. Never fails.
inline StakingPool account_balance(StakingPool pool, const StakingConfig& config, const Int128& balance,
                                   std::int64_t now_ms, BalanceChange& change) {
    Int128 unvested = unvested_at(pool, now_ms);
    Int128 value = pool.accounted - unvested;
    if (balance > pool.accounted) {
        const Int128 revenue = balance - pool.accounted;
        change.revenue = revenue;
        const Int128 cut = mul_div(revenue, Int128(config.protocol_revenue_share.count()),
                                   Int128(Bps::denominator), round_down).value();
        if (cut > 0 && pool.total_shares > 0 && value > 0) {
            // (shares beyond 128 bits: the cut goes pro rata instead; a sync never fails)
            const Result<Shares> minted = share_math::amount_to_shares(cut, pool.total_shares, value);
            const Result<Shares> total = minted ? checked_add(pool.total_shares, *minted) : minted;
            if (total) {
                pool.total_shares = *total;
                change.protocol_shares_minted = *minted;
            }
        }
        const Int128 rest = revenue - cut;
        // Vesting needs shares to vest into: revenue into an unowned fund is the protocol's.
        if (config.revenue_vesting_ms > 0 && rest > 0 && pool.total_shares > 0) {
            const std::int64_t full_end = now_ms > std::numeric_limits<std::int64_t>::max() - config.revenue_vesting_ms
                                              ? std::numeric_limits<std::int64_t>::max()
                                              : now_ms + config.revenue_vesting_ms;
            // The end moves toward now + vesting by the new revenue's weight, so that many small
            // fees cannot hold earlier revenue back indefinitely.
            std::int64_t end = full_end;
            if (unvested > 0 && pool.vest_end_ms > now_ms) {
                const Int128 weight_total = unvested + rest;  // both <= the balance
                const Int128 shift = mul_div(rest, Int128(full_end) - Int128(pool.vest_end_ms), weight_total,
                                             round_up).value();  // <= full_end - old end
                end = static_cast<std::int64_t>(Int128(pool.vest_end_ms) + shift);
            }
            unvested += rest;
            pool.unvested_at_anchor = unvested;
            pool.anchor_ms = now_ms;
            pool.vest_end_ms = end;
        }
        // (without vesting, the rest is simply in the balance: every share's value rises)
    } else if (balance < pool.accounted) {
        Int128 loss = pool.accounted - balance;
        change.loss = loss;
        const Int128 from_unvested = std::min(loss, unvested);
        if (from_unvested > 0) {
            unvested -= from_unvested;
            loss -= from_unvested;
            pool.unvested_at_anchor = unvested;
            pool.anchor_ms = now_ms;
        }
        if (loss > 0) change.stakers_wiped_out = absorb_loss(pool, config.loss_order, value, loss);
    }
    pool.accounted = balance;
    pool.now_ms = now_ms;
    if (pool.total_shares == 0 && unvested > 0) {  // no shares left to vest into
        unvested = 0;
        pool.unvested_at_anchor = 0;
    }
    value = balance - unvested;
    BACKSTOP_ASSERT(value >= 0, "unvested revenue beyond the fund's balance");
    // An unowned vault is the protocol's (Drift seeds total_shares with it).
    if (pool.total_shares == 0 && value > 0) pool.total_shares = value;
    // Shares that outgrew the vault are divided by a power of ten (Drift's rebase).
    if (value > 0 && value < pool.total_shares) {
        const unsigned exponent = share_math::rebase_exponent(pool.total_shares, value);
        if (exponent > 0) {
            const Int128 divisor = pow10<Int128>(static_cast<int>(exponent));
            pool.total_shares /= divisor;
            pool.user_shares /= divisor;
            pool.shares_base += exponent;
        }
    }
    return pool;
}

// A record brought to the pool's epoch and base: wiped out by a stakers-first loss, or its
// shares divided by the rebases since it was last touched (Drift's lazy stake rebase).
inline StakerRecord current_record(StakerRecord record, const StakingPool& pool) {
    if (record.epoch != pool.user_epoch) {
        record.shares = 0;
        record.request_shares = 0;  // a pending request stays, worth nothing
        record.epoch = pool.user_epoch;
        record.shares_base = pool.shares_base;
    } else if (record.shares_base != pool.shares_base) {
        const std::uint32_t exponent = pool.shares_base - record.shares_base;
        if (exponent > 38) {
            record.shares = 0;
            record.request_shares = 0;
        } else {
            const Int128 divisor = pow10<Int128>(static_cast<int>(exponent));
            record.shares /= divisor;
            record.request_shares /= divisor;
        }
        record.shares_base = pool.shares_base;
    }
    return record;
}

}  // namespace staking
}  // namespace backstop
