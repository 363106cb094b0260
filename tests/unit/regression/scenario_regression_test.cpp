// Regression tests for issue 12, finding 10: a scenario file is untrusted input, so every number
// in it, however large, small, negative or odd, gives a ScenarioFromJson with an error (or a
// scenario), never an exception. `1e999` used to escape as nlohmann's out_of_range.
#include <backstop/risk/path_runner.hpp>
#include <backstop/risk/report/scenario_json.hpp>
#include <backstop/risk/simulator.hpp>

#include <catch2/catch.hpp>

#include "support/scenarios.hpp"

#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace test_regression_scenario_regression_test {

using namespace backstop;
using namespace backstop::risk;

namespace {

// Reads `text` over the test defaults; an exception here is the failure these tests look for.
ScenarioFromJson read_scenario(const std::string& text) {
    return scenario_from_json_text(text, testing::small_wild_market());
}

void check_refused(const std::string& text, const char* error_contains) {
    INFO(text.substr(0, 120));
    ScenarioFromJson read;
    REQUIRE_NOTHROW(read = read_scenario(text));
    INFO(read.error);
    CHECK_FALSE(read.ok());
    CHECK(read.error.find(error_contains) != std::string::npos);
}

}  // namespace

TEST_CASE("a scenario number beyond double's range (1e999) is refused with an error, not thrown",
          "[regression][scenario]") {
    for (const char* text : {
             R"({"initial_price": 1e999})",
             R"({"initial_price": -1e999})",
             R"({"fund": {"initial": 1E+400}})",
             R"({"shocks": [{"step": 1, "log_return": 1e309}]})",
             R"({"model": {"name": "bootstrap", "returns": [0.01, 1e999]}})",
             R"({"seed": 1e999})",
         }) {
        check_refused(text, "out of range");
    }
}

TEST_CASE("a scenario integer beyond its field's type is refused, not wrapped", "[regression][scenario]") {
    struct Case {
        const char* text;
        const char* error_contains;
    };
    for (const Case c : {
             // Beyond uint64: JSON has one number type, nlohmann reads these as doubles.
             Case{R"({"seed": 18446744073709551616})", "scenario.seed: expected an integer"},
             Case{R"({"seed": 1000000000000000000000000000000})", "scenario.seed: expected an integer"},
             Case{R"({"seed": 1e30})", "scenario.seed: expected an integer"},
             Case{R"({"market": {"tick_size": 1e30}})", "scenario.market.tick_size: expected an integer"},
             // Within uint64 but beyond the field.
             Case{R"({"market": {"tick_size": 9223372036854775808}})", "scenario.market.tick_size: out of range"},
             Case{R"({"market": {"position_max": 18446744073709551615}})",
                  "scenario.market.position_max: out of range"},
             Case{R"({"horizon_steps": 4294967296})", "scenario.horizon_steps: out of range"},
             Case{R"({"shocks": [{"step": 4294967296, "log_return": 0}]})", "scenario.shocks[0].step: out of range"},
             // A fraction where an integer belongs.
             Case{R"({"paths": 10.5})", "scenario.paths: expected an integer"},
         }) {
        check_refused(c.text, c.error_contains);
    }
}

TEST_CASE("a negative scenario number where the field is unsigned is refused", "[regression][scenario]") {
    struct Case {
        const char* text;
        const char* error_contains;
    };
    for (const Case c : {
             Case{R"({"seed": -1})", "scenario.seed: out of range"},
             Case{R"({"seed": -9223372036854775808})", "scenario.seed: out of range"},
             Case{R"({"threads": -1})", "scenario.threads: out of range"},
             Case{R"({"population": {"trader_count": -1}})", "scenario.population.trader_count: out of range"},
             Case{R"({"shocks": [{"step": -1, "log_return": 0}]})", "scenario.shocks[0].step: out of range"},
             Case{R"({"market": {"staleness_max_ms": -1}})", "scenario.market.staleness_max_ms: out of range"},
             Case{R"({"market": {"tick_size": -9223372036854775808}})", "scenario.market.tick_size: out of range"},
         }) {
        check_refused(c.text, c.error_contains);
    }
}

