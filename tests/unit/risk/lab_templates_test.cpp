// The lab's engine-driving code is templates with defaulted parameters (BasicPathRunner behind
// PathRunner, run and run_paths, the comparisons, the joint run, the gamma study): a translation
// unit that includes the lab but calls none of it compiles none of it (docs/benchmarks.md,
// Compile time). A member no test called would then not be compiled at all: these explicit
// instantiations compile every member of the two runner classes.
#include <backstop/risk/gamma_study.hpp>
#include <backstop/risk/path_runner.hpp>
#include <backstop/risk/simulator.hpp>

#include <catch2/catch.hpp>

#include <type_traits>

template class backstop::risk::BasicPathRunner<backstop::risk::LabFund>;
template class backstop::risk::detail::BasicGammaPath<backstop::risk::detail::GammaEngine>;

namespace test_risk_lab_templates_test {

using namespace backstop::risk;

TEST_CASE("the lab's runner aliases name the explicitly instantiated templates", "[risk][compile]") {
    STATIC_REQUIRE(std::is_same<PathRunner, BasicPathRunner<LabFund>>::value);
    STATIC_REQUIRE(std::is_same<PathRunner::Engine, LabEngine>::value);
    STATIC_REQUIRE(std::is_same<detail::GammaPath, detail::BasicGammaPath<detail::GammaEngine>>::value);
    STATIC_REQUIRE(PathRunner::quote_decimals == lab_quote_decimals);
    STATIC_REQUIRE(PathRunner::base_decimals == lab_base_decimals);
    STATIC_REQUIRE(PathRunner::price_decimals == lab_price_decimals);
}

}  // namespace test_risk_lab_templates_test
