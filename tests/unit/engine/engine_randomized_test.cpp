// Randomised engine runs (method in engine_scenario.hpp): 10 seeds x 100,000 steps, every
// invariant checked after every step. Seeds cycle through ranked ADL, haircut, funding
// socialization and dYdX's random-start ADL.
#include <backstop/ledger/replay.hpp>

#include <catch2/catch.hpp>

#include "support/scale.hpp"
#include "unit/engine/engine_scenario.hpp"

using namespace backstop;
using namespace backstop::testing;

TEST_CASE("random engine operations keep every invariant", "[engine][randomized]") {
    const std::uint64_t steps = scaled(100'000);
    EngineRunOutcome total;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        const EngineRunOutcome outcome = run_engine_scenario(seed, steps);
        total.failures += outcome.failures;
        total.refused += outcome.refused;
        total.trades += outcome.trades;
        total.liquidations += outcome.liquidations;
        total.bad_debts += outcome.bad_debts;
        total.socializations += outcome.socializations;
        INFO("seed " << seed << ": " << outcome.trades << " trades, " << outcome.liquidations << " liquidations, "
                     << outcome.bad_debts << " bad debts, " << outcome.socializations << " socializations");
        CHECK(outcome.failures == 0);
    }
    CHECK(total.failures == 0);
    // The runs exercised what they claim to.
    CHECK(total.trades > steps);
    CHECK(total.refused > steps);
    CHECK(total.liquidations > 100);
    CHECK(total.bad_debts > 10);
    CHECK(total.socializations > 1);
}

TEST_CASE("the same inputs give the same digest, and the journal replays to the ledger", "[engine][determinism]") {
    const std::uint64_t steps = scaled(20'000);
    for (std::uint64_t seed = 11; seed <= 14; ++seed) {
        const EngineRunOutcome first = run_engine_scenario(seed, steps);
        const EngineRunOutcome second = run_engine_scenario(seed, steps);
        CHECK(first.digest == second.digest);
        CHECK(first.failures == 0);
        // Recording a journal changes nothing, and replaying it rebuilds the ledger bit for bit.
        std::optional<RandomEngine<VectorJournal<USDC>>> recorded;
        RandomEngine<VectorJournal<USDC>> holder =
            RandomEngine<VectorJournal<USDC>>::create(EngineLimits{21, 2, 2}, {}, {}, random_socialized_loss(seed, 21)).value();
        const EngineRunOutcome journaled = run_engine_scenario(seed, steps, VectorJournal<USDC>{}, &holder);
        CHECK(journaled.digest == first.digest);
        Ledger<USDC> rebuilt(holder.ledger().limits());
        REQUIRE(replay(holder.ledger().journal(), holder.ledger().seal(), rebuilt).has_value());
        CHECK(rebuilt.digest() == holder.ledger().digest());
        CHECK(holder.ledger().journal().size() > 100);
    }
    // A different seed gives a different history.
    CHECK(run_engine_scenario(21, steps).digest != run_engine_scenario(22, steps).digest);
}
