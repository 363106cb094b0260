// Random123's Philox (Debian librandom123-dev, header-only), the reference the library's own
// Philox is checked against (tests/unit/risk/philox_test.cpp), brought in as a system header.
// Why: its headers narrow integers implicitly and use __uint128_t, which our -Wconversion
// -Wsign-conversion -Wpedantic -Werror would reject. The pragma silences warnings from this file
// and from what it includes, whichever -I flag found it.
// Note: philox.h also defines function-like macros (philox4x32(c, k), philox4x64(c, k), ...).
#pragma once
#pragma GCC system_header

#include <Random123/philox.h>

#if !R123_USE_PHILOX_64BIT
#error "the Philox4x64 reference needs Random123's 64x64->128 multiply on this platform"
#endif
