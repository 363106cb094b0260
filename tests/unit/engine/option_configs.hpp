// Option markets for engine tests (option_engine_test.cpp, management/fund_backstop_test.cpp): a
// BTC perpetual listing options and its series, on engine_world.hpp's test market, without fees
// so that each test reads as the premiums' arithmetic; and the check of every market.
#pragma once

#include "unit/engine/engine_world.hpp"

#include <cstdint>

namespace backstop::testing {

// BTC-PERP listing options: SPAN's sixteen on an 8% range and ten volatility points, a 1%
// short-option minimum; the perpetual's own tiers are dYdX's 5% / 3%.
inline MarketConfig perpetual_with_options() {
    MarketConfig config = test_market();
    config.option_margin.price_scan_range = Ppm{80'000};
    config.option_margin.volatility_scan_range = Ppm{100'000};
    config.option_margin.short_option_minimum = Ppm{10'000};
    config.taker_fee = Ppm{0};
    config.maker_fee = Ppm{0};
    return config;
}

// A series on market 0 (the perpetual above).
inline MarketConfig option_series(OptionKind kind, const char* strike, std::int64_t expiry_ms) {
    MarketConfig config = test_market();
    config.option.is_option = true;
    config.option.kind = kind;
    config.option.underlying = 0;
    config.option.strike = price(strike).raw();
    config.option.expiry_ms = expiry_ms;
    config.liquidator_discount = Ppm{20'000};  // the liquidator takes over at the model price -/+ 2%
    config.tick_size = 10'000;                 // premiums to the cent
    config.taker_fee = Ppm{0};                 // (no fees: the arithmetic is the premiums')
    config.maker_fee = Ppm{0};
    return config;
}

// Every market's sizes sum to zero, the ledger balances, and pnl_pool + every cost = -uncovered.
template <class Engine>
void check_every_market(const Engine& engine) {
    CHECK(engine.ledger().audit().balanced());
    detail::int128 cost_sum = 0;
    for (std::uint32_t m = 0; m < engine.market_count(); ++m) {
        detail::int128 size_sum = 0;
        for (std::uint32_t a = 0; a < engine.ledger().account_count(); ++a) {
            const auto view = engine.position(AccountId{a}, MarketId{m});
            size_sum += view.size;
            cost_sum += view.cost;
        }
        CHECK(size_sum == 0);
    }
    const detail::int128 pool = engine.ledger().balance_of(Place::pnl_pool()).atoms();
    CHECK(pool + cost_sum + static_cast<detail::int128>(engine.uncovered_total().atoms()) == 0);
}

}  // namespace backstop::testing
