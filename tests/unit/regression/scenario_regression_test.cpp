// Regression tests for issue 12, finding 10: a scenario file is untrusted input, so every number
// in it, however large, small, negative or odd, gives a ScenarioFromJson with an error (or a
// scenario), never an exception. `1e999` used to escape as nlohmann's out_of_range.
#include <backstop/risk/report/scenario_json.hpp>

#include <catch2/catch.hpp>

#include "support/scenarios.hpp"

#include <string>

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
