// GARCH(1,1) with Student-t innovations plus Merton jumps: volatility clustering from the GARCH
// part, fat tails from both, and sudden gaps that no volatility estimate sees coming (the
// BTC-like default of the demo; domain.md 7.2). Per step of dt years:
//   r_t = mean + sigma_t e_t + J_t,    e_t = t_nu sqrt((nu - 2) / nu)   (unit variance),
//   sigma_{t+1}^2 = omega + alpha (sigma_t e_t)^2 + beta sigma_t^2,
//   J_t = sum_{i <= N_t} Y_i,  N_t ~ Poisson(lambda dt),  Y_i ~ N(jump_mean, jump_volatility^2).
// Jumps do not feed the variance recursion (they are the part GARCH cannot forecast). Given N
// jumps their sum is N(N jump_mean, N jump_volatility^2), so one normal draw covers them all.
//
// A path is generated whole (log_returns), in SIMD lanes, from its own counter-based draws:
// - the diffusive part: GarchT's path with the same GARCH parameters (garch.hpp: t_nu of step s
//   from student_t_steps, StepBlocks tag student_t), the very bits GarchT gives; then, when the
//   intensity is positive, the jumps are added to it:
// - whether step s jumps: word s % 4 of StepBlocks (tag jump_decision) at step s / 4, a 32-bit
//   word c against the threshold T = floor(2^32 e^(-lambda dt)): no jump when c < T, a jump when
//   c > T, and at c = T (probability 2^-32) a uniform u decides, no jump when u < the fraction
//   2^32 e^(-lambda dt) - T, so that P(no jump) is e^(-lambda dt) to within its last bit (p is
//   computed within an ulp, u has 2^52 cells);
// - the jumps of a step that has them: RandomStream(seed, path), sub-stream jump_substream at
//   step s: [u at c = T], then N given N >= 1, then one normal.
// jump_counts replays the decisions and counts alone (the same helpers, so the same draws), for
// a likelihood ratio between jump intensities (risk/rare_event.hpp).
// So a path is a pure function of (seed, path, model, dt): the same bits on every instruction set
// the CPU may have (vector_dispatch.hpp), and, built without fused multiply-add (-ffp-contract=off,
// as ours), on every platform for the diffusive part (portable_math, IEEE square roots) and per
// C library for the rare jump sizes (RandomStream's caveat).
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/risk/floating_point.hpp"
#include "backstop/risk/price_model/garch.hpp"
#include "backstop/risk/rng/detail/portable_math.hpp"
#include "backstop/risk/rng/detail/vector_dispatch.hpp"
#include "backstop/risk/rng/random_stream.hpp"
#include "backstop/risk/rng/step_blocks.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace backstop {
namespace risk {

namespace detail {

// The jump-decision blocks of a run of groups of four steps, and for each group whether any of
// its four words is at least the threshold (at most 2^32 - 1 here): one dispatched pass, so the
// comparisons run in the kernel's vector width (in GarchJump::log_returns they ran in SSE2).
struct JumpDecisionKernel {
    template <VectorIsa isa>
    static BACKSTOP_ALWAYS_INLINE void run(StepBlockCoordinates decisions, std::uint32_t first_group,
                                           std::size_t groups, std::uint32_t threshold,
                                           std::uint32_t* __restrict word0, std::uint32_t* __restrict word1,
                                           std::uint32_t* __restrict word2, std::uint32_t* __restrict word3,
                                           std::uint8_t* __restrict may_jump) noexcept {
        philox_lanes<isa>(decisions, nullptr, first_group, groups, word0, word1, word2, word3);
        for (std::size_t g = 0; g < groups; ++g) {
            may_jump[g] = static_cast<std::uint8_t>((word0[g] >= threshold) | (word1[g] >= threshold) |
                                                    (word2[g] >= threshold) | (word3[g] >= threshold));
        }
    }
};

}  // namespace detail

struct GarchJump {
    double mean_per_step = 0.0;
    double omega = 5.7e-7;                 // per step; with alpha, beta: 50%/year diffusive, hourly
    double alpha = 0.08;
    double beta = 0.90;
    double degrees_of_freedom = 5.0;
    double jump_intensity_per_year = 12.0;  // about one gap a month
    double jump_mean = -0.03;               // of the log jump
    double jump_volatility = 0.05;

    // RandomStream sub-stream of the jump sizes (sub-stream 0 is the other models' draws).
    static constexpr std::uint64_t jump_substream = 1;
    static constexpr std::size_t chunk_steps = GarchT::chunk_steps;

    // The GARCH(1,1)-t part alone: the model without its jumps.
    GarchT diffusion() const { return GarchT{mean_per_step, omega, alpha, beta, degrees_of_freedom}; }
    double unconditional_variance() const { return diffusion().unconditional_variance(); }
    // The diffusion's valid() and a jump intensity and volatility of at least 0, finite, with a
    // finite jump mean (jump_threshold asserts the intensity per step in range too).
    bool valid() const {
        return diffusion().valid() && std::isfinite(jump_intensity_per_year) && jump_intensity_per_year >= 0.0 &&
               std::isfinite(jump_mean) && std::isfinite(jump_volatility) && jump_volatility >= 0.0;
    }

