// RandomStream: the lab's source of randomness for one Monte Carlo path.
//
// Keyed by (seed, path), counted by (step, draw): the draw-th 64-bit word of step `step` on path
// `path` is word (draw % 4) of Philox4x64-10 with key {seed, path} and counter
// {draw / 4, step, 0, 0} (word 0 least significant). So every raw draw is a pure function of
// (seed, path, step, draw): a path replays alone, paths can run on any number of threads in any
// order, and at_step(s) lands on the same draws however the stream got there. Counter word 2 is
// a sub-stream (at_substream; 0 for at_step); word 3 stays 0.
//
// The variates below are our own, never std::*_distribution (their algorithms are implementation
// defined: libstdc++ and libc++ give different numbers for the same engine). Each variate consumes
// a documented number of raw draws; the rejection methods (gamma, student_t, large-mean poisson)
// consume a random number of them, which is still deterministic because a path makes the same
// calls in the same order every time it is replayed.
//
// Bit-identity: uniform() and the central part of normal() use only +, -, *, / and are the same
// on every IEEE-754 platform. The other variates also call std::log, std::exp, std::expm1 and
// std::sqrt; sqrt is correctly rounded, but libm's log, exp and expm1 may differ in the last bit
// between libc versions, so results are promised bit-identical per toolchain and platform
// (style.md 6).
// Fused multiply-add changes the last bits too: x86-64 builds without -march (the default) never
// contract a*b+c, but builds for FMA hardware (-march=haswell and later, aarch64) should add
// -ffp-contract=off to keep the same bits as the reference build.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/risk/rng/philox.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace backstop::risk {

class RandomStream {
public:
    // Poisson means above this lose integer resolution in a double; no model needs them.
    static constexpr double poisson_mean_max = 1e15;

    RandomStream(std::uint64_t seed, std::uint64_t path) noexcept : key_{seed, path} {}

    std::uint64_t seed() const noexcept { return key_[0]; }
    std::uint64_t path() const noexcept { return key_[1]; }
    std::uint64_t step() const noexcept { return step_; }
    // Raw draws consumed so far in the current step (the next draw's index).
    std::uint64_t draw_index() const noexcept { return draw_index_; }

    // Repositions to draw 0 of `step`. Also computes block 0 of step + 1 ahead of time (a cache,
    // invisible in the draws): a path visits its steps in order, and a block computed here, one
    // step early, is off the critical path of the step's variates, which the CPU then overlaps
    // with it. at_step(step + 1) picks it up; any other repositioning just recomputes.
    void at_step(std::uint64_t step) noexcept {
        step_ = step;
        substream_ = 0;
        draw_index_ = 0;
        if (is_next_step_block_loaded_ && next_step_ == step) {
            block_ = next_step_block_;
            block_index_ = 0;
            is_block_loaded_ = true;
        } else {
            is_block_loaded_ = false;
        }
        next_step_ = step + 1;  // wraps at 2^64 to step 0, whose block it then is
        next_step_block_ = philox_block<std::uint64_t>({0, next_step_, 0, 0}, key_);
        is_next_step_block_loaded_ = true;
    }

    // Repositions to draw 0 of sub-stream `substream` of `step`: the counter {draw / 4, step,
    // substream, 0}. Sub-stream 0 is the one at_step uses; others hold draws that a model takes
    // only at some steps (GarchJump::jump_substream), so that they move no other draw.
    void at_substream(std::uint64_t step, std::uint64_t substream) noexcept {
        if (substream == 0) {
            at_step(step);
            return;
        }
        step_ = step;
        substream_ = substream;
        draw_index_ = 0;
        is_block_loaded_ = false;
    }

    // Skips `draw_count` raw draws of the current step without computing them.
    void discard(std::uint64_t draw_count) noexcept {
        BACKSTOP_ASSERT(draw_count <= std::numeric_limits<std::uint64_t>::max() - draw_index_,
                        "a step holds at most 2^64 draws");
        const std::uint64_t block_before = draw_index_ / block_words;
        draw_index_ += draw_count;
        if (draw_index_ / block_words != block_before) is_block_loaded_ = false;
    }

    // One raw 64-bit draw.
    std::uint64_t next_u64() noexcept {
        BACKSTOP_ASSERT(draw_index_ != std::numeric_limits<std::uint64_t>::max(),
                        "a step holds at most 2^64 draws");
        const std::uint64_t block_index = draw_index_ / block_words;
        if (!is_block_loaded_ || block_index != block_index_) {
            block_ = philox_block<std::uint64_t>({block_index, step_, substream_, 0}, key_);
            block_index_ = block_index;
            is_block_loaded_ = true;
        }
        const std::uint64_t word = block_[static_cast<std::size_t>(draw_index_ % block_words)];
        ++draw_index_;
        return word;
    }

