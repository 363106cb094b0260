// The two textbook funds of ruin theory, simulated by the lab's random streams, so that the
// Monte Carlo machinery can be checked against closed forms (risk/ruin.hpp):
//   - a compound-Poisson fund (Cramer-Lundberg): U(t) = u + c t - sum of claims, claims arriving
//     at rate lambda with exponential sizes of mean mu, premium c = (1 + theta) lambda mu;
//   - a Brownian fund: U(t) = u + m t + s W(t).
// Each path p uses the stream (seed, p): results do not depend on how paths are split.
#pragma once

#include "backstop/risk/rng/random_stream.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace backstop {
namespace risk {

struct CompoundPoissonFund {
    double initial_capital = 5.0;   // u
    double loading = 0.25;          // theta
    double mean_claim = 1.0;        // mu
    double claim_rate = 1.0;        // lambda

    double premium_rate() const { return (1.0 + loading) * claim_rate * mean_claim; }

    // Whether path `path` is ruined. Ruin can only happen at a claim. A path stops (not ruined)
    // once its surplus exceeds `surplus_safe`, where the caller makes sure the remaining ruin
    // probability is negligible (for exponential claims psi(surplus_safe) is known), or after
    // `horizon` time units (a finite horizon; infinity for none).
    bool is_ruined(std::uint64_t seed, std::uint64_t path, double surplus_safe, double horizon) const {
        RandomStream rng(seed, path);
        rng.at_step(0);
        double surplus = initial_capital;
        double time = 0.0;
        const double premium = premium_rate();
        for (;;) {  // all of a path's draws come from step 0 of its stream, one after another
            const double wait = rng.exponential(claim_rate);
            if (time + wait > horizon) return false;
            time += wait;
            surplus += premium * wait - rng.exponential(1.0 / mean_claim);
            if (surplus < 0.0) return true;
            if (surplus > surplus_safe) return false;
        }
    }

    // The smallest initial capital that path `path` never ruins, with no time limit: the largest
    // excess of claims over premiums, sup_t (S(t) - c t) >= 0, so that the path is ruined exactly
    // when u < this (the fund-size calibration's per-path statistic). The walk stops once it has
    // fallen `margin` below its running maximum, where a new maximum has probability psi(margin),
    // chosen (exponential claims) to be at most `tail_probability`. Draws as in is_ruined().
    double required_capital(std::uint64_t seed, std::uint64_t path, double tail_probability) const {
        if (!(loading > 0.0)) return std::numeric_limits<double>::infinity();  // no net profit: ruin is certain
        const double one_plus = 1.0 + loading;
        const double margin = -one_plus * mean_claim / loading * std::log(one_plus * tail_probability);
        RandomStream rng(seed, path);
        rng.at_step(0);
        const double premium = premium_rate();
        double excess = 0.0;  // claims less premiums so far
        double largest = 0.0;
        for (;;) {
            excess -= premium * rng.exponential(claim_rate);
            excess += rng.exponential(1.0 / mean_claim);
            largest = std::max(largest, excess);
            if (excess < largest - margin) return largest;
        }
    }
};

struct BrownianFund {
    double initial_capital = 2.0;  // u
    double drift = 0.1;            // m
    double volatility = 1.0;       // s

    // Whether path `path` hits zero before `horizon`, simulated on steps of `dt` with the exact
    // Brownian-bridge probability of a crossing inside each step, exp(-2 x0 x1 / (s^2 dt)), so
    // the discretisation does not miss crossings between grid points.
    bool is_ruined(std::uint64_t seed, std::uint64_t path, double horizon, double dt) const {
        RandomStream rng(seed, path);
        double x = initial_capital;
        const auto steps = static_cast<std::uint64_t>(std::ceil(horizon / dt));
        const double sigma2 = volatility * volatility;
        for (std::uint64_t step = 0; step < steps; ++step) {
            rng.at_step(step);
            const double next = x + drift * dt + volatility * std::sqrt(dt) * rng.normal();
            if (next <= 0.0) return true;
            if (rng.uniform() < std::exp(-2.0 * x * next / (sigma2 * dt))) return true;
            x = next;
        }
        return false;
    }
};

}  // namespace risk
}  // namespace backstop
