// The runner: bit-identical results for 1 and 2 threads, a path replayed alone, equal scenarios;
// and a liquidation cascade that price impact makes worse, with the ledger conserved exactly
// after every step.
#include <backstop/risk/simulator.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace test_risk_simulator_test {

using namespace backstop;
using namespace backstop::risk;

namespace {

Scenario small_scenario() {
    Scenario s;
    s.paths = 6;
    s.population.trader_count = 200;
    s.horizon_steps = 240;
    s.fund.initial = 20'000.0;
    s.seed = 20261125;
    return s;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool identical(const PathSummary& a, const PathSummary& b) {
    return a.path == b.path && same_bits(a.fund_initial, b.fund_initial) && same_bits(a.fund_min, b.fund_min) &&
           same_bits(a.fund_final, b.fund_final) && same_bits(a.penalties_to_fund, b.penalties_to_fund) &&
           same_bits(a.bad_debt, b.bad_debt) && same_bits(a.fund_paid, b.fund_paid) &&
           same_bits(a.socialized, b.socialized) && same_bits(a.uncovered, b.uncovered) &&
           a.liquidations == b.liquidations && a.bad_debt_events == b.bad_debt_events &&
           a.adl_events == b.adl_events && a.largest_cascade == b.largest_cascade &&
           a.first_depletion_step == b.first_depletion_step && a.traders_entered == b.traders_entered &&
           same_bits(a.final_price, b.final_price) && a.conserved == b.conserved && a.digest == b.digest;
}

}  // namespace

TEST_CASE("1 thread, 2 threads and a path replayed alone give bit-identical summaries", "[threads]") {
    Scenario one = small_scenario();
    one.threads = 1;
    Scenario two = small_scenario();
    two.threads = 2;
    const RunResult a = run(one);
    const RunResult b = run(two);
    REQUIRE(a.paths.size() == 6);
    REQUIRE(b.paths.size() == 6);
    std::uint64_t liquidations = 0;
    for (std::size_t p = 0; p < a.paths.size(); ++p) {
        INFO("path " << p);
        CHECK(identical(a.paths[p], b.paths[p]));
        CHECK(a.paths[p].conserved);
        liquidations += a.paths[p].liquidations;
    }
    CHECK(liquidations > 0);  // the paths did something
    CHECK(identical(run_path(one, 4), a.paths[4]));
    // Equal scenarios, equal results; another seed, another history.
    const RunResult again = run(one);
    for (std::size_t p = 0; p < a.paths.size(); ++p) CHECK(identical(again.paths[p], a.paths[p]));
    Scenario other = small_scenario();
    other.seed += 1;
    CHECK(run_path(other, 0).digest != a.paths[0].digest);
}

TEST_CASE("price impact turns a 20% gap into a bigger cascade, and value is still conserved", "[cascade]") {
    Scenario calm;
    calm.paths = 1;
    calm.threads = 1;
    calm.population.trader_count = 1'000;
    calm.population.entry_steps = 12;
    calm.horizon_steps = 96;
    calm.model = Gbm{0.0, 0.2};  // quiet, so the gap is the story
    calm.fund.initial = 10'000.0;
    calm.shocks = {{48, std::log(0.8)}};
    calm.population.liquidator_delay_steps = 1;  // liquidators act a step late: forced selling
                                                 // then lands on a price that impact moved
    calm.audit_every_step = true;
    Scenario thin = calm;
    thin.impact = PriceImpact{ImpactKind::linear, 200.0, 0.10};  // a thin book: 200 BTC forced moves 10%
    const PathSummary without = run_path(calm, 0);
    const PathSummary with = run_path(thin, 0);
    INFO("without impact: " << without.liquidations << " liquidations, bad debt " << without.bad_debt
                            << "; with: " << with.liquidations << ", " << with.bad_debt);
    CHECK(with.liquidations > without.liquidations);
    CHECK(with.bad_debt > without.bad_debt);
    CHECK(with.final_price < without.final_price);
    CHECK(without.conserved);
    CHECK(with.conserved);
    CHECK(without.liquidations > 0);
}

TEST_CASE("a step enters exactly the traders whose entry step it is, in index order", "[simulator]") {
    // The runner enters a step's traders from an index by entry step (lab_population.hpp) rather
    // than testing every trader's step at every step: the same traders in the same order.
    Scenario s = small_scenario();
    s.population.trader_count = 1'000;
    s.population.entry_steps = 24;
    RandomStream rng(s.seed, 3);
    std::vector<LabTrader> traders;
    draw_traders(s, rng, traders);
    EntryIndex entries;
    entries.build(traders);
    std::size_t entered = 0;
    for (std::uint32_t step = 0; step < s.population.entry_steps + 3; ++step) {
        std::vector<std::uint32_t> expected;
        for (std::uint32_t i = 0; i < traders.size(); ++i) {
            if (traders[i].entry_step == step) expected.push_back(i);
        }
        std::vector<std::uint32_t> indexed;
        entries.each_entering(step, [&](std::uint32_t i) { indexed.push_back(i); });
        CHECK(indexed == expected);
        entered += indexed.size();
    }
    CHECK(entered == traders.size());
    entries.each_entering(std::numeric_limits<std::uint32_t>::max(), [&](std::uint32_t) { FAIL("no trader enters there"); });
    // No trader at all.
    traders.clear();
    entries.build(traders);
    entries.each_entering(0, [&](std::uint32_t) { FAIL("no trader"); });
}

}  // namespace test_risk_simulator_test