    // Uniform on the open interval (0, 1), one draw: the top 52 bits k give (k + 0.5) / 2^52,
    // the midpoints of 2^52 equal cells (Random123's u01fixedpt open-open convention). Exact in
    // double, never 0 or 1 (the extremes are 2^-53 and 1 - 2^-53), and symmetric: u and 1 - u are
    // equally likely, which makes normal() exactly antisymmetric. A 53-bit (k + 0.5) / 2^53 would
    // round its top cell to 1.0.
    double uniform() noexcept {
        const double cell = static_cast<double>(next_u64() >> 12);
        const double value = (cell + 0.5) * 0x1p-52;
        BACKSTOP_ASSERT(value > 0.0, "uniform is above 0");
        BACKSTOP_ASSERT(value < 1.0, "uniform is below 1");
        return value;
    }

    // Standard normal, one draw: inversion of uniform() by Wichura's AS241 (PPND16, relative
    // error about 1e-16). Inversion rather than Box-Muller: one draw per variate and no cached
    // second value, so the stream has no hidden state. The central region |u - 0.5| <= 0.425
    // (85 % of draws) is a rational function: +, -, *, / only. |result| <= 8.3.
    double normal() noexcept { return quantile_of_uniform(uniform()); }

    // Exponential with the given rate (mean 1 / rate), one draw: -log(u) / rate.
    double exponential(double rate) {
        if (!(rate > 0.0 && std::isfinite(rate))) throw std::invalid_argument("exponential: the rate must be positive and finite");
        return -std::log(uniform()) / rate;
    }

    // Gamma(shape, scale 1). Marsaglia and Tsang (2000): per attempt one normal() (again while
    // 1 + c x <= 0) then one uniform(); acceptance is above 95 % for shape >= 1. Shapes below 1
    // use Gamma(shape + 1) * u^(1 / shape), u drawn after the boosted variate.
    double gamma(double shape) {
        if (!(shape > 0.0 && std::isfinite(shape))) throw std::invalid_argument("gamma: the shape must be positive and finite");
        if (shape < 1.0) {
            const double boosted = gamma(shape + 1.0);
            return boosted * std::exp(std::log(uniform()) / shape);
        }
        const double d = shape - 1.0 / 3.0;
        const double c = 1.0 / std::sqrt(9.0 * d);
        for (;;) {
            double x = 0.0;
            double v = 0.0;
            do {
                x = normal();
                v = 1.0 + c * x;
            } while (v <= 0.0);
            v = v * v * v;
            const double u = uniform();
            const double x_squared = x * x;
            if (u < 1.0 - 0.0331 * x_squared * x_squared) return d * v;
            if (std::log(u) < 0.5 * x_squared + d * (1.0 - v + std::log(v))) return d * v;
        }
    }

    // Student's t with `degrees_of_freedom` nu (> 0; the variance nu / (nu - 2) exists for nu > 2):
    // Bailey's polar method (Math. Comp. 62, 1994), exact in distribution. Per attempt two
    // uniform() draws u, then v, mapped to U = 2u - 1 and V = 2v - 1 in (-1, 1) (exact, never 0);
    // the attempt is accepted when W = U^2 + V^2 <= 1 (probability pi / 4, so 8 / pi = 2.55 draws
    // on average), and then t = (U / sqrt(W)) sqrt(nu (W^(-2/nu) - 1)). (Accepted, W is uniform
    // on (0, 1] and independent of the angle, whose cosine is U / sqrt(W); nu (W^(-2/nu) - 1) is
    // the squared radius of a spherical bivariate t, whose marginals are t_nu.) One log and one
    // exp per variate: about twice as fast as a normal over the square root of a gamma.
    double student_t(double degrees_of_freedom) {
        if (!(degrees_of_freedom > 0.0 && std::isfinite(degrees_of_freedom))) {
            throw std::invalid_argument("student_t: the degrees of freedom must be positive and finite");
        }
        for (;;) {
            const double u = 2.0 * uniform() - 1.0;
            const double v = 2.0 * uniform() - 1.0;
            const double w = u * u + v * v;  // > 0: U is never 0
            if (w > 1.0) continue;
            const double cosine = u / std::sqrt(w);  // computed alongside the log and exp below
            const double log_w = std::log(w);
            const double exponent = -2.0 / degrees_of_freedom * log_w;  // >= 0
            // W^(-2/nu) - 1. glibc's expm1 costs three exps, so it is kept to x < 1/16 (a
            // fraction 1 - e^(-nu/32) of the variates, 15 % at nu = 5), where exp(x) - 1 would
            // lose more than 4 bits; from 1/16 exp(x) - 1 loses less than that.
            double excess = 0.0;
            if (exponent < 0.0625) {
                excess = std::expm1(exponent);
            } else if (exponent < 700.0) {
                excess = std::exp(exponent) - 1.0;
            } else {
                // W^(-2/nu) would overflow (tiny W and small nu); it dwarfs the 1 there.
                return cosine * std::exp(0.5 * (exponent + std::log(degrees_of_freedom)));
            }
            return cosine * std::sqrt(degrees_of_freedom * excess);
        }
    }

