// Running one loop kernel compiled for the widest vector instructions the CPU has.
//
// Why: a header-only library is compiled with its user's flags, usually for baseline x86-64
// (SSE2), where the lab's draws run at a third of the speed they reach with AVX-512. A kernel is
// a struct with a static always-inline run<VectorIsa>(); run_kernel instantiates it three
// times, for baseline, AVX2 and AVX-512 (GCC and Clang target attributes), and calls the one the
// CPU supports; the template argument lets a kernel pick instructions the compiler would not
// vectorise on its own (sqrt_lanes). The kernels use only integer operations and IEEE +, -, *,
// /, sqrt (no libm), and no fused multiply-add anywhere: AVX-512 has FMA instructions that GCC
// would contract a * b + c into by default, so every instance carries GCC's
// optimize("fp-contract=off"), and Clang's contraction is switched off in every kernel body
// (BACKSTOP_NO_FP_CONTRACTION; Clang's -ffp-contract=fast and -ffast-math override that, and are
// not supported). So all three give the same bits, whatever the includer's flags; a test checks
// it, built with GCC's -ffp-contract=fast. Elsewhere (other compilers, other CPUs) the kernel
// runs as plain code, which the compiler vectorises for its own target.
#pragma once

#include <cstdint>

namespace backstop::risk::detail {

enum class VectorIsa : std::uint8_t { baseline, avx2, avx512 };

#if defined(__GNUC__) && !defined(__clang__)
#define BACKSTOP_KERNEL_NO_CONTRACTION __attribute__((optimize("fp-contract=off")))
#else
#define BACKSTOP_KERNEL_NO_CONTRACTION
#endif

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define BACKSTOP_VECTOR_DISPATCH 1

inline bool vector_isa_supported(VectorIsa isa) noexcept {
    __builtin_cpu_init();  // idempotent; needed when called before the runtime's constructors ran
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
__attribute__((target("avx512f,avx512dq,avx512vl,avx512bw"))) BACKSTOP_KERNEL_NO_CONTRACTION void run_kernel_avx512(
    Args... args) {
    Kernel::template run<VectorIsa::avx512>(args...);
}

template <class Kernel, class... Args>
__attribute__((target("avx2"))) BACKSTOP_KERNEL_NO_CONTRACTION void run_kernel_avx2(Args... args) {
    Kernel::template run<VectorIsa::avx2>(args...);
}

template <class Kernel, class... Args>
BACKSTOP_KERNEL_NO_CONTRACTION void run_kernel_baseline(Args... args) {
    Kernel::template run<VectorIsa::baseline>(args...);
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
    run_kernel_baseline<Kernel>(args...);
}

#else

inline bool vector_isa_supported(VectorIsa isa) noexcept { return isa == VectorIsa::baseline; }
inline VectorIsa best_vector_isa() noexcept { return VectorIsa::baseline; }

template <class Kernel, class... Args>
BACKSTOP_KERNEL_NO_CONTRACTION void run_kernel(VectorIsa /*isa*/, Args... args) {
    Kernel::template run<VectorIsa::baseline>(args...);
}

#endif

}  // namespace backstop::risk::detail
