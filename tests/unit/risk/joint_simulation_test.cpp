// Several protocols in one run: the correlated moves have the correlation and the common jumps
// they promise; every arm conserves money across the engines and the capital ledger; the result
// is the same for any number of threads; a layer that pays every deficit in full leaves no fund
// depleted, and one without capital changes nothing.
#include <backstop/risk/joint_simulation.hpp>

#include <catch2/catch.hpp>

#include "support/joint_setups.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace test_risk_joint_simulation_test {

using namespace backstop;
using namespace backstop::risk;

namespace {

using backstop::testing::small_joint;

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST_CASE("correlated markets: the diffusions' correlation and the common jumps", "[risk][joint]") {
    CorrelatedMarkets m;
    m.volatility_per_year = {0.5, 0.8};
    m.jump_beta = {1.0, 0.5};
    m.correlation = 0.6;
    m.jump_intensity_per_year = 0.0;
    REQUIRE(m.valid());
    const double dt = 1.0 / (24.0 * 365.0);
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    const int n = 200'000;
    RandomStream rng(7, 0);
    double r[2];
    for (int i = 0; i < n; ++i) {
        m.log_returns(rng, static_cast<std::uint64_t>(i), dt, r);
        sx += r[0];
        sy += r[1];
        sxx += r[0] * r[0];
        syy += r[1] * r[1];
        sxy += r[0] * r[1];
    }
    const double cov = sxy / n - (sx / n) * (sy / n);
    const double correlation = cov / std::sqrt((sxx / n - (sx / n) * (sx / n)) * (syy / n - (sy / n) * (sy / n)));
    CHECK(correlation == Approx(0.6).margin(0.01));  // 200,000 draws: sd of the estimate ~0.0015
    CHECK(std::sqrt((syy / n - (sy / n) * (sy / n)) / dt) == Approx(0.8).epsilon(0.01));

    // Jumps only: every market moves at the same steps, market 2 by half of market 1's jump.
    m.volatility_per_year = {0.0, 0.0};
    m.jump_intensity_per_year = 2'000.0;
    int jumps = 0;
    for (int i = 0; i < 20'000; ++i) {
        m.log_returns(rng, static_cast<std::uint64_t>(i), dt, r);
        const double drift0 = -m.jump_intensity_per_year * m.compensator(0) * dt;
        const double drift1 = -m.jump_intensity_per_year * m.compensator(1) * dt;
        const double j0 = r[0] - drift0;
        const double j1 = r[1] - drift1;
        jumps += j0 != 0.0 ? 1 : 0;
        REQUIRE(j1 == Approx(0.5 * j0).margin(1e-12));
    }
    CHECK(jumps > 3'000);  // lambda dt = 0.23 per step: ~4,100 of 20,000 steps jump
}

TEST_CASE("joint run: conserved in every arm, the same for 1 and 2 threads", "[risk][joint][reinsurance]") {
    JointSetup setup = small_joint();
    const JointResult two = run_joint(setup).value();
    setup.threads = 1;
    const JointResult one = run_joint(setup).value();
    REQUIRE(two.arms.size() == joint_arms.size());
    std::uint64_t depleted_alone = 0;
    for (std::size_t a = 0; a < two.arms.size(); ++a) {
        CHECK(two.arms[a].paths_not_conserved == 0);
        CHECK(two.arms[a].any_depleted_paths == one.arms[a].any_depleted_paths);
        CHECK(two.arms[a].layer_depleted_paths == one.arms[a].layer_depleted_paths);
        CHECK(same_bits(two.arms[a].layer_final.mean, one.arms[a].layer_final.mean));
        for (std::size_t k = 0; k < 3; ++k) {
            CHECK(same_bits(two.arms[a].protocols[k].fund_final.mean, one.arms[a].protocols[k].fund_final.mean));
            CHECK(same_bits(two.arms[a].protocols[k].claims_received.mean, one.arms[a].protocols[k].claims_received.mean));
        }
    }
    for (const JointProtocolArm& p : two.arms[0].protocols) depleted_alone += p.depleted_paths;
    CHECK(depleted_alone > 0);  // the set-up has crashes: otherwise nothing below says anything
    // Alone: nothing claimed, nothing paid.
    for (const JointProtocolArm& p : two.arms[0].protocols) {
        CHECK(p.claims_received.mean == 0.0);
        CHECK(p.premiums_paid.mean == 0.0);
    }
    // Every treaty arm paid claims somewhere.
    for (std::size_t a = 1; a < 4; ++a) {
        double claims = 0.0;
        for (const JointProtocolArm& p : two.arms[a].protocols) claims += p.claims_received.mean;
        CHECK(claims > 0.0);
    }
}

TEST_CASE("joint run: a layer that pays every deficit in full leaves no fund depleted; one without capital changes nothing",
          "[risk][joint][reinsurance]") {
    JointSetup setup = small_joint();
    setup.terms.quota_share = 1.0;  // the reinsurer pays each deficit whole, before the fund
    setup.terms.quota_premium = 0.0;
    setup.terms.reinsurer_capital = 1e9;
    const JointResult full = run_joint(setup).value();
    const JointArmResult& alone = full.arms[0];
    const JointArmResult& quota = full.arms[2];
    REQUIRE(alone.any_depleted_paths > 0);
    CHECK(quota.any_depleted_paths == 0);
    CHECK(quota.layer_depleted_paths == 0);
    CHECK(quota.paths_not_conserved == 0);

    setup.terms.reinsurer_capital = 0.0;
    setup.terms.xol_premium = 0.0;  // premiums would be capital the reinsurer could pay from
    setup.terms.stop_loss_premium = 0.0;
    setup.terms.pool_initial_contribution = 0.0;
    setup.terms.pool_contribution = 0.0;
    const JointResult empty = run_joint(setup).value();
    for (std::size_t a = 1; a < empty.arms.size(); ++a) {
        CHECK(empty.arms[a].paths_not_conserved == 0);
        for (std::size_t k = 0; k < 3; ++k) {
            // Nothing to pay with and nothing paid in: each fund is exactly as alone.
            CHECK(empty.arms[a].protocols[k].claims_received.mean == 0.0);
            CHECK(empty.arms[a].protocols[k].depleted_paths == empty.arms[0].protocols[k].depleted_paths);
            CHECK(same_bits(empty.arms[a].protocols[k].fund_final.mean, empty.arms[0].protocols[k].fund_final.mean));
        }
    }
    // A quota share of every deficit owed by a reinsurer with nothing: it defaults on every one.
    CHECK(empty.arms[2].layer_depleted_paths >= empty.arms[0].any_depleted_paths);
}

TEST_CASE("joint run: bad set-ups are refused", "[risk][joint]") {
    JointSetup setup = small_joint();
    setup.markets.volatility_per_year.pop_back();
    CHECK(run_joint(setup).error().code == ErrorCode::invalid_argument);
    setup = small_joint();
    setup.protocols[1].horizon_steps = 100;
    CHECK(run_joint(setup).error().code == ErrorCode::invalid_argument);
    setup = small_joint();
    setup.terms.quota_share = 1.5;
    CHECK(run_joint(setup).error().code == ErrorCode::invalid_policy_parameter);
    setup = small_joint();
    setup.protocols.resize(1);
    CHECK(run_joint(setup).error().code == ErrorCode::invalid_argument);
}

// A protocol that a PathRunner refuses (its constructor checks the scenario since the lab holds a
// C++ scenario to the JSON reader's ranges) was refused on a worker thread: std::terminate with
// two threads. check_joint_setup now returns the same refusal as an error.
TEST_CASE("joint run: a protocol a path runner would refuse is an error, not a throw on a worker",
          "[risk][joint][regression]") {
    for (unsigned threads : {1u, 2u}) {
        JointSetup setup = small_joint();
        setup.threads = threads;
        setup.protocols[1].fund.initial = 2e12;  // above the reader's 1e12
        Result<JointResult> refused = run_joint(setup);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::invalid_argument);
        setup = small_joint();
        setup.threads = threads;
        setup.protocols[0].population.long_fraction = std::numeric_limits<double>::quiet_NaN();
        CHECK(run_joint(setup).error().code == ErrorCode::invalid_argument);
    }
}

}  // namespace test_risk_joint_simulation_test
