// The standard normal CDF, the one the whole library uses: options pricing (engine/options/) and
// the risk lab's intervals and closed forms (risk/normal.hpp adds its logarithm and quantile).
#pragma once

#include <cmath>

namespace backstop {

// Phi(x) = P(Z <= x). erfc keeps the lower tail accurate to its last bit (Phi(-37) ~ 6e-300);
// 1 - Phi(-x) would lose it.
inline double normal_cdf(double x) noexcept { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

}  // namespace backstop
