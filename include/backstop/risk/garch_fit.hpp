// Maximum-likelihood fit of GARCH(1,1) with a constant mean and Gaussian or Student-t
// innovations, in the convention of R's fGarch::garchFit (defaults, init.rec = "mci"), so that
// the same series gives the same coefficients and log-likelihood (tests/reference/fgarch):
//   z_t = x_t - mean,   x_t = mean + sqrt(h_t) e_t,
//   h_1 = omega + (alpha + beta) * (1/n) sum_s z_s^2     (fGarch "mci", at the current mean),
//   h_t = omega + alpha z_{t-1}^2 + beta h_{t-1}          (t = 2..n),
//   log L = sum_{t=1..n} [ log f(z_t / sqrt(h_t)) - log(h_t) / 2 ],  all constants included:
//   normal:    log f(e) = -log(2 pi) / 2 - e^2 / 2,
//   student_t: f is fGarch's dstd, the t with nu degrees of freedom scaled to unit variance,
//              log f(e) = lgamma((nu+1)/2) - lgamma(nu/2) - log(pi (nu-2)) / 2
//                         - (nu+1)/2 log(1 + e^2 / (nu-2)).
// fGarch stores the negative of this (fit@fit$llh); its summary prints it with the sign flipped.
// The unit-variance t is the one GarchT draws, so a fitted model drops into a scenario.
//
// Optimisation: like fGarch, on the series divided by its standard deviation (unit scale), over
// transformed parameters that keep the model valid (omega = exp(u), nu = 2 + exp(u), alpha and
// beta from logistic functions: alpha + beta < 1, or with require_stationarity = false, fGarch's
// own box 0 < alpha, beta < 1), by BFGS with the analytic gradient (optimizer.hpp) from fGarch's
// starting point (alpha 0.1, beta 0.8, nu 4). Unlike fGarch we put no bounds on the mean
// (fGarch: |mean| <= 10 |sample mean|) nor on nu (fGarch: nu <= 10); a fit where fGarch sits on
// such a bound differs from it. When the unconstrained optimum is not stationary (DEM/GBP under
// t: alpha + beta = 1.009), the stationary search ends on the edge alpha + beta -> 1 with a lower
// likelihood (-989.77 against -989.41) and meaningless standard errors; fGarch's box search
// (require_stationarity = false) finds fGarch's optimum, which to_price_model then refuses.
//
// Standard errors: H is the numerical Hessian of log L in the natural parameters (central
// differences of the analytic gradient); the classical errors are sqrt(diag((-H)^-1)), the robust
// (sandwich, Bollerslev-Wooldridge) ones sqrt(diag(H^-1 B H^-1)) with B the sum over observations
// of the outer products of the analytic per-observation scores. fGarch's Hessian (optimHess) and
// scores are numerical, so standard errors agree with it to a few per cent, not to 4 digits.
// They are NaN when H is not negative definite (a fit on a boundary, e.g. alpha -> 0).
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/risk/optimizer.hpp"
#include "backstop/risk/price_model/garch.hpp"
#include "backstop/risk/returns_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace backstop {
namespace risk {

enum class GarchInnovation { normal, student_t };

// How h_1 is set. mean_squared_residual is fGarch's default ("mci"); unconditional starts at
// omega / (1 - alpha - beta), where GarchT's paths start (needs require_stationarity).
enum class GarchVarianceStart { mean_squared_residual, unconditional };

struct GarchFitOptions {
    GarchInnovation innovation = GarchInnovation::student_t;
    GarchVarianceStart variance_start = GarchVarianceStart::mean_squared_residual;
    // alpha + beta < 1 (a GarchT needs it); false searches fGarch's box 0 < alpha, beta < 1.
    bool require_stationarity = true;
    std::size_t minimum_observations = 100;
    // Memory (the per-return scores of the sandwich) and time stay bounded: 10^7 returns is over a
    // thousand years of hourly data.
    std::size_t maximum_observations = 10'000'000;
    int max_iterations = 1'000;
    // On the gradient of the mean log-likelihood per observation, in the transformed parameters.
    double gradient_tolerance = 1e-9;
    // Return an unconverged fit (converged = false) rather than an error.
    bool allow_unconverged = false;
};

// The coefficients, or their standard errors, in the units of the returns' own step.
struct GarchParameters {
    double mean = 0.0;
    double omega = 0.0;
    double alpha = 0.0;
    double beta = 0.0;
    double degrees_of_freedom = std::numeric_limits<double>::quiet_NaN();  // student_t only
};

struct GarchFit {
    GarchInnovation innovation = GarchInnovation::student_t;
    GarchParameters parameters{};
    double log_likelihood = 0.0;
    GarchParameters standard_errors{};         // sqrt(diag((-H)^-1))
    GarchParameters robust_standard_errors{};  // sqrt(diag(H^-1 B H^-1))
    int iterations = 0;
    bool converged = false;
    std::size_t observations = 0;

