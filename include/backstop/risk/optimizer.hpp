// A small deterministic minimiser for smooth objectives of a few unconstrained variables (the
// GARCH likelihood on transformed parameters, garch_fit.hpp): BFGS on the inverse Hessian with a
// backtracking Armijo line search, and a symmetric matrix inverse for the standard errors. No
// randomness and a fixed order of operations: the same inputs give the same bits.
// Nocedal and Wright, "Numerical Optimization", 2nd ed., algorithm 6.1 and (6.20) for the first
// scaling of the inverse Hessian.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace backstop {
namespace risk {

struct BfgsOptions {
    int max_iterations = 1'000;
    // Converged when every component of the gradient is at most this in absolute value.
    double gradient_tolerance = 1e-9;
    // Largest change of any variable in one step (keeps exp() of a transformed parameter sane).
    double max_step = 4.0;
    // Relative rounding of the objective's value (a sum of many terms loses a few digits).
    double value_rounding = 1e-12;
};

struct BfgsResult {
    std::vector<double> x;
    double value = 0.0;
    std::vector<double> gradient;
    int iterations = 0;
    bool converged = false;
};

inline double largest_magnitude(const std::vector<double>& values) {
    double largest = 0.0;
    for (double v : values) largest = std::max(largest, std::fabs(v));
    return largest;
}

// Minimises objective(x, gradient), which returns the value and writes the gradient (the same
// size as x); a non-finite value marks x as outside the domain and makes the line search back off.
template <class Objective>
BfgsResult minimize_bfgs(Objective&& objective, std::vector<double> x, const BfgsOptions& options) {
    const std::size_t k = x.size();
    BfgsResult result;
    std::vector<double> gradient(k, 0.0);
    double value = objective(x, gradient);
    std::vector<double> inverse(k * k, 0.0);  // row-major inverse Hessian estimate
    for (std::size_t i = 0; i < k; ++i) inverse[i * k + i] = 1.0;
    bool first_update = true;
    std::vector<double> direction(k), trial(k), trial_gradient(k), s(k), y(k), hy(k);
    const auto small_gradient = [&](const std::vector<double>& g) {
        for (double gi : g) {
            if (!(std::fabs(gi) <= options.gradient_tolerance)) return false;
        }
        return true;
    };
    int iteration = 0;
    bool converged = std::isfinite(value) && small_gradient(gradient);
    while (!converged && std::isfinite(value) && iteration < options.max_iterations) {
        ++iteration;
        double slope = 0.0;
        double longest = 0.0;
        for (std::size_t i = 0; i < k; ++i) {
            double d = 0.0;
            for (std::size_t j = 0; j < k; ++j) d -= inverse[i * k + j] * gradient[j];
            direction[i] = d;
            slope += d * gradient[i];
            longest = std::max(longest, std::fabs(d));
        }
        if (!(slope < 0.0)) {  // not a descent direction: restart from steepest descent
            std::fill(inverse.begin(), inverse.end(), 0.0);
            for (std::size_t i = 0; i < k; ++i) {
                inverse[i * k + i] = 1.0;
                direction[i] = -gradient[i];
            }
            first_update = true;
            slope = 0.0;
            longest = 0.0;
            for (std::size_t i = 0; i < k; ++i) {
                slope += direction[i] * gradient[i];
                longest = std::max(longest, std::fabs(direction[i]));
            }
        }
        double step = longest > options.max_step ? options.max_step / longest : 1.0;
        double trial_value = std::numeric_limits<double>::infinity();
        bool accepted = false;
        for (int halving = 0; halving < 60; ++halving, step *= 0.5) {
            for (std::size_t i = 0; i < k; ++i) trial[i] = x[i] + step * direction[i];
            trial_value = objective(trial, trial_gradient);
            if (!std::isfinite(trial_value)) continue;
            // Armijo; or, once the decrease is below the rounding of the value (near the
            // optimum a gradient g moves it by about g^2 / curvature), a step that does not raise
            // it beyond that rounding and shrinks the gradient (Hager and Zhang's approximate
            // Wolfe condition, 2005): the gradient stays accurate where the value no longer is.
            if (trial_value <= value + 1e-4 * step * slope) {
                accepted = true;
                break;
            }
            if (trial_value <= value + options.value_rounding * std::fabs(value) &&
                largest_magnitude(trial_gradient) < largest_magnitude(gradient)) {
                accepted = true;
                break;
            }
        }
        if (!accepted) break;  // no decrease possible at double precision: stop where we are
        double sy = 0.0;
        double yy = 0.0;
        double s_norm = 0.0;
        double y_norm = 0.0;
        for (std::size_t i = 0; i < k; ++i) {
            s[i] = trial[i] - x[i];
            y[i] = trial_gradient[i] - gradient[i];
            sy += s[i] * y[i];
            yy += y[i] * y[i];
            s_norm += s[i] * s[i];
            y_norm += y[i] * y[i];
        }
        x = trial;
        value = trial_value;
        gradient = trial_gradient;
        converged = small_gradient(gradient);
        // Curvature condition: skip the update when s'y is not safely positive (Armijo alone
        // does not guarantee it).
        if (!(sy > 1e-12 * std::sqrt(s_norm * y_norm))) continue;
        if (first_update) {
            const double scale = sy / yy;
            for (std::size_t i = 0; i < k * k; ++i) inverse[i] *= scale;
            first_update = false;
        }
        // H <- (I - rho s y') H (I - rho y s') + rho s s', with rho = 1 / s'y.
        const double rho = 1.0 / sy;
        double yhy = 0.0;
        for (std::size_t i = 0; i < k; ++i) {
            double v = 0.0;
            for (std::size_t j = 0; j < k; ++j) v += inverse[i * k + j] * y[j];
            hy[i] = v;
            yhy += y[i] * v;
        }
        for (std::size_t i = 0; i < k; ++i) {
            for (std::size_t j = 0; j < k; ++j) {
                inverse[i * k + j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
            }
        }
    }
    result.x = std::move(x);
    result.value = value;
    result.gradient = std::move(gradient);
    result.iterations = iteration;
    result.converged = converged;
    return result;
}

// Inverts a k x k row-major matrix by Gauss-Jordan elimination with partial pivoting. False when
// it is singular to working precision (then `inverse` is unspecified).
inline bool invert_matrix(std::vector<double> matrix, std::size_t k, std::vector<double>& inverse) {
    inverse.assign(k * k, 0.0);
    for (std::size_t i = 0; i < k; ++i) inverse[i * k + i] = 1.0;
    double largest = 0.0;
    for (double v : matrix) largest = std::max(largest, std::fabs(v));
    if (!(largest > 0.0) || !std::isfinite(largest)) return false;
    for (std::size_t column = 0; column < k; ++column) {
        std::size_t pivot = column;
        for (std::size_t row = column + 1; row < k; ++row) {
            if (std::fabs(matrix[row * k + column]) > std::fabs(matrix[pivot * k + column])) pivot = row;
        }
        const double pivot_value = matrix[pivot * k + column];
        if (!(std::fabs(pivot_value) > 1e-14 * largest)) return false;
        if (pivot != column) {
            for (std::size_t j = 0; j < k; ++j) {
                std::swap(matrix[pivot * k + j], matrix[column * k + j]);
                std::swap(inverse[pivot * k + j], inverse[column * k + j]);
            }
        }
        for (std::size_t j = 0; j < k; ++j) {
            matrix[column * k + j] /= pivot_value;
            inverse[column * k + j] /= pivot_value;
        }
        for (std::size_t row = 0; row < k; ++row) {
            if (row == column) continue;
            const double factor = matrix[row * k + column];
            if (factor == 0.0) continue;
            for (std::size_t j = 0; j < k; ++j) {
                matrix[row * k + j] -= factor * matrix[column * k + j];
                inverse[row * k + j] -= factor * inverse[column * k + j];
            }
        }
    }
    return true;
}

}  // namespace risk
}  // namespace backstop
