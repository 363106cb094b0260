// GARCH(1,1) with Student-t innovations (volatility clustering, fat tails; domain.md 7.2):
//   r_t = mean + sigma_t e_t,   e_t = t_nu sqrt((nu - 2) / nu)  (unit variance),
//   sigma_{t+1}^2 = omega + alpha (r_t - mean)^2 + beta sigma_t^2.
// Parameters are per step (the step the scenario uses); stationary when alpha + beta < 1, with
// unconditional variance omega / (1 - alpha - beta). The first step starts at that variance.
#pragma once

#include <cmath>

namespace backstop {
namespace risk {

struct GarchT {
    double mean_per_step = 0.0;
    double omega = 2.0e-6;
    double alpha = 0.08;
    double beta = 0.90;
    double degrees_of_freedom = 5.0;

    struct State {
        double variance = 0.0;
    };
    double unconditional_variance() const { return omega / (1.0 - alpha - beta); }
    State initial_state() const { return State{unconditional_variance()}; }

    template <class Rng>
    double log_return(State& state, Rng& rng, double /*dt_years*/) const {
        const double nu = degrees_of_freedom;
        const double shock = rng.student_t(nu) * std::sqrt((nu - 2.0) / nu);
        const double innovation = std::sqrt(state.variance) * shock;
        state.variance = omega + alpha * innovation * innovation + beta * state.variance;
        return mean_per_step + innovation;
    }
};

}  // namespace risk
}  // namespace backstop
