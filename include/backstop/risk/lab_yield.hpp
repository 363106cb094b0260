// The lab's yield on idle capital (FundSetup::yield): one strategy of
// management/yield_strategies.hpp beside the engine's fund, on a ledger of its own whose fund place
// stands for the engine's fund during a rebalance.
//
// At every rebalance (every rebalance_hours) the engine's whole fund balance moves to that place
// (engine fund_withdraw, then outside -> place), YieldStrategies::rebalance runs there against the
// floor (recalls what is due, requests a recall below the floor, places what lies above it and its
// band), and the place's balance moves back (place -> outside, engine fund_deposit): two engine
// commands each way, nothing in between, both sides counted so that a path whose sides differ by
// one atom is not conserved. Between rebalances the placed capital is not the fund's: a deficit
// meets the fund's balance only, as in an exchange (the attack tests of yield_strategies.hpp).
// Every step the strategy may default (probability per year x the step, from a random stream of
// its own so that the market's draws are the same with and without yield), losing its severity of
// what it holds.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/core/config.hpp"
#include "backstop/ledger/ledger.hpp"
#include "backstop/management/yield_strategies.hpp"
#include "backstop/money/assets.hpp"
#include "backstop/risk/engine_fund_bridge.hpp"
#include "backstop/risk/rng/random_stream.hpp"
#include "backstop/risk/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace backstop {
namespace risk {

class LabYield {
public:
    using USDC = assets::USDC;
    using Wide = Amount<USDC, Int128>;
    static constexpr std::uint64_t stream_salt = 0x5949'454c'4421'0001ULL;  // "YIELD!": not the market's stream

    static Result<LabYield> open(const YieldSetup& setup, std::int64_t floor_atoms, std::uint64_t seed, std::uint64_t path) {
        if (!setup.valid() || floor_atoms < 0) return make_error(ErrorCode::invalid_policy_parameter, "invalid yield set-up");
        LabYield lab(seed, path);
        lab.fund_ = *lab.ledger_.open_fund();
        Result<YieldStrategies<USDC>> yield = YieldStrategies<USDC>::open(lab.ledger_, lab.fund_);
        if (!yield) return yield.error();
        lab.yield_ = std::move(*yield);
        StrategyConfig config;
        config.rate_per_year = Bps{static_cast<std::int64_t>(std::llround(setup.rate_per_year * 10'000.0))};
        config.lockup_ms = static_cast<std::int64_t>(std::llround(setup.lockup_days * 86'400'000.0));
        config.withdrawal_delay_ms = static_cast<std::int64_t>(std::llround(setup.withdrawal_delay_days * 86'400'000.0));
        config.loss_probability_per_year = Ppm{static_cast<std::int64_t>(std::llround(std::min(1.0, setup.default_probability_per_year) * 1e6))};
        config.loss_severity = Ppm{static_cast<std::int64_t>(std::llround(setup.default_severity * 1e6))};
        Result<StrategyId> strategy = lab.yield_.open_strategy(lab.ledger_, config);
        if (!strategy) return strategy.error();
        lab.strategy_ = *strategy;
        lab.floor_ = Wide(Int128(floor_atoms));
        lab.setup_ = setup;
        lab.rebalance_ms_ = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(setup.rebalance_hours * 3'600'000.0)));
        return lab;
    }

    // After a step's liquidations, at now_ms. `engine` is the path's MarginEngine.
    template <class Engine>
    void step(Engine& engine, std::uint32_t step, std::int64_t now_ms, double dt_years) {
        rng_.at_step(step);
        const double p = setup_.default_probability_per_year * dt_years;
        if (rng_.uniform() < p && holding() > 0) {
            const Ppm severity{static_cast<std::int64_t>(std::llround(setup_.default_severity * 1e6))};
            const Result<YieldReport<USDC>> loss = yield_.apply_loss(ledger_, strategy_, severity, now_ms);
            if (loss) {  // it accrues the income to now first
                income_atoms_ += backstop::detail::int128(loss->income.atoms());
                losses_atoms_ += backstop::detail::int128(loss->moved.atoms());
                ++defaults_;
            }
        }
        if (now_ms < next_rebalance_ms_) return;
        next_rebalance_ms_ = now_ms + rebalance_ms_;
        const std::int64_t balance = engine.fund().balance(engine.ledger()).atoms();
        if (balance > 0) {
            if (!detail::move_out_of_engine_fund(engine, ledger_, Place::fund(fund_), balance)) return;
            out_atoms_ += balance;
        }
        const Result<RebalanceReport<USDC>> report = yield_.rebalance(ledger_, floor_, now_ms);
        if (report) income_atoms_ += backstop::detail::int128(static_cast<std::int64_t>(report->income.atoms()));
        const std::int64_t back = ledger_.balance_of(Place::fund(fund_)).atoms();
        // Refused (an overflow): the money stays here, and conserved() says so.
        if (detail::move_into_engine_fund(engine, ledger_, Place::fund(fund_), back)) in_atoms_ += back;
    }

    // Capital placed with the strategy (its income accrued to the last operation).
    std::int64_t holding() const { return ledger_.balance_of(Place::strategy(strategy_)).atoms(); }
    // Totals over the path: 128 bits, since the whole fund passes through every rebalance.
    std::int64_t income_atoms() const { return saturate(income_atoms_); }
    std::int64_t losses_atoms() const { return saturate(losses_atoms_); }
    std::uint32_t defaults() const { return defaults_; }
    // What left the engine's fund came back or is placed, to the atom (income in, losses out).
    bool conserved() const {
        return ledger_.audit().balanced() && ledger_.balance_of(Place::fund(fund_)).is_zero() &&
               out_atoms_ + income_atoms_ - losses_atoms_ == in_atoms_ + holding();
    }

private:
    LabYield(std::uint64_t seed, std::uint64_t path) : ledger_(LedgerLimits{0, 1, 0, 1}), rng_(seed + stream_salt, path) {}

    Ledger<USDC> ledger_;
    RandomStream rng_;
    YieldStrategies<USDC> yield_;
    FundId fund_{};
    StrategyId strategy_{};
    Wide floor_;
    YieldSetup setup_;
    std::int64_t rebalance_ms_ = 86'400'000;
    std::int64_t next_rebalance_ms_ = 0;
    static std::int64_t saturate(backstop::detail::int128 x) {
        return static_cast<std::int64_t>(std::min<backstop::detail::int128>(x, std::numeric_limits<std::int64_t>::max()));
    }

    backstop::detail::int128 out_atoms_ = 0;
    backstop::detail::int128 in_atoms_ = 0;
    backstop::detail::int128 income_atoms_ = 0;
    backstop::detail::int128 losses_atoms_ = 0;
    std::uint32_t defaults_ = 0;
};

}  // namespace risk
}  // namespace backstop
