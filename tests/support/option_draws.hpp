// Random Black-76 inputs for the options tests (Black-76, portfolio margin, QuantLib), drawn by
// TestRandom: the same on every platform and compiler.
#pragma once

#include <backstop/engine/options/black76.hpp>

#include "support/random.hpp"

#include <cmath>
#include <cstdint>

namespace backstop::testing {

// Forward 1 to 100,000; strike 0.4 to 2.5 times it; volatility 5% to 250%; a day to three
// years; rates -2% to 10%.
inline Black76Input random_black76_input(TestRandom& d) {
    Black76Input in;
    in.forward = std::exp(d.uniform(0.0, std::log(1e5)));
    in.strike = in.forward * std::exp(d.uniform(std::log(0.4), std::log(2.5)));
    in.volatility = d.uniform(0.05, 2.5);
    in.time_years = std::exp(d.uniform(std::log(1.0 / 365.0), std::log(3.0)));
    in.rate = d.uniform(-0.02, 0.10);
    return in;
}

}  // namespace backstop::testing
