// out[i] = sqrt(in[i]), correctly rounded, in the vector width of a dispatched kernel.
//
// Why: IEEE square roots are exact to the last bit on every platform, but GCC and Clang keep
// std::sqrt scalar in a loop unless errno is switched off (-fno-math-errno), which a header
// cannot ask of its includer. So each instruction set gets its own loop of sqrt instructions:
// the same bits as std::sqrt, at the vector unit's rate.
#pragma once

#include "backstop/risk/rng/detail/portable_math.hpp"
#include "backstop/risk/rng/detail/vector_dispatch.hpp"

#include <cmath>
#include <cstddef>

#if defined(BACKSTOP_VECTOR_DISPATCH)
#include <immintrin.h>
#endif

namespace backstop::risk::detail {

#if defined(BACKSTOP_VECTOR_DISPATCH)

// Not always-inline: a kernel's body is compiled for the baseline before it is inlined into its
// AVX2 or AVX-512 instance, and the baseline may only call these, not inline them. (GCC and
// Clang inline them anyway once the kernel sits in its instance.)
// The tails go through masks rather than scalar loops (GCC 12 misreads a scalar tail after a
// loop of constant length as running past the array).
__attribute__((target("avx512f,avx512dq,avx512vl,avx512bw"))) inline void sqrt_lanes_avx512(
    const double* in, double* out, std::size_t count) noexcept {
    for (std::size_t i = 0; i < count; i += 8) {
        const std::size_t left = count - i;
        const __mmask8 mask = static_cast<__mmask8>(left >= 8 ? 0xFFu : (1u << left) - 1u);
        const __m512d x = _mm512_maskz_loadu_pd(mask, in + i);
        _mm512_mask_storeu_pd(out + i, mask, _mm512_mask_sqrt_pd(x, mask, x));
    }
}

__attribute__((target("avx2"))) inline void sqrt_lanes_avx2(const double* in, double* out,
                                                             std::size_t count) noexcept {
    for (std::size_t i = 0; i < count; i += 4) {
        const std::size_t left = count - i;
        // Lane j is on when j < left: compare j with left as 64-bit integers.
        const __m256i mask = _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(left < 4 ? left : 4)),
                                                _mm256_setr_epi64x(0, 1, 2, 3));
        if (left >= 4) {  // a masked store only for the tail (philox_lanes_avx2 says why)
            _mm256_storeu_pd(out + i, _mm256_sqrt_pd(_mm256_loadu_pd(in + i)));
        } else {
            _mm256_maskstore_pd(out + i, mask, _mm256_sqrt_pd(_mm256_maskload_pd(in + i, mask)));
        }
    }
}

BACKSTOP_ALWAYS_INLINE void sqrt_lanes_sse2(const double* in, double* out, std::size_t count) noexcept {
    std::size_t i = 0;
    for (; i + 2 <= count; i += 2) _mm_storeu_pd(out + i, _mm_sqrt_pd(_mm_loadu_pd(in + i)));
    if (i < count) _mm_store_sd(out + i, _mm_sqrt_sd(_mm_setzero_pd(), _mm_load_sd(in + i)));
}

#endif

// In place is fine (in == out).
template <VectorIsa isa>
BACKSTOP_ALWAYS_INLINE void sqrt_lanes(const double* in, double* out, std::size_t count) noexcept {
#if defined(BACKSTOP_VECTOR_DISPATCH)
    if constexpr (isa == VectorIsa::avx512) {
        sqrt_lanes_avx512(in, out, count);
    } else if constexpr (isa == VectorIsa::avx2) {
        sqrt_lanes_avx2(in, out, count);
    } else {
        sqrt_lanes_sse2(in, out, count);
    }
#else
    for (std::size_t i = 0; i < count; ++i) out[i] = std::sqrt(in[i]);
#endif
}

}  // namespace backstop::risk::detail
