// Example assets. Users declare their own the same way (see asset.hpp).
#pragma once

#include "backstop/core/int128.hpp"

#include <string_view>

namespace backstop {
namespace assets {

struct USDC { static constexpr std::string_view symbol = "USDC"; static constexpr int decimals = 6; };
struct USDT { static constexpr std::string_view symbol = "USDT"; static constexpr int decimals = 6; };
struct BTC { static constexpr std::string_view symbol = "BTC"; static constexpr int decimals = 8; };
// 18 decimals: int64 would overflow at ~9.22 ETH, so amounts default to the wide representation.
struct ETH { static constexpr std::string_view symbol = "ETH"; static constexpr int decimals = 18; using rep = Int128; };

}  // namespace assets
}  // namespace backstop
