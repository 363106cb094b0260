// StepBlocks: the lab's counter-based stream for draws computed many steps at a time.
//
// RandomStream hands out 64-bit draws one at a time from Philox4x64-10; a 64x64-bit multiply
// has no SIMD form, so a model that wants the draws of a whole run of steps in vector lanes
// (GarchJump) takes them from here instead. Block (seed, path, step, tag, index) is
// Philox4x32-10 with key {seed low 32 bits, seed high 32 bits} and counter
// {step, path low 32 bits, path high 32 bits, tag << 24 | index} (word 0 least significant):
// four 32-bit words, a pure function of its coordinates like every draw of the lab. Consecutive
// steps differ in counter word 0 only, so their blocks are computed side by side in SIMD lanes
// (philox_step_blocks, dispatched to AVX-512 or AVX2 where the CPU has them: same bits).
// Tags keep the uses apart; the index (24 bits) numbers further blocks of one step and use.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/risk/rng/detail/portable_math.hpp"
#include "backstop/risk/rng/detail/vector_dispatch.hpp"
#include "backstop/risk/rng/philox.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>

#if defined(BACKSTOP_VECTOR_DISPATCH)
#include <immintrin.h>
#endif

namespace backstop::risk {

enum class StepBlockTag : std::uint8_t {
    student_t = 0,      // StudentTSteps: the t draw of a step
    jump_decision = 1,  // GarchJump: whether a step has jumps, four steps to a block
};

inline constexpr std::uint32_t step_block_index_max = (std::uint32_t{1} << 24) - 1;

// The words that fix a run of blocks but for the step: key and counter words 1 to 3.
struct StepBlockCoordinates {
    std::uint32_t key0 = 0;
    std::uint32_t key1 = 0;
    std::uint32_t counter1 = 0;
    std::uint32_t counter2 = 0;
    std::uint32_t counter3 = 0;

