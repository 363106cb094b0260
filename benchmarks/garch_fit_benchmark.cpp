// The GARCH(1,1) maximum-likelihood fit (risk/garch_fit.hpp) on 10^4 returns simulated from the
// lab's GarchT: the whole fit (BFGS, Hessian and robust standard errors), Gaussian and Student-t,
// next to its peer in the same run: one evaluation of the log-likelihood at the fitted parameters
// (the fit's cost in likelihood evaluations is the ratio of the two).
#include <backstop/risk/garch_fit.hpp>
#include <backstop/risk/price_model/garch.hpp>

#include <benchmark/benchmark.h>

#include <vector>

namespace {

std::vector<double> simulated_returns(std::size_t length) {
    const backstop::risk::GarchT model;
    std::vector<double> returns(length);
    model.log_returns(20261125, 0, 1.0 / 8760.0, returns.data(), returns.size());
    return returns;
}

void BM_GarchFit(benchmark::State& state) {
    const std::vector<double> returns = simulated_returns(10'000);
    backstop::risk::GarchFitOptions options;
    options.innovation = state.range(0) == 0 ? backstop::risk::GarchInnovation::normal
                                             : backstop::risk::GarchInnovation::student_t;
    int iterations = 0;
    for (auto _ : state) {
        const auto fit = backstop::risk::fit_garch(returns, options);
        if (!fit) {
            state.SkipWithError("the fit failed");
            break;
        }
        iterations = fit->iterations;
        benchmark::DoNotOptimize(fit->log_likelihood);
    }
    state.counters["bfgs_iterations"] = iterations;
    state.SetLabel(state.range(0) == 0 ? "normal" : "student_t");
}
BENCHMARK(BM_GarchFit)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_GarchLogLikelihood(benchmark::State& state) {
    const std::vector<double> returns = simulated_returns(10'000);
    backstop::risk::GarchFitOptions options;
    options.innovation = state.range(0) == 0 ? backstop::risk::GarchInnovation::normal
                                             : backstop::risk::GarchInnovation::student_t;
    const auto fit = backstop::risk::fit_garch(returns, options);
    if (!fit) {
        state.SkipWithError("the fit failed");
        return;
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(backstop::risk::garch_log_likelihood(returns, fit->parameters, options.innovation));
    }
    state.SetLabel(state.range(0) == 0 ? "normal" : "student_t");
}
BENCHMARK(BM_GarchLogLikelihood)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
