// A staked fund on a USDC ledger: stakers come from and go to `external`, revenue and bad debt
// are plain transfers into and out of the fund (as a fee capture or a settlement makes them).
#pragma once

#include <backstop/ledger/ledger.hpp>
#include <backstop/management/fund_staking.hpp>
#include <backstop/money/assets.hpp>

#include <catch2/catch.hpp>

#include <cstdint>

namespace backstop::testing {

using assets::USDC;
using Usdc = Amount<USDC>;
using UsdcWide = Amount<USDC, Int128>;

struct StakingWorld {
    Ledger<USDC> ledger{LedgerLimits{4, 2, 1}};
    FundId fund = ledger.open_fund().value();
    FundStaking<USDC> staking;

    explicit StakingWorld(StakingConfig config = {}, std::int64_t seed_atoms = 0) {
        if (seed_atoms > 0) revenue(seed_atoms);
        staking = FundStaking<USDC>::open(ledger, fund, config, StakingLimits{16}).value();
    }

    StakerId staker() { return staking.open_staker().value(); }
    // Revenue (a penalty or a fee) into the fund, and a loss (bad debt) out of it.
    void revenue(std::int64_t atoms) {
        ledger.transfer(Place::external(), Place::fund(fund), Usdc(atoms), TransferReason::penalty_to_fund).value();
    }
    void loss(std::int64_t atoms) {
        ledger.transfer(Place::fund(fund), Place::pnl_pool(), Usdc(atoms), TransferReason::bad_debt_payment).value();
    }
    std::int64_t balance() const { return ledger.balance_of(Place::fund(fund)).atoms(); }

    Result<StakingReport<USDC>> stake(StakerId id, std::int64_t atoms, std::int64_t now_ms = 0) {
        return staking.stake(ledger, id, Place::external(), UsdcWide(atoms), now_ms);
    }
    Result<StakingReport<USDC>> request(StakerId id, const Shares& shares, std::int64_t now_ms = 0) {
        return staking.request_unstake(ledger, id, shares, now_ms);
    }
    Result<StakingReport<USDC>> claim(StakerId id, std::int64_t now_ms = 0) {
        return staking.claim(ledger, id, Place::external(), now_ms);
    }
    Shares shares(StakerId id, std::int64_t now_ms = 0) const {
        return staking.staker_at(ledger, id, now_ms).value().shares;
    }
    std::int64_t value(StakerId id, std::int64_t now_ms = 0) const {
        return static_cast<std::int64_t>(staking.staker_value_at(ledger, id, now_ms).value().atoms());
    }
};

inline bool same_pool(const StakingPool& a, const StakingPool& b) {
    return a.total_shares == b.total_shares && a.user_shares == b.user_shares &&
           a.shares_base == b.shares_base && a.user_epoch == b.user_epoch && a.accounted == b.accounted &&
           a.unvested_at_anchor == b.unvested_at_anchor && a.anchor_ms == b.anchor_ms &&
           a.vest_end_ms == b.vest_end_ms && a.now_ms == b.now_ms && a.claim_day == b.claim_day &&
           a.claim_day_allowance == b.claim_day_allowance && a.claimed_in_day == b.claimed_in_day;
}

inline bool same_record(const StakerRecord& a, const StakerRecord& b) {
    return a.shares == b.shares && a.shares_base == b.shares_base && a.epoch == b.epoch &&
           a.request_pending == b.request_pending && a.request_shares == b.request_shares &&
           a.request_value == b.request_value && a.claimable_at_ms == b.claimable_at_ms &&
           a.cost_basis == b.cost_basis;
}

}  // namespace backstop::testing
