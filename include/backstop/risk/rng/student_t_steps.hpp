// Student's t draws for a run of consecutive steps of a path, computed in SIMD lanes.
//
// The draw of step s on (seed, path) comes from StepBlocks with tag student_t: block index 0
// gives two attempts of Bailey's polar method (words 0 and 1, then words 2 and 3), and where
// both are rejected (4.6% of steps), blocks 1, 2, ... give two more each. A word w becomes
// U = (int32(w) + 1/2) / 2^31, in (-1, 1), never 0, symmetric; an attempt (U, V) is accepted
// when W = U^2 + V^2 <= 1 (probability pi / 4; on this grid W is never below 2^-63, and when
// its rounding gives exactly 1, t = 0), and then t = U sqrt(nu (W^(-2/nu) - 1) / W) (see
// RandomStream::student_t for why this is t_nu). The 32-bit grid of U and V is the method's only
// departure from the exact law: it shows only where both are below about 2^-20, which gives
// |t| > 500 at nu = 5, probability below 1e-12.
//
// log and W^(-2/nu) - 1 are portable_math's and the square root is IEEE's (sqrt_lanes), so the
// draws do not depend on the C library and are the same bits on every SIMD width
// (vector_dispatch.hpp; a test compares AVX-512, AVX2 and baseline, and the vector kernel with
// the scalar retries) and, built without fused multiply-add (-ffp-contract=off, as ours), on
// every platform.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/risk/floating_point.hpp"
#include "backstop/risk/rng/detail/portable_math.hpp"
#include "backstop/risk/rng/detail/vector_dispatch.hpp"
#include "backstop/risk/rng/detail/vector_sqrt.hpp"
#include "backstop/risk/rng/step_blocks.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace backstop::risk {

// Degrees of freedom below this would overflow nu (W^(-2/nu) - 1) / W at the smallest W of the
// grid, 2^-63 (2^(63 (2/nu + 1)) must stay below 2^1023 / nu: nu > 0.132).
inline constexpr double student_t_steps_nu_min = 0.15;

namespace detail {

BACKSTOP_ALWAYS_INLINE double polar_coordinate(std::uint32_t word) noexcept {
    BACKSTOP_NO_FP_CONTRACTION
    return (static_cast<double>(static_cast<std::int32_t>(word)) + 0.5) * 0x1p-31;
}

inline constexpr std::size_t student_t_chunk = 512;

// Two attempts from each of `lanes` blocks (word j of block i in words_j[i]): draw[i] = t of the
// first accepted attempt, accepted[i] = whether one was (draw[i] is then a finite placeholder).
// Separate passes, one function each: fused into one loop, the three functions' constants no
// longer fit the vector registers and the loop runs at half the speed.
template <VectorIsa isa, std::size_t lanes>
BACKSTOP_ALWAYS_INLINE void polar_two_attempts(const std::uint32_t* __restrict word0,
                                               const std::uint32_t* __restrict word1,
                                               const std::uint32_t* __restrict word2,
                                               const std::uint32_t* __restrict word3, double nu,
                                               double* __restrict draw,
                                               std::uint8_t* __restrict accepted) noexcept {
    BACKSTOP_NO_FP_CONTRACTION
    double u[lanes];
    double w[lanes];
    double exponent[lanes];
    for (std::size_t i = 0; i < lanes; ++i) {
        const double u1 = polar_coordinate(word0[i]);
        const double v1 = polar_coordinate(word1[i]);
        const double u2 = polar_coordinate(word2[i]);
        const double v2 = polar_coordinate(word3[i]);
        const double w1 = u1 * u1 + v1 * v1;
        const double w2 = u2 * u2 + v2 * v2;
        const bool first_accepted = w1 <= 1.0;
        const bool any_accepted = first_accepted | (w2 <= 1.0);
        u[i] = first_accepted ? u1 : u2;
        const double w_accepted = first_accepted ? w1 : w2;
        w[i] = any_accepted ? w_accepted : 0.5;  // keeps the placeholder finite
        accepted[i] = static_cast<std::uint8_t>(any_accepted);
    }
    const double minus_two_over_nu = -2.0 / nu;
    for (std::size_t i = 0; i < lanes; ++i) exponent[i] = minus_two_over_nu * portable_log(w[i]);
    for (std::size_t i = 0; i < lanes; ++i) exponent[i] = portable_expm1_nonnegative(exponent[i]);
    for (std::size_t i = 0; i < lanes; ++i) exponent[i] = nu * exponent[i] / w[i];
    sqrt_lanes<isa>(exponent, exponent, lanes);
    for (std::size_t i = 0; i < lanes; ++i) draw[i] = u[i] * exponent[i];
}

// One chunk of steps: block 0's two attempts for every step in vector lanes, then block 1's for
// the steps where both failed (4.6%), compacted into lanes of their own. Lists the steps still
// without a draw (0.2%) in `pending`, as offsets into the chunk. The loops run over constant
// lane counts (blocks of 64 steps, groups of 16 retries), computing unused lanes too, so that
// they vectorise without scalar remainders; only `count` results are stored.
struct StudentTChunkKernel {
    static constexpr std::size_t lanes = 64;
    static constexpr std::size_t retry_group = 16;