    // Poisson with the given mean. Mean 0 returns 0 and draws nothing. Means below 10: inversion
    // by sequential search, one draw. Means from 10: Hoermann's PTRS (transformed rejection with
    // squeeze, 1993; as in NumPy), two draws per attempt, about 1.1 attempts; exact in
    // distribution (rejection), constant expected time in the mean.
    std::uint64_t poisson(double mean) {
        if (!(mean >= 0.0 && mean <= poisson_mean_max)) throw std::invalid_argument("poisson: the mean must be in [0, 1e15]");
        if (mean == 0.0) return 0;
        if (mean < 10.0) return poisson_by_inversion(mean);
        return poisson_by_rejection(mean);
    }

    // The standard normal quantile (Wichura, AS241 "PPND16", Applied Statistics 37(3), 1988).
    // Public so that tests can check it against the normal CDF; probability in (0, 1).
    static double normal_quantile(double probability) {
        if (!(probability > 0.0 && probability < 1.0)) {
            throw std::invalid_argument("normal_quantile: the probability must be in (0, 1)");
        }
        return quantile_of_uniform(probability);
    }

    // The Poisson(mean) quantile of u in (0, 1) by sequential search, for means below 10 (what
    // poisson() does with one uniform). Public so that tests can reach the top cells of u.
    static std::uint64_t poisson_quantile(double u, double mean) {
        if (!(mean > 0.0 && mean < 10.0 && u > 0.0 && u < 1.0)) {
            throw std::invalid_argument("poisson_quantile: u in (0, 1) and a mean in (0, 10)");
        }
        return poisson_quantile_of_uniform(u, mean);
    }

    // The search both inversions share: from term k of the Poisson(mean) CDF (its probability
    // and the sum up to it), the first k whose sum reaches target. Should rounding keep the sum
    // a hair below the target, the walk ends where adding a term no longer moves it (past the
    // mode the terms only shrink), rather than walking on until the terms underflow (GarchJump's
    // first truncated walk did that: 75 jumps at its default rate for the top cells of u).
    static std::uint64_t poisson_walk(double target, double mean, std::uint64_t k, double probability,
                                      double cumulative) noexcept {
        while (cumulative < target) {
            ++k;
            probability *= mean / static_cast<double>(k);
            const double next = cumulative + probability;
            if (next == cumulative) break;
            cumulative = next;
        }
        return k;
    }

    // log(k!), for PTRS: exact products below 20, Stirling's series from 20 (the first omitted
    // term, 1 / (1188 k^9), is below 2e-15 there).
    static double log_factorial(std::uint64_t k) noexcept {
        if (k < 20) {
            double factorial = 1.0;
            for (std::uint64_t i = 2; i <= k; ++i) factorial *= static_cast<double>(i);
            return std::log(factorial);
        }
        const double x = static_cast<double>(k);
        const double x_inverse = 1.0 / x;
        const double x_inverse_squared = x_inverse * x_inverse;
        const double series =
            x_inverse *
            (1.0 / 12.0 -
             x_inverse_squared *
                 (1.0 / 360.0 -
                  x_inverse_squared * (1.0 / 1260.0 - x_inverse_squared * (1.0 / 1680.0))));
        constexpr double log_sqrt_two_pi = 0.91893853320467274178;
        return (x + 0.5) * std::log(x) - x + log_sqrt_two_pi + series;
    }

private:
    // normal_quantile and poisson_quantile of a uniform() value: in range by construction.
    static double quantile_of_uniform(double probability) noexcept {
        const double q = probability - 0.5;
        if (std::fabs(q) <= 0.425) {
            const double r = 0.180625 - q * q;
            return q * central_ratio(r);
        }
        // 1 - probability is exact for uniform()'s values (multiples of 2^-53).
        const double tail = q < 0.0 ? probability : 1.0 - probability;
        const double r = std::sqrt(-std::log(tail));
        const double magnitude = r <= 5.0 ? near_tail_ratio(r - 1.6) : far_tail_ratio(r - 5.0);
        return q < 0.0 ? -magnitude : magnitude;
    }