    // out[s] = the log return of step s of `path`, s < steps: GarchT's path (diffusion()), plus
    // the jumps; the path starts at the unconditional variance. Parameters that are not valid(),
    // a step's expected jumps above 1e15, or steps from 2^32 on, are std::invalid_argument.
    void log_returns(std::uint64_t seed, std::uint64_t path, double dt_years, double* out,
                     std::size_t steps, detail::VectorIsa isa = detail::best_vector_isa()) const {
        BACKSTOP_NO_FP_CONTRACTION
        check_arguments(dt_years, steps);
        diffusion().log_returns(seed, path, dt_years, out, steps, isa);
        const JumpThreshold threshold = jump_threshold(dt_years);
        if (!threshold.can_jump) return;
        const StepBlockCoordinates decisions =
            StepBlockCoordinates::of(seed, path, StepBlockTag::jump_decision, 0);
        for (std::size_t done = 0; done < steps; done += chunk_steps) {
            const std::size_t n = steps - done < chunk_steps ? steps - done : chunk_steps;
            const std::uint32_t first_step = static_cast<std::uint32_t>(done);
            for_each_jump_word(decisions, threshold, first_step, n, isa, [&](std::size_t i, std::uint32_t word) {
                out[done + i] += jump(seed, path, first_step + static_cast<std::uint32_t>(i), word, threshold);
            });
        }
    }

    // out[s] = the number of jumps N_s of step s of `path`, s < steps: the very draws log_returns
    // makes (the same decision words and counts), without the diffusive part or the jump sizes.
    // Given these counts the rest of the path (t shocks, jump sizes) has the same law whatever
    // the intensity, which is what a likelihood ratio between two intensities needs
    // (risk/rare_event.hpp).
    void jump_counts(std::uint64_t seed, std::uint64_t path, double dt_years, std::uint32_t* out, std::size_t steps,
                     detail::VectorIsa isa = detail::best_vector_isa()) const {
        check_arguments(dt_years, steps);
        for (std::size_t s = 0; s < steps; ++s) out[s] = 0;
        const JumpThreshold threshold = jump_threshold(dt_years);
        if (!threshold.can_jump) return;
        const StepBlockCoordinates decisions = StepBlockCoordinates::of(seed, path, StepBlockTag::jump_decision, 0);
        for (std::size_t done = 0; done < steps; done += chunk_steps) {
            const std::size_t n = steps - done < chunk_steps ? steps - done : chunk_steps;
            const std::uint32_t first_step = static_cast<std::uint32_t>(done);
            for_each_jump_word(decisions, threshold, first_step, n, isa, [&](std::size_t i, std::uint32_t word) {
                RandomStream rng(seed, path);
                rng.at_substream(first_step + static_cast<std::uint32_t>(i), jump_substream);
                const std::uint64_t count = jump_count(rng, word, threshold);
                out[done + i] = count > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(count);
            });
        }
    }

    // Stationary moments of one step's log return (the GARCH part at its unconditional variance).
    double log_return_mean(double dt_years) const {
        return mean_per_step + jump_intensity_per_year * dt_years * jump_mean;
    }
    double log_return_variance(double dt_years) const {
        return unconditional_variance() +
               jump_intensity_per_year * dt_years * (jump_volatility * jump_volatility + jump_mean * jump_mean);
    }

    // P(no jump in a step) = e^(-lambda dt) as a 32-bit threshold and the fraction beyond it.
    struct JumpThreshold {
        bool can_jump = false;
        std::uint64_t word = 0;      // T = floor(2^32 p), up to 2^32
        double fraction = 0.0;       // 2^32 p - T
        double mean = 0.0;           // lambda dt
        double no_jump = 1.0;        // p = e^(-lambda dt)
    };
    // The jumps a step of dt_years expects are a mean the Poisson draw takes, [0, 1e15] (the one
    // bound of the model that depends on the step: scenario.hpp checks it per scenario).
    bool jumps_in_range(double dt_years) const {
        const double jumps_per_step = jump_intensity_per_year * dt_years;
        return jumps_per_step >= 0.0 && jumps_per_step <= RandomStream::poisson_mean_max;
    }
    // A caller's parameters: refused, not asserted (one check a path).
    void check_arguments(double dt_years, std::size_t steps) const {
        if (!valid()) throw std::invalid_argument("GarchJump: invalid parameters");
        if (!jumps_in_range(dt_years)) {
            throw std::invalid_argument("GarchJump: the jumps a step expects are negative, NaN or above 1e15");
        }
        if (steps > std::uint64_t{0xFFFFFFFF}) throw std::invalid_argument("GarchJump: at most 2^32 - 1 steps");
    }
    JumpThreshold jump_threshold(double dt_years) const {
        BACKSTOP_NO_FP_CONTRACTION
        JumpThreshold t;
        t.mean = jump_intensity_per_year * dt_years;
        BACKSTOP_ASSERT(jumps_in_range(dt_years), "a jump rate in range (check_arguments)");
        if (t.mean <= 0.0) {
            t.word = std::uint64_t{1} << 32;
            return t;
        }
        t.can_jump = true;
        // e^(-m) = 1 / (1 + expm1(m)): portable, so the threshold is the same everywhere.
        t.no_jump = t.mean < 709.0 ? 1.0 / (1.0 + detail::portable_expm1_nonnegative(t.mean)) : 0.0;
        const double scaled = t.no_jump * 0x1p32;
        t.word = static_cast<std::uint64_t>(scaled);
        t.fraction = scaled - static_cast<double>(t.word);
        return t;
    }