    static StepBlockCoordinates of(std::uint64_t seed, std::uint64_t path, StepBlockTag tag,
                                   std::uint32_t index) {
        if (index > step_block_index_max) throw std::invalid_argument("StepBlockCoordinates: a block index has 24 bits");
        return {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                static_cast<std::uint32_t>(path), static_cast<std::uint32_t>(path >> 32),
                static_cast<std::uint32_t>(static_cast<std::uint32_t>(tag) << 24 | index)};
    }
};

// One block, by the scalar philox_block (the reference the SIMD kernel is tested against).
inline PhiloxCounter<std::uint32_t> step_block(std::uint64_t seed, std::uint64_t path,
                                               std::uint32_t step, StepBlockTag tag,
                                               std::uint32_t index) {
    const StepBlockCoordinates c = StepBlockCoordinates::of(seed, path, tag, index);
    return philox_block<std::uint32_t>({step, c.counter1, c.counter2, c.counter3}, {c.key0, c.key1});
}

namespace detail {

// Philox4x32-10 in place (Random123's constants and round order), on one lane's counter. The
// words travel in 64-bit variables (their top halves stay 0) so that each 32x32->64 multiply is
// one widening multiply per lane (pmuludq in SSE2, AVX2 and AVX-512) with no shuffles.
BACKSTOP_ALWAYS_INLINE void philox4x32_10(const StepBlockCoordinates& c, std::uint32_t& word0,
                                          std::uint32_t& word1, std::uint32_t& word2,
                                          std::uint32_t& word3) noexcept {
    constexpr std::uint64_t low_half = 0xFFFFFFFFu;
    constexpr std::uint64_t multiplier0 = 0xD2511F53u;
    constexpr std::uint64_t multiplier1 = 0xCD9E8D57u;
    constexpr std::uint32_t weyl0 = 0x9E3779B9u;
    constexpr std::uint32_t weyl1 = 0xBB67AE85u;
    std::uint64_t x0 = word0;
    std::uint64_t x1 = word1;
    std::uint64_t x2 = word2;
    std::uint64_t x3 = word3;
    std::uint32_t k0 = c.key0;
    std::uint32_t k1 = c.key1;
    for (int round = 0; round < 10; ++round) {
        const std::uint64_t product0 = (x0 & low_half) * multiplier0;
        const std::uint64_t product1 = (x2 & low_half) * multiplier1;
        x0 = (product1 >> 32) ^ x1 ^ k0;
        x2 = (product0 >> 32) ^ x3 ^ k1;
        x1 = product1 & low_half;
        x3 = product0 & low_half;
        k0 += weyl0;
        k1 += weyl1;
    }
    word0 = static_cast<std::uint32_t>(x0);
    word1 = static_cast<std::uint32_t>(x1);
    word2 = static_cast<std::uint32_t>(x2);
    word3 = static_cast<std::uint32_t>(x3);
}

// The blocks of steps step_of(i), i < count, word j of block i to word_j[i]: one lane per
// block, a plain loop that the compiler vectorises.
template <class StepOf>
BACKSTOP_ALWAYS_INLINE void philox_blocks_plain(StepBlockCoordinates c, StepOf step_of, std::size_t count,
                                                std::uint32_t* __restrict word0, std::uint32_t* __restrict word1,
                                                std::uint32_t* __restrict word2,
                                                std::uint32_t* __restrict word3) noexcept {
    for (std::size_t i = 0; i < count; ++i) {
        std::uint32_t x0 = step_of(i);
        std::uint32_t x1 = c.counter1;
        std::uint32_t x2 = c.counter2;
        std::uint32_t x3 = c.counter3;
        philox4x32_10(c, x0, x1, x2, x3);
        word0[i] = x0;
        word1[i] = x1;
        word2[i] = x2;
        word3[i] = x3;
    }
}

#if defined(BACKSTOP_VECTOR_DISPATCH)

// The same blocks with AVX2 intrinsics, one 32-bit lane per block. (For AVX2, GCC 12 turns the
// plain loops' multiplies into shifts and adds, 8.5 ns a block against 3 here; for AVX-512 its
// plain loops ran at 1.04 ns a block, philox_lanes_avx512 below at 0.87.) Per round and multiplier, the even
// lanes' and the odd lanes' 32x32->64 products (pmuludq) are blended into the high and the low
// halves. steps == nullptr: the steps are first_step + i. The tail goes through a mask. Not
// always-inline, like sqrt_lanes.
__attribute__((target("avx2"))) inline void philox_lanes_avx2(
    StepBlockCoordinates c, const std::uint32_t* steps, std::uint32_t first_step, std::size_t count,
    std::uint32_t* word0, std::uint32_t* word1, std::uint32_t* word2, std::uint32_t* word3) noexcept {
    const __m256i multiplier0 = _mm256_set1_epi64x(0xD2511F53);
    const __m256i multiplier1 = _mm256_set1_epi64x(0xCD9E8D57);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (std::size_t i = 0; i < count; i += 8) {
        const std::size_t left = count - i;
        // Lane j is on when j < left.
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(left < 8 ? left : 8)), lane);
        const int* step_ints = reinterpret_cast<const int*>(steps);
        __m256i x0 = steps != nullptr
                         ? _mm256_maskload_epi32(step_ints + i, mask)
                         : _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(first_step + static_cast<std::uint32_t>(i))), lane);
        __m256i x1 = _mm256_set1_epi32(static_cast<int>(c.counter1));
        __m256i x2 = _mm256_set1_epi32(static_cast<int>(c.counter2));
        __m256i x3 = _mm256_set1_epi32(static_cast<int>(c.counter3));
        std::uint32_t k0 = c.key0;
        std::uint32_t k1 = c.key1;
        for (int round = 0; round < 10; ++round) {
            const __m256i even0 = _mm256_mul_epu32(x0, multiplier0);
            const __m256i odd0 = _mm256_mul_epu32(_mm256_srli_epi64(x0, 32), multiplier0);
            const __m256i even1 = _mm256_mul_epu32(x2, multiplier1);
            const __m256i odd1 = _mm256_mul_epu32(_mm256_srli_epi64(x2, 32), multiplier1);
            const __m256i high0 = _mm256_blend_epi32(_mm256_srli_epi64(even0, 32), odd0, 0xAA);
            const __m256i low0 = _mm256_blend_epi32(even0, _mm256_slli_epi64(odd0, 32), 0xAA);
            const __m256i high1 = _mm256_blend_epi32(_mm256_srli_epi64(even1, 32), odd1, 0xAA);
            const __m256i low1 = _mm256_blend_epi32(even1, _mm256_slli_epi64(odd1, 32), 0xAA);
            x0 = _mm256_xor_si256(_mm256_xor_si256(high1, x1), _mm256_set1_epi32(static_cast<int>(k0)));
            x2 = _mm256_xor_si256(_mm256_xor_si256(high0, x3), _mm256_set1_epi32(static_cast<int>(k1)));
            x1 = low1;
            x3 = low0;
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        // Masked stores only for the tail: on AMD's Zen 2 and 3 a masked 256-bit store is
        // microcoded, a dozen cycles each, and four of them a round of eight blocks were a tenth
        // of student_t_steps.
        if (left >= 8) {
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(word0 + i), x0);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(word1 + i), x1);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(word2 + i), x2);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(word3 + i), x3);
        } else {
            _mm256_maskstore_epi32(reinterpret_cast<int*>(word0 + i), mask, x0);
            _mm256_maskstore_epi32(reinterpret_cast<int*>(word1 + i), mask, x1);
            _mm256_maskstore_epi32(reinterpret_cast<int*>(word2 + i), mask, x2);
            _mm256_maskstore_epi32(reinterpret_cast<int*>(word3 + i), mask, x3);
        }
    }
}

