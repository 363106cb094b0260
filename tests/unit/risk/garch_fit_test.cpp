// GARCH(1,1) maximum likelihood: agreement with R's fGarch::garchFit on the stored reference fits
// (tests/reference/fgarch), recovery of known parameters from simulated series, the two kinds of
// standard errors, errors on bad input, and the fitted model running in a scenario.
#include <backstop/risk/garch_fit.hpp>
#include <backstop/risk/simulator.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace test_risk_garch_fit_test {

#ifndef BACKSTOP_SOURCE_DIR
#error "tests need BACKSTOP_SOURCE_DIR (the source tree) to read tests/reference/fgarch"
#endif

using namespace backstop;
using namespace backstop::risk;

namespace {

const std::string reference_dir = std::string(BACKSTOP_SOURCE_DIR) + "/tests/reference/fgarch/";

// reference.csv: a header row, then one row per (series, innovation).
std::vector<std::map<std::string, std::string>> read_reference() {
    std::ifstream in(reference_dir + "reference.csv");
    std::vector<std::map<std::string, std::string>> rows;
    std::string line;
    std::vector<std::string> names;
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::stringstream cells_in(line);
        std::string cell;
        while (std::getline(cells_in, cell, ',')) cells.push_back(cell);
        if (names.empty()) {
            names = cells;
            continue;
        }
        std::map<std::string, std::string> row;
        for (std::size_t i = 0; i < names.size() && i < cells.size(); ++i) row[names[i]] = cells[i];
        rows.push_back(row);
    }
    return rows;
}

double number(const std::map<std::string, std::string>& row, const std::string& name) {
    const auto found = row.find(name);
    REQUIRE(found != row.end());
    return std::stod(found->second);
}

double relative(double ours, double theirs) { return std::fabs(ours - theirs) / std::fabs(theirs); }