TEST_CASE("NaN, infinity and other odd number text in a scenario is refused", "[regression][scenario]") {
    struct Case {
        const char* text;
        const char* error_contains;
    };
    for (const Case c : {
             Case{R"({"initial_price": NaN})", "not valid JSON"},
             Case{R"({"initial_price": nan})", "not valid JSON"},
             Case{R"({"initial_price": Infinity})", "not valid JSON"},
             Case{R"({"initial_price": -inf})", "not valid JSON"},
             Case{R"({"initial_price": 0x10})", "not valid JSON"},
             Case{R"({"initial_price": 01})", "not valid JSON"},
             Case{R"({"initial_price": +1})", "not valid JSON"},
             Case{R"({"initial_price": 1.})", "not valid JSON"},
             Case{R"({"initial_price": "NaN"})", "scenario.initial_price: expected a number"},
             Case{R"({"initial_price": "1e3"})", "scenario.initial_price: expected a number"},
             // Underflows to zero, below the smallest price.
             Case{R"({"initial_price": 1e-999})", "scenario.initial_price: out of range"},
             Case{R"({"paths": true})", "scenario.paths: expected an integer"},
             Case{R"({"paths": null})", "scenario.paths: expected an integer"},
         }) {
        check_refused(c.text, c.error_contains);
    }
}

