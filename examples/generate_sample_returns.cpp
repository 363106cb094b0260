// Generates examples/data/synthetic_hourly_returns.csv (run: generate_sample_returns > that file): 4,000 hourly log returns of GARCH(1,1)
// with Student-t(5) innovations (omega 2e-6, alpha 0.08, beta 0.90), seed 20261125, path 0.
#include <backstop/risk/price_model/garch.hpp>
#include <cstdio>
#include <vector>
int main() {
    const backstop::risk::GarchT model;
    std::vector<double> returns(4000);
    model.log_returns(20261125, 0, 1.0 / 8760.0, returns.data(), returns.size());
    std::printf("log_return\n");
    for (const double r : returns) std::printf("%.10f\n", r);
}
