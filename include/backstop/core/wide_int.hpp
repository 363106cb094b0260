// Wide integers from Boost.Multiprecision. Int128 is the checked wide representation of money
// (18-decimal assets, large totals); Int256 is the unchecked intermediate of its mul_div.
// Both are fixed width: they never allocate, and expression templates are off.
//
// Boost's fixed-width cpp_int is signed-magnitude: Int128 holds +-(2^128 - 1), so its minimum is
// the negated maximum, unlike a two's-complement __int128.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>

namespace backstop {

using Int128 = boost::multiprecision::checked_int128_t;
using Int256 = boost::multiprecision::int256_t;

}  // namespace backstop