    double persistence() const { return parameters.alpha + parameters.beta; }
};

namespace garch_detail {

// digamma(x) for x > 0: the recurrence up to x >= 6, then the asymptotic series (error < 1e-14).
inline double digamma(double x) {
    double result = 0.0;
    while (x < 6.0) {
        result -= 1.0 / x;
        x += 1.0;
    }
    const double inv = 1.0 / x;
    const double inv2 = inv * inv;
    return result + std::log(x) - 0.5 * inv -
           inv2 * (1.0 / 12.0 - inv2 * (1.0 / 120.0 - inv2 * (1.0 / 252.0 - inv2 * (1.0 / 240.0 - inv2 / 132.0))));
}

// log L at theta = {mean, omega, alpha, beta[, nu]} (k = 4 or 5) on x[0..n). When `gradient` is
// not null it receives dlogL/dtheta (k values); when `scores` is not null it receives the n x k
// per-observation scores (row-major). NaN when theta is outside the model's domain.
inline double log_likelihood(const double* x, std::size_t n, const double* theta, std::size_t k,
                             GarchVarianceStart start, double* gradient, double* scores) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double mean = theta[0];
    const double omega = theta[1];
    const double alpha = theta[2];
    const double beta = theta[3];
    const bool student = k == 5;
    const double nu = student ? theta[4] : 0.0;
    if (!(omega > 0.0) || !(alpha >= 0.0) || !(beta >= 0.0) || (student && !(nu > 2.0))) return nan;
    double sum_z = 0.0;
    double sum_z2 = 0.0;
    for (std::size_t t = 0; t < n; ++t) {
        const double z = x[t] - mean;
        sum_z += z;
        sum_z2 += z * z;
    }
    const double count = static_cast<double>(n);
    double h = 0.0;
    double dh[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
    if (start == GarchVarianceStart::mean_squared_residual) {
        const double mean_z2 = sum_z2 / count;
        h = omega + (alpha + beta) * mean_z2;
        dh[0] = -2.0 * (alpha + beta) * sum_z / count;
        dh[1] = 1.0;
        dh[2] = mean_z2;
        dh[3] = mean_z2;
    } else {
        const double gap = 1.0 - alpha - beta;
        if (!(gap > 0.0)) return nan;
        h = omega / gap;
        dh[1] = 1.0 / gap;
        dh[2] = omega / (gap * gap);
        dh[3] = dh[2];
    }
    const double pi = 3.14159265358979323846;
    double constant = -0.5 * std::log(2.0 * pi);
    double dconstant = 0.0;
    if (student) {
        constant = std::lgamma(0.5 * (nu + 1.0)) - std::lgamma(0.5 * nu) - 0.5 * std::log(pi * (nu - 2.0));
        dconstant = 0.5 * digamma(0.5 * (nu + 1.0)) - 0.5 * digamma(0.5 * nu) - 0.5 / (nu - 2.0);
    }
    if (gradient != nullptr) {
        for (std::size_t j = 0; j < k; ++j) gradient[j] = 0.0;
    }
    const bool want_derivatives = gradient != nullptr || scores != nullptr;
    double total = 0.0;
    double previous_z = 0.0;
    for (std::size_t t = 0; t < n; ++t) {
        if (t > 0) {
            const double previous_h = h;
            h = omega + alpha * previous_z * previous_z + beta * previous_h;
            if (want_derivatives) {
                dh[0] = -2.0 * alpha * previous_z + beta * dh[0];
                dh[1] = 1.0 + beta * dh[1];
                dh[2] = previous_z * previous_z + beta * dh[2];
                dh[3] = previous_h + beta * dh[3];
            }
        }
        if (!(h > 0.0) || !std::isfinite(h)) return nan;
        const double z = x[t] - mean;
        double term = 0.0;
        double dl_dh = 0.0;
        double dl_dz = 0.0;
        double dl_dnu = 0.0;
        if (student) {
            const double q = z * z / ((nu - 2.0) * h);
            const double log1p_q = std::log1p(q);
            term = constant - 0.5 * std::log(h) - 0.5 * (nu + 1.0) * log1p_q;
            if (want_derivatives) {
                dl_dh = -0.5 / h + 0.5 * (nu + 1.0) * q / (h * (1.0 + q));
                dl_dz = -(nu + 1.0) * z / ((nu - 2.0) * h * (1.0 + q));
                dl_dnu = dconstant - 0.5 * log1p_q + 0.5 * (nu + 1.0) * q / ((nu - 2.0) * (1.0 + q));
            }
        } else {
            term = constant - 0.5 * std::log(h) - 0.5 * z * z / h;
            if (want_derivatives) {
                dl_dh = -0.5 / h + 0.5 * z * z / (h * h);
                dl_dz = -z / h;
            }
        }
        total += term;
        if (want_derivatives) {
            double score[5];
            score[0] = dl_dh * dh[0] - dl_dz;  // dz/dmean = -1
            score[1] = dl_dh * dh[1];
            score[2] = dl_dh * dh[2];
            score[3] = dl_dh * dh[3];
            score[4] = dl_dnu;
            for (std::size_t j = 0; j < k; ++j) {
                if (gradient != nullptr) gradient[j] += score[j];
                if (scores != nullptr) scores[t * k + j] = score[j];
            }
        }
        previous_z = z;
    }
    return std::isfinite(total) ? total : nan;
}

inline double logistic(double u) { return 1.0 / (1.0 + std::exp(-u)); }
inline double logit(double p) { return std::log(p / (1.0 - p)); }

// The map from the optimiser's unconstrained u to theta, with its Jacobian (diagonal except for
// the alpha, beta block). Stationary: alpha = p s, beta = p (1 - s), p = logistic(u2),
// s = logistic(u3). Box: alpha = logistic(u2), beta = logistic(u3).
struct Transform {
    bool stationary = true;
    std::size_t k = 4;

