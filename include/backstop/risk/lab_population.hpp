// The lab's traders: each one's entry step, side, leverage and collateral, and, in a scenario with
// several markets, its main market and perhaps a second one on the same cross-margined account.
// Drawn from the path's stream at steps beyond the horizon (trader i at horizon + 1 + i), so they
// do not depend on the price draws.
#pragma once

#include "backstop/engine/market.hpp"
#include "backstop/risk/rng/random_stream.hpp"
#include "backstop/risk/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace backstop {
namespace risk {

struct LabTrader {
    std::uint32_t entry_step = 0;
    bool is_long = true;
    double leverage = 1.0;
    double collateral = 0.0;         // quote units
    std::uint8_t market = 0;         // its main market (the scenario's order)
    std::int8_t second_market = -1;  // a second position on the same account (-1: none)
    bool second_long = true;
};

// One market of a path: its id, mark, the previous step's forced volume (base units, + for
// forced selling) that moves its next mark, its running high, and the leverage it allows.
struct LabMarket {
    MarketId id{};
    double price = 0.0;
    double forced_volume = 0.0;
    double peak = 0.0;
    double max_leverage = 1.0;
};

// The market whose cumulative weight first exceeds u x total (equal weights when none given).
inline std::size_t pick_market(const std::vector<double>& weights, std::size_t market_count, double u) {
    if (weights.empty()) return std::min(market_count - 1, static_cast<std::size_t>(u * static_cast<double>(market_count)));
    double total = 0.0;
    for (const double w : weights) total += w;
    double cumulative = 0.0;
    for (std::size_t k = 0; k < market_count; ++k) {
        cumulative += weights[k];
        if (u * total < cumulative) return k;
    }
    return market_count - 1;
}

inline void draw_traders(const Scenario& scenario, RandomStream& rng, std::vector<LabTrader>& traders) {
    const Population& population = scenario.population;
    const std::size_t market_count = scenario.market_count();
    traders.assign(population.trader_count, LabTrader{});
    for (std::uint32_t i = 0; i < population.trader_count; ++i) {
        rng.at_step(std::uint64_t{scenario.horizon_steps} + 1 + i);
        LabTrader& t = traders[i];
        t.entry_step = static_cast<std::uint32_t>(rng.uniform() * std::max<std::uint32_t>(1, population.entry_steps));
        t.is_long = rng.uniform() < population.long_fraction;
        t.leverage = population.leverage_min + rng.uniform() * (population.leverage_max - population.leverage_min);
        t.collateral = population.collateral_median * std::exp(population.collateral_log_sigma * rng.normal());
        if (market_count > 1) {
            // Drawn after the one-market attributes, so that a one-market scenario's traders are
            // what they always were.
            t.market = static_cast<std::uint8_t>(pick_market(population.market_weights, market_count, rng.uniform()));
            const bool crossed = rng.uniform() < population.second_market_fraction;
            const auto other = std::min(static_cast<std::size_t>(rng.uniform() * static_cast<double>(market_count - 1)),
                                        market_count - 2);
            t.second_long = rng.uniform() < population.long_fraction;
            if (crossed) t.second_market = static_cast<std::int8_t>((t.market + 1 + other) % market_count);
        }
    }
}

// The traders by entry step: those of step s are order[offsets[s]] .. order[offsets[s + 1] - 1],
// in index order (a counting sort), so that a step enters its own traders without testing every
// trader's step (which took 40% of move_markets' own time, perf, 1,000 traders).
struct EntryIndex {
    std::vector<std::uint32_t> order;
    std::vector<std::uint32_t> offsets;  // one past the last entry step, then one more

    void build(const std::vector<LabTrader>& traders) {
        std::uint32_t last = 0;
        for (const LabTrader& t : traders) last = std::max(last, t.entry_step);
        offsets.assign(std::size_t{last} + 2, 0);
        for (const LabTrader& t : traders) ++offsets[std::size_t{t.entry_step} + 1];
        for (std::size_t s = 1; s < offsets.size(); ++s) offsets[s] += offsets[s - 1];
        order.resize(traders.size());
        for (std::uint32_t i = 0; i < traders.size(); ++i) order[offsets[traders[i].entry_step]++] = i;
        // Each start moved to its step's end: shift them back.
        for (std::size_t s = offsets.size() - 1; s > 0; --s) offsets[s] = offsets[s - 1];
        offsets[0] = 0;
    }
    // The traders entering at `step`, in index order.
    template <class Visit>
    void each_entering(std::uint32_t step, Visit visit) const {
        if (std::size_t{step} + 1 >= offsets.size()) return;
        for (std::uint32_t k = offsets[step]; k < offsets[std::size_t{step} + 1]; ++k) visit(order[k]);
    }
};

}  // namespace risk
}  // namespace backstop
