// Portfolio margin allocates nothing per account (issue 18, must-show 5): once the model exists
// (its surface's vectors), requirement(), estimate(), covers() and per_position_requirement() on
// books of ten options, and their refusals, run in the model's and the caller's storage.
#include <backstop/engine/options/black76.hpp>
#include <backstop/engine/options/portfolio_margin.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>

#include "allocation_counter.hpp"

using namespace backstop;

TEST_CASE("portfolio margin does not allocate", "[options][portfolio_margin][alloc]") {
    const VolatilitySurface surface =
        VolatilitySurface::create({0.05, 0.5}, {80, 100, 120}, {0.8, 0.6, 0.7, 0.6, 0.5, 0.55}).value();
    const PortfolioMargin model =
        PortfolioMargin::create(ScenarioGrid::span_style(0.08, 0.10).value(), surface, PortfolioMarginConfig{0.01})
            .value();
    std::array<OptionHolding, 10> book{};
    for (std::size_t i = 0; i < book.size(); ++i) {
        book[i] = OptionHolding{i % 2 == 0 ? OptionKind::call : OptionKind::put, 80.0 + 4.0 * static_cast<double>(i),
                                0.02 + 0.1 * static_cast<double>(i), i % 3 == 0 ? -2.0 : 1.0};
    }
    const OptionHolding bad[] = {{OptionKind::call, -1.0, 0.1, 1.0}};

    const std::uint64_t before = testing::allocation_count();
    double sum = 0;
    int refused = 0;
    for (int i = 0; i < 1'000; ++i) {
        const OptionPortfolio p{100.0 + 0.01 * i, 3.0 - 0.01 * i, book};
        sum += model.requirement(p).value().requirement;
        sum += model.estimate(p).value().error_bound;
        sum += model.covers(p, 5.0 + 0.01 * i).value() ? 1.0 : 0.0;
        sum += model.per_position_requirement(p).value();
        sum += requirement_atoms(sum, 1e6).value() > 0 ? 1.0 : 0.0;
        sum += black76_greeks(OptionKind::call, Black76Input{p.forward, 100, 0.5, 0.25, 0.0}).value().gamma;
        refused += !model.requirement(OptionPortfolio{100.0, 0.0, bad}).has_value();
        refused += !black76_greeks(OptionKind::put, Black76Input{}).has_value();
    }
    CHECK(testing::allocation_count() == before);
    CHECK(sum > 0);
    CHECK(refused == 2'000);
}
