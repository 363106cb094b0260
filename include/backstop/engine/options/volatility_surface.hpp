// VolatilitySurface: implied volatilities on a grid of expiries x strikes, interpolated.
//
// Along strikes, linear in the strike between two grid strikes and flat beyond the first and the
// last. Along expiries, linear in total variance (vol^2 x T) at the strike, the usual choice: it
// keeps a surface without calendar arbitrage free of it between the grid's expiries; flat in vol
// before the first expiry and after the last. Sticky strike: the surface does not move with the
// forward, so a scenario that moves the forward keeps each option's volatility (portfolio
// margin shifts the volatility separately).
//
// The grid is checked once, when the surface is made; reading it allocates nothing.
#pragma once

#include "backstop/core/result.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

namespace backstop {

class VolatilitySurface {
public:
    // `volatilities` row by row, one row per expiry: volatilities[e * strikes.size() + k]. Expiries
    // strictly increasing within (0, 100] years, strikes strictly increasing within (0, 1e19];
    // every volatility within [1e-4, 10] (so total variance neither overflows nor vanishes).
    static Result<VolatilitySurface> create(std::vector<double> expiries_years, std::vector<double> strikes,
                                            std::vector<double> volatilities) {
        if (expiries_years.empty() || strikes.empty()) {
            return make_error(ErrorCode::invalid_option_input, "a volatility surface needs an expiry and a strike");
        }
        if (volatilities.size() / strikes.size() != expiries_years.size() ||
            volatilities.size() % strikes.size() != 0) {
            return make_error(ErrorCode::invalid_option_input,
                              "a volatility surface needs one volatility per expiry and strike");
        }
        if (!increasing_within(expiries_years, 100.0)) {
            return make_error(ErrorCode::invalid_option_input,
                              "a surface's expiries must be strictly increasing within (0, 100] years");
        }
        if (!increasing_within(strikes, 1e19)) {
            return make_error(ErrorCode::invalid_option_input,
                              "a surface's strikes must be strictly increasing within (0, 1e19]");
        }
        for (double v : volatilities) {
            if (!(v >= 1e-4 && v <= 10.0)) {
                return make_error(ErrorCode::invalid_option_input, "a surface's volatilities must be within [1e-4, 10]");
            }
        }
        return VolatilitySurface(std::move(expiries_years), std::move(strikes), std::move(volatilities));
    }

    // One volatility for every strike and expiry.
    static Result<VolatilitySurface> flat(double volatility) { return create({1.0}, {1.0}, {volatility}); }

    // The volatility for `strike` and `time_years` to expiry (any finite values; a time at or
    // before the first expiry reads that expiry's row).
    double volatility(double strike, double time_years) const noexcept {
        const std::size_t rows = expiries_.size();
        const std::size_t last = rows - 1;
        if (!(time_years > expiries_[0])) return along_strikes(0, strike);
        if (time_years >= expiries_[last]) return along_strikes(last, strike);
        const std::size_t upper = static_cast<std::size_t>(
            std::upper_bound(expiries_.begin(), expiries_.end(), time_years) - expiries_.begin());
        const std::size_t lower = upper - 1;
        const double t0 = expiries_[lower];
        const double t1 = expiries_[upper];
        const double v0 = along_strikes(lower, strike);
        const double v1 = along_strikes(upper, strike);
        const double w0 = v0 * v0 * t0;
        const double w1 = v1 * v1 * t1;
        const double w = w0 + (w1 - w0) * (time_years - t0) / (t1 - t0);
        // Total variance that falls between the rows stays positive: both ends are.
        return std::sqrt(w / time_years);
    }

    const std::vector<double>& expiries_years() const noexcept { return expiries_; }
    const std::vector<double>& strikes() const noexcept { return strikes_; }
    const std::vector<double>& volatilities() const noexcept { return volatilities_; }

private:
    VolatilitySurface(std::vector<double> expiries, std::vector<double> strikes, std::vector<double> volatilities)
        : expiries_(std::move(expiries)), strikes_(std::move(strikes)), volatilities_(std::move(volatilities)) {}

    static bool increasing_within(const std::vector<double>& xs, double max) {
        for (std::size_t i = 0; i < xs.size(); ++i) {
            if (!(xs[i] > 0 && xs[i] <= max)) return false;
            if (i > 0 && !(xs[i] > xs[i - 1])) return false;
        }
        return true;
    }

    double along_strikes(std::size_t row, double strike) const noexcept {
        const double* vols = volatilities_.data() + row * strikes_.size();
        const std::size_t last = strikes_.size() - 1;
        if (!(strike > strikes_[0])) return vols[0];
        if (strike >= strikes_[last]) return vols[last];
        const std::size_t upper = static_cast<std::size_t>(
            std::upper_bound(strikes_.begin(), strikes_.end(), strike) - strikes_.begin());
        const std::size_t lower = upper - 1;
        const double x = (strike - strikes_[lower]) / (strikes_[upper] - strikes_[lower]);
        return vols[lower] + (vols[upper] - vols[lower]) * x;
    }

    std::vector<double> expiries_;
    std::vector<double> strikes_;
    std::vector<double> volatilities_;
};

}  // namespace backstop
