// Each price model against its theory, on fixed seeds, within 4 standard errors:
//   GBM and Merton: mean and variance of the log return (Merton also excess kurtosis);
//   GARCH(1,1)-t: unconditional variance and the lag-1 autocorrelation of squared returns;
//   GARCH-t with jumps: stationary mean and variance of the log return;
//   Hawkes: mean jump intensity baseline / (1 - branching ratio);
//   bootstrap: the drawn returns reproduce the sample's mean and variance.
// Standard errors come from the samples' own higher moments (or from independent batches where
// returns are dependent), not from normal theory.
#include <backstop/risk/price_model/bootstrap.hpp>
#include <backstop/risk/price_model/garch.hpp>
#include <backstop/risk/price_model/garch_jump.hpp>
#include <backstop/risk/price_model/gbm.hpp>
#include <backstop/risk/price_model/hawkes_jump.hpp>
#include <backstop/risk/price_model/merton_jump.hpp>
#include <backstop/risk/detail/text_file.hpp>
#include <backstop/risk/returns_file.hpp>
#include <backstop/risk/rng/random_stream.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/scale.hpp"

namespace test_risk_price_models_test {

using namespace backstop;
using namespace backstop::risk;

namespace {

constexpr double hour = 1.0 / 8760.0;

struct Moments {
    double n = 0, mean = 0, variance = 0, excess_kurtosis = 0;
    double mean_se = 0, variance_se = 0, kurtosis_se = 0;
};

Moments moments(const std::vector<double>& x) {
    Moments m;
    m.n = static_cast<double>(x.size());
    for (double v : x) m.mean += v;
    m.mean /= m.n;
    double m2 = 0, m4 = 0, m6 = 0, m8 = 0;
    for (double v : x) {
        const double d = v - m.mean;
        const double d2 = d * d;
        m2 += d2;
        m4 += d2 * d2;
        m6 += d2 * d2 * d2;
        m8 += d2 * d2 * d2 * d2;
    }
    m2 /= m.n;
    m4 /= m.n;
    m6 /= m.n;
    m8 /= m.n;
    m.variance = m2;
    m.excess_kurtosis = m4 / (m2 * m2) - 3.0;
    m.mean_se = std::sqrt(m2 / m.n);
    m.variance_se = std::sqrt((m4 - m2 * m2) / m.n);
    // Delta method for k = m4 / m2^2 with the sample's own moments.
    const double dk_dm4 = 1.0 / (m2 * m2);
    const double dk_dm2 = -2.0 * m4 / (m2 * m2 * m2);
    const double var_m4 = m8 - m4 * m4;
    const double var_m2 = m4 - m2 * m2;
    const double cov = m6 - m4 * m2;
    m.kurtosis_se = std::sqrt((dk_dm4 * dk_dm4 * var_m4 + dk_dm2 * dk_dm2 * var_m2 + 2 * dk_dm4 * dk_dm2 * cov) / m.n);
    return m;
}

// One step's log return from `count` independent paths (step 0 of path i), so the draws are
// independent whatever the model's state.
template <class Model>
std::vector<double> one_step_returns(const Model& model, std::uint64_t seed, std::uint64_t count, double dt) {
    std::vector<double> out;
    out.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) {
        RandomStream rng(seed, i);
        rng.at_step(0);
        auto state = model.initial_state();
        out.push_back(model.log_return(state, rng, dt));
    }
    return out;
}

}  // namespace

