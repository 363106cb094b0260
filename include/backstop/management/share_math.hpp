// Share arithmetic of a staked insurance fund: Drift's formulas (protocol-v2,
// programs/drift/src/math/insurance.rs), exact, on 128-bit shares and amounts, every division
// rounded down as Drift rounds it. FundStaking (fund_staking.hpp) is built on these; they are
// public so that a test or a notebook can check a figure by hand.
//
//   amount_to_shares(a, T, V)  shares bought by a at the price V / T: a * T / V; 1:1 into an
//                              empty fund (refused if shares exist but V is 0)
//   shares_to_amount(n, T, V)  what n of T shares are worth: V * n / T (0 if T is 0)
//   rebase_exponent(T, V)      k such that dividing every share by 10^k brings T near 10 * V
//   shares_lost_on_cancel      the shares a cancelled unstake request burns: those that stand for
//                              the gain made since the request (the request keeps its value)
#pragma once

#include "backstop/core/checked_arith.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/rounding.hpp"
#include "backstop/core/int128.hpp"

namespace backstop {

// A count of shares in a staked fund. 128 bits: a rebase keeps it near the vault's atoms, but
// protocol-owned shares minted against a nearly empty fund can be large in between.
using Shares = Int128;

namespace share_math {

inline Result<Shares> amount_to_shares(const Int128& amount, const Shares& total_shares,
                                       const Int128& vault) {
    if (amount < 0 || total_shares < 0 || vault < 0) {
        return make_error(ErrorCode::amount_negative, "shares of a negative amount");
    }
    if (vault > 0) return mul_div(amount, total_shares, vault, round_down);
    if (total_shares != 0) {
        return make_error(ErrorCode::stake_into_empty_fund,
                          "the fund holds nothing but its shares exist: a share has no price");
    }
    return Shares(amount);
}

inline Result<Int128> shares_to_amount(const Shares& shares, const Shares& total_shares,
                                       const Int128& vault) {
    if (shares < 0 || vault < 0) return make_error(ErrorCode::amount_negative, "negative shares");
    if (shares > total_shares) {
        return make_error(ErrorCode::insufficient_shares, "more shares than exist");
    }
    if (total_shares == 0) return Int128(0);
    return mul_div(vault, shares, total_shares, round_down);
}

// floor(log10(total / 10 / vault)), 0 when that quotient is 0: Drift's calculate_rebase_info.
// 0 as well for a vault that is not positive or negative shares: nothing to rebase against.
inline unsigned rebase_exponent(const Shares& total_shares, const Int128& vault) {
    if (!(vault > 0 && total_shares >= 0)) return 0;
    Int128 quotient = total_shares / 10 / vault;
    unsigned exponent = 0;
    while (quotient >= 10) {
        quotient /= 10;
        ++exponent;
    }
    return exponent;
}

// When the shares a request names are now worth more than the value it recorded, cancelling it
// burns the shares beyond those that buy the recorded value back from the rest of the fund:
// n - amount_to_shares(value, T - n, V - value). A staker cannot keep the gain of a cooldown it
// gave up. Drift's calculate_if_shares_lost.
inline Result<Shares> shares_lost_on_cancel(const Shares& request_shares,
                                            const Int128& request_value,
                                            const Shares& total_shares, const Int128& vault) {
    const Result<Int128> worth = shares_to_amount(request_shares, total_shares, vault);
    if (!worth) return worth.error();
    if (*worth <= request_value) return Shares(0);
    // worth > value >= 0 and worth <= vault, so both differences are positive or zero.
    const Result<Shares> kept =
        amount_to_shares(request_value, total_shares - request_shares, vault - request_value);
    if (!kept) return kept.error();
    BACKSTOP_ASSERT(*kept <= request_shares, "a cancel keeps more shares than it had");
    return request_shares - *kept;
}

}  // namespace share_math
}  // namespace backstop
