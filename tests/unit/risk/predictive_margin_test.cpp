// Predictive margins: the bounded, rate-limited rule (hand-worked), the filter in the lab's loop
// (margins rise after a volatility spike, from marks up to then only), static vs predictive on
// the same seeds, the forecast's accuracy, and refusal of setups that do not fit; the filter
// fitted by maximum likelihood on held-out training paths.
#include <catch2/catch.hpp>

#include <backstop/risk/fitted_volatility_filter.hpp>
#include <backstop/risk/path_runner.hpp>
#include <backstop/risk/predictive_margin.hpp>
#include <backstop/risk/predictive_margin_comparison.hpp>
#include <backstop/risk/report/predictive_margin_report.hpp>
#include <backstop/risk/simulator.hpp>

#include "support/scenarios.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace test_risk_predictive_margin_test {

using namespace backstop;
using namespace backstop::risk;

namespace {

MarginRule demo_rule() {
    PredictiveMarginSetup setup;  // caps 25% / 15%, step 0.5%
    MarginRule rule;
    REQUIRE(resolve_margin_rule(setup, presets::dydx_v4::large_cap(), 0.01, rule));  // 5% / 3%
    return rule;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// A small, calm market (0.45% a step, persistent volatility) with a 2,000-dollar fund: a -8% gap at
// step 40 makes the volatility forecast rise, and a -20% gap at step 60 is the stress the raised
// margins meet.
Scenario crash_scenario() {
    Scenario s;
    s.paths = 40;
    s.population.trader_count = 150;
    s.horizon_steps = 90;
    s.fund.initial = 2'000.0;
    s.model = GarchT{0.0, 2.0e-7, 0.05, 0.94, 5.0};
    s.shocks = {{40, std::log(0.92)}, {60, std::log(0.8)}};
    s.seed = 8;  // 38 of 40 paths deplete with static margins, 32 with predictive ones
    s.threads = 2;
    return s;
}

PredictiveMarginSetup crash_setup() {
    PredictiveMarginSetup setup;
    setup.sensitivity = 1.0;
    setup.step_max = Ppm{10'000};
    return setup;
}

}  // namespace

TEST_CASE("the margin rule follows the forecast within its bounds and step, rounding up", "[predictive_margin]") {
    const MarginRule rule = demo_rule();
    CHECK(rule.base == MarginFractions{50'000, 30'000});
    CHECK(rule.min == MarginFractions{50'000, 30'000});  // 0: the market's static fractions
    CHECK(rule.max == MarginFractions{250'000, 150'000});

    // Twice the baseline volatility: twice the static fractions; one update moves 0.5% each.
    CHECK(margin_goal(rule, 0.02) == MarginFractions{100'000, 60'000});
    CHECK(next_margin(rule, rule.base, 0.02) == MarginFractions{55'000, 35'000});
    // Calm: the goal is below the static fractions, which are the floor.
    CHECK(margin_goal(rule, 0.005) == MarginFractions{50'000, 30'000});
    CHECK(next_margin(rule, MarginFractions{100'000, 60'000}, 0.005) == MarginFractions{95'000, 55'000});
    // Far above: the caps; not a number: the caps too (the cautious side).
    CHECK(margin_goal(rule, 1.0) == MarginFractions{250'000, 150'000});
    CHECK(margin_goal(rule, std::numeric_limits<double>::quiet_NaN()) == MarginFractions{250'000, 150'000});
    // 1.00001 x static: 50,000.5 and 30,000.3 ppm, rounded up.
    CHECK(margin_goal(rule, 0.0100001) == MarginFractions{50'001, 30'001});
    // A goal within the step is reached exactly.
    CHECK(next_margin(rule, MarginFractions{98'000, 58'000}, 0.02) == MarginFractions{100'000, 60'000});

    // A cap on the initial fraction equal to the maintenance one: the initial is never below it.
    PredictiveMarginSetup tight;
    tight.initial_max = Ppm{60'000};
    tight.maintenance_max = Ppm{60'000};
    MarginRule t;
    REQUIRE(resolve_margin_rule(tight, presets::dydx_v4::large_cap(), 0.01, t));
    CHECK(margin_goal(t, 0.03) == MarginFractions{60'000, 60'000});
    CHECK(next_margin(t, MarginFractions{58'000, 57'000}, 0.03) == MarginFractions{60'000, 60'000});

    // Over a sweep: inside the bounds, at most one step from where it was, initial >= maintenance.
    MarginFractions now = rule.base;
    for (int i = 0; i < 400; ++i) {
        const double sigma = 0.01 * (1.0 + 4.0 * std::sin(0.07 * i) * std::sin(0.07 * i));
        const MarginFractions next = next_margin(rule, now, sigma);
        CHECK(next.initial >= next.maintenance);
        CHECK(std::abs(next.initial - now.initial) <= rule.step_max);
        CHECK(std::abs(next.maintenance - now.maintenance) <= rule.step_max);
        CHECK(next.maintenance >= rule.min.maintenance);
        CHECK(next.initial <= rule.max.initial);
        now = next;
    }
}

TEST_CASE("setups that do not fit are refused before any path runs", "[predictive_margin]") {
    CHECK(PredictiveMarginSetup{}.valid());
    auto refused = [](auto change) {
        PredictiveMarginSetup s;
        change(s);
        return !s.valid();
    };
    CHECK(refused([](PredictiveMarginSetup& s) { s.sensitivity = -1.0; }));
    CHECK(refused([](PredictiveMarginSetup& s) { s.step_max = Ppm{0}; }));
    CHECK(refused([](PredictiveMarginSetup& s) { s.update_every_steps = 0; }));
    CHECK(refused([](PredictiveMarginSetup& s) { s.maintenance_max = Ppm{300'000}; }));  // above the initial cap
    CHECK(refused([](PredictiveMarginSetup& s) { s.initial_max = Ppm{1'500'000}; }));
    CHECK(refused([](PredictiveMarginSetup& s) {
        s.model_filter = false;
        s.alpha = 0.2;
        s.beta = 0.85;  // not stationary
    }));

    Scenario scenario = backstop::testing::small_wild_market();
    scenario.predictive_margin = PredictiveMarginSetup{};
    CHECK(predictive_margin_consistent(scenario));
    // A cap below the market's static initial fraction (5%).
    scenario.predictive_margin->initial_max = Ppm{40'000};
    scenario.predictive_margin->maintenance_max = Ppm{40'000};
    CHECK_FALSE(predictive_margin_consistent(scenario));
    CHECK_THROWS_AS(run(scenario), std::invalid_argument);
    // The model's own filter asked of a model without one.
    scenario.predictive_margin = PredictiveMarginSetup{};
    scenario.model = Gbm{};
    CHECK_FALSE(predictive_margin_consistent(scenario));
    CHECK_THROWS_AS(PathRunner(scenario, 0), std::invalid_argument);
    CHECK_FALSE(compare_predictive_margins(scenario, PredictiveMarginSetup{}).has_value());
    scenario.predictive_margin->model_filter = false;  // its own parameters: fine
    CHECK(predictive_margin_consistent(scenario));
    PredictiveMarginSetup bad;
    bad.step_max = Ppm{-1};
    CHECK_FALSE(compare_predictive_margins(backstop::testing::small_wild_market(), bad).has_value());
    // Several markets: one filter and baseline would hold the more volatile markets at their caps.
    Scenario markets = backstop::testing::small_three_markets();
    markets.predictive_margin = PredictiveMarginSetup{};
    markets.predictive_margin->model_filter = false;
    CHECK_FALSE(predictive_margin_consistent(markets));
    CHECK_THROWS_AS(run(markets), std::invalid_argument);
}

TEST_CASE("a volatility spike raises the margins from the next step, from past marks only", "[predictive_margin]") {
    Scenario s = backstop::testing::small_wild_market();
    s.population.trader_count = 40;
    s.horizon_steps = 40;
    PredictiveMarginSetup setup;
    setup.model_filter = false;
    setup.omega = 1.0e-6;
    setup.alpha = 0.1;
    setup.beta = 0.85;  // unconditional volatility 0.447% per step
    setup.step_max = Ppm{5'000};
    s.predictive_margin = setup;

    // Quiet, a +6% move at step 10, quiet again; the second path has a -10% move at step 25.
    auto fractions = [&](bool second_spike) {
        PathRunner runner(s, 0);
        std::vector<MarginFractions> out;
        for (std::uint32_t step = 0; step < s.horizon_steps; ++step) {
            const double r = step == 10 ? 0.06 : (second_spike && step == 25 ? -0.10 : 0.0);
            runner.advance(step, r);
            const auto config = runner.engine().market_config(runner.market());
            REQUIRE(config);
            out.push_back({config->tiers[0].initial.count(), config->tiers[0].maintenance.count()});
        }
        const PathSummary summary = runner.finish();
        CHECK(summary.conserved);
        CHECK(summary.margin_refusals == 0);
        return out;
    };
    const std::vector<MarginFractions> a = fractions(false);
    const std::vector<MarginFractions> b = fractions(true);
    // Before the spike the forecast is at or below its baseline: the static fractions.
    for (std::uint32_t step = 0; step < 10; ++step) CHECK(a[step] == MarginFractions{50'000, 30'000});
    // h = 1e-6 + 0.1 x 0.06^2 + 0.85 h_prev: sigma about 1.9%, four times the baseline; the goal
    // is 4x static, reached 0.5% a step.
    CHECK(a[10] == MarginFractions{55'000, 35'000});
    CHECK(a[11] == MarginFractions{60'000, 40'000});
    CHECK(a[12].maintenance > a[11].maintenance);
    // The forecast decays: the margins come back down to the static ones, a step at a time.
    CHECK(a[39] == MarginFractions{50'000, 30'000});
    // No look-ahead: the paths agree up to the step before the second spike.
    for (std::uint32_t step = 0; step < 25; ++step) CHECK(a[step] == b[step]);
    CHECK(b[25].maintenance > a[25].maintenance);
}

TEST_CASE("static and predictive margins on the same seeds: less bad debt, less leverage", "[predictive_margin]") {
    const Scenario s = crash_scenario();
    const Result<PredictiveMarginComparison> c = compare_predictive_margins(s, crash_setup());
    REQUIRE(c);
    const PredictiveMarginArm& fixed = c->static_margin;
    const PredictiveMarginArm& moving = c->predictive_margin;
    CHECK(fixed.paths == 40);
    CHECK(moving.paths == 40);
    CHECK(fixed.paths_not_conserved == 0);
    CHECK(moving.paths_not_conserved == 0);
    CHECK(moving.margin_refusals == 0);
    // The static arm: 20x all along, no changes.
    CHECK(fixed.leverage_allowed.mean == Approx(20.0));
    CHECK(fixed.margin_changes_mean == 0.0);
    CHECK(fixed.maintenance_margin_max_mean == Approx(0.03));
    // The predictive arm raised its margins after the first gap: less leverage allowed, with a
    // real interval around it.
    CHECK(moving.margin_changes_mean > 0.0);
    CHECK(moving.maintenance_margin_max_mean > 0.05);
    CHECK(moving.leverage_allowed.mean < 19.0);
    CHECK(moving.leverage_allowed.upper < fixed.leverage_allowed.lower);
    CHECK(moving.leverage_allowed.lower < moving.leverage_allowed.mean);
    // ... and met the crash with less bad debt.
    CHECK(moving.bad_debt.mean < 0.8 * fixed.bad_debt.mean);
    CHECK(moving.depleted_paths <= fixed.depleted_paths);
    CHECK(fixed.depletion.lower <= fixed.depletion.estimate);
    CHECK(fixed.depletion.estimate <= fixed.depletion.upper);
    CHECK(fixed.bad_debt.lower < fixed.bad_debt.mean);
    CHECK(c->depleted_static_only >= c->depleted_predictive_only);

    // The forecast: one per step and path of the predictive arm. The scheduled gaps are outliers no
    // filter forecasts (and the forecast stays high after them), so here it is worse than none.
    CHECK(c->forecast.paths == 40);
    CHECK(c->forecast.observations == 40u * 90u);
    CHECK(c->forecast.correlation < 0.0);
    CHECK(c->forecast.r_squared == Approx(c->forecast.correlation * c->forecast.correlation));
    // Without them, the model's own filter forecasts the squared return: a positive slope and r^2.
    Scenario calm = s;
    calm.shocks.clear();
    const Result<PredictiveMarginComparison> plain = compare_predictive_margins(calm, crash_setup());
    REQUIRE(plain);
    CHECK(plain->forecast.correlation > 0.1);
    CHECK(plain->forecast.slope > 0.3);
    CHECK(plain->forecast.r_squared > 0.01);

    const std::string table = predictive_margin_markdown(*c);
    CHECK(table.find("| average leverage allowed (1 / initial) | 20.00x [20.00, 20.00] |") != std::string::npos);
    CHECK(table.find("Mincer-Zarnowitz r^2") != std::string::npos);
    CHECK(predictive_margin_html(*c).find("<td>depletion probability (Wilson)</td>") != std::string::npos);

    // Determinism: the same inputs, the same bits.
    const Result<PredictiveMarginComparison> again = compare_predictive_margins(s, crash_setup());
    REQUIRE(again);
    CHECK(same_bits(again->predictive_margin.bad_debt.mean, moving.bad_debt.mean));
    CHECK(same_bits(again->predictive_margin.leverage_allowed.mean, moving.leverage_allowed.mean));
    CHECK(same_bits(again->forecast.r_squared, c->forecast.r_squared));
}

TEST_CASE("the forecast regression from its sums", "[predictive_margin]") {
    ForecastSums sums;
    for (int i = 1; i <= 5; ++i) sums.add(static_cast<double>(i), 1.0 + 2.0 * i);  // y = 1 + 2 f
    ForecastSums other;
    other.add(sums);
    const VolatilityForecastAccuracy a = forecast_accuracy(other, 1);
    CHECK(a.observations == 5);
    CHECK(a.slope == Approx(2.0));
    CHECK(a.intercept == Approx(1.0));
    CHECK(a.r_squared == Approx(1.0));
    CHECK(a.mean_forecast == Approx(3.0));
    // A constant forecast says nothing: no slope, no r^2.
    ForecastSums flat;
    for (int i = 0; i < 5; ++i) flat.add(1.0, static_cast<double>(i));
    CHECK(forecast_accuracy(flat, 1).r_squared == 0.0);
    CHECK(forecast_accuracy(flat, 1).intercept == Approx(2.0));
}

TEST_CASE("the training returns are the model's draws of another seed: held out from the evaluation paths", "[predictive_margin]") {
    // With the scenario's own seed, model_path_log_returns is exactly what PathRunner draws (a step
    // model and a whole-path GarchJump); with the training seed, other returns.
    Scenario step_model = backstop::testing::small_wild_market();
    step_model.population.trader_count = 10;
    Scenario whole_path = demo_scenario();
    whole_path.population.trader_count = 10;
    whole_path.horizon_steps = 60;
    for (const Scenario& s : {step_model, whole_path}) {
        for (std::uint64_t path : {0u, 3u}) {
            const Result<std::vector<double>> own = model_path_log_returns(s, s.seed, path);
            const Result<std::vector<double>> held_out = model_path_log_returns(s, s.seed + 1000, path);
            REQUIRE(own);
            REQUIRE(held_out);
            REQUIRE(own->size() == s.horizon_steps);
            PathRunner runner(s, path);
            std::uint32_t equal_held_out = 0;
            for (std::uint32_t step = 0; step < s.horizon_steps; ++step) {
                const double drawn = runner.model_log_return(step);
                CHECK(same_bits((*own)[step], drawn));
                equal_held_out += same_bits((*held_out)[step], drawn) ? 1u : 0u;
            }
            CHECK(equal_held_out == 0);
        }
    }
    // The scheduled shocks are added at their steps, as in the marks.
    const Scenario crash = crash_scenario();
    const Result<std::vector<double>> with = model_path_log_returns(crash, 5, 0, true);
    const Result<std::vector<double>> without = model_path_log_returns(crash, 5, 0, false);
    REQUIRE(with);
    REQUIRE(without);
    CHECK((*with)[40] - (*without)[40] == Approx(std::log(0.92)));
    CHECK((*with)[60] - (*without)[60] == Approx(std::log(0.8)));
    CHECK(same_bits((*with)[41], (*without)[41]));

    // The training seed must not be the scenario's: its paths are the ones evaluated.
    PredictiveFilterTraining same;
    same.seed = step_model.seed;
    same.paths = 30;
    CHECK_FALSE(fit_volatility_filter(step_model, same).has_value());
    CHECK_FALSE(fit_predictive_filter(step_model, PredictiveMarginSetup{}, step_model.seed, 30).has_value());
    CHECK_FALSE(compare_predictive_margins(step_model, PredictiveMarginSetup{}, same).has_value());
    same.seed = step_model.seed + 1;
    CHECK(fit_volatility_filter(step_model, same).has_value());
}

TEST_CASE("the fitted filter recovers a GARCH-t model's parameters within their standard errors", "[predictive_margin]") {
    Scenario s;  // no jumps, no shocks: the data are the model
    s.model = GarchT{0.0, 2.0e-6, 0.08, 0.90, 5.0};
    s.horizon_steps = 500;
    s.seed = 3;
    PredictiveFilterTraining training;
    training.seed = 11;
    training.paths = 20;
    const Result<PredictiveFilterFit> fit = fit_volatility_filter(s, training);
    REQUIRE(fit);
    const GarchFit& g = fit->garch;
    CHECK(g.converged);
    CHECK(g.observations == 20u * 500u);
    CHECK(fit->steps_per_path == 500);
    CHECK(fit->training.seed == 11);
    auto within = [](double estimate, double truth, double error) {
        return std::isfinite(error) && error > 0.0 && std::fabs(estimate - truth) < 3.0 * error;
    };
    CHECK(within(g.parameters.omega, 2.0e-6, g.standard_errors.omega));
    CHECK(within(g.parameters.alpha, 0.08, g.standard_errors.alpha));
    CHECK(within(g.parameters.beta, 0.90, g.standard_errors.beta));
    CHECK(within(g.parameters.degrees_of_freedom, 5.0, g.standard_errors.degrees_of_freedom));
    CHECK(g.standard_errors.alpha < 0.02);  // informative, not just wide
    CHECK(g.standard_errors.beta < 0.02);

    // The setup: the base with the fitted filter (per step) in place of the model's.
    PredictiveMarginSetup base;
    base.sensitivity = 0.5;
    const Result<PredictiveMarginSetup> setup = fit_predictive_filter(s, base, 11, 20);
    REQUIRE(setup);
    CHECK_FALSE(setup->model_filter);
    CHECK(same_bits(setup->alpha, g.parameters.alpha));
    CHECK(same_bits(setup->beta, g.parameters.beta));
    CHECK(same_bits(setup->omega, g.parameters.omega));
    CHECK(setup->sensitivity == 0.5);
    CHECK(setup->valid());

    // Deterministic: the same training, the same bits; another training seed, another fit.
    const Result<PredictiveFilterFit> again = fit_volatility_filter(s, training);
    REQUIRE(again);
    CHECK(same_bits(again->garch.parameters.alpha, g.parameters.alpha));
    CHECK(same_bits(again->garch.log_likelihood, g.log_likelihood));
    training.seed = 12;
    const Result<PredictiveFilterFit> other = fit_volatility_filter(s, training);
    REQUIRE(other);
    CHECK_FALSE(same_bits(other->garch.parameters.alpha, g.parameters.alpha));

    // Refused: no training paths, too few returns, an invalid base setup.
    training.paths = 0;
    CHECK_FALSE(fit_volatility_filter(s, training).has_value());
    s.horizon_steps = 40;
    training.paths = 2;  // 80 returns
    CHECK_FALSE(fit_volatility_filter(s, training).has_value());
    PredictiveMarginSetup bad;
    bad.step_max = Ppm{0};
    CHECK_FALSE(fit_predictive_filter(s, bad, 11, 20).has_value());

    // A model without volatility clustering (GBM): the fit runs to alpha -> 0 and does not
    // converge, refused; kept on request, it is a near-constant filter.
    Scenario flat;
    flat.model = Gbm{};
    flat.horizon_steps = 720;
    PredictiveFilterTraining gbm;
    gbm.seed = 5;
    gbm.paths = 10;
    gbm.innovation = GarchInnovation::normal;
    gbm.max_iterations = 200;
    CHECK_FALSE(fit_volatility_filter(flat, gbm).has_value());
    gbm.allow_unconverged = true;
    const Result<PredictiveFilterFit> kept = fit_volatility_filter(flat, gbm);
    REQUIRE(kept);
    CHECK_FALSE(kept->garch.converged);
    CHECK(kept->garch.parameters.alpha < 1e-3);
}

TEST_CASE("static against predictive margins with a filter fitted on held-out paths", "[predictive_margin]") {
    const Scenario s = backstop::testing::small_wild_market();  // GarchT, 24 paths of 96 steps, seed 99
    PredictiveFilterTraining training;
    training.seed = 7;
    training.paths = 40;
    const Result<PredictiveMarginComparison> c = compare_predictive_margins(s, PredictiveMarginSetup{}, training);
    REQUIRE(c);
    REQUIRE(c->fitted_filter);
    const PredictiveFilterFit& fit = *c->fitted_filter;
    CHECK(fit.training.seed == 7);
    CHECK(fit.training.paths == 40);
    CHECK(fit.garch.observations == 40u * 96u);
    CHECK(std::isfinite(fit.garch.standard_errors.alpha));
    // The predictive arm ran the fitted filter, not the model's (0.08, 0.90).
    CHECK_FALSE(c->setup.model_filter);
    CHECK(same_bits(c->setup.alpha, fit.garch.parameters.alpha));
    CHECK(same_bits(c->filter.alpha, fit.garch.parameters.alpha));
    CHECK(same_bits(c->filter.beta, fit.garch.parameters.beta));
    CHECK(c->filter.alpha != 0.08);
    CHECK(c->predictive_margin.paths == 24);
    CHECK(c->predictive_margin.paths_not_conserved == 0);
    CHECK(c->predictive_margin.margin_refusals == 0);
    CHECK(c->predictive_margin.margin_changes_mean > 0.0);

    // Out of sample on the 24 evaluation paths: a positive r^2 with a bootstrap interval over paths
    // around it, of positive width.
    const VolatilityForecastAccuracy& f = c->forecast;
    CHECK(f.paths == 24);
    CHECK(f.observations == 24u * 96u);
    CHECK(f.bootstrap_resamples == 1'000);
    CHECK(f.interval_confidence == 0.95);
    CHECK(f.r_squared > 0.0);
    CHECK(f.r_squared_lower <= f.r_squared);
    CHECK(f.r_squared <= f.r_squared_upper);
    CHECK(f.r_squared_upper > f.r_squared_lower);
    CHECK(f.correlation_lower <= f.correlation);
    CHECK(f.correlation <= f.correlation_upper);
    CHECK(f.correlation_upper > f.correlation_lower);

    // The model's own filter on the same seeds: no fit recorded, the model's parameters.
    const Result<PredictiveMarginComparison> own = compare_predictive_margins(s, PredictiveMarginSetup{});
    REQUIRE(own);
    CHECK_FALSE(own->fitted_filter);
    CHECK(own->filter.alpha == 0.08);
    CHECK(own->forecast.r_squared_upper > own->forecast.r_squared_lower);
    CHECK(same_bits(own->static_margin.bad_debt.mean, c->static_margin.bad_debt.mean));  // the same static arm

    // Deterministic, and bad input refused before any path runs.
    const Result<PredictiveMarginComparison> again = compare_predictive_margins(s, PredictiveMarginSetup{}, training);
    REQUIRE(again);
    CHECK(same_bits(again->forecast.r_squared_lower, f.r_squared_lower));
    CHECK(same_bits(again->predictive_margin.bad_debt.mean, c->predictive_margin.bad_debt.mean));
    PredictiveFilterTraining none = training;
    none.paths = 0;
    CHECK_FALSE(compare_predictive_margins(s, PredictiveMarginSetup{}, none).has_value());
    CHECK_FALSE(compare_predictive_margins(s, PredictiveMarginSetup{}, training, 1.5).has_value());
}

TEST_CASE("the forecast's bootstrap interval over paths", "[predictive_margin]") {
    // Four paths whose forecasts fit y = 2 f exactly, and one that does not: resampling the
    // paths moves r^2 below and above the whole sample's.
    std::vector<ForecastSums> paths(5);
    for (int p = 0; p < 4; ++p) {
        for (int i = 1; i <= 10; ++i) paths[static_cast<std::size_t>(p)].add(i + p, 2.0 * (i + p));
    }
    for (int i = 1; i <= 10; ++i) paths[4].add(i, 20.0 - 2.0 * i);
    const VolatilityForecastAccuracy a = forecast_accuracy_interval(paths, 0.9, 500, 1);
    CHECK(a.paths == 5);
    CHECK(a.observations == 50);
    CHECK(a.bootstrap_resamples == 500);
    CHECK(a.r_squared > 0.0);
    CHECK(a.r_squared < 1.0);
    CHECK(a.r_squared_lower < a.r_squared);
    CHECK(a.r_squared_upper == Approx(1.0));  // resamples without the fifth path fit exactly
    CHECK(a.correlation_lower < a.correlation);
    // One path: the interval is the point.
    const VolatilityForecastAccuracy one = forecast_accuracy_interval({paths[0]}, 0.9);
    CHECK(one.bootstrap_resamples == 0);
    CHECK(one.r_squared_lower == one.r_squared);
    CHECK(one.r_squared_upper == one.r_squared);
    CHECK(one.r_squared == Approx(1.0));
}

}  // namespace test_risk_predictive_margin_test
