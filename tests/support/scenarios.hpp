// Small scenarios shared by the risk lab's tests.
#pragma once

#include <backstop/risk/scenario.hpp>
#include <backstop/risk/scenario_presets.hpp>

namespace backstop::testing {

// A small, wild market: a small fund that some paths deplete and some do not.
inline risk::Scenario small_wild_market() {
    risk::Scenario s;
    s.paths = 24;
    s.population.trader_count = 150;
    s.horizon_steps = 96;
    s.fund.initial = 100.0;
    s.model = risk::GarchT{0.0, 1.0e-5, 0.08, 0.90, 4.0};
    s.seed = 99;
    s.threads = 2;
    return s;
}

// The three-market preset, small: 300 traders, ten days, 16 paths, and a 20k fund.
inline risk::Scenario small_three_markets() {
    risk::Scenario s = risk::three_markets_scenario();
    s.population.trader_count = 300;
    s.horizon_steps = 240;
    s.paths = 16;
    s.fund.initial = 20'000.0;
    s.threads = 2;
    return s;
}

}  // namespace backstop::testing