    static std::uint64_t poisson_quantile_of_uniform(double u, double mean) noexcept {
        // Squeeze for the small means of per-step jump counts: e^-mean - (1 - mean) exceeds
        // 2^-49 for mean > 2^-24, far beyond the rounding of 1 - mean and of exp, so u <= 1 - mean
        // implies u <= exp(-mean): 0, exactly what the search below returns, without the exp.
        if (mean > 0x1p-24 && u <= 1.0 - mean) return 0;
        const double probability = std::exp(-mean);
        return poisson_walk(u, mean, 0, probability, probability);
    }

    static constexpr std::uint64_t block_words = 4;

    std::uint64_t poisson_by_inversion(double mean) noexcept { return poisson_quantile_of_uniform(uniform(), mean); }

    std::uint64_t poisson_by_rejection(double mean) noexcept {
        BACKSTOP_ASSERT(mean >= 10.0, "PTRS needs a mean of at least 10");
        const double log_mean = std::log(mean);
        const double b = 0.931 + 2.53 * std::sqrt(mean);
        const double a = -0.059 + 0.02483 * b;
        const double alpha_inverse = 1.1239 + 1.1328 / (b - 3.4);
        const double v_r = 0.9277 - 3.6224 / (b - 2.0);
        for (;;) {
            const double u = uniform() - 0.5;
            const double v = uniform();
            const double u_s = 0.5 - std::fabs(u);  // > 0: uniform() is never 0 or 1
            const double k = std::floor((2.0 * a / u_s + b) * u + mean + 0.43);
            if (u_s >= 0.07 && v <= v_r) {
                BACKSTOP_ASSERT(k >= 0.0, "the squeeze region holds no negative k");
                return static_cast<std::uint64_t>(k);
            }
            if (k < 0.0 || (u_s < 0.013 && v > u_s)) continue;
            const auto count = static_cast<std::uint64_t>(k);
            const double log_ratio = std::log(v) + std::log(alpha_inverse) -
                                     std::log(a / (u_s * u_s) + b);
            if (log_ratio <= -mean + k * log_mean - log_factorial(count)) return count;
        }
    }

    // AS241's three rational functions, coefficients as published (highest power first here).
    static double central_ratio(double r) noexcept {
        const double numerator =
            (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r +
                  6.7265770927008700853e+4) * r + 4.5921953931549871457e+4) * r +
                1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r +
              1.3314166789178437745e+2) * r + 3.3871328727963666080e+0);
        const double denominator =
            (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r +
                  3.9307895800092710610e+4) * r + 2.1213794301586595867e+4) * r +
                5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r +
              4.2313330701600911252e+1) * r + 1.0);
        return numerator / denominator;
    }
    static double near_tail_ratio(double r) noexcept {
        const double numerator =
            (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r +
                  2.41780725177450611770e-1) * r + 1.27045825245236838258e+0) * r +
                3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r +
              4.63033784615654529590e+0) * r + 1.42343711074968357734e+0);
        const double denominator =
            (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r +
                  1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r +
                6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r +
              2.05319162663775882187e+0) * r + 1.0);
        return numerator / denominator;
    }
    static double far_tail_ratio(double r) noexcept {
        const double numerator =
            (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
                  1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r +
                2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r +
              5.46378491116411436990e+0) * r + 6.65790464350110377720e+0);
        const double denominator =
            (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r +
                  1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r +
                1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r +
              5.99832206555887937690e-1) * r + 1.0);
        return numerator / denominator;
    }

    PhiloxKey<std::uint64_t> key_;
    std::uint64_t step_ = 0;
    std::uint64_t substream_ = 0;
    std::uint64_t draw_index_ = 0;
    PhiloxCounter<std::uint64_t> block_{};  // the block of draw_index_ / 4 when is_block_loaded_
    std::uint64_t block_index_ = 0;
    bool is_block_loaded_ = false;
    PhiloxCounter<std::uint64_t> next_step_block_{};  // block 0 of next_step_, when loaded
    std::uint64_t next_step_ = 0;
    bool is_next_step_block_loaded_ = false;
};

}  // namespace backstop::risk
