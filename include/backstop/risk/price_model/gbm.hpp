// Geometric Brownian motion: dS/S = mu dt + sigma dW. Per step of dt years the log return is
//   (mu - sigma^2 / 2) dt + sigma sqrt(dt) Z,   Z ~ N(0, 1).
// Parameters are annual (drift_per_year, volatility_per_year).
#pragma once

#include <cmath>

namespace backstop {
namespace risk {

struct Gbm {
    double drift_per_year = 0.0;
    double volatility_per_year = 0.6;

    struct State {};
    State initial_state() const { return {}; }

    template <class Rng>
    double log_return(State&, Rng& rng, double dt_years) const {
        const double sigma = volatility_per_year;
        return (drift_per_year - 0.5 * sigma * sigma) * dt_years + sigma * std::sqrt(dt_years) * rng.normal();
    }

    // Theory, for tests and reports: mean and variance of one step's log return.
    double log_return_mean(double dt_years) const {
        return (drift_per_year - 0.5 * volatility_per_year * volatility_per_year) * dt_years;
    }
    double log_return_variance(double dt_years) const {
        return volatility_per_year * volatility_per_year * dt_years;
    }
};

}  // namespace risk
}  // namespace backstop
