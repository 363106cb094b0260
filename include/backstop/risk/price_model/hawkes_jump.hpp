// Self-exciting (Hawkes) jumps on top of a diffusion: jumps arrive with intensity
//   lambda(t) = baseline + sum over past jumps of excitation exp(-decay (t - t_i)),
// so a jump makes the next more likely (cascades, clustering). Discretised per step: the number
// of jumps in a step is Poisson of the intensity integrated over the step,
//   baseline dt + excess (1 - exp(-decay dt)) / decay,
// then the excess decays by exp(-decay dt) and each jump adds `excitation`. With the integrated
// intensity the stationary mean is exactly baseline / (1 - n), n = excitation / decay < 1 the
// branching ratio. Rates are per year; jumps as in MertonJump.
#pragma once

#include <cmath>
#include <cstdint>

namespace backstop {
namespace risk {

struct HawkesJump {
    double volatility_per_year = 0.5;
    double baseline_per_year = 10.0;
    double excitation_per_year = 400.0;  // added to the intensity by each jump
    double decay_per_year = 800.0;       // branching ratio 0.5
    double jump_mean = -0.01;
    double jump_volatility = 0.03;

    struct State {
        double intensity_excess = 0.0;  // lambda - baseline
        std::uint64_t jumps = 0;        // counted, for tests and reports
    };
    State initial_state() const { return {}; }

    double branching_ratio() const { return excitation_per_year / decay_per_year; }
    double mean_intensity_per_year() const { return baseline_per_year / (1.0 - branching_ratio()); }

    template <class Rng>
    double log_return(State& state, Rng& rng, double dt_years) const {
        const double sigma = volatility_per_year;
        double r = -0.5 * sigma * sigma * dt_years + sigma * std::sqrt(dt_years) * rng.normal();
        const double decay = std::exp(-decay_per_year * dt_years);
        const double expected_jumps =
            baseline_per_year * dt_years + state.intensity_excess * (1.0 - decay) / decay_per_year;
        const std::uint64_t jumps = rng.poisson(expected_jumps);
        for (std::uint64_t i = 0; i < jumps; ++i) r += jump_mean + jump_volatility * rng.normal();
        state.intensity_excess = state.intensity_excess * decay + excitation_per_year * static_cast<double>(jumps);
        state.jumps += jumps;
        return r;
    }
};

}  // namespace risk
}  // namespace backstop
