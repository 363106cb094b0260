// The risk lab's speed: random draws per second next to a bare Philox loop, price-path steps per
// second per core for each model, and engine-in-the-loop trader-steps per second (traders x
// steps of a path) for 1,000 and 10,000 traders. Single-threaded: figures are per core.
#include <backstop/risk/price_model/bootstrap.hpp>
#include <backstop/risk/price_model/garch.hpp>
#include <backstop/risk/price_model/garch_jump.hpp>
#include <backstop/risk/price_model/gbm.hpp>
#include <backstop/risk/price_model/hawkes_jump.hpp>
#include <backstop/risk/price_model/merton_jump.hpp>
#include <backstop/risk/rng/philox.hpp>
#include <backstop/risk/rng/random_stream.hpp>
#include <backstop/risk/rng/student_t_steps.hpp>
#include <backstop/risk/simulator.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <vector>

using namespace backstop::risk;

namespace {

void BM_philox4x64_bare(benchmark::State& state) {
    Philox4x64Engine engine;
    for (auto _ : state) benchmark::DoNotOptimize(engine());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_philox4x64_bare);

void BM_stream_u64(benchmark::State& state) {
    RandomStream rng(1, 2);
    for (auto _ : state) benchmark::DoNotOptimize(rng.next_u64());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_stream_u64);

void BM_stream_uniform(benchmark::State& state) {
    RandomStream rng(1, 2);
    for (auto _ : state) benchmark::DoNotOptimize(rng.uniform());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_stream_uniform);

void BM_stream_normal(benchmark::State& state) {
    RandomStream rng(1, 2);
    for (auto _ : state) benchmark::DoNotOptimize(rng.normal());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_stream_normal);

void BM_stream_student_t5(benchmark::State& state) {
    RandomStream rng(1, 2);
    for (auto _ : state) benchmark::DoNotOptimize(rng.student_t(5.0));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_stream_student_t5);

void BM_stream_poisson(benchmark::State& state) {
    RandomStream rng(1, 2);
    const double mean = static_cast<double>(state.range(0)) / 10.0;
    for (auto _ : state) benchmark::DoNotOptimize(rng.poisson(mean));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_stream_poisson)->Arg(1)->Arg(50)->Arg(5'000);  // means 0.1, 5, 500

// One path of `steps` hourly steps per iteration, repositioning the stream each step as the runner does.
template <class Model>
void path_steps(benchmark::State& state, const Model& model) {
    constexpr std::uint64_t steps = 720;
    std::uint64_t path = 0;
    for (auto _ : state) {
        RandomStream rng(7, path++);
        auto model_state = model.initial_state();
        double log_price = 0.0;
        for (std::uint64_t t = 0; t < steps; ++t) {
            rng.at_step(t);
            log_price += model.log_return(model_state, rng, 1.0 / 8760.0);
        }
        benchmark::DoNotOptimize(log_price);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(steps));
}
void BM_path_gbm(benchmark::State& state) { path_steps(state, Gbm{}); }
void BM_path_merton(benchmark::State& state) { path_steps(state, MertonJump{}); }
void BM_path_hawkes(benchmark::State& state) { path_steps(state, HawkesJump{}); }
// GarchT and GarchJump generate a whole path at once, in SIMD lanes, as the simulator runs them:
// 720 hourly steps per iteration, on the CPU's widest instruction set (BM_path_garch_t and
// BM_path_garch_jump, the figures benchmarks/price_paths_vs_numpy.sh reads) or a forced one
// (BM_path_garch_jump_isa: 0 baseline, 1 AVX2, 2 AVX-512; an error where the CPU lacks it).
template <class Model>
void whole_paths(benchmark::State& state, const Model& model, detail::VectorIsa isa) {
    if (!detail::vector_isa_supported(isa)) {
        state.SkipWithError("instruction set not supported by this CPU");
        return;
    }
    constexpr std::size_t steps = 720;
    std::vector<double> log_returns(steps);
    std::uint64_t path = 0;
    for (auto _ : state) {
        model.log_returns(7, path++, 1.0 / 8760.0, log_returns.data(), steps, isa);
        benchmark::DoNotOptimize(log_returns.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(steps));
}
void BM_path_garch_t(benchmark::State& state) { whole_paths(state, GarchT{}, detail::best_vector_isa()); }
void BM_path_garch_jump(benchmark::State& state) { whole_paths(state, GarchJump{}, detail::best_vector_isa()); }
void BM_path_garch_jump_isa(benchmark::State& state) {
    whole_paths(state, GarchJump{}, static_cast<detail::VectorIsa>(state.range(0)));
}
void BM_student_t_steps(benchmark::State& state) {
    constexpr std::size_t steps = 720;
    std::vector<double> draws(steps);
    std::uint64_t path = 0;
    for (auto _ : state) {
        student_t_steps(7, path++, 0, 5.0, draws.data(), steps);
        benchmark::DoNotOptimize(draws.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(steps));
}
void BM_path_bootstrap(benchmark::State& state) {
    auto sample = std::make_shared<std::vector<double>>();
    RandomStream rng(3, 0);
    for (int i = 0; i < 4'000; ++i) sample->push_back(0.01 * rng.normal());
    path_steps(state, Bootstrap{sample});
}
BENCHMARK(BM_path_gbm);
BENCHMARK(BM_path_merton);
BENCHMARK(BM_path_garch_t);
BENCHMARK(BM_path_hawkes);
BENCHMARK(BM_path_garch_jump);
BENCHMARK(BM_path_garch_jump_isa)->Arg(0)->Arg(1)->Arg(2)->ArgName("isa");
BENCHMARK(BM_student_t_steps);
BENCHMARK(BM_path_bootstrap);

// A whole path with the engine in the loop: trader-steps per second = traders x steps / time.
void BM_engine_in_the_loop(benchmark::State& state) {
    Scenario scenario;
    scenario.population.trader_count = static_cast<std::uint32_t>(state.range(0));
    scenario.horizon_steps = 168;  // a week, hourly
    scenario.threads = 1;
    std::uint64_t path = 0;
    std::uint64_t liquidations = 0;
    for (auto _ : state) {
        const PathSummary summary = run_path(scenario, path++);
        liquidations += summary.liquidations;
        benchmark::DoNotOptimize(summary.digest);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0) * scenario.horizon_steps);
    state.counters["liquidations_per_path"] =
        static_cast<double>(liquidations) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_engine_in_the_loop)->Arg(1'000)->Arg(10'000)->Unit(benchmark::kMillisecond);

}  // namespace
