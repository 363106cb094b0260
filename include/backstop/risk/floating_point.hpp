// Floating-point evaluation rules for the risk lab's numerics.
//
// Determinism means the same inputs give the same bits. Clang contracts a * b + c into a fused
// multiply-add by default (-ffp-contract=on), and its constant folder evaluates the fused form
// even on targets without FMA instructions, so a call whose arguments are compile-time constants
// could return a different last bit than the same call made at run time (normal_quantile(0.025)
// did, by 2 ulps). BACKSTOP_NO_FP_CONTRACTION, placed first in a function body, turns contraction
// off for that body only (the includer's own code keeps its settings): every product is rounded
// before it is added, at compile time and at run time alike. GCC contracts only when told to
// (-ffp-contract=fast, the GNU-dialect default) and the target has FMA (-march=haswell and
// later); builds that do so get different, but still self-consistent, bits.
#pragma once

#if defined(__clang__)
#define BACKSTOP_NO_FP_CONTRACTION _Pragma("clang fp contract(off)")
#else
#define BACKSTOP_NO_FP_CONTRACTION
#endif
