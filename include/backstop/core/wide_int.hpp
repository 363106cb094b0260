// Int256: Boost.Multiprecision's fixed-width 256-bit integer, the unchecked intermediate where a
// sum or product of Int128 values needs more room (ledger audits, text parsing). It never
// allocates, and expression templates are off. Int128 itself is our own (core/int128.hpp); these
// convert between the two.
#pragma once

#include "backstop/core/int128.hpp"

#include <boost/multiprecision/cpp_int.hpp>

namespace backstop {

using Int256 = boost::multiprecision::int256_t;

inline Int256 to_int256(Int128 value) { return Int256(value.raw()); }

namespace detail {

inline bool fits_int128(const Int256& x) {
    static const Int256 max = to_int256(std::numeric_limits<Int128>::max());
    return x <= max && x >= -max;
}

}  // namespace detail

// The Int128 of x; x must fit (detail::fits_int128), or this throws std::overflow_error.
inline Int128 to_int128(const Int256& x) {
    if (!detail::fits_int128(x)) detail::throw_int128_overflow("Int128: value out of range");
    return detail::int128_from_raw(x.convert_to<detail::int128>());
}

}  // namespace backstop
