// Portfolio margin per account (issue 18, must-show 5): ten option positions and a perpetual on
// SPAN's sixteen scenarios. The peer, measured in the same run, is the bare work of a full
// revaluation: 10 x 17 Black-76 values from precomputed logarithms (the kernel
// detail::black76_undiscounted, two erfc each), summed. Also the liquidation of a short strangle
// by risk reduction against its whole-book liquidation and one margin evaluation of the same
// account (the unit its search is made of). Figures: docs/benchmarks.md.
#include <backstop/engine/margin_engine.hpp>
#include <backstop/engine/options/black76.hpp>
#include <backstop/engine/options/portfolio_margin.hpp>
#include <backstop/engine/presets.hpp>
#include <backstop/fund/socialized_loss/pro_rata_haircut.hpp>
#include <backstop/money/assets.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace {
using namespace backstop;
using namespace backstop::assets;

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

// ---- an option book's liquidation in the engine ----------------------------------------------

using Fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                           socialized_loss::ProRataHaircut<USDC>>;
using Engine = MarginEngine<Fund>;
constexpr std::int64_t usdc = 1'000'000;
constexpr std::int64_t one_btc = 100'000'000;
constexpr std::int64_t day_ms = 86'400'000;

// 200 short strangles (a 66,000 call and a 54,000 put at 60,000, 30 days, 50% volatility) with
// 6,000 USDC each; the perpetual falls to 51,000: every book is below maintenance with equity
// left (option_engine_test.cpp's strangle, which closes part of the put).
struct StrangleBooks {
    Engine engine;
    std::vector<AccountId> writers;
    AccountId keeper;
};

StrangleBooks strangle_books(bool whole) {
    constexpr std::uint32_t books = 200;
    StrangleBooks w{Engine::create(EngineLimits{books + 2, 4, 4}, {}, {}, {}).value(), {}, AccountId{}};
    MarketConfig perpetual = presets::dydx_v4::large_cap();
    perpetual.lot_size = 100'000;
    perpetual.tick_size = usdc;
    perpetual.staleness_max_ms = 60'000;
    perpetual.option_margin.price_scan_range = Ppm{80'000};
    perpetual.option_margin.volatility_scan_range = Ppm{100'000};
    perpetual.option_margin.short_option_minimum = Ppm{10'000};
    perpetual.option_margin.liquidate_books_whole = whole;
    const MarketId market = w.engine.add_market<assets::BTC>(perpetual).value();
    auto series = [&](OptionKind kind, std::int64_t strike) {
        MarketConfig c = presets::dydx_v4::large_cap();
        c.lot_size = 100'000;
        c.tick_size = 10'000;
        c.staleness_max_ms = 60'000;
        c.option.is_option = true;
        c.option.kind = kind;
        c.option.underlying = static_cast<std::uint16_t>(market.value);
        c.option.strike = strike * usdc;
        c.option.expiry_ms = 1'000 + 30 * day_ms;
        c.liquidator_discount = Ppm{20'000};
        return w.engine.add_market<assets::BTC>(c).value();
    };
    const MarketId call = series(OptionKind::call, 66'000);
    const MarketId put = series(OptionKind::put, 54'000);
    w.engine.set_mark(market, Price<assets::BTC, USDC>(60'000 * usdc), Timestamp{1'000}).value();
    w.engine.set_option_volatility(call, Ppm{500'000}).value();
    w.engine.set_option_volatility(put, Ppm{500'000}).value();
    const AccountId buyer = w.engine.open_account().value();
    w.engine.deposit(buyer, Amount<USDC>(1'000'000'000 * usdc)).value();
    w.keeper = w.engine.open_account().value();
    w.engine.deposit(w.keeper, Amount<USDC>(1'000'000'000 * usdc)).value();
    for (std::uint32_t i = 0; i < books; ++i) {
        const AccountId writer = w.engine.open_account().value();
        w.engine.deposit(writer, Amount<USDC>(6'000 * usdc)).value();
        w.engine.trade(call, buyer, writer, Quantity<assets::BTC>(one_btc), Price<assets::BTC, USDC>(1'300 * usdc)).value();
        w.engine.trade(put, buyer, writer, Quantity<assets::BTC>(one_btc), Price<assets::BTC, USDC>(900 * usdc)).value();
        w.writers.push_back(writer);
    }
    w.engine.set_mark(market, Price<assets::BTC, USDC>(56'000 * usdc), Timestamp{2'000}).value();
    w.engine.set_mark(market, Price<assets::BTC, USDC>(51'000 * usdc), Timestamp{3'000}).value();
    return w;
}

void option_liquidation(benchmark::State& state, bool whole) {
    const StrangleBooks prototype = strangle_books(whole);
    Engine engine = prototype.engine;
    std::size_t next = 0;
    std::size_t refused = 0, partial = 0;
    for (auto _ : state) {
        if (next == prototype.writers.size()) {
            state.PauseTiming();
            engine = prototype.engine;
            next = 0;
            state.ResumeTiming();
        }
        Result<LiquidationReport<USDC>> report = engine.liquidate(prototype.writers[next++], prototype.keeper);
        if (!report) ++refused;
        if (report && !report->full) ++partial;
        benchmark::DoNotOptimize(report);
    }
    if (refused != 0) state.SkipWithError("a liquidation was refused");
    if (!whole && partial == 0) state.SkipWithError("expected liquidations by risk reduction");
    state.SetItemsProcessed(state.iterations());
}
// By risk reduction: the closes chosen by their reduction per unit of penalty, then bisected.
void BM_option_book_liquidation_risk_reduction(benchmark::State& state) { option_liquidation(state, false); }
BENCHMARK(BM_option_book_liquidation_risk_reduction)->Unit(benchmark::kMicrosecond);
// Whole (OptionMarginTerms::liquidate_books_whole).
void BM_option_book_liquidation_whole(benchmark::State& state) { option_liquidation(state, true); }
BENCHMARK(BM_option_book_liquidation_whole)->Unit(benchmark::kMicrosecond);
// The unit of the search: one margin evaluation of such an account (its summary).
void BM_option_book_summary(benchmark::State& state) {
    const StrangleBooks w = strangle_books(false);
    for (auto _ : state) benchmark::DoNotOptimize(w.engine.summary(w.writers[0]));
}
BENCHMARK(BM_option_book_summary)->Unit(benchmark::kMicrosecond);

}  // namespace
