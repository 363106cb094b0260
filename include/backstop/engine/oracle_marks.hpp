// Oracle marks and their age: whether a market's mark can be used for new risk (fresh) and
// whether its positions can be closed by a liquidation (closable: fresh and not halted).
#pragma once

#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/engine/market.hpp"

#include <cstdint>

namespace backstop {
namespace detail {

// A mark exists and is at most staleness_max_ms old at `now_ms` (the age in 128 bits: any two
// int64 times compare right).
inline Result<void> check_mark_fresh(const MarketState& state, std::int64_t now_ms) {
    if (!state.has_mark) return make_error(ErrorCode::no_mark, "market has no mark yet");
    if (state.option_expired) return {};  // a settled payoff, fixed: it never ages
    if (int128(now_ms) - state.mark_time_ms > state.config.staleness_max_ms) {
        return make_error(ErrorCode::stale_mark, "mark older than the staleness limit");
    }
    return {};
}

// A liquidation can close positions here: not halted, with a fresh mark. An expired series'
// payoff is fixed, so a halt protects nothing there: it stays closable (a writer who cannot pay
// its settlement is liquidated even once the venue halted the series).
inline bool is_closable(const MarketState& state, std::int64_t now_ms) {
    return (state.config.status != MarketStatus::halted || state.option_expired) && check_mark_fresh(state, now_ms).has_value();
}

}  // namespace detail
}  // namespace backstop
