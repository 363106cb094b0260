// Running one loop kernel compiled for the widest vector instructions the CPU has.
//
// Why: a header-only library is compiled with its user's flags, usually for baseline x86-64
// (SSE2), where the lab's draws run at a third of the speed they reach with AVX-512. A kernel is
// a struct with a static always-inline run<VectorIsa>(); run_kernel instantiates it three
// times, for baseline, AVX2 and AVX-512 (GCC and Clang target attributes), and calls the one the
// CPU supports; the template argument lets a kernel pick instructions the compiler would not
// vectorise on its own (sqrt_lanes). The kernels use only integer operations and IEEE +, -, *, / (no libm, no fused
// multiply-add: AVX2 and AVX-512 as targeted here do not enable FMA in GCC, and Clang's
// contraction is switched off in every kernel body), so all three give the same bits; a test
// checks it. Elsewhere (other compilers, other CPUs) the kernel runs as plain code, which the
// compiler vectorises for its own target.
#pragma once

#include <cstdint>

namespace backstop::risk::detail {

enum class VectorIsa : std::uint8_t { baseline, avx2, avx512 };

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define BACKSTOP_VECTOR_DISPATCH 1

inline bool vector_isa_supported(VectorIsa isa) noexcept {
    switch (isa) {
        case VectorIsa::baseline:
            return true;
        case VectorIsa::avx2:
            return __builtin_cpu_supports("avx2");
        case VectorIsa::avx512:
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                   __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
    }
    return false;
}

inline VectorIsa best_vector_isa() noexcept {
    // Reads the CPU's feature bits, which the runtime filled in at start-up: a constant.
    if (vector_isa_supported(VectorIsa::avx512)) return VectorIsa::avx512;
    if (vector_isa_supported(VectorIsa::avx2)) return VectorIsa::avx2;
    return VectorIsa::baseline;
}

template <class Kernel, class... Args>
__attribute__((target("avx512f,avx512dq,avx512vl,avx512bw"))) void run_kernel_avx512(Args... args) {
    Kernel::template run<VectorIsa::avx512>(args...);
}

template <class Kernel, class... Args>
__attribute__((target("avx2"))) void run_kernel_avx2(Args... args) {
    Kernel::template run<VectorIsa::avx2>(args...);
}

template <class Kernel, class... Args>
void run_kernel(VectorIsa isa, Args... args) {
    switch (isa) {
        case VectorIsa::avx512:
            run_kernel_avx512<Kernel>(args...);
            return;
        case VectorIsa::avx2:
            run_kernel_avx2<Kernel>(args...);
            return;
        case VectorIsa::baseline:
            break;
    }
    Kernel::template run<VectorIsa::baseline>(args...);
}

#else

inline bool vector_isa_supported(VectorIsa isa) noexcept { return isa == VectorIsa::baseline; }
inline VectorIsa best_vector_isa() noexcept { return VectorIsa::baseline; }

template <class Kernel, class... Args>
void run_kernel(VectorIsa /*isa*/, Args... args) {
    Kernel::template run<VectorIsa::baseline>(args...);
}

#endif

}  // namespace backstop::risk::detail
