// The lab's gamma study (issue 18, must-show 4): option writers and buyers beside perpetual
// traders, the engine and the fund in the loop; how the option traders' net gamma moves
// liquidations, bad debt and depletion, and what portfolio margin saves against per-position
// margin. Here a small study: every arm conserves money, repeats bit for bit, and shows the
// direction the full study measures (docs/options.md, "The gamma study").
#include "support/lab_outputs.hpp"
#include "support/scenarios.hpp"

#include <backstop/risk/gamma_study.hpp>
#include <backstop/risk/report/console_table.hpp>
#include <backstop/risk/report/gamma_study_report.hpp>
#include <backstop/risk/report/report_html.hpp>
#include <backstop/risk/report/report_json.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

namespace test_risk_gamma_study_test {

using namespace backstop;
using namespace backstop::risk;

GammaStudySetup small_study() {
    GammaStudySetup s;
    s.paths = 60;
    s.steps = 72;
    s.perpetual_traders = 15;
    s.option_traders = 20;
    s.writer_fractions = {0.0, 0.5, 1.0};
    s.capital_cushions = {1.0, 1.5, 2.5};
    s.fund = 15'000.0;
    return s;
}

const GammaStudy& study() {
    static const GammaStudy result = run_gamma_study(small_study()).value();
    return result;
}

void check_intervals(const GammaArm& a) {
    CHECK(a.paths == 60);
    CHECK(a.unbalanced_paths == 0);       // the ledger audit balances at the end of every path
    CHECK(a.refused_liquidations == 0);   // the keeper never had one refused
    CHECK(a.depletion.lower <= a.depletion.estimate);
    CHECK(a.depletion.estimate <= a.depletion.upper);
    for (const MeanInterval& m : {a.liquidations, a.option_liquidations, a.bad_debt, a.fund_paid}) {
        CHECK(m.lower <= m.mean);
        CHECK(m.mean <= m.upper);
    }
    CHECK(a.depleted.size() == a.paths);
}

// One study for these checks (each test case is its own process under ctest: one case, one study).
TEST_CASE("gamma study: the small study's arms", "[options][gamma_study][portfolio_margin][liquidation]") {
    SECTION("every arm conserves money and carries its intervals") {
        const GammaStudy& s = study();
        REQUIRE(s.gamma_arms.size() == 3);
        REQUIRE(s.capital_arms.size() == 3);
        for (const GammaArm& a : s.gamma_arms) check_intervals(a);
        for (const GammaArm& a : s.capital_arms) check_intervals(a);
        check_intervals(s.per_position);
        REQUIRE(s.has_whole_books);
        check_intervals(s.whole_books);
    }
    SECTION("selling gamma brings liquidations and bad debt") {
        const GammaStudy& s = study();
        const GammaArm& buyers = s.gamma_arms.front();
        const GammaArm& writers = s.gamma_arms.back();
        // Nested arms: the net gamma goes from long (all buy strangles) to short (all write).
        CHECK(buyers.writers == 0);
        CHECK(writers.buyers == 0);
        CHECK(buyers.net_dollar_gamma > 0);
        CHECK(writers.net_dollar_gamma < 0);
        CHECK(s.gamma_arms[1].net_dollar_gamma < buyers.net_dollar_gamma);
        CHECK(s.gamma_arms[1].net_dollar_gamma > writers.net_dollar_gamma);
        // Every path's price moves are the same on each arm (they depend on the seed and path only):
        // the writers' books add liquidations and deficits to the perpetual traders'.
        CHECK(writers.option_liquidations.mean > 0);
        CHECK(writers.liquidations.mean > buyers.liquidations.mean);
        CHECK(writers.bad_debt.mean > buyers.bad_debt.mean);
        CHECK(writers.depleted_paths >= buyers.depleted_paths);
    }
    SECTION("portfolio margin asks less capital than per-position margin for the same books") {
        const GammaStudy& s = study();
        // The per-position arm holds the capital arms' books at the set-up's cushion.
        CHECK(s.per_position.per_position);
        CHECK(s.per_position.writers == s.capital_arms.front().writers);
        CHECK(s.per_position.net_dollar_gamma == s.capital_arms.front().net_dollar_gamma);
        // At the same cushion, the covered writers' offsets make portfolio capital smaller.
        const GammaArm& same_cushion = s.gamma_arms.back();  // writer fraction 1 = capital_writer_fraction
        CHECK(same_cushion.cushion == s.per_position.cushion);
        CHECK(same_cushion.capital < s.per_position.capital);
        // Capital grows with the cushion; the match is the least capital depleting no more often.
        for (std::size_t k = 1; k < s.capital_arms.size(); ++k) CHECK(s.capital_arms[k].capital > s.capital_arms[k - 1].capital);
        if (s.matched) {
            const GammaArm& m = s.capital_arms[s.matched_arm];
            CHECK(m.depleted_paths <= s.per_position.depleted_paths);
            for (std::size_t k = 0; k < s.capital_arms.size(); ++k) {
                if (s.capital_arms[k].depleted_paths <= s.per_position.depleted_paths) CHECK(m.capital <= s.capital_arms[k].capital);
            }
            CHECK(s.capital_saved == Approx(1.0 - m.capital / s.per_position.capital));
            CHECK(s.mcnemar_p_value > 0.0);
            CHECK(s.mcnemar_p_value <= 1.0);
        }
        // The report's tables carry every arm and its intervals.
        const std::string markdown = gamma_study_markdown(s);
        CHECK(markdown.find("per-position") != std::string::npos);
        CHECK(markdown.find("net gamma") != std::string::npos);
        CHECK(gamma_study_html(s).find("<table") != std::string::npos);
    }
    // OptionMarginTerms::liquidate_books_whole against risk reduction, on the same books and
    // paths: paired depletion counts and McNemar's p in the notes.
    SECTION("option books liquidated whole against risk reduction, paired") {
        const GammaStudy& s = study();
        REQUIRE(s.has_whole_books);
        const GammaArm& whole = s.whole_books;
        const GammaArm& reduction = s.gamma_arms[s.whole_books_paired_arm];
        CHECK(whole.whole_books);
        CHECK(!reduction.whole_books);
        CHECK(reduction.writer_fraction == s.setup.capital_writer_fraction);
        CHECK(whole.cushion == reduction.cushion);
        CHECK(whole.capital == reduction.capital);  // the same books, the same collateral
        // Risk reduction leaves part of a book to be liquidated again: more option liquidations.
        CHECK(reduction.option_liquidations.mean > whole.option_liquidations.mean);
        std::uint64_t whole_only = 0, reduction_only = 0;
        for (std::size_t p = 0; p < whole.depleted.size(); ++p) {
            whole_only += whole.depleted[p] && !reduction.depleted[p] ? 1u : 0u;
            reduction_only += reduction.depleted[p] && !whole.depleted[p] ? 1u : 0u;
        }
        CHECK(s.whole_books_only == whole_only);
        CHECK(s.risk_reduction_only == reduction_only);
        CHECK(s.whole_books_p_value > 0.0);
        CHECK(s.whole_books_p_value <= 1.0);
        CHECK(gamma_study_markdown(s).find("books liquidated whole") != std::string::npos);
    }
}

TEST_CASE("gamma study: the same set-up gives the same figures", "[options][gamma_study]") {
    GammaStudySetup tiny = small_study();  // smaller than the others' study: it runs twice
    tiny.paths = 16;
    tiny.steps = 24;
    const GammaStudy first = run_gamma_study(tiny).value();
    const GammaStudy again = run_gamma_study(tiny).value();
    for (std::size_t k = 0; k < first.gamma_arms.size(); ++k) {
        CHECK(again.gamma_arms[k].depleted == first.gamma_arms[k].depleted);
        CHECK(again.gamma_arms[k].bad_debt.mean == first.gamma_arms[k].bad_debt.mean);
        CHECK(again.gamma_arms[k].liquidations.mean == first.gamma_arms[k].liquidations.mean);
    }
    CHECK(again.per_position.depleted == first.per_position.depleted);
    CHECK(again.whole_books.liquidations.mean == first.whole_books.liquidations.mean);
    CHECK(again.capital_saved == first.capital_saved);
}

// stress_test --gamma-study: the study's tables in the console summary, the HTML and the JSON.
TEST_CASE("gamma study: the stress report carries it when asked", "[options][gamma_study][report]") {
    StressReportOptions options = testing::small_report_options();
    GammaStudySetup setup = small_study();
    setup.paths = 10;
    options.gamma_study = setup;
    const StressReport report = build_stress_report(testing::small_wild_market(), options).value();
    REQUIRE(report.gamma_study);
    CHECK(report.gamma_study->gamma_arms.size() == 3);
    CHECK(report_html(report).find("Options: net gamma") != std::string::npos);
    CHECK(report_to_json(report)["gamma_study"]["gamma_arms"].size() == 3);
    CHECK(console_summary(report).find("options: 100% write") != std::string::npos);
    // Without it the report is as before.
    const StressReport plain = build_stress_report(testing::small_wild_market(), testing::small_report_options()).value();
    CHECK_FALSE(plain.gamma_study);
    CHECK(report_to_json(plain).count("gamma_study") == 0);
    // A set-up the study refuses fails the report with its error.
    setup.paths = 1;
    options.gamma_study = setup;
    CHECK_FALSE(build_stress_report(testing::small_wild_market(), options).has_value());
}

// A review's findings: a cushion above the first deposit was silently under-funded (capital per
// unit of cushion fell at 100), and a price path could leave the marks the market accepts.
TEST_CASE("gamma study: capital follows the cushion to the top of its range", "[options][gamma_study]") {
    GammaStudySetup s = small_study();
    s.paths = 2;
    s.steps = 4;
    s.writer_fractions = {1.0};
    s.capital_cushions = {10.0, 100.0};
    const GammaStudy study = run_gamma_study(s).value();
    const double per_unit_10 = study.capital_arms[0].capital / 10.0;
    const double per_unit_100 = study.capital_arms[1].capital / 100.0;
    CHECK(per_unit_100 == Approx(per_unit_10).epsilon(1e-3));
}

// A review's finding: the study's jumps had no compensator (and one jump a step at most), so its
// price fell about 7% a week on average and mixed a direction of the market into the gamma
// effect. The mean price ratio over a week is now 1 within its interval (it was 0.929).
TEST_CASE("gamma study: the price has no drift", "[options][gamma_study]") {
    const GammaStudySetup s;  // a week of hourly steps, the defaults' jumps
    std::vector<double> ratios;
    for (std::uint64_t path = 0; path < 4'000; ++path) {
        risk::detail::GammaPricePath prices(s, path);
        double price = s.price;
        for (std::uint32_t step = 1; step <= s.steps; ++step) price = prices.next(step, 0.0, 1e300);
        ratios.push_back(price / s.price);
    }
    const MeanInterval mean = risk::detail::mean_interval(ratios, 0.999);
    CHECK(mean.lower <= 1.0);
    CHECK(1.0 <= mean.upper);
    CHECK(mean.upper - mean.lower < 0.03);  // tight enough to see a drift of 7%
}

// A review's finding: prices on the dollar put a 5-dollar asset's strikes 10% out of the money at
// 5 (at the money) and 4. On the cent they are 5.5 and 4.5, and the book's dollar gamma scales
// with the price, as it does for the same moneyness at 5,000.
TEST_CASE("gamma study: strikes keep their moneyness at a low price", "[options][gamma_study]") {
    auto buyers_gamma = [](double price) {
        GammaStudySetup s = small_study();
        s.paths = 2;
        s.steps = 1;
        s.price = price;
        s.writer_fractions = {0.0};
        s.capital_cushions = {1.0};
        return run_gamma_study(s).value().gamma_arms.front().net_dollar_gamma;
    };
    CHECK(buyers_gamma(5.0) * 1'000.0 == Approx(buyers_gamma(5'000.0)).epsilon(1e-3));
}

