// Merton jump-diffusion (domain.md 7.2): dS/S = (mu - lambda k) dt + sigma dW + (Y - 1) dN,
// N a Poisson process of intensity lambda per year, log Y ~ N(jump_mean, jump_volatility^2),
// k = exp(jump_mean + jump_volatility^2 / 2) - 1 (the compensator keeps the drift at mu). Per step:
//   (mu - lambda k - sigma^2/2) dt + sigma sqrt(dt) Z + sum_{i <= N_dt} J_i,  N_dt ~ Poisson(lambda dt).
#pragma once

#include <cmath>
#include <cstdint>

namespace backstop {
namespace risk {

struct MertonJump {
    double drift_per_year = 0.0;
    double volatility_per_year = 0.5;
    double jump_intensity_per_year = 20.0;
    double jump_mean = -0.02;        // of the log jump
    double jump_volatility = 0.04;   // of the log jump

    struct State {};
    State initial_state() const { return {}; }

    double compensator() const { return std::exp(jump_mean + 0.5 * jump_volatility * jump_volatility) - 1.0; }

    template <class Rng>
    double log_return(State&, Rng& rng, double dt_years) const {
        const double sigma = volatility_per_year;
        double r = (drift_per_year - jump_intensity_per_year * compensator() - 0.5 * sigma * sigma) * dt_years +
                   sigma * std::sqrt(dt_years) * rng.normal();
        const std::uint64_t jumps = rng.poisson(jump_intensity_per_year * dt_years);
        for (std::uint64_t i = 0; i < jumps; ++i) r += jump_mean + jump_volatility * rng.normal();
        return r;
    }

    double log_return_mean(double dt_years) const {
        const double sigma = volatility_per_year;
        return (drift_per_year - jump_intensity_per_year * compensator() - 0.5 * sigma * sigma) * dt_years +
               jump_intensity_per_year * dt_years * jump_mean;
    }
    double log_return_variance(double dt_years) const {
        return volatility_per_year * volatility_per_year * dt_years +
               jump_intensity_per_year * dt_years * (jump_volatility * jump_volatility + jump_mean * jump_mean);
    }
    // Excess kurtosis of one step: lambda dt E[J^4] (fourth cumulant of the compound Poisson part) / variance^2.
    double log_return_excess_kurtosis(double dt_years) const {
        const double m = jump_mean;
        const double s2 = jump_volatility * jump_volatility;
        const double fourth = m * m * m * m + 6.0 * m * m * s2 + 3.0 * s2 * s2;
        const double variance = log_return_variance(dt_years);
        return jump_intensity_per_year * dt_years * fourth / (variance * variance);
    }
};

}  // namespace risk
}  // namespace backstop