// The same blocks with AVX-512 intrinsics, sixteen 32-bit lanes per register. Per round and
// multiplier, two 32x32->64 multiplies (vpmuludq, even lanes and odd lanes) whose high and low
// halves are put back in place with a shift and a masked blend each. (GCC 12's plain loops keep
// the words in 64-bit lanes, eight per register, and multiply with vpmullq.) Not always-inline, like sqrt_lanes.
__attribute__((target("avx512f,avx512dq,avx512vl,avx512bw"))) inline void philox_lanes_avx512(
    StepBlockCoordinates c, const std::uint32_t* steps, std::uint32_t first_step, std::size_t count,
    std::uint32_t* word0, std::uint32_t* word1, std::uint32_t* word2, std::uint32_t* word3) noexcept {
    const __m512i multiplier0 = _mm512_set1_epi64(0xD2511F53);
    const __m512i multiplier1 = _mm512_set1_epi64(0xCD9E8D57);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    constexpr __mmask16 odd_lanes = 0xAAAA;
    constexpr __mmask16 even_lanes = 0x5555;
    // The maskz forms with every lane on: GCC 12 warns that the plain forms' undefined
    // pass-through may be used uninitialized (-Wmaybe-uninitialized).
    constexpr __mmask8 all = 0xFF;
    for (std::size_t i = 0; i < count; i += 16) {
        const std::size_t left = count - i;
        const __mmask16 mask = static_cast<__mmask16>(left >= 16 ? 0xFFFFu : (1u << left) - 1u);
        __m512i x0 = steps != nullptr
                         ? _mm512_maskz_loadu_epi32(mask, steps + i)
                         : _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(first_step + static_cast<std::uint32_t>(i))), lane);
        __m512i x1 = _mm512_set1_epi32(static_cast<int>(c.counter1));
        __m512i x2 = _mm512_set1_epi32(static_cast<int>(c.counter2));
        __m512i x3 = _mm512_set1_epi32(static_cast<int>(c.counter3));
        std::uint32_t k0 = c.key0;
        std::uint32_t k1 = c.key1;
        for (int round = 0; round < 10; ++round) {
            const __m512i even0 = _mm512_maskz_mul_epu32(all, x0, multiplier0);
            const __m512i odd0 = _mm512_maskz_mul_epu32(all, _mm512_maskz_srli_epi64(all, x0, 32), multiplier0);
            const __m512i even1 = _mm512_maskz_mul_epu32(all, x2, multiplier1);
            const __m512i odd1 = _mm512_maskz_mul_epu32(all, _mm512_maskz_srli_epi64(all, x2, 32), multiplier1);
            // High halves: an even lane takes dword 1 of its own product, shifted down. Low halves:
            // an odd lane takes dword 0 of its product, shifted up. (Blends and shifts, not
            // _mm512_mask_shuffle_epi32: in an -O0 (ASan) test build GCC 12 took that intrinsic's
            // function form, whose immediate does not fold without optimisation.)
            const __m512i high0 = _mm512_mask_blend_epi32(even_lanes, odd0, _mm512_maskz_srli_epi64(all, even0, 32));
            const __m512i high1 = _mm512_mask_blend_epi32(even_lanes, odd1, _mm512_maskz_srli_epi64(all, even1, 32));
            const __m512i low0 = _mm512_mask_blend_epi32(odd_lanes, even0, _mm512_maskz_slli_epi64(all, odd0, 32));
            const __m512i low1 = _mm512_mask_blend_epi32(odd_lanes, even1, _mm512_maskz_slli_epi64(all, odd1, 32));
            x0 = _mm512_xor_si512(_mm512_xor_si512(high1, x1), _mm512_set1_epi32(static_cast<int>(k0)));
            x2 = _mm512_xor_si512(_mm512_xor_si512(high0, x3), _mm512_set1_epi32(static_cast<int>(k1)));
            x1 = low1;
            x3 = low0;
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        _mm512_mask_storeu_epi32(word0 + i, mask, x0);
        _mm512_mask_storeu_epi32(word1 + i, mask, x1);
        _mm512_mask_storeu_epi32(word2 + i, mask, x2);
        _mm512_mask_storeu_epi32(word3 + i, mask, x3);
    }
}

