// A small joint run shared by the lab's tests: three protocols on correlated markets with some
// crashes within ten days, and every sharing arm's terms set.
#pragma once

#include <backstop/risk/joint_simulation.hpp>

#include <cstdint>

namespace backstop::testing {

inline risk::JointSetup small_joint() {
    risk::JointSetup setup;
    setup.paths = 24;
    setup.threads = 2;
    for (std::uint64_t k = 0; k < 3; ++k) {
        risk::Scenario s;
        s.population.trader_count = 150;
        s.horizon_steps = 240;
        s.fund.initial = 20'000.0;
        s.seed = 300 + k;
        setup.protocols.push_back(s);
    }
    setup.markets.jump_intensity_per_year = 40.0;  // some crashes within ten days
    setup.markets.jump_mean = -0.08;
    setup.terms.xol_attachment = 500.0;
    setup.terms.xol_limit = 5'000.0;
    setup.terms.xol_premium = 200.0;
    setup.terms.quota_premium = 200.0;
    setup.terms.stop_loss_attachment = 1'000.0;
    setup.terms.stop_loss_limit = 20'000.0;
    setup.terms.stop_loss_premium = 200.0;
    return setup;
}

}  // namespace backstop::testing