TEST_CASE("gamma study: a set-up out of range is refused with a typed error", "[options][gamma_study]") {
    auto refused = [](GammaStudySetup s) {
        const Result<GammaStudy> r = run_gamma_study(s);
        return !r && r.error().code == ErrorCode::invalid_argument;
    };
    GammaStudySetup s = small_study();
    s.paths = 1;
    CHECK(refused(s));
    s = small_study();
    s.expiry_days = 2.0;  // before the horizon's end (72 hourly steps: 3 days)
    CHECK(refused(s));
    s = small_study();
    s.collateral_cushion = 0.9;
    CHECK(refused(s));
    s = small_study();
    s.writer_fractions = {0.5, std::numeric_limits<double>::quiet_NaN()};
    CHECK(refused(s));
    s = small_study();
    s.capital_cushions.clear();
    CHECK(refused(s));
    s = small_study();
    s.perpetual_leverage_max = 25.0;  // beyond the perpetual's 20x
    CHECK(refused(s));
    s = small_study();
    s.price = 2e6;  // a path could leave the marks the markets accept
    CHECK(refused(s));
    s = small_study();
    s.option_traders = 10'000;
    s.option_size = 10.0;  // the maker's side beyond the 100,000 BTC limit
    CHECK(refused(s));
}

}  // namespace test_risk_gamma_study_test