    void to_theta(const double* u, double* theta, double* jacobian /* k x k or null */) const {
        theta[0] = u[0];
        theta[1] = std::exp(u[1]);
        const double l2 = logistic(u[2]);
        const double l3 = logistic(u[3]);
        if (stationary) {
            theta[2] = l2 * l3;
            theta[3] = l2 * (1.0 - l3);
        } else {
            theta[2] = l2;
            theta[3] = l3;
        }
        if (k == 5) theta[4] = 2.0 + std::exp(u[4]);
        if (jacobian == nullptr) return;
        for (std::size_t i = 0; i < k * k; ++i) jacobian[i] = 0.0;
        jacobian[0 * k + 0] = 1.0;
        jacobian[1 * k + 1] = theta[1];
        const double d2 = l2 * (1.0 - l2);
        const double d3 = l3 * (1.0 - l3);
        if (stationary) {
            jacobian[2 * k + 2] = d2 * l3;
            jacobian[2 * k + 3] = l2 * d3;
            jacobian[3 * k + 2] = d2 * (1.0 - l3);
            jacobian[3 * k + 3] = -l2 * d3;
        } else {
            jacobian[2 * k + 2] = d2;
            jacobian[3 * k + 3] = d3;
        }
        if (k == 5) jacobian[4 * k + 4] = theta[4] - 2.0;
    }

