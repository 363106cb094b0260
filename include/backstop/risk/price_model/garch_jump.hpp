// GARCH(1,1) with Student-t innovations plus Merton jumps: volatility clustering from the GARCH
// part, fat tails from both, and sudden gaps that no volatility estimate sees coming (the
// BTC-like default of the demo; domain.md 7.2). Per step of dt years:
//   r_t = mean + sigma_t e_t + J_t,    e_t = t_nu sqrt((nu - 2) / nu)   (unit variance),
//   sigma_{t+1}^2 = omega + alpha (sigma_t e_t)^2 + beta sigma_t^2,
//   J_t = sum_{i <= N_t} Y_i,  N_t ~ Poisson(lambda dt),  Y_i ~ N(jump_mean, jump_volatility^2).
// Jumps do not feed the variance recursion (they are the part GARCH cannot forecast). Given N
// jumps their sum is N(N jump_mean, N jump_volatility^2), so one normal draw covers them all.
// Draw order per step: the t shock, the jump count, then one normal if there is a jump.
#pragma once

#include <cmath>
#include <cstdint>

namespace backstop {
namespace risk {

struct GarchJump {
    double mean_per_step = 0.0;
    double omega = 5.7e-7;                 // per step; with alpha, beta: 50%/year diffusive, hourly
    double alpha = 0.08;
    double beta = 0.90;
    double degrees_of_freedom = 5.0;
    double jump_intensity_per_year = 12.0;  // about one gap a month
    double jump_mean = -0.03;               // of the log jump
    double jump_volatility = 0.05;

    struct State {
        double variance = 0.0;
    };
    double unconditional_variance() const { return omega / (1.0 - alpha - beta); }
    State initial_state() const { return State{unconditional_variance()}; }

    template <class Rng>
    double log_return(State& state, Rng& rng, double dt_years) const {
        const double nu = degrees_of_freedom;
        const double shock = rng.student_t(nu) * std::sqrt((nu - 2.0) / nu);  // e_t
        const double variance = state.variance;
        // alpha (sigma_t e_t)^2 + beta sigma_t^2 written as sigma_t^2 (alpha e_t^2 + beta): the
        // chain from one step's variance to the next is then a multiply and an add, with no
        // square root on it, so consecutive steps overlap.
        state.variance = omega + variance * (alpha * shock * shock + beta);
        double r = mean_per_step + std::sqrt(variance) * shock;
        const std::uint64_t jumps = rng.poisson(jump_intensity_per_year * dt_years);
        if (jumps > 0) {
            const double n = static_cast<double>(jumps);
            r += n * jump_mean + std::sqrt(n) * jump_volatility * rng.normal();
        }
        return r;
    }

    // Stationary moments of one step's log return (the GARCH part at its unconditional variance).
    double log_return_mean(double dt_years) const {
        return mean_per_step + jump_intensity_per_year * dt_years * jump_mean;
    }
    double log_return_variance(double dt_years) const {
        return unconditional_variance() +
               jump_intensity_per_year * dt_years * (jump_volatility * jump_volatility + jump_mean * jump_mean);
    }
};

}  // namespace risk
}  // namespace backstop
