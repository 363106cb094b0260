// The stress test's preset scenarios: the demo's one-market default, and three correlated
// markets (BTC, ETH and a thin alt) that crash together, with traders cross-margined across them.
// A researcher starts from one and changes what the study is about.
#pragma once

#include "backstop/engine/presets.hpp"
#include "backstop/risk/scenario.hpp"

#include <cmath>
#include <string_view>

namespace backstop {
namespace risk {

// The demo's default: BTC-like hourly returns (GARCH(1,1) with t(5) shocks, 50% a year, plus a
// gap of about -3% +- 5% once a month: about 54% a year in all), 2,000 traders with a median
// $2,000 of collateral at 2x-20x (the dYdX v4 large-cap margins: 5% initial, 3% maintenance, a
// 1.5% penalty to the fund), and a $250k fund.
inline Scenario demo_scenario() {
    Scenario s;
    s.model = GarchJump{};
    s.population.trader_count = 2'000;
    s.population.leverage_min = 2.0;
    s.population.leverage_max = 20.0;
    s.horizon_steps = 30 * 24;
    s.step_hours = 1.0;
    s.paths = 600;
    s.seed = 1;
    s.fund.initial = 250'000.0;
    return s;
}

// Three markets on one engine and one fund: BTC and ETH on the dYdX v4 large-cap margins (5% /
// 3%), a thin alt on the long-tail ones (20% / 10%) with a steep square-root impact. Diffusions
// correlated 0.7 (50%, 65% and 120% a year), and common crashes about four times a year of
// -8% +- 4% in the log (the alt moves 1.8 times as far, ETH 1.2 times). Half the traders trade
// BTC, a third ETH, the rest the alt; a quarter also hold a second market on the same
// cross-margined account. The same population size, horizon, paths and fund as the demo.
inline Scenario three_markets_scenario() {
    Scenario s = demo_scenario();
    s.market_name = "BTC";
    s.initial_price = 60'000.0;
    s.impact = PriceImpact{ImpactKind::square_root, 2'000.0, 0.01};

    MarketSetup eth;
    eth.name = "ETH";
    eth.initial_price = 3'000.0;
    eth.impact = PriceImpact{ImpactKind::square_root, 40'000.0, 0.01};
    MarketSetup alt;
    alt.name = "ALT";
    alt.market = presets::dydx_v4::long_tail();
    alt.market.position_max = 10'000'000'000'000'000;  // base atoms: 100M units of a $25 coin
    alt.initial_price = 25.0;
    alt.impact = PriceImpact{ImpactKind::square_root, 20'000.0, 0.03};
    s.more_markets = {eth, alt};

    CorrelatedMarkets model;
    model.volatility_per_year = {0.5, 0.65, 1.2};
    model.jump_beta = {1.0, 1.2, 1.8};
    model.correlation = 0.7;
    model.jump_intensity_per_year = 4.0;
    model.jump_mean = -0.08;
    model.jump_volatility = 0.04;
    s.model = model;
    s.population.market_weights = {0.5, 0.3, 0.2};
    s.population.second_market_fraction = 0.25;
    return s;
}

inline constexpr std::string_view preset_names = "demo three-markets";

// The preset of that name, or nothing.
inline bool preset_scenario(std::string_view name, Scenario& out) {
    if (name == "demo") {
        out = demo_scenario();
        return true;
    }
    if (name == "three-markets") {
        out = three_markets_scenario();
        return true;
    }
    return false;
}

}  // namespace risk
}  // namespace backstop
