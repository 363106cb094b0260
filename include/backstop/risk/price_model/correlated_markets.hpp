// Correlated log returns for several markets (one per protocol in a joint simulation): a one-factor
// diffusion and a common jump component, Merton's jump-diffusion (merton_jump.hpp) per market with
// the randomness shared.
//
//   r_k = (-lambda k_k - sigma_k^2 / 2) dt + sigma_k sqrt(dt) (sqrt(rho) Z_0 + sqrt(1 - rho) Z_k)
//         + sum_{i <= N} beta_k J_i,            N ~ Poisson(lambda dt), J_i ~ N(jump_mean, jump_sd^2)
//
// so the diffusions have correlation rho between any two markets, and every market jumps at the
// same moments (beta_k scales market k's share of the common jump: 1 moves it fully, 0 not at
// all); k_k is the compensator exp(beta_k m + beta_k^2 s^2 / 2) - 1 that keeps each market's drift
// at zero. The draws of step s come from RandomStream(seed, path) at step s, in a fixed order
// (Z_0, Z_1..Z_n, N, the jumps), so a path is the same whichever protocols read it.
#pragma once

#include "backstop/risk/rng/random_stream.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace backstop {
namespace risk {

struct CorrelatedMarkets {
    std::vector<double> volatility_per_year{0.5, 0.6, 0.8};  // one per market
    std::vector<double> jump_beta{1.0, 1.0, 1.2};            // each market's share of a common jump
    double correlation = 0.6;                                // of the diffusions, in [0, 1]
    double jump_intensity_per_year = 6.0;                    // common jumps
    double jump_mean = -0.06;                                // of the log jump
    double jump_volatility = 0.04;

    std::size_t size() const { return volatility_per_year.size(); }

    bool valid() const {
        if (volatility_per_year.empty() || jump_beta.size() != volatility_per_year.size()) return false;
        for (std::size_t k = 0; k < size(); ++k) {
            if (!(volatility_per_year[k] >= 0.0 && volatility_per_year[k] <= 10.0)) return false;
            if (!(jump_beta[k] >= 0.0 && jump_beta[k] <= 10.0)) return false;
        }
        return correlation >= 0.0 && correlation <= 1.0 && jump_intensity_per_year >= 0.0 &&
               jump_intensity_per_year <= 1e4 && std::abs(jump_mean) <= 1.0 && jump_volatility >= 0.0 &&
               jump_volatility <= 1.0;
    }

    double compensator(std::size_t k) const {
        const double b = jump_beta[k];
        return std::exp(b * jump_mean + 0.5 * b * b * jump_volatility * jump_volatility) - 1.0;
    }

    // Writes the log returns of every market for one step into out[0 .. size()).
    void log_returns(RandomStream& rng, std::uint64_t step, double dt_years, double* out) const {
        rng.at_step(step);
        const double common = rng.normal();
        const double loading = std::sqrt(correlation);
        const double own = std::sqrt(1.0 - correlation);
        for (std::size_t k = 0; k < size(); ++k) {
            const double sigma = volatility_per_year[k];
            out[k] = (-jump_intensity_per_year * compensator(k) - 0.5 * sigma * sigma) * dt_years +
                     sigma * std::sqrt(dt_years) * (loading * common + own * rng.normal());
        }
        const std::uint64_t jumps = rng.poisson(jump_intensity_per_year * dt_years);
        for (std::uint64_t i = 0; i < jumps; ++i) {
            const double jump = jump_mean + jump_volatility * rng.normal();
            for (std::size_t k = 0; k < size(); ++k) out[k] += jump_beta[k] * jump;
        }
    }
};

}  // namespace risk
}  // namespace backstop