    void to_u(const double* theta, double* u) const {
        u[0] = theta[0];
        u[1] = std::log(theta[1]);
        if (stationary) {
            const double p = theta[2] + theta[3];
            u[2] = logit(p);
            u[3] = logit(theta[2] / p);
        } else {
            u[2] = logit(theta[2]);
            u[3] = logit(theta[3]);
        }
        if (k == 5) u[4] = std::log(theta[4] - 2.0);
    }
};

}  // namespace garch_detail

// log L (the convention above) of `returns` under the given parameters and innovation; NaN when
// the parameters are outside the model (omega <= 0, alpha or beta < 0, nu <= 2).
inline double garch_log_likelihood(const std::vector<double>& returns, const GarchParameters& parameters,
                                   GarchInnovation innovation,
                                   GarchVarianceStart start = GarchVarianceStart::mean_squared_residual) {
    const double theta[5] = {parameters.mean, parameters.omega, parameters.alpha, parameters.beta,
                             parameters.degrees_of_freedom};
    const std::size_t k = innovation == GarchInnovation::student_t ? 5 : 4;
    if (returns.empty()) return std::numeric_limits<double>::quiet_NaN();
    return garch_detail::log_likelihood(returns.data(), returns.size(), theta, k, start, nullptr, nullptr);
}

// Fits GARCH(1,1) to `returns` (log returns of one step each). Errors (ErrorCode::invalid_argument):
// fewer than options.minimum_observations returns, a non-finite return, a constant series, an
// inconsistent option; a fit that does not converge (unless options.allow_unconverged).
inline Result<GarchFit> fit_garch(const std::vector<double>& returns, const GarchFitOptions& options = {}) {
    const std::size_t n = returns.size();
    if (n < options.minimum_observations || n < 10) {
        return make_error(ErrorCode::invalid_argument, "a GARCH fit needs at least minimum_observations returns");
    }
    if (n > options.maximum_observations) {
        return make_error(ErrorCode::invalid_argument, "a GARCH fit takes at most maximum_observations returns (10^7)");
    }
    if (options.variance_start == GarchVarianceStart::unconditional && !options.require_stationarity) {
        return make_error(ErrorCode::invalid_argument, "an unconditional variance start needs require_stationarity");
    }
    if (!(options.gradient_tolerance > 0.0) || options.max_iterations < 1) {
        return make_error(ErrorCode::invalid_argument, "gradient_tolerance and max_iterations must be positive");
    }
    double sum = 0.0;
    for (double r : returns) {
        if (!std::isfinite(r)) return make_error(ErrorCode::invalid_argument, "a return is not finite");
        sum += r;
    }
    const double count = static_cast<double>(n);
    const double sample_mean = sum / count;
    double squares = 0.0;
    for (double r : returns) squares += (r - sample_mean) * (r - sample_mean);
    const double scale = std::sqrt(squares / (count - 1.0));  // R's sd(), fGarch's scale
    if (!(scale > 1e-12 * std::fabs(sample_mean)) || !(scale > 0.0) || !std::isfinite(scale)) {
        return make_error(ErrorCode::invalid_argument, "the returns are constant");
    }
    std::vector<double> y(n);
    for (std::size_t t = 0; t < n; ++t) y[t] = returns[t] / scale;

    const bool student = options.innovation == GarchInnovation::student_t;
    const std::size_t k = student ? 5 : 4;
    garch_detail::Transform transform{options.require_stationarity, k};
    // fGarch's start on the unit-scale series: the sample mean, alpha 0.1, beta 0.8, omega = var
    // (1 - 0.1 - 0.8), nu 4.
    const double start_theta[5] = {sample_mean / scale, 0.1, 0.1, 0.8, 4.0};
    std::vector<double> u(k);
    transform.to_u(start_theta, u.data());

    std::vector<double> theta(k), jacobian(k * k), gradient_theta(k);
    auto objective = [&](const std::vector<double>& point, std::vector<double>& gradient) {
        transform.to_theta(point.data(), theta.data(), jacobian.data());
        const double value = garch_detail::log_likelihood(y.data(), n, theta.data(), k, options.variance_start,
                                                          gradient_theta.data(), nullptr);
        if (!std::isfinite(value)) return std::numeric_limits<double>::infinity();
        for (std::size_t j = 0; j < k; ++j) {  // d(-logL/n)/du = -J' g / n
            double g = 0.0;
            for (std::size_t i = 0; i < k; ++i) g += jacobian[i * k + j] * gradient_theta[i];
            gradient[j] = -g / count;
        }
        return -value / count;
    };
    BfgsOptions bfgs;
    bfgs.max_iterations = options.max_iterations;
    bfgs.gradient_tolerance = options.gradient_tolerance;
    const BfgsResult best = minimize_bfgs(objective, u, bfgs);
    if (!std::isfinite(best.value)) return make_error(ErrorCode::invalid_argument, "the GARCH likelihood is not finite");
    if (!best.converged && !options.allow_unconverged) {
        return make_error(ErrorCode::invalid_argument, "the GARCH fit did not converge");
    }
    std::vector<double> fitted(k);
    transform.to_theta(best.x.data(), fitted.data(), nullptr);

    // Natural-parameter Hessian on the unit-scale series: central differences of the gradient.
    std::vector<double> hessian(k * k, 0.0);
    bool hessian_ok = true;
    std::vector<double> plus(k), minus(k), g_plus(k), g_minus(k);
    for (std::size_t j = 0; j < k && hessian_ok; ++j) {
        const double step = 1e-5 * std::max(std::fabs(fitted[j]), j == 0 ? 1e-2 : 1e-4);
        plus = fitted;
        minus = fitted;
        plus[j] += step;
        minus[j] -= step;
        const double a = garch_detail::log_likelihood(y.data(), n, plus.data(), k, options.variance_start,
                                                      g_plus.data(), nullptr);
        const double b = garch_detail::log_likelihood(y.data(), n, minus.data(), k, options.variance_start,
                                                      g_minus.data(), nullptr);
        if (!std::isfinite(a) || !std::isfinite(b)) hessian_ok = false;
        for (std::size_t i = 0; i < k; ++i) hessian[i * k + j] = (g_plus[i] - g_minus[i]) / (2.0 * step);
    }
    for (std::size_t i = 0; i < k; ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            const double average = 0.5 * (hessian[i * k + j] + hessian[j * k + i]);
            hessian[i * k + j] = average;
            hessian[j * k + i] = average;
        }
    }
    std::vector<double> scores(n * k);
    const double log_likelihood_unit = garch_detail::log_likelihood(y.data(), n, fitted.data(), k,
                                                                    options.variance_start, nullptr, scores.data());
    std::vector<double> inverse;
    const bool invertible = hessian_ok && invert_matrix(hessian, k, inverse);
    std::vector<double> classical(k, std::numeric_limits<double>::quiet_NaN());
    std::vector<double> robust(k, std::numeric_limits<double>::quiet_NaN());
    if (invertible) {
        std::vector<double> outer(k * k, 0.0);  // B = sum_t s_t s_t'
        for (std::size_t t = 0; t < n; ++t) {
            for (std::size_t i = 0; i < k; ++i) {
                for (std::size_t j = 0; j < k; ++j) outer[i * k + j] += scores[t * k + i] * scores[t * k + j];
            }
        }
        for (std::size_t i = 0; i < k; ++i) {
            const double variance = -inverse[i * k + i];
            if (variance > 0.0) classical[i] = std::sqrt(variance);
            double sandwich = 0.0;  // (H^-1 B H^-1)_ii
            for (std::size_t a = 0; a < k; ++a) {
                for (std::size_t b = 0; b < k; ++b) sandwich += inverse[i * k + a] * outer[a * k + b] * inverse[b * k + i];
            }
            if (variance > 0.0 && sandwich > 0.0) robust[i] = std::sqrt(sandwich);
        }
    }
    // Back to the returns' units: mean and its error scale with the series, omega with its square;
    // log L falls by n log(scale) (the density of x is that of x / scale over scale).
    const double unit[5] = {scale, scale * scale, 1.0, 1.0, 1.0};
    const auto to_parameters = [&](const std::vector<double>& v) {
        GarchParameters p;
        p.mean = v[0] * unit[0];
        p.omega = v[1] * unit[1];
        p.alpha = v[2];
        p.beta = v[3];
        if (student) p.degrees_of_freedom = v[4];
        return p;
    };
    GarchFit fit;
    fit.innovation = options.innovation;
    fit.parameters = to_parameters(fitted);
    fit.log_likelihood = log_likelihood_unit - count * std::log(scale);
    fit.standard_errors = to_parameters(classical);
    fit.robust_standard_errors = to_parameters(robust);
    fit.iterations = best.iterations;
    fit.converged = best.converged;
    fit.observations = n;
    return fit;
}

