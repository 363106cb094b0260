// The direction of every lossy operation is named by the caller; nothing in backstop rounds
// implicitly. The engine picks the direction that favours the protocol: what it collects rounds
// up (away from the payer), what it pays out rounds down.
#pragma once

#include <cstdint>
#include <string_view>

namespace backstop {

enum class Rounding : std::uint8_t {
    down,            // toward negative infinity (floor)
    up,              // toward positive infinity (ceiling)
    toward_zero,     // truncate
    away_from_zero,  // magnitude up
    half_even,       // nearest, ties to the even neighbour (banker's rounding)
};

inline constexpr Rounding round_down = Rounding::down;
inline constexpr Rounding round_up = Rounding::up;
inline constexpr Rounding round_toward_zero = Rounding::toward_zero;
inline constexpr Rounding round_away_from_zero = Rounding::away_from_zero;
inline constexpr Rounding round_half_even = Rounding::half_even;

inline constexpr Rounding all_roundings[] = {Rounding::down, Rounding::up, Rounding::toward_zero,
                                             Rounding::away_from_zero, Rounding::half_even};

constexpr std::string_view rounding_name(Rounding rounding) noexcept {
    switch (rounding) {
        case Rounding::down: return "down";
        case Rounding::up: return "up";
        case Rounding::toward_zero: return "toward_zero";
        case Rounding::away_from_zero: return "away_from_zero";
        case Rounding::half_even: return "half_even";
    }
    return "unknown";
}

}  // namespace backstop
