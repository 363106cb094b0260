// Portfolio margin per account (issue 18, must-show 5): ten option positions and a perpetual on
// SPAN's sixteen scenarios. The peer, measured in the same run, is the bare work of a full
// revaluation: 10 x 17 Black-76 values from precomputed logarithms (the kernel
// detail::black76_undiscounted, two erfc each), summed. An option book's liquidation is in
// engine_benchmark.cpp. Figures: docs/benchmarks.md.
#include <backstop/engine/options/black76.hpp>
#include <backstop/engine/options/portfolio_margin.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstddef>

namespace {
using namespace backstop;

struct TenOptionBook {
    PortfolioMargin model;
    std::array<OptionHolding, 10> options{};

    explicit TenOptionBook(double fast_path_tolerance)
        : model(PortfolioMargin::create(
                    ScenarioGrid::span_style(0.08, 0.10).value(),
                    VolatilitySurface::create({0.05, 0.25, 1.0}, {80, 100, 120},
                                              {0.8, 0.6, 0.7, 0.65, 0.5, 0.55, 0.6, 0.45, 0.5})
                        .value(),
                    PortfolioMarginConfig{0.01, 0.01, 0.0, fast_path_tolerance})
                    .value()) {
        // Calls and puts from 80 to 116, a month to a year out, long and short.
        for (std::size_t i = 0; i < options.size(); ++i) {
            const double k = static_cast<double>(i);
            options[i] = OptionHolding{i % 2 == 0 ? OptionKind::call : OptionKind::put, 80.0 + 4.0 * k,
                                       0.08 + 0.1 * k, i % 3 == 0 ? -2.0 : 1.0};
        }
    }
    OptionPortfolio view() const { return OptionPortfolio{100.0, 3.0, options}; }
};

void BM_full_revaluation(benchmark::State& state) {
    const TenOptionBook book(1e-3);
    const OptionPortfolio p = book.view();
    for (auto _ : state) benchmark::DoNotOptimize(book.model.requirement(p).value().requirement);
}
BENCHMARK(BM_full_revaluation);

// The fast path at tolerances 1e-3 (the default), 1e-2 and 1 of notional: on this grid's +-24%
// extremes the tighter ones value the curved options in full.
void BM_delta_gamma(benchmark::State& state) {
    const TenOptionBook book(static_cast<double>(state.range(0)) * 1e-3);
    const OptionPortfolio p = book.view();
    state.counters["approximated"] = static_cast<double>(book.model.estimate(p).value().options_approximated);
    state.counters["bound"] = book.model.estimate(p).value().error_bound;
    for (auto _ : state) benchmark::DoNotOptimize(book.model.estimate(p).value().estimate.requirement);
}
BENCHMARK(BM_delta_gamma)->Arg(1)->Arg(10)->Arg(1000);

// covers() for an account with twice its requirement: decided by the fast path.
void BM_covers_well_capitalised(benchmark::State& state) {
    const TenOptionBook book(1e-3);
    const OptionPortfolio p = book.view();
    const double equity = 2 * book.model.requirement(p).value().requirement;
    for (auto _ : state) benchmark::DoNotOptimize(book.model.covers(p, equity).value());
}
BENCHMARK(BM_covers_well_capitalised);

// The peer: 170 kernel values (10 options x (1 + 16 scenarios)), logarithms precomputed.
void BM_peer_170_black76_values(benchmark::State& state) {
    const TenOptionBook book(1e-3);
    std::array<double, 10> log_moneyness{}, stdev{};
    for (std::size_t i = 0; i < 10; ++i) {
        log_moneyness[i] = std::log(100.0 / book.options[i].strike);
        stdev[i] = 0.5 * std::sqrt(book.options[i].time_years);
    }
    const ScenarioGrid& grid = book.model.grid();
    std::array<double, 17> log_move{};
    for (std::size_t s = 0; s < grid.size(); ++s) log_move[s + 1] = std::log1p(grid[s].price_move);
    for (auto _ : state) {
        double sum = 0;
        for (std::size_t i = 0; i < 10; ++i) {
            for (std::size_t s = 0; s < 17; ++s) {
                sum += detail::black76_undiscounted(book.options[i].kind, 100.0 * std::exp(log_move[s]),
                                                    book.options[i].strike, log_moneyness[i] + log_move[s], stdev[i]);
            }
        }
        benchmark::DoNotOptimize(sum);
    }
}
BENCHMARK(BM_peer_170_black76_values);

}  // namespace
