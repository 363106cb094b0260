// The value types of a staked fund (fund_staking.hpp): its configuration, the pool of shares, a
// staker's record, and what each operation reports.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/ledger/place.hpp"
#include "backstop/ledger/transfer.hpp"
#include "backstop/management/share_math.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/rate.hpp"

#include <cstdint>
#include <limits>

namespace backstop {

namespace detail {
struct StakerIdTag {};
}  // namespace detail
using StakerId = StrongId<detail::StakerIdTag>;

// Who bears a loss of the fund first. Drift has only pro_rata: protocol-owned and staked shares
// lose the same fraction.
enum class LossOrder : std::uint8_t {
    pro_rata = 0,
    stakers_first = 1,   // staked capital is lost before protocol capital (a first-loss tranche)
    protocol_first = 2,  // the protocol's own capital is lost before any staker's
};

inline constexpr std::int64_t ms_per_day = 86'400'000;

struct StakingConfig {
    // Between an unstake request and its claim; fixed on each request when it is made.
    std::int64_t cooldown_ms = 13 * ms_per_day;  // Drift's unstaking period
    // Of each revenue the fund receives, the part minted as protocol-owned shares (Drift's
    // (total_factor - user_factor) / total_factor); the rest raises every share pro rata.
    Bps protocol_revenue_share{0};
    // Claims (stakers' and the protocol's) per calendar day of the caller's clock, as a fraction
    // of the fund's balance at the day's first claim (Hyperliquid's HLP limit).
    Bps claims_per_day_max{10'000};
    LossOrder loss_order = LossOrder::pro_rata;
    // Revenue reaches the shares' value linearly over this time (0: at once, as in Drift), so a
    // staker who arrives just before a fee leaves with at most the part vested while it stayed.
    std::int64_t revenue_vesting_ms = 0;

    static constexpr std::int64_t duration_max_ms = 3'650 * ms_per_day;

    Result<void> validate() const {
        if (cooldown_ms < 0 || cooldown_ms > duration_max_ms) {
            return make_error(ErrorCode::invalid_policy_parameter, "cooldown must be within [0, 10 years]");
        }
        if (revenue_vesting_ms < 0 || revenue_vesting_ms > duration_max_ms) {
            return make_error(ErrorCode::invalid_policy_parameter, "vesting must be within [0, 10 years]");
        }
        if (protocol_revenue_share < Bps{0} || protocol_revenue_share.count() > Bps::denominator) {
            return make_error(ErrorCode::invalid_policy_parameter, "protocol share must be within [0, 100%]");
        }
        if (claims_per_day_max.count() <= 0 || claims_per_day_max.count() > Bps::denominator) {
            return make_error(ErrorCode::invalid_policy_parameter, "daily claim limit must be within (0, 100%]");
        }
        if (loss_order != LossOrder::pro_rata && loss_order != LossOrder::stakers_first &&
            loss_order != LossOrder::protocol_first) {
            return make_error(ErrorCode::invalid_policy_parameter, "unknown loss order");
        }
        return {};
    }
};

struct StakingLimits {
    std::uint32_t stakers_max = 1024;
};

// The pool's scalars: all a staking operation changes besides one staker's record and one
// transfer, so that a plan holds the whole new state and a commit is an assignment.
struct StakingPool {
    Shares total_shares = 0;  // staked and protocol-owned
    Shares user_shares = 0;   // staked; protocol-owned = total - user
    std::uint32_t shares_base = 0;  // rebases so far: a share is 10^shares_base original ones
    std::uint64_t user_epoch = 0;   // stakers' records from an older epoch were wiped out
    Int128 accounted = 0;           // the fund's ledger balance at the last operation
    Int128 unvested_at_anchor = 0;  // revenue not yet in the shares' value, at anchor_ms
    std::int64_t anchor_ms = 0;
    std::int64_t vest_end_ms = 0;
    std::int64_t now_ms = std::numeric_limits<std::int64_t>::min();
    std::int64_t claim_day = std::numeric_limits<std::int64_t>::min();
    Int128 claim_day_allowance = 0;
    Int128 claimed_in_day = 0;

    Shares protocol_shares() const { return total_shares - user_shares; }
};

struct StakerRecord {
    Shares shares = 0;
    std::uint32_t shares_base = 0;
    std::uint64_t epoch = 0;
    bool request_pending = false;
    Shares request_shares = 0;
    Int128 request_value = 0;          // what the request was worth when made: the claim's cap
    std::int64_t claimable_at_ms = 0;  // request time + the cooldown in force then
    Int128 cost_basis = 0;             // staked minus claimed (Drift's cost_basis)
};

enum class StakingAction : std::uint8_t {
    sync = 0,
    stake = 1,
    request_unstake = 2,
    cancel_unstake = 3,
    claim = 4,
    add_protocol_capital = 5,
    withdraw_protocol_capital = 6,
};

// What an operation did, in the fund's asset. revenue and loss are the changes of the fund's
// balance since the previous operation that it accounted first (fees in, bad debt out).
template <class Asset>
struct StakingReport {
    StakingAction action = StakingAction::sync;
    Amount<Asset, Int128> amount;       // staked, claimed, or added/withdrawn protocol capital
    Shares shares = 0;                  // minted (stake, capital) or burned (claim, cancel)
    Amount<Asset, Int128> request_value;  // request_unstake: the value it fixed
    Amount<Asset, Int128> revenue;
    Amount<Asset, Int128> loss;
    Shares protocol_shares_minted = 0;  // the protocol's part of the revenue
    bool stakers_wiped_out = false;     // a loss took every staker's value (stakers_first)
};

}  // namespace backstop
