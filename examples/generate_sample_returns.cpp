// Generates examples/data/synthetic_hourly_returns.csv (run: generate_sample_returns > that file): 4,000 hourly log returns of GARCH(1,1)
// with Student-t(5) innovations (omega 2e-6, alpha 0.08, beta 0.90), seed 20261125, path 0.
#include <backstop/risk/price_model/garch.hpp>
#include <backstop/risk/rng/random_stream.hpp>
#include <cstdio>
int main() {
    backstop::risk::GarchT model;
    auto state = model.initial_state();
    backstop::risk::RandomStream rng(20261125, 0);
    std::printf("log_return\n");
    for (std::uint64_t t = 0; t < 4000; ++t) {
        rng.at_step(t);
        std::printf("%.10f\n", model.log_return(state, rng, 1.0 / 8760.0));
    }
}
