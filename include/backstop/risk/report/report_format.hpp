// How the report writes numbers for people (HTML tables, the console): thousands separators,
// units, percentages with as many decimals as their size needs, intervals next to their
// estimate. Written by hand rather than through a locale, so the output is the same on every
// machine. The JSON and CSV keep full precision and no separators (they are for programs).
#pragma once

#include "backstop/risk/statistics.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>

namespace backstop {
namespace risk {

// 1234567.891 -> "1,234,567.89" (decimals 2), -1234.5 -> "-1,235" (decimals 0).
inline std::string grouped(double x, int decimals = 0) {
    if (!std::isfinite(x)) return fmt::format("{}", x);
    std::string digits = fmt::format("{:.{}f}", std::fabs(x), decimals);
    const std::size_t point = digits.find('.');
    const std::size_t integer_end = point == std::string::npos ? digits.size() : point;
    std::string out;
    for (std::size_t i = 0; i < integer_end; ++i) {
        if (i > 0 && (integer_end - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    out += digits.substr(integer_end);
    // "-0" is not a loss: the sign only when the rounded figure is not zero.
    const bool zero = out.find_first_not_of("0.,") == std::string::npos;
    return (x < 0.0 && !zero ? "-" : "") + out;
}

// Quote units: "1,234,568 USDC".
inline std::string usdc(double x, int decimals = 0) { return grouped(x, decimals) + " USDC"; }

// A probability as a percentage with the decimals its size needs: 0.0283 -> "2.8%",
// 0.0042 -> "0.42%", 0.00004 -> "0.004%", 0 -> "0%".
inline std::string percent(double p) {
    const double x = 100.0 * p;
    if (x == 0.0) return "0%";
    const double a = std::fabs(x);
    const int decimals = a >= 10.0 ? 1 : a >= 1.0 ? 1 : a >= 0.1 ? 2 : 3;
    return fmt::format("{:.{}f}%", x, decimals);
}

// An estimate with its interval: "2.8% (1.8% to 4.5%)".
inline std::string percent_interval(const BinomialInterval& i) {
    return fmt::format("{} ({} to {})", percent(i.estimate), percent(i.lower), percent(i.upper));
}

// "53,164 USDC (44,100 to 62,228)"
inline std::string usdc_interval(double estimate, double lower, double upper) {
    return fmt::format("{} ({} to {})", usdc(estimate), grouped(lower), grouped(upper));
}

}  // namespace risk
}  // namespace backstop