    template <VectorIsa isa>
    static BACKSTOP_ALWAYS_INLINE void run(std::uint64_t seed, std::uint64_t path,
                                           std::uint32_t first_step, std::size_t count, double nu,
                                           double* __restrict out, std::uint32_t* __restrict pending,
                                           std::size_t* __restrict pending_count) noexcept {
        static_assert(student_t_chunk % lanes == 0, "whole blocks of lanes");
        std::uint32_t word0[lanes];
        std::uint32_t word1[lanes];
        std::uint32_t word2[lanes];
        std::uint32_t word3[lanes];
        std::uint8_t accepted[student_t_chunk];
        const StepBlockCoordinates first_blocks = StepBlockCoordinates::of(seed, path, StepBlockTag::student_t, 0);
        for (std::size_t block = 0; block < count; block += lanes) {
            const std::size_t in_block = count - block < lanes ? (count - block + retry_group - 1) / retry_group * retry_group : lanes;
            philox_lanes<isa>(first_blocks, nullptr, first_step + static_cast<std::uint32_t>(block), in_block,
                              word0, word1, word2, word3);
            if (block + lanes <= count) {
                polar_two_attempts<isa, lanes>(word0, word1, word2, word3, nu, out + block, accepted + block);
            } else {
                // The last, partial block in groups of 16 lanes: a 720-step path's second chunk
                // (208 steps) would otherwise compute 256.
                double tail[lanes];
                const std::size_t used = count - block;
                for (std::size_t j = 0; j < used; j += retry_group) {
                    polar_two_attempts<isa, retry_group>(word0 + j, word1 + j, word2 + j, word3 + j, nu, tail + j,
                                                         accepted + block + j);
                }
                for (std::size_t i = block; i < count; ++i) out[i] = tail[i - block];
            }
        }
        // The rejected steps, eight flags at a time: most groups of eight have none.
        std::uint32_t retry_offset[student_t_chunk + retry_group];
        std::uint32_t retry_step[student_t_chunk + retry_group];
        std::size_t retries = 0;
        for (std::size_t i = 0; i < count; i += 8) {
            std::uint64_t flags = 0;
            std::memcpy(&flags, accepted + i, sizeof flags);
            if (flags == 0x0101010101010101ULL) continue;
            const std::size_t end = i + 8 < count ? i + 8 : count;
            for (std::size_t k = i; k < end; ++k) {
                retry_offset[retries] = static_cast<std::uint32_t>(k);
                retry_step[retries] = first_step + static_cast<std::uint32_t>(k);
                retries += 1u - accepted[k];
            }
        }
        for (std::size_t j = retries; j < retries + retry_group; ++j) retry_step[j] = first_step;
        std::size_t still = 0;
        const StepBlockCoordinates second_blocks = StepBlockCoordinates::of(seed, path, StepBlockTag::student_t, 1);
        for (std::size_t group = 0; group < retries; group += retry_group) {
            double retry_draw[retry_group];
            philox_lanes<isa>(second_blocks, retry_step + group, 0, retry_group, word0, word1, word2, word3);
            polar_two_attempts<isa, retry_group>(word0, word1, word2, word3, nu, retry_draw, accepted);
            const std::size_t in_group = retries - group < retry_group ? retries - group : retry_group;
            for (std::size_t j = 0; j < in_group; ++j) {
                out[retry_offset[group + j]] = retry_draw[j];
                pending[still] = retry_offset[group + j];
                still += 1u - accepted[j];
            }
        }
        *pending_count = still;
    }
};

}  // namespace detail

// out[i] = the t_nu draw of step first_step + i on (seed, path), i < count; steps below 2^32.
// A nu below 0.15, not finite, or steps past 2^32 are std::invalid_argument.
inline void student_t_steps(std::uint64_t seed, std::uint64_t path, std::uint32_t first_step,
                            double nu, double* out, std::size_t count,
                            detail::VectorIsa isa = detail::best_vector_isa()) {
    BACKSTOP_NO_FP_CONTRACTION
    if (!(nu >= student_t_steps_nu_min && std::isfinite(nu))) {
        throw std::invalid_argument("student_t_steps: degrees of freedom of at least 0.15, finite");
    }
    if (count > std::uint64_t{0x100000000} - first_step) throw std::invalid_argument("student_t_steps: steps past 2^32");
    std::uint32_t pending[detail::student_t_chunk];
    for (std::size_t done = 0; done < count;) {
        const std::size_t n = count - done < detail::student_t_chunk ? count - done : detail::student_t_chunk;
        const std::uint32_t chunk_step = first_step + static_cast<std::uint32_t>(done);
        std::size_t pending_count = 0;
        detail::run_kernel<detail::StudentTChunkKernel>(isa, seed, path, chunk_step, n, nu, out + done,
                                                        pending, &pending_count);
        for (std::size_t j = 0; j < pending_count; ++j) {
            const std::uint32_t step = chunk_step + pending[j];
            for (std::uint32_t index = 2;; ++index) {  // ends: each block accepts with p > 0.95
                BACKSTOP_ASSERT(index <= step_block_index_max, "a step's blocks run out");
                const PhiloxCounter<std::uint32_t> block = step_block(seed, path, step, StepBlockTag::student_t, index);
                double t = 0.0;
                std::uint8_t accepted = 0;
                detail::polar_two_attempts<detail::VectorIsa::baseline, 1>(&block[0], &block[1], &block[2], &block[3], nu, &t, &accepted);
                if (accepted != 0) {
                    out[done + pending[j]] = t;
                    break;
                }
            }
        }
        done += n;
    }
}

}  // namespace backstop::risk