    // N given N >= 1 at quantile u, for jump means below 10, by inversion: the first k with
    // P(1 <= N <= k) >= u P(N >= 1), where P(N >= 1) = (e^m - 1) e^-m without cancellation
    // (1 - e^-m cancelled, and the walk could not reach it). Public so that tests can reach the
    // top cells of u.
    static std::uint64_t jump_count_quantile(double u, const JumpThreshold& threshold) noexcept {
        BACKSTOP_NO_FP_CONTRACTION
        const double m = threshold.mean;
        BACKSTOP_ASSERT(m > 0.0 && m < 10.0, "a small jump mean");
        const double target = u * (detail::portable_expm1_nonnegative(m) * threshold.no_jump);
        const double probability = threshold.no_jump * m;  // P(N = 1), and the sum from 1 so far
        return RandomStream::poisson_walk(target, m, 1, probability, probability);
    }

private:
    // Calls on_step(i, word) for each step i < n of the run starting at first_step whose decision
    // word is at least the threshold (it may jump; at the threshold itself a uniform decides).
    template <class OnStep>
    static void for_each_jump_word(const StepBlockCoordinates& decisions, const JumpThreshold& threshold,
                                   std::uint32_t first_step, std::size_t n, detail::VectorIsa isa,
                                   OnStep on_step) {
        const std::uint64_t t = threshold.word;
        if (t > 0xFFFFFFFFu) return;  // no 32-bit word reaches it (p rounded to 1)
        std::uint32_t decision_words[4][chunk_steps / 4];
        const std::size_t groups = (n + 3) / 4;
        BACKSTOP_ASSERT(groups <= std::uint64_t{0x100000000} - first_step / 4, "steps below 2^32");
        // Most groups of four steps have no jump: find the few that may, then their steps.
        std::uint8_t may_jump[chunk_steps / 4];
        detail::run_kernel<detail::JumpDecisionKernel>(isa, decisions, first_step / 4, groups,
                                                       static_cast<std::uint32_t>(t), decision_words[0],
                                                       decision_words[1], decision_words[2], decision_words[3],
                                                       may_jump);
        for (std::size_t g = 0; g < groups; ++g) {
            if (may_jump[g] == 0) continue;
            for (std::size_t i = 4 * g; i < 4 * g + 4 && i < n; ++i) {
                const std::uint32_t word = decision_words[i % 4][g];
                if (word < t) continue;
                on_step(i, word);
            }
        }
    }

    // The number of jumps of a step whose decision word is at least the threshold (0 if the word
    // is at it and the refining uniform says so), drawn from `rng` at the step's jump sub-stream;
    // the jump sizes are the draws after it.
    static std::uint64_t jump_count(RandomStream& rng, std::uint32_t word, const JumpThreshold& threshold) {
        BACKSTOP_NO_FP_CONTRACTION
        if (word == threshold.word && rng.uniform() < threshold.fraction) return 0;
        std::uint64_t count = 0;
        const double m = threshold.mean;
        if (m < 10.0) {
            count = jump_count_quantile(rng.uniform(), threshold);
        } else {
            do {
                count = rng.poisson(m);  // P(0) < 5e-5 here
            } while (count == 0);
        }
        return count;
    }

    // The jumps of a step whose decision word is at least the threshold (none, if the word is
    // at it and the refining uniform says so).
    double jump(std::uint64_t seed, std::uint64_t path, std::uint32_t step, std::uint32_t word,
                const JumpThreshold& threshold) const {
        BACKSTOP_NO_FP_CONTRACTION
        RandomStream rng(seed, path);
        rng.at_substream(step, jump_substream);
        const std::uint64_t count = jump_count(rng, word, threshold);
        if (count == 0) return 0.0;
        const double n = static_cast<double>(count);
        return n * jump_mean + std::sqrt(n) * jump_volatility * rng.normal();
    }
};

}  // namespace risk
}  // namespace backstop