TEST_CASE("GBM log returns have the theoretical mean and variance", "[models]") {
    const Gbm model{0.1, 0.8};
    const auto x = one_step_returns(model, 101, testing::scaled(400'000), hour);
    const Moments m = moments(x);
    CHECK(std::abs(m.mean - model.log_return_mean(hour)) < 4 * m.mean_se);
    CHECK(std::abs(m.variance - model.log_return_variance(hour)) < 4 * m.variance_se);
    CHECK(std::abs(m.excess_kurtosis) < 4 * m.kurtosis_se);  // normal: no excess kurtosis
}

TEST_CASE("Merton log returns have the theoretical mean, variance and excess kurtosis", "[models]") {
    // Frequent, large jumps so that a day's returns are visibly fat-tailed.
    const MertonJump model{0.0, 0.5, 50.0, -0.03, 0.05};
    const double day = 1.0 / 365.0;
    const auto x = one_step_returns(model, 202, testing::scaled(400'000), day);
    const Moments m = moments(x);
    INFO("kurtosis " << m.excess_kurtosis << " theory " << model.log_return_excess_kurtosis(day) << " se " << m.kurtosis_se);
    CHECK(std::abs(m.mean - model.log_return_mean(day)) < 4 * m.mean_se);
    CHECK(std::abs(m.variance - model.log_return_variance(day)) < 4 * m.variance_se);
    CHECK(std::abs(m.excess_kurtosis - model.log_return_excess_kurtosis(day)) < 4 * m.kurtosis_se);
    CHECK(model.log_return_excess_kurtosis(day) > 1.0);  // the test has something to find
}

TEST_CASE("GARCH-t has its unconditional variance and squared-return autocorrelation", "[models]") {
    // Parameters with a finite fourth moment (beta^2 + 2 alpha beta + kappa alpha^2 < 1 with
    // kappa = 3 (nu - 2) / (nu - 4) = 4.5 for nu = 8), so the autocorrelation exists.
    const GarchT model{0.0, 1.0e-5, 0.10, 0.80, 8.0};
    const double a = model.alpha + model.beta;
    const double kappa = 3.0 * (model.degrees_of_freedom - 2.0) / (model.degrees_of_freedom - 4.0);
    const double s = model.unconditional_variance();
    const double w = model.omega;
    // E[sigma^4] from sigma^2_{t+1} = omega + sigma^2_t (alpha z^2 + beta), E z^2 = 1, E z^4 = kappa:
    const double m2 = (w * w + 2 * w * a * s) /
                      (1 - (model.alpha * model.alpha * kappa + 2 * model.alpha * model.beta + model.beta * model.beta));
    // Var(r^2) = kappa m2 - s^2;  Cov(r_t^2, r_{t-1}^2) = omega s + (alpha kappa + beta) m2 - s^2.
    const double rho1 = (w * s + (model.alpha * kappa + model.beta) * m2 - s * s) / (kappa * m2 - s * s);

    // Independent batches (paths) of a long series each; the batch estimates give the errors.
    // Long batches: the sample autocorrelation of heavy-tailed squares is biased down by an amount
    // that shrinks slowly with the length (at 5,000 steps it is about 10% here; at 50,000, 2%).
    const std::uint64_t batches = 60;  // not scaled: fewer batches make the band too noisy
    const std::uint64_t length = 50'000;
    std::vector<double> variances, correlations;
    std::vector<double> path(length);
    for (std::uint64_t b = 0; b < batches; ++b) {
        model.log_returns(303, b, hour, path.data(), path.size());
        std::vector<double> squared;
        squared.reserve(length);
        double sum = 0;
        for (const double r : path) {
            squared.push_back(r * r);
            sum += r * r;
        }
        const double mean_sq = sum / static_cast<double>(length);
        double c0 = 0, c1 = 0;
        for (std::uint64_t t = 0; t < length; ++t) {
            const double d = squared[t] - mean_sq;
            c0 += d * d;
            if (t > 0) c1 += d * (squared[t - 1] - mean_sq);
        }
        variances.push_back(mean_sq);
        correlations.push_back(c1 / c0);
    }
    const Moments v = moments(variances);
    const Moments c = moments(correlations);
    INFO("variance " << v.mean << " theory " << s << "; rho1 " << c.mean << " theory " << rho1);
    CHECK(std::abs(v.mean - s) < 4 * v.mean_se);
    CHECK(std::abs(c.mean - rho1) < 4 * c.mean_se);
    CHECK(rho1 > 0.1);
}

TEST_CASE("GARCH-t with jumps has its stationary log-return mean and variance", "[models]") {
    // A finite fourth moment (nu = 8, as above) so that the batch errors mean something, and
    // jumps frequent enough to carry a fifth of the variance: feeding them into the variance
    // recursion, or leaving the t unscaled, would move the variance by 20 to 30 standard errors.
    const GarchJump model{1.0e-5, 1.0e-5, 0.10, 0.80, 8.0, 500.0, -0.01, 0.02};
    const double mean = model.log_return_mean(hour);
    const double variance = model.log_return_variance(hour);
    // Paths start at the unconditional variance, so every step has exactly these moments; each
    // path's averages are one independent batch.
    const std::uint64_t batches = 200;  // not scaled, as above
    const std::uint64_t length = testing::scaled(2'000) < 500 ? 500 : testing::scaled(2'000);
    std::vector<double> means, second_moments;
    std::vector<double> path(length);
    for (std::uint64_t b = 0; b < batches; ++b) {
        model.log_returns(606, b, hour, path.data(), path.size());
        double sum = 0, sum_sq = 0;
        for (const double r : path) {
            sum += r;
            sum_sq += r * r;
        }
        means.push_back(sum / static_cast<double>(length));
        second_moments.push_back(sum_sq / static_cast<double>(length));
    }
    const Moments m = moments(means);
    const Moments m2 = moments(second_moments);
    INFO("mean " << m.mean << " theory " << mean << " se " << m.mean_se << "; E r^2 " << m2.mean
                 << " theory " << variance + mean * mean << " se " << m2.mean_se);
    CHECK(std::abs(m.mean - mean) < 4 * m.mean_se);
    CHECK(std::abs(m2.mean - (variance + mean * mean)) < 4 * m2.mean_se);
    // The jumps' share of the variance, so that the test has something to find.
    CHECK(variance - model.unconditional_variance() > 0.2 * variance);
}

TEST_CASE("Hawkes jumps arrive at baseline / (1 - branching ratio)", "[models]") {
    const HawkesJump model{0.5, 20.0, 300.0, 500.0, -0.01, 0.03};  // n = 0.6: mean 50 per year
    const std::uint64_t batches = 100;
    const std::uint64_t steps = testing::scaled(87'600) < 8'760 ? 8'760 : testing::scaled(87'600);  // 10 years hourly
    std::vector<double> rates;
    for (std::uint64_t b = 0; b < batches; ++b) {
        RandomStream rng(404, b);
        auto state = model.initial_state();
        for (std::uint64_t t = 0; t < steps; ++t) {
            rng.at_step(t);
            (void)model.log_return(state, rng, hour);
        }
        rates.push_back(static_cast<double>(state.jumps) / (static_cast<double>(steps) * hour));
    }
    const Moments m = moments(rates);
    INFO("rate " << m.mean << " theory " << model.mean_intensity_per_year() << " se " << m.mean_se);
    // The first steps start below the stationary intensity: a bias of the order of one
    // excitation time (1/500 year) over 10 years, far inside the band.
    CHECK(std::abs(m.mean - model.mean_intensity_per_year()) < 4 * m.mean_se);
    CHECK(model.mean_intensity_per_year() == Approx(50.0));
}

TEST_CASE("the bootstrap reproduces its sample's moments", "[models]") {
    std::string path = BACKSTOP_SOURCE_DIR;  // appended, not operator+: see custom_policy_test.cpp
    path += "/examples/data/synthetic_hourly_returns.csv";
    const auto model = Bootstrap::from_csv_file(path);
    REQUIRE(model.has_value());
    REQUIRE(model->returns->size() == 4'000);
    const Moments sample = moments(*model->returns);
    const auto x = one_step_returns(*model, 505, testing::scaled(200'000), hour);
    const Moments drawn = moments(x);
    CHECK(std::abs(drawn.mean - sample.mean) < 4 * drawn.mean_se);
    CHECK(std::abs(drawn.variance - sample.variance) < 4 * drawn.variance_se);
    // Bad files are typed errors.
    CHECK(Bootstrap::from_csv_text("").error().code == ErrorCode::parse_error);
    CHECK(Bootstrap::from_csv_text("r\n0.1\nabc\n").error().code == ErrorCode::parse_error);
    CHECK(Bootstrap::from_csv_file("/nonexistent/returns.csv").error().code == ErrorCode::invalid_argument);
    CHECK(Bootstrap::from_csv_text("header\n0.5\n-0.25\n").value().returns->size() == 2);
}

// The bootstrap's sample and fit_garch's returns are read by the same rules (returns_file.hpp):
// a first line with a letter is a header, cells are trimmed, blank lines and CRLF are fine, and
// anything else that is not one finite number is an error, never a dropped return.
TEST_CASE("the bootstrap reads its returns by read_returns_text's rules", "[models]") {
    const char* const texts[] = {
        "0.01\n0.02\n",          "log_return\n0.01\n",   "log_return\r\n0.01\r\n\r\n-0.02\r\n",
        " 0.01 \n\t-0.02\n",     "0.01x\n0.02\n",        "0.01\nnan\n",
        "0.01\ninf\n",            "1e-400\n0.01\n",       "r\n0.1\nabc\n",
        "header\n",               "",                      "0.01 0.02\n",
        "r\n1e999\n",             "-0.5\n   \n0.25",
    };
    for (const char* text : texts) {
        INFO("text: '" << text << "'");
        const ReturnsFile file = read_returns_text(text);
        const Result<Bootstrap> model = Bootstrap::from_csv_text(text);
        REQUIRE(model.has_value() == file.ok());
        CHECK((file.bad_line != 0) == (file.error.rfind("line ", 0) == 0));
        if (model) {
            CHECK(*model->returns == file.returns);
        } else {
            CHECK(model.error().code == ErrorCode::parse_error);
        }
    }
    // What the bootstrap used to get wrong: a malformed first return was taken for a header and
    // dropped, a non-finite one was kept, a padded one refused.
    CHECK(Bootstrap::from_csv_text("0.01x\n0.02\n").error().code == ErrorCode::parse_error);
    CHECK(Bootstrap::from_csv_text("0.01\nnan\n").error().code == ErrorCode::parse_error);
    CHECK(*Bootstrap::from_csv_text(" 0.01 \n").value().returns == std::vector<double>{0.01});
}

// The returns files' readers take their lines and bytes from detail::text_file.hpp (<cstdio>, not
// iostreams, which cost each translation unit of the lab parsing time): the same lines as
// std::getline, the whole of a file larger than its 16 KiB buffer.
TEST_CASE("TextLines cuts text as std::getline does; read_text_file reads a whole file", "[models]") {
    for (const std::string text : {"", "\n", "a", "a\n", "a\n\nb", "\r\n", "\n\n", "x\ny\n\n", "last line"}) {
        INFO(text);
        std::vector<std::string> expected;
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);) expected.push_back(line);
        std::vector<std::string> lines;
        risk::detail::TextLines cut(text);
        for (std::string_view line; cut.next(line);) lines.emplace_back(line);
        CHECK(lines == expected);
    }
    std::string path = BACKSTOP_SOURCE_DIR;
    path += "/examples/data/synthetic_hourly_returns.csv";
    std::string text;
    REQUIRE(risk::detail::read_text_file(path, text));
    CHECK(text.size() > 16'384);
    std::string expected;
    std::FILE* file = std::fopen(path.c_str(), "rb");
    REQUIRE(file != nullptr);
    for (int c = std::fgetc(file); c != EOF; c = std::fgetc(file)) expected.push_back(static_cast<char>(c));
    std::fclose(file);
    CHECK(text == expected);
    CHECK_FALSE(risk::detail::read_text_file("/nonexistent/returns.csv", text));
}

// A whole-path model's parameters come from its caller: they used to be BACKSTOP_ASSERTs (an
// abort on nu = 1.5, or on a jump rate above the Poisson sampler's range); now they are
// std::invalid_argument, and a valid model still runs.
TEST_CASE("GARCH paths refuse invalid parameters with an exception, not an abort", "[risk][garch][regression]") {
    std::vector<double> out(8);
    std::vector<std::uint32_t> counts(8);
    GarchT heavy;
    heavy.degrees_of_freedom = 1.5;
    CHECK_THROWS_AS(heavy.log_returns(1, 0, 1.0 / 8760.0, out.data(), out.size()), std::invalid_argument);
    GarchT explosive;
    explosive.alpha = 0.3;
    explosive.beta = 0.8;
    CHECK_THROWS_AS(explosive.log_returns(1, 0, 1.0 / 8760.0, out.data(), out.size()), std::invalid_argument);
    CHECK_NOTHROW(GarchT{}.log_returns(1, 0, 1.0 / 8760.0, out.data(), out.size()));

    GarchJump nan_nu;
    nan_nu.degrees_of_freedom = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(nan_nu.log_returns(1, 0, 1.0 / 8760.0, out.data(), out.size()), std::invalid_argument);
    GarchJump busy;
    busy.jump_intensity_per_year = 1e300;  // valid(), but 1e296 jumps a step
    CHECK_THROWS_AS(busy.log_returns(1, 0, 1.0 / 8760.0, out.data(), out.size()), std::invalid_argument);
    CHECK_THROWS_AS(busy.jump_counts(1, 0, 1.0 / 8760.0, counts.data(), counts.size()), std::invalid_argument);
    CHECK_THROWS_AS(GarchJump{}.log_returns(1, 0, -1.0, out.data(), out.size()), std::invalid_argument);
    CHECK_NOTHROW(GarchJump{}.log_returns(1, 0, 1.0 / 8760.0, out.data(), out.size()));
    CHECK_NOTHROW(GarchJump{}.jump_counts(1, 0, 1.0 / 8760.0, counts.data(), counts.size()));
}

}  // namespace test_risk_price_models_test