// The fitted model as the lab's price model, per step of the returns that were fitted. A GarchT
// draws unit-variance t shocks and needs a finite nu: a Gaussian fit maps to
// gaussian_degrees_of_freedom (1e6: the t's excess kurtosis 6 / (nu - 4) is then 6e-6, and
// RandomStream::student_t costs the same at any nu and stays accurate: its W^(-2/nu) - 1 goes
// through expm1 for large nu). Errors when the fit is not stationary (alpha + beta >= 1).
inline constexpr double gaussian_degrees_of_freedom = 1e6;

inline Result<GarchT> to_price_model(const GarchFit& fit) {
    const GarchParameters& p = fit.parameters;
    if (!(p.alpha + p.beta < 1.0) || !(p.omega > 0.0) || !(p.alpha >= 0.0) || !(p.beta >= 0.0)) {
        return make_error(ErrorCode::invalid_argument, "a GarchT needs omega > 0 and alpha + beta < 1");
    }
    GarchT model;
    model.mean_per_step = p.mean;
    model.omega = p.omega;
    model.alpha = p.alpha;
    model.beta = p.beta;
    // A t fit on near-Gaussian data can end at a huge nu: it is the Gaussian model, so it maps like
    // one (and the scenario stays one a scenario file can hold: nu in [2.0001, 1e6]).
    model.degrees_of_freedom = fit.innovation == GarchInnovation::student_t
                                   ? std::min(p.degrees_of_freedom, gaussian_degrees_of_freedom)
                                   : gaussian_degrees_of_freedom;
    if (!(model.degrees_of_freedom >= 2.0001)) return make_error(ErrorCode::invalid_argument, "a GarchT needs nu >= 2.0001");
    return model;
}

}  // namespace risk
}  // namespace backstop