#endif

// Blocks for the steps first_step + i (steps == nullptr) or steps[i], i < count, in the
// instruction set of the calling kernel.
template <VectorIsa isa>
BACKSTOP_ALWAYS_INLINE void philox_lanes(StepBlockCoordinates c, const std::uint32_t* steps,
                                         std::uint32_t first_step, std::size_t count,
                                         std::uint32_t* word0, std::uint32_t* word1,
                                         std::uint32_t* word2, std::uint32_t* word3) noexcept {
#if defined(BACKSTOP_VECTOR_DISPATCH)
    if constexpr (isa == VectorIsa::avx2) {
        philox_lanes_avx2(c, steps, first_step, count, word0, word1, word2, word3);
        return;
    }
    if constexpr (isa == VectorIsa::avx512) {
        philox_lanes_avx512(c, steps, first_step, count, word0, word1, word2, word3);
        return;
    }
#endif
    if (steps == nullptr) {
        const auto consecutive = [first_step](std::size_t i) { return first_step + static_cast<std::uint32_t>(i); };
        philox_blocks_plain(c, consecutive, count, word0, word1, word2, word3);
    } else {
        const auto listed = [steps](std::size_t i) { return steps[i]; };
        philox_blocks_plain(c, listed, count, word0, word1, word2, word3);
    }
}

struct PhiloxStepBlocksKernel {
    template <VectorIsa isa>
    static BACKSTOP_ALWAYS_INLINE void run(StepBlockCoordinates c, std::uint32_t first_step,
                                           std::size_t count, std::uint32_t* word0,
                                           std::uint32_t* word1, std::uint32_t* word2,
                                           std::uint32_t* word3) noexcept {
        philox_lanes<isa>(c, nullptr, first_step, count, word0, word1, word2, word3);
    }
};

}  // namespace detail

// Blocks of steps first_step .. first_step + count - 1 (one tag and index), word j of the block
// of step first_step + i to words_j[i]. Steps that would wrap past 2^32 are std::invalid_argument.
inline void philox_step_blocks(StepBlockCoordinates coordinates, std::uint32_t first_step,
                               std::size_t count, std::uint32_t* words0, std::uint32_t* words1,
                               std::uint32_t* words2, std::uint32_t* words3,
                               detail::VectorIsa isa = detail::best_vector_isa()) {
    if (count > std::uint64_t{0x100000000} - first_step) throw std::invalid_argument("philox_step_blocks: steps past 2^32");
    detail::run_kernel<detail::PhiloxStepBlocksKernel>(isa, coordinates, first_step, count, words0,
                                                       words1, words2, words3);
}

}  // namespace backstop::risk
