// GARCH(1,1) with Student-t innovations (volatility clustering, fat tails; domain.md 7.2):
//   r_t = mean + sigma_t e_t,   e_t = t_nu sqrt((nu - 2) / nu)  (unit variance),
//   sigma_{t+1}^2 = omega + alpha (r_t - mean)^2 + beta sigma_t^2.
// Parameters are per step (the step the scenario uses); stationary when alpha + beta < 1, with
// unconditional variance omega / (1 - alpha - beta). The first step starts at that variance.
//
// A path is generated whole (log_returns), 512 steps a pass, in SIMD lanes: the t draw of step s
// is student_t_steps' (StepBlocks, tag student_t), and GarchDiffusionKernel scales it, runs the
// variance recursion and writes the returns. GarchJump (garch_jump.hpp) adds its jumps to this
// very path, so GarchT{m, omega, alpha, beta, nu} and a GarchJump with the same GARCH parameters
// and no jumps give the same bits. A path is a pure function of (seed, path, model): the same
// bits on every instruction set the CPU may have (vector_dispatch.hpp) and, built without fused
// multiply-add (-ffp-contract=off, as ours), on every platform (portable_math, IEEE square roots).
// There is no step-at-a-time form: one would need the C library's log and exp, whose bits differ
// from portable_math's, so it would be another sequence of draws for the same (seed, path).
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/risk/floating_point.hpp"
#include "backstop/risk/rng/detail/vector_dispatch.hpp"
#include "backstop/risk/rng/detail/vector_sqrt.hpp"
#include "backstop/risk/rng/student_t_steps.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace backstop {
namespace risk {

namespace detail {

// Steps a GARCH path generates per pass: its buffers live on the stack.
inline constexpr std::size_t garch_chunk_steps = 512;

// The diffusive part of a run of steps, given the t draws (overwritten by the scaled shocks
// e = t sqrt((nu - 2) / nu)): out[i] = mean + sigma_i e_i, and the variance after the run.
// The variance recursion is the one serial part of a path: from one step to the next,
// v' = omega + a v with a = alpha e^2 + beta. It runs four steps at a time,
// v_{t+4} = c + d v_t with d = a3 a2 a1 a0 and c = omega (1 + a3 (1 + a2 (1 + a1))), so that
// the chain from block to block is one multiply and one add per four steps and the steps
// inside a block (the plain recursion from v_t) overlap with it; a and the square roots are
// vector passes. (The rounding is that of this order of evaluation.)
struct GarchDiffusionKernel {
    template <VectorIsa isa>
    static BACKSTOP_ALWAYS_INLINE void run(double omega, double alpha, double beta, double mean,
                                           double shock_scale, double* __restrict shock,
                                           std::size_t count, double* __restrict variance_in_out,
                                           double* __restrict out) noexcept {
        BACKSTOP_NO_FP_CONTRACTION
        BACKSTOP_ASSERT(count <= garch_chunk_steps, "a pass at most");
        double a[garch_chunk_steps];
        double variances[garch_chunk_steps];
        for (std::size_t i = 0; i < count; ++i) {
            const double e = shock[i] * shock_scale;
            shock[i] = e;
            a[i] = alpha * e * e + beta;
        }
        double variance = *variance_in_out;
        std::size_t i = 0;
        for (; i + 4 <= count; i += 4) {
            variances[i] = variance;
            variances[i + 1] = omega + variance * a[i];
            variances[i + 2] = omega + variances[i + 1] * a[i + 1];
            variances[i + 3] = omega + variances[i + 2] * a[i + 2];
            const double d = (a[i + 3] * a[i + 2]) * (a[i + 1] * a[i]);
            const double c = omega * (1.0 + a[i + 3] * (1.0 + a[i + 2] * (1.0 + a[i + 1])));
            variance = c + d * variance;
        }
        for (; i < count; ++i) {
            variances[i] = variance;
            variance = omega + variance * a[i];
        }
        *variance_in_out = variance;
        sqrt_lanes<isa>(variances, variances, count);
        for (std::size_t k = 0; k < count; ++k) out[k] = mean + variances[k] * shock[k];
    }
};

}  // namespace detail

struct GarchT {
    double mean_per_step = 0.0;
    double omega = 2.0e-6;
    double alpha = 0.08;
    double beta = 0.90;
    double degrees_of_freedom = 5.0;

    static constexpr std::size_t chunk_steps = detail::garch_chunk_steps;

    double unconditional_variance() const { return omega / (1.0 - alpha - beta); }

    // What a path needs: a unit-variance t (nu > 2, finite; log_returns asserts it) and a finite
    // unconditional variance to start from (omega >= 0 finite, alpha and beta at least 0,
    // alpha + beta < 1), and a finite mean. A scenario whose model is not valid is refused
    // (markets_consistent), not run.
    bool valid() const {
        return std::isfinite(mean_per_step) && std::isfinite(omega) && omega >= 0.0 && alpha >= 0.0 && beta >= 0.0 &&
               alpha + beta < 1.0 && degrees_of_freedom > 2.0 && std::isfinite(degrees_of_freedom);
    }

    // out[s] = the log return of step s of `path`, s < steps (dt_years is not used: the
    // parameters are per step); the path starts at the unconditional variance. Parameters that
    // are not valid(), or steps from 2^32 on, are std::invalid_argument.
    void log_returns(std::uint64_t seed, std::uint64_t path, double /*dt_years*/, double* out, std::size_t steps,
                     detail::VectorIsa isa = detail::best_vector_isa()) const {
        BACKSTOP_NO_FP_CONTRACTION
        // A caller's parameters: refused, not asserted (one check a path).
        if (!valid()) throw std::invalid_argument("GarchT: invalid parameters (nu > 2, alpha + beta < 1, finite)");
        if (steps > std::uint64_t{0xFFFFFFFF}) throw std::invalid_argument("GarchT: at most 2^32 - 1 steps");
        const double nu = degrees_of_freedom;
        const double shock_scale = std::sqrt((nu - 2.0) / nu);
        double variance = unconditional_variance();
        double shock[chunk_steps];
        for (std::size_t done = 0; done < steps; done += chunk_steps) {
            const std::size_t n = steps - done < chunk_steps ? steps - done : chunk_steps;
            student_t_steps(seed, path, static_cast<std::uint32_t>(done), nu, shock, n, isa);
            detail::run_kernel<detail::GarchDiffusionKernel>(isa, omega, alpha, beta, mean_per_step, shock_scale,
                                                             shock, n, &variance, out + done);
        }
    }
};

}  // namespace risk
}  // namespace backstop
