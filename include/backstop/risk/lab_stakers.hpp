// Stakers in a simulated fund (docs/management.md, FundSetup::staking): part of the initial fund
// is staked by outside stakers through FundStaking's shares, the rest is the protocol's. Each
// staker asks for its whole stake back when the fund has fallen far enough from its high (staker
// i of n at (i + 1) / n of `run_drawdown`: a run that grows as the fund falls), and claims it
// after the cooldown, within the daily claim limit; the claim leaves the engine's fund through
// fund_withdraw. The shares live on a ledger of their own whose fund place follows the engine's
// fund: each step its change (penalties and fees in, bad debt out) is the revenue or the loss the
// stakers share by their loss order.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/ledger/ledger.hpp"
#include "backstop/management/fund_staking.hpp"
#include "backstop/money/assets.hpp"
#include "backstop/risk/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace backstop {
namespace risk {

class LabStakers {
public:
    using Staking = FundStaking<assets::USDC>;
    using Wide = Amount<assets::USDC, Int128>;

    // The shares of a fund of `initial_atoms` at `now_ms`: the protocol's part first (seeded 1:1),
    // then each staker's equal stake.
    static Result<LabStakers> open(const StakingSetup& setup, std::int64_t initial_atoms, std::int64_t now_ms) {
        if (!setup.valid()) return make_error(ErrorCode::invalid_policy_parameter, "staking set-up out of range");
        LabStakers lab;
        lab.setup_ = setup;
        Result<FundId> fund = lab.shares_ledger_.open_fund();
        if (!fund) return fund.error();
        lab.place_ = Place::fund(*fund);
        const auto staked = static_cast<std::int64_t>(static_cast<double>(initial_atoms) * setup.staked_fraction);
        const std::int64_t per_staker = staked / setup.stakers;
        const std::int64_t protocol = initial_atoms - per_staker * setup.stakers;
        if (protocol > 0) {
            if (Result<void> ok = lab.shares_ledger_.transfer(Place::external(), lab.place_, Amount<assets::USDC>(protocol),
                                                              TransferReason::fund_deposit);
                !ok) {
                return ok.error();
            }
        }
        StakingConfig config;
        config.cooldown_ms = static_cast<std::int64_t>(setup.cooldown_hours * 3'600'000.0);
        config.claims_per_day_max = Bps{std::max<std::int64_t>(1, std::llround(setup.claims_per_day_max * 10'000.0))};
        Result<Staking> staking = Staking::open(lab.shares_ledger_, *fund, config, StakingLimits{setup.stakers});
        if (!staking) return staking.error();
        lab.staking_ = std::move(*staking);
        for (std::uint32_t i = 0; i < setup.stakers; ++i) {
            Result<StakerId> id = lab.staking_.open_staker();
            if (!id) return id.error();
            if (per_staker <= 0) continue;
            Result<Staking::Report> done = lab.staking_.stake(lab.shares_ledger_, *id, Place::external(), Wide(Int128(per_staker)), now_ms);
            if (!done) return done.error();
        }
        lab.high_price_ = lab.share_price(now_ms);
        return lab;
    }

    // One step: the shares' fund follows the engine's to `fund_atoms`; stakers past their
    // threshold ask for their stake; due requests are claimed and withdrawn (`withdraw(amount)`,
    // the engine's fund_withdraw). Returns what was claimed, in atoms.
    template <class Withdraw>
    std::int64_t step(std::int64_t fund_atoms, std::int64_t now_ms, Withdraw withdraw) {
        follow(fund_atoms);
        // Stakers watch the value of a share, not the fund's balance: another staker's exit is not a fall.
        const double price = share_price(now_ms);
        high_price_ = std::max(high_price_, price);
        const double drawdown = high_price_ > 0.0 ? 1.0 - price / high_price_ : 0.0;
        std::int64_t claimed = 0;
        for (std::uint32_t i = 0; i < setup_.stakers; ++i) {
            const StakerId id{i};
            const Result<StakerRecord> record = staking_.staker_at(shares_ledger_, id, now_ms);
            if (!record) continue;
            const double threshold = setup_.run_drawdown * static_cast<double>(i + 1) / static_cast<double>(setup_.stakers);
            if (!record->request_pending && record->shares > 0 && drawdown >= threshold) {
                (void)staking_.request_unstake(shares_ledger_, id, record->shares, now_ms);
            }
            const Result<StakerRecord> now = staking_.staker_at(shares_ledger_, id, now_ms);
            if (!now || !now->request_pending || now->claimable_at_ms > now_ms) continue;
            const Result<Staking::Report> paid = staking_.claim(shares_ledger_, id, Place::external(), now_ms);
            if (!paid || paid->amount.atoms() <= 0) continue;
            const auto amount = static_cast<std::int64_t>(paid->amount.atoms());
            withdraw(Amount<assets::USDC>(amount));
            claimed += amount;
        }
        return claimed;
    }

    bool conserved() const { return shares_ledger_.audit().balanced(); }
    const Staking& staking() const { return staking_; }

private:
    LabStakers() = default;

    // The fund's value per share (a decision of the simulated stakers, in doubles; 0 with no shares).
    double share_price(std::int64_t now_ms) const {
        const Result<StakingPool> pool = staking_.pool_at(shares_ledger_, now_ms);
        const Result<Wide> value = staking_.value_at(shares_ledger_, now_ms);
        if (!pool || !value || pool->total_shares <= 0) return 0.0;
        return static_cast<double>(value->atoms()) / static_cast<double>(pool->total_shares);
    }

    // The engine's fund changed by penalties, fees and bad debt since the last step: the shares'
    // fund changes by as much, from or to the outside.
    void follow(std::int64_t fund_atoms) {
        const std::int64_t mine = shares_ledger_.balance_of(place_).atoms();
        if (fund_atoms > mine) {
            (void)shares_ledger_.transfer(Place::external(), place_, Amount<assets::USDC>(fund_atoms - mine), TransferReason::fund_deposit);
        } else if (fund_atoms < mine) {
            (void)shares_ledger_.transfer(place_, Place::external(), Amount<assets::USDC>(mine - fund_atoms),
                                          TransferReason::bad_debt_payment);
        }
    }

    StakingSetup setup_;
    Ledger<assets::USDC> shares_ledger_{LedgerLimits{1, 1, 1}};
    Place place_;
    Staking staking_;
    double high_price_ = 0.0;
};

}  // namespace risk
}  // namespace backstop
