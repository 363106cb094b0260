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
//
// The CPU is asked with the cpuid instruction itself (<cpuid.h>, and xgetbv for whether the OS
// saves the AVX and AVX-512 registers), not with __builtin_cpu_supports: that reads libgcc's
// __cpu_model, which a JIT cannot find (clang-repl, xeus-cpp: "Symbols not found:
// [ __cpu_indicator_init, __cpu_model ]"), so the header needs no symbol from any library.
// Defining BACKSTOP_PORTABLE_DRAWS before any backstop header turns the dispatch off: every
// kernel runs as plain code (same bits), for compilers or interpreters that cannot take the
// target attributes or the intrinsics.
#pragma once

#include <cstdint>

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && !defined(BACKSTOP_PORTABLE_DRAWS)
#define BACKSTOP_VECTOR_DISPATCH 1
#include <cpuid.h>
#endif

namespace backstop::risk::detail {

enum class VectorIsa : std::uint8_t { baseline, avx2, avx512 };

#if defined(__GNUC__) && !defined(__clang__)
#define BACKSTOP_KERNEL_NO_CONTRACTION __attribute__((optimize("fp-contract=off")))
#else
#define BACKSTOP_KERNEL_NO_CONTRACTION
#endif

#if defined(BACKSTOP_VECTOR_DISPATCH)

namespace cpu {

// The bits libgcc's __builtin_cpu_supports tests, by the same rules: a feature counts only when
// the OS saves its registers (XCR0: SSE and AVX state for AVX2, plus opmask and both halves of
// the upper ZMM state for AVX-512).
inline constexpr unsigned leaf1_ecx_osxsave = 1u << 27;
inline constexpr unsigned leaf7_ebx_avx2 = 1u << 5;
inline constexpr unsigned leaf7_ebx_avx512f = 1u << 16;
inline constexpr unsigned leaf7_ebx_avx512dq = 1u << 17;
inline constexpr unsigned leaf7_ebx_avx512bw = 1u << 30;
inline constexpr unsigned leaf7_ebx_avx512vl = 1u << 31;
inline constexpr unsigned long long xcr0_avx_state = 0x6;      // XMM | YMM
inline constexpr unsigned long long xcr0_avx512_state = 0xE6;  // XMM | YMM | opmask | ZMM_Hi256 | Hi16_ZMM

// XCR0. Inline assembly rather than _xgetbv(), which needs the includer to enable XSAVE.
inline unsigned long long xcr0() noexcept {
    unsigned eax = 0, edx = 0;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0u));
    return (static_cast<unsigned long long>(edx) << 32) | eax;
}

inline VectorIsa detect_best() noexcept {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid_count(1, 0, &eax, &ebx, &ecx, &edx) == 0 || (ecx & leaf1_ecx_osxsave) == 0) {
        return VectorIsa::baseline;  // no xgetbv: the OS saves no AVX state
    }
    const unsigned long long saved = xcr0();
    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return VectorIsa::baseline;  // no leaf 7
    constexpr unsigned avx512 =
        leaf7_ebx_avx2 | leaf7_ebx_avx512f | leaf7_ebx_avx512dq | leaf7_ebx_avx512bw | leaf7_ebx_avx512vl;
    if ((ebx & avx512) == avx512 && (saved & xcr0_avx512_state) == xcr0_avx512_state) return VectorIsa::avx512;
    if ((ebx & leaf7_ebx_avx2) != 0 && (saved & xcr0_avx_state) == xcr0_avx_state) return VectorIsa::avx2;
    return VectorIsa::baseline;
}

}  // namespace cpu

// The widest instruction set the CPU and the OS support. Asked once: cpuid is slow (a VM exit
// under a hypervisor), and the answer cannot change while the program runs.
inline VectorIsa best_vector_isa() noexcept {
    static const VectorIsa best = cpu::detect_best();
    return best;
}

// Each set includes the narrower ones (detect_best asks AVX-512 for the AVX2 bit as well).
inline bool vector_isa_supported(VectorIsa isa) noexcept {
    return static_cast<std::uint8_t>(isa) <= static_cast<std::uint8_t>(best_vector_isa());
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
