// Random inputs for the options tests (Black-76, portfolio margin, QuantLib): SplitMix64, so the
// same draws on every platform and compiler (the standard distributions are not).
#pragma once

#include <backstop/engine/options/black76.hpp>

#include <cmath>
#include <cstdint>

namespace backstop::testing {

struct OptionDraws {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform(double low, double high) {
        return low + (high - low) * static_cast<double>(next() >> 11) * 0x1p-53;
    }
};

// Forward 1 to 100,000; strike 0.4 to 2.5 times it; volatility 5% to 250%; a day to three
// years; rates -2% to 10%.
inline Black76Input random_black76_input(OptionDraws& d) {
    Black76Input in;
    in.forward = std::exp(d.uniform(0.0, std::log(1e5)));
    in.strike = in.forward * std::exp(d.uniform(std::log(0.4), std::log(2.5)));
    in.volatility = d.uniform(0.05, 2.5);
    in.time_years = std::exp(d.uniform(std::log(1.0 / 365.0), std::log(3.0)));
    in.rate = d.uniform(-0.02, 0.10);
    return in;
}

}  // namespace backstop::testing