TEST_CASE("a scenario with huge or deeply nested arrays is read or refused, never thrown",
          "[regression][scenario]") {
    // 100,000 shocks: long, but well formed.
    std::string shocks = R"({"shocks": [)";
    for (int i = 0; i < 100'000; ++i) {
        if (i > 0) shocks += ',';
        shocks += R"({"step": 1, "log_return": 0.001})";
    }
    shocks += "]}";
    ScenarioFromJson read;
    REQUIRE_NOTHROW(read = read_scenario(shocks));
    CHECK(read.ok());
    CHECK(read.scenario.shocks.size() == 100'000);

    // 100,000 levels of nesting where an object belongs.
    const std::string nested = R"({"shocks": )" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
    check_refused(nested, "scenario.shocks[0]: expected an object");

    // A bootstrap model with a huge array holding one non-number.
    std::string returns = R"({"model": {"name": "bootstrap", "returns": [)";
    for (int i = 0; i < 100'000; ++i) returns += "0.001,";
    returns += R"("x"]}})";
    check_refused(returns, "scenario.model.returns: expected numbers");
}

}  // namespace test_regression_scenario_regression_test

namespace test_regression_scenario_regression_test {

namespace {

// A tiny run: what a refusal is checked against (and what must run when nothing is wrong).
Scenario tiny_scenario() {
    Scenario s = testing::small_wild_market();
    s.paths = 2;
    s.population.trader_count = 20;
    s.horizon_steps = 12;
    s.threads = 1;
    return s;
}

// Every entry point that takes a Scenario refuses it before a path runs: run(), run_path() and
// a PathRunner of the caller's own.
void check_scenario_refused(const Scenario& s, const char* what) {
    INFO(what);
    CHECK_THROWS_AS(run(s), std::invalid_argument);
    CHECK_THROWS_AS(run_path(s, 0), std::invalid_argument);
    CHECK_THROWS_AS(PathRunner(s, 0), std::invalid_argument);
}

}  // namespace

// A scenario built in C++ skips the JSON reader's ranges: a NaN price reached
// static_cast<int64_t>(NaN) in the lab's atom conversion (undefined behaviour), a null bootstrap
// sample was dereferenced. Each is now refused with std::invalid_argument naming the field.
TEST_CASE("a scenario built in C++ with a NaN, infinite or out-of-range number is refused before any path runs",
          "[regression][scenario]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    REQUIRE_NOTHROW(run(tiny_scenario()));

    struct Case {
        const char* what;
        void (*mutate)(Scenario&, double nan, double inf);
    };
    for (const Case c : {
             Case{"initial_price NaN", [](Scenario& s, double n, double) { s.initial_price = n; }},
             Case{"initial_price infinite", [](Scenario& s, double, double i) { s.initial_price = i; }},
             Case{"initial_price 0", [](Scenario& s, double, double) { s.initial_price = 0.0; }},
             Case{"initial_price negative", [](Scenario& s, double, double) { s.initial_price = -1.0; }},
             Case{"initial_price 1e13", [](Scenario& s, double, double) { s.initial_price = 1e13; }},
             Case{"impact coefficient NaN", [](Scenario& s, double n, double) { s.impact.coefficient = n; }},
             Case{"impact depth 0", [](Scenario& s, double, double) { s.impact.depth_base_units = 0.0; }},
             Case{"shock NaN", [](Scenario& s, double n, double) { s.shocks.push_back({3, n}); }},
             Case{"shock 1e300", [](Scenario& s, double, double) { s.shocks.push_back({3, 1e300}); }},
             Case{"leverage_min NaN", [](Scenario& s, double n, double) { s.population.leverage_min = n; }},
             Case{"leverage_max below min", [](Scenario& s, double, double) { s.population.leverage_max = 1.0; }},
             Case{"collateral_median NaN", [](Scenario& s, double n, double) { s.population.collateral_median = n; }},
             Case{"collateral_median 0", [](Scenario& s, double, double) { s.population.collateral_median = 0.0; }},
             Case{"collateral_log_sigma infinite", [](Scenario& s, double, double i) { s.population.collateral_log_sigma = i; }},
             Case{"long_fraction 1.5", [](Scenario& s, double, double) { s.population.long_fraction = 1.5; }},
             Case{"fund initial NaN", [](Scenario& s, double n, double) { s.fund.initial = n; }},
             Case{"fund initial negative", [](Scenario& s, double, double) { s.fund.initial = -5.0; }},
             Case{"liquidator_share NaN", [](Scenario& s, double n, double) { s.fund.liquidator_share = n; }},
             Case{"fund_target NaN", [](Scenario& s, double n, double) { s.fund.fund_target = n; }},
             Case{"floor NaN", [](Scenario& s, double n, double) {
                      s.fund.settlement = SettlementChoice::cover_above_floor;
                      s.fund.floor = n;
                  }},
             Case{"step_hours NaN", [](Scenario& s, double n, double) { s.step_hours = n; }},
             Case{"step_hours 0", [](Scenario& s, double, double) { s.step_hours = 0.0; }},
             Case{"step_hours 1e9", [](Scenario& s, double, double) { s.step_hours = 1e9; }},
             Case{"gbm volatility NaN", [](Scenario& s, double n, double) { s.model = Gbm{0.0, n}; }},
             Case{"gbm drift infinite", [](Scenario& s, double, double i) { s.model = Gbm{i, 0.5}; }},
             Case{"merton intensity NaN", [](Scenario& s, double n, double) {
                      MertonJump m;
                      m.jump_intensity_per_year = n;
                      s.model = m;
                  }},
             Case{"hawkes decay NaN", [](Scenario& s, double n, double) {
                      HawkesJump m;
                      m.decay_per_year = n;
                      s.model = m;
                  }},
             Case{"hawkes unstable", [](Scenario& s, double, double) {
                      HawkesJump m;
                      m.excitation_per_year = 2.0 * m.decay_per_year;
                      s.model = m;
                  }},
             Case{"bootstrap without a sample", [](Scenario& s, double, double) { s.model = Bootstrap{}; }},
             Case{"bootstrap with an empty sample",
                  [](Scenario& s, double, double) { s.model = Bootstrap{std::make_shared<const std::vector<double>>()}; }},
             Case{"bootstrap with a NaN return", [](Scenario& s, double n, double) {
                      s.model = Bootstrap{std::make_shared<const std::vector<double>>(std::vector<double>{0.01, n})};
                  }},
         }) {
        Scenario s = tiny_scenario();
        c.mutate(s, nan, inf);
        check_scenario_refused(s, c.what);
    }
}

// Numbers the JSON reader accepts can still overflow a path: a volatility of 1e200 a year makes
// a log return infinite and then NaN. The mark of such a path saturates (a NaN price became
// static_cast<int64_t>(NaN) before: undefined, caught by clang's float-cast-overflow check in the
// clang-asan preset); the run completes and its figures are what they are.
TEST_CASE("a path whose price overflows to infinity or NaN saturates its marks instead of casting NaN",
          "[regression][scenario]") {
    for (const char* text : {R"({"model": {"name": "gbm", "volatility_per_year": 1e200}})",
                             R"({"model": {"name": "gbm", "drift_per_year": 1e300, "volatility_per_year": 0}})",
                             R"({"model": {"name": "gbm", "drift_per_year": -1e300, "volatility_per_year": 0}})",
                             // No jumps times an infinite compensator: a NaN log return every step.
                             R"({"model": {"name": "merton", "jump_intensity_per_year": 0, "jump_mean": 1000}})"}) {
        INFO(text);
        ScenarioFromJson read = scenario_from_json_text(text, tiny_scenario());
        REQUIRE(read.ok());
        CHECK_NOTHROW(run(read.scenario));
    }
    // The runner's own advance() with a caller's non-finite log return is refused, and the path
    // goes on from where it was.
    PathRunner runner(tiny_scenario(), 0);
    const std::int64_t mark_before = runner.engine().mark(runner.market());
    CHECK_THROWS_AS(runner.advance(0, std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
    CHECK_THROWS_AS(runner.advance(0, std::numeric_limits<double>::infinity()), std::invalid_argument);
    CHECK(runner.engine().mark(runner.market()) == mark_before);
    CHECK_NOTHROW(runner.advance(0, 0.01));
}

}  // namespace test_regression_scenario_regression_test
