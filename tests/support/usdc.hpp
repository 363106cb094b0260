// USDC amounts from text, for the engine and fund test worlds (both include it: the test binary
// is a unity build, so a helper may be defined only once).
#pragma once

#include <backstop/money/amount.hpp>
#include <backstop/money/assets.hpp>
#include <backstop/money/format.hpp>

namespace backstop::testing {

using Usdc = Amount<assets::USDC>;

inline Usdc usdc(const char* text) { return parse<Usdc>(text).value(); }

}  // namespace backstop::testing
