// Capital in and out of the insurance fund through the engine (a staker's claim, governance): a
// journaled command that never takes more than the fund holds.
#include "unit/engine/engine_world.hpp"

#include <backstop/engine/engine_journal.hpp>
#include <backstop/fund/socialized_loss/pro_rata_haircut.hpp>

#include <catch2/catch.hpp>

namespace backstop::testing {

TEST_CASE("engine: fund_withdraw takes capital out of the fund, never more than it holds, and replays",
          "[engine][staking][management]") {
    using Haircut = socialized_loss::ProRataHaircut<USDC>;
    using Commands = BasicVectorJournal<EngineCommand>;
    using Engine = MarginEngine<EngineFund<Haircut>, NullJournal, Commands>;
    Engine engine = Engine::create(EngineLimits{8, 4, 2}, {}, {}, Haircut{}).value();
    engine.fund_deposit(usdc("1000")).value();
    engine.fund_withdraw(usdc("400")).value();
    CHECK(engine.fund().balance(engine.ledger()) == usdc("600"));
    CHECK(engine.fund().statistics().withdrawn_total.atoms() == usdc("400").atoms());
    const std::uint64_t before = engine.digest();
    CHECK(engine.fund_withdraw(usdc("600.000001")).error().code == ErrorCode::insufficient_balance);
    CHECK(engine.fund_withdraw(usdc("0")).error().code == ErrorCode::amount_not_positive);
    CHECK(engine.fund_withdraw(usdc("-1")).error().code == ErrorCode::amount_not_positive);
    CHECK(engine.digest() == before);
    CHECK(engine.ledger().audit().balanced());
    Engine replayed = Engine::create(EngineLimits{8, 4, 2}, {}, {}, Haircut{}).value();
    REQUIRE(replay_commands(engine.command_journal().entries(), engine.command_seal(), replayed).has_value());
    CHECK(replayed.digest() == engine.digest());
    CHECK(replayed.fund().balance(replayed.ledger()) == usdc("600"));
}

}  // namespace backstop::testing
