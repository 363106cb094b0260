// The lab's whole-path price generation (GarchT::log_returns and GarchJump::log_returns:
// StepBlocks, student_t_steps, the jump draws) works in stack buffers: generating paths performs
// zero heap allocations.
#include "allocation_counter.hpp"

#include <backstop/risk/price_model/garch.hpp>
#include <backstop/risk/price_model/garch_jump.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

namespace {

// Heap allocations while `model` generates 20 paths of 2,000 hourly steps (longer than one
// 512-step pass), after a warm-up path; `sum` gets their last returns, so that they are used.
template <class Model>
std::uint64_t path_allocations(const Model& model, double& sum) {
    std::vector<double> log_returns(2'000);
    model.log_returns(1, 0, 1.0 / 8760.0, log_returns.data(), log_returns.size());  // warm-up
    const std::uint64_t before = backstop::testing::allocation_count();
    for (std::uint64_t path = 1; path <= 20; ++path) {
        model.log_returns(1, path, 1.0 / 8760.0, log_returns.data(), log_returns.size());
        sum += log_returns.back();
    }
    return backstop::testing::allocation_count() - before;
}

}  // namespace

TEST_CASE("GarchJump paths do not allocate, jumps included", "[rng][alloc]") {
    backstop::risk::GarchJump model{};
    model.jump_intensity_per_year = 500.0;  // a jump every 18 hours: the jump path runs too
    double sum = 0.0;
    CHECK(path_allocations(model, sum) == 0);
    CHECK(sum == sum);  // the paths are finite numbers, and were used
}

TEST_CASE("GarchT paths do not allocate", "[rng][alloc]") {
    double sum = 0.0;
    CHECK(path_allocations(backstop::risk::GarchT{}, sum) == 0);
    CHECK(sum == sum);
}