std::vector<double> simulate(const GarchT& model, std::uint64_t series, std::size_t length) {
    std::vector<double> returns(length);
    model.log_returns(20261125, series, 1.0 / 8760.0, returns.data(), returns.size());
    return returns;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST_CASE("GARCH fits agree with fGarch::garchFit on its reference series", "[garch_fit]") {
    const auto rows = read_reference();
    REQUIRE(rows.size() == 4);  // {simulated GARCH-t, DEM/GBP} x {norm, std}
    for (const auto& row : rows) {
        const std::string name = row.at("series");
        const bool student = row.at("innovation") == "std";
        INFO(name << " " << row.at("innovation"));
        const ReturnsFile file = read_returns_file(reference_dir + name + ".csv");
        REQUIRE(file.ok());
        REQUIRE(static_cast<double>(file.returns.size()) == number(row, "observations"));

        // The likelihood convention alone: ours at fGarch's coefficients is fGarch's value.
        GarchParameters theirs;
        theirs.mean = number(row, "mu");
        theirs.omega = number(row, "omega");
        theirs.alpha = number(row, "alpha1");
        theirs.beta = number(row, "beta1");
        if (student) theirs.degrees_of_freedom = number(row, "shape");
        const GarchInnovation innovation = student ? GarchInnovation::student_t : GarchInnovation::normal;
        const double reference_llh = number(row, "log_likelihood");
        CHECK(relative(garch_log_likelihood(file.returns, theirs, innovation), reference_llh) < 1e-10);

        // The fit. fGarch searches 0 < alpha, beta < 1 separately; DEM/GBP under t lands at
        // alpha + beta = 1.009, outside the stationary region.
        GarchFitOptions options;
        options.innovation = innovation;
        options.require_stationarity = false;
        const Result<GarchFit> fit = fit_garch(file.returns, options);
        REQUIRE(fit.has_value());
        CHECK(fit->converged);
        CHECK(fit->observations == file.returns.size());
        const GarchParameters& ours = fit->parameters;
        CHECK(relative(ours.mean, theirs.mean) < 1e-4);
        CHECK(relative(ours.omega, theirs.omega) < 1e-4);
        CHECK(relative(ours.alpha, theirs.alpha) < 1e-4);
        CHECK(relative(ours.beta, theirs.beta) < 1e-4);
        if (student) {
            CHECK(relative(ours.degrees_of_freedom, theirs.degrees_of_freedom) < 1e-4);
        } else {
            CHECK(std::isnan(ours.degrees_of_freedom));
        }
        CHECK(relative(fit->log_likelihood, reference_llh) < 1e-6);
        CHECK(fit->log_likelihood >= reference_llh - 1e-6 * std::fabs(reference_llh));

        // Standard errors: fGarch differentiates numerically (optimHess), so a few per cent.
        const GarchParameters& se = fit->standard_errors;
        CHECK(relative(se.mean, number(row, "se_mu")) < 0.05);
        CHECK(relative(se.omega, number(row, "se_omega")) < 0.05);
        CHECK(relative(se.alpha, number(row, "se_alpha1")) < 0.05);
        CHECK(relative(se.beta, number(row, "se_beta1")) < 0.05);
        // Robust: against the sandwich rescored at the fitted parameters (fGarch's own robust
        // scores take the t density at its starting shape 4; see make_reference.R); for the
        // normal fits that bug does not bite and fGarch's own values agree too.
        const GarchParameters& robust = fit->robust_standard_errors;
        CHECK(relative(robust.mean, number(row, "rescored_robust_se_mu")) < 0.05);
        CHECK(relative(robust.omega, number(row, "rescored_robust_se_omega")) < 0.05);
        CHECK(relative(robust.alpha, number(row, "rescored_robust_se_alpha1")) < 0.05);
        CHECK(relative(robust.beta, number(row, "rescored_robust_se_beta1")) < 0.05);
        if (student) {
            CHECK(relative(se.degrees_of_freedom, number(row, "se_shape")) < 0.05);
            CHECK(relative(robust.degrees_of_freedom, number(row, "rescored_robust_se_shape")) < 0.05);
        } else {
            CHECK(relative(robust.mean, number(row, "robust_se_mu")) < 0.05);
            CHECK(relative(robust.omega, number(row, "robust_se_omega")) < 0.05);
            CHECK(relative(robust.alpha, number(row, "robust_se_alpha1")) < 0.05);
            CHECK(relative(robust.beta, number(row, "robust_se_beta1")) < 0.05);
        }

        // The stationary search (the default) finds the same optimum when it is stationary.
        if (fit->persistence() < 1.0) {
            GarchFitOptions stationary = options;
            stationary.require_stationarity = true;
            const Result<GarchFit> again = fit_garch(file.returns, stationary);
            REQUIRE(again.has_value());
            CHECK(relative(again->parameters.beta, theirs.beta) < 1e-4);
            CHECK(relative(again->log_likelihood, reference_llh) < 1e-6);
        }
    }
}

TEST_CASE("GARCH fits recover known parameters from 20 simulated series", "[garch_fit]") {
    // 20 series of 5,000 steps per innovation from the lab's own GarchT (its whole paths); every
    // fitted parameter within 3 (Hessian) standard errors of the truth on every series, and the
    // robust errors close to the classical ones (the model is correctly specified).
    constexpr std::size_t length = 5'000;
    for (const GarchInnovation innovation : {GarchInnovation::student_t, GarchInnovation::normal}) {
        const bool student = innovation == GarchInnovation::student_t;
        GarchT truth;
        truth.mean_per_step = 1e-4;
        if (!student) truth.degrees_of_freedom = gaussian_degrees_of_freedom;
        double largest_z[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
        double ratio_sum[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
        for (std::uint64_t series = 0; series < 20; ++series) {
            INFO((student ? "student_t" : "normal") << " series " << series);
            const std::vector<double> returns = simulate(truth, series, length);
            GarchFitOptions options;
            options.innovation = innovation;
            const Result<GarchFit> fit = fit_garch(returns, options);
            REQUIRE(fit.has_value());
            const GarchParameters& p = fit->parameters;
            const GarchParameters& se = fit->standard_errors;
            const GarchParameters& robust = fit->robust_standard_errors;
            const double z[5] = {(p.mean - truth.mean_per_step) / se.mean, (p.omega - truth.omega) / se.omega,
                                 (p.alpha - truth.alpha) / se.alpha, (p.beta - truth.beta) / se.beta,
                                 student ? (p.degrees_of_freedom - truth.degrees_of_freedom) / se.degrees_of_freedom
                                         : 0.0};
            const double ratio[5] = {robust.mean / se.mean, robust.omega / se.omega, robust.alpha / se.alpha,
                                     robust.beta / se.beta,
                                     student ? robust.degrees_of_freedom / se.degrees_of_freedom : 1.0};
            for (std::size_t i = 0; i < 5; ++i) {
                INFO("parameter " << i << " z " << z[i] << " robust / classical " << ratio[i]);
                CHECK(std::fabs(z[i]) < 3.0);
                CHECK(ratio[i] > 0.75);
                CHECK(ratio[i] < 1.33);
                largest_z[i] = std::max(largest_z[i], std::fabs(z[i]));
                ratio_sum[i] += ratio[i];
            }
        }
        for (std::size_t i = 0; i < 5; ++i) {
            INFO((student ? "student_t" : "normal") << " parameter " << i << " largest |z| " << largest_z[i]);
            CHECK(std::fabs(ratio_sum[i] / 20.0 - 1.0) < 0.1);
            if (student || i < 4) CHECK(largest_z[i] > 0.5);  // the z are real, not all ~0
        }
    }
}

TEST_CASE("A GARCH fit is deterministic and reports bad input as errors", "[garch_fit]") {
    GarchT truth;
    const std::vector<double> returns = simulate(truth, 99, 1'000);
    const Result<GarchFit> a = fit_garch(returns);
    const Result<GarchFit> b = fit_garch(returns);
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(same_bits(a->parameters.beta, b->parameters.beta));
    CHECK(same_bits(a->log_likelihood, b->log_likelihood));
    CHECK(same_bits(a->robust_standard_errors.degrees_of_freedom, b->robust_standard_errors.degrees_of_freedom));

    const std::vector<double> short_series(returns.begin(), returns.begin() + 99);
    CHECK_FALSE(fit_garch(short_series).has_value());
    std::vector<double> with_nan = returns;
    with_nan[500] = std::numeric_limits<double>::quiet_NaN();
    CHECK_FALSE(fit_garch(with_nan).has_value());
    std::vector<double> with_infinity = returns;
    with_infinity[3] = std::numeric_limits<double>::infinity();
    CHECK_FALSE(fit_garch(with_infinity).has_value());
    CHECK_FALSE(fit_garch(std::vector<double>(500, 0.001)).has_value());
    CHECK_FALSE(fit_garch(std::vector<double>(500, 0.0)).has_value());
    GarchFitOptions inconsistent;
    inconsistent.variance_start = GarchVarianceStart::unconditional;
    inconsistent.require_stationarity = false;
    CHECK_FALSE(fit_garch(returns, inconsistent).has_value());
    GarchFitOptions unconditional;
    unconditional.variance_start = GarchVarianceStart::unconditional;
    const Result<GarchFit> c = fit_garch(returns, unconditional);
    REQUIRE(c.has_value());  // another start, a nearby optimum
    CHECK(std::fabs(c->parameters.beta - a->parameters.beta) < a->standard_errors.beta);
    GarchParameters bad = a->parameters;
    bad.omega = -1.0;
    CHECK(std::isnan(garch_log_likelihood(returns, bad, GarchInnovation::student_t)));

    // The reader: a header, blank lines and CRLF are fine; a bad line is named by number.
    const ReturnsFile good = read_returns_text("log_return\r\n0.01\r\n\r\n-0.02\r\n");
    REQUIRE(good.ok());
    CHECK(good.returns == std::vector<double>{0.01, -0.02});
    const ReturnsFile bad_line = read_returns_text("r\n0.01\n0.02x\n");
    CHECK_FALSE(bad_line.ok());
    CHECK(bad_line.error.find("line 3") != std::string::npos);
    const ReturnsFile not_finite = read_returns_text("0.01\nnan\n");
    CHECK(not_finite.error.find("line 2") != std::string::npos);
    CHECK_FALSE(read_returns_text("header\n").ok());
    // A first line that is a number out of range is an error, not a header that drops a return.
    const ReturnsFile tiny = read_returns_text("1e-400\n0.01\n");
    CHECK(tiny.error.find("line 1") != std::string::npos);
    // Too many returns: refused before any memory is spent on scores.
    GarchFitOptions capped;
    capped.maximum_observations = 150;
    CHECK_FALSE(fit_garch(std::vector<double>(151, 0.01), capped).has_value());
    // A t fit that ended at a huge nu maps like a Gaussian one (a scenario file holds nu <= 1e6).
    GarchFit huge_nu;
    huge_nu.innovation = GarchInnovation::student_t;
    huge_nu.parameters = {0.0, 1e-6, 0.05, 0.9, 5e9};
    REQUIRE(to_price_model(huge_nu).has_value());
    CHECK(to_price_model(huge_nu)->degrees_of_freedom == gaussian_degrees_of_freedom);
    huge_nu.parameters.degrees_of_freedom = 2.00001;
    CHECK_FALSE(to_price_model(huge_nu).has_value());
    CHECK_FALSE(read_returns_file(reference_dir + "no_such_file.csv").ok());
}

TEST_CASE("A fitted GARCH model drops into a scenario and runs", "[garch_fit]") {
    const ReturnsFile file = read_returns_file(std::string(BACKSTOP_SOURCE_DIR) +
                                               "/examples/data/synthetic_hourly_returns.csv");
    REQUIRE(file.ok());
    REQUIRE(file.returns.size() == 4'000);
    const Result<GarchFit> fit = fit_garch(file.returns);
    REQUIRE(fit.has_value());
    const Result<GarchT> model = to_price_model(*fit);
    REQUIRE(model.has_value());
    CHECK(model->omega == fit->parameters.omega);
    CHECK(model->beta == fit->parameters.beta);
    CHECK(model->degrees_of_freedom == fit->parameters.degrees_of_freedom);
    CHECK(model->alpha + model->beta < 1.0);

    Scenario scenario;
    scenario.paths = 3;
    scenario.population.trader_count = 100;
    scenario.horizon_steps = 48;
    scenario.step_hours = 1.0;  // the returns are hourly
    scenario.fund.initial = 20'000.0;
    scenario.seed = 20261125;
    scenario.model = *model;
    const RunResult result = run(scenario);
    REQUIRE(result.paths.size() == 3);
    for (const PathSummary& path : result.paths) {
        CHECK(path.conserved);
        CHECK(std::isfinite(path.final_price));
        CHECK(path.final_price > 0.0);
    }

    // A Gaussian fit maps to a t with a very large nu; a non-stationary fit does not map.
    GarchFitOptions normal;
    normal.innovation = GarchInnovation::normal;
    const Result<GarchFit> gaussian = fit_garch(file.returns, normal);
    REQUIRE(gaussian.has_value());
    const Result<GarchT> gaussian_model = to_price_model(*gaussian);
    REQUIRE(gaussian_model.has_value());
    CHECK(gaussian_model->degrees_of_freedom == gaussian_degrees_of_freedom);
    GarchFit explosive = *gaussian;
    explosive.parameters.alpha = 0.2;
    explosive.parameters.beta = 0.85;
    CHECK_FALSE(to_price_model(explosive).has_value());
}

}  // namespace test_risk_garch_fit_test
