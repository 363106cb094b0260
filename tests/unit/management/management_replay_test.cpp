// Issue 14, must-show 4: a run with governance changes (a margin raised on the emergency path, a
// penalty changed after its timelock) between trades and a liquidation, and a run of treaty
// claims, premiums, pool settlements and yield movements, each replayed from its journals onto a
// fresh set-up gives the identical digests; a corrupted, gapped or truncated journal is refused
// before anything is applied.
#include "unit/engine/engine_world.hpp"

#include <backstop/engine/engine_journal.hpp>
#include <backstop/ledger/replay.hpp>
#include <backstop/management/governance.hpp>
#include <backstop/management/governance_journal.hpp>
#include <backstop/management/reinsurance.hpp>
#include <backstop/management/risk_pool.hpp>
#include <backstop/management/yield_strategies.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <vector>

namespace test_management_management_replay_test {

using namespace backstop;
using namespace backstop::testing;

namespace {
using Adl = socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>;
using Commands = BasicVectorJournal<EngineCommand>;
using Engine = MarginEngine<EngineFund<Adl>, NullJournal, Commands>;
using Gov = Governor<BasicVectorJournal<GovernanceCommand>>;
using Target = EngineGovernanceTarget<Engine>;
constexpr std::int64_t hour = 3'600'000;
constexpr std::int64_t day = 24 * hour;

Engine set_up_engine() {
    Engine engine = Engine::create(EngineLimits{8, 2, 2}, {}, {}, Adl(8)).value();
    (void)engine.add_market<BTC>(test_market()).value();
    return engine;
}
}  // namespace

TEST_CASE("governance between trades and a liquidation: both journals replay bit for bit", "[management][governance]") {
    Engine engine = set_up_engine();
    const MarketId market{0};
    Target target(engine);
    Gov gov = Gov::open(GovernorLimits{}).value();
    const ParameterKey maintenance = market_key(market, MarketParameter::maintenance_margin);
    const ParameterKey penalty = market_key(market, MarketParameter::liquidation_penalty);
    gov.govern(maintenance, ParameterRule{10'000, 200'000, 20'000, day, 2 * day, RiskDirection::raise_reduces_risk}, target).value();
    gov.govern(penalty, ParameterRule{5'000, 50'000, 10'000, day, day, RiskDirection::none}, target).value();

    const AccountId maker = engine.open_account().value();
    const AccountId alice = engine.open_account().value();
    const AccountId liquidator = engine.open_account().value();
    engine.deposit(maker, usdc("1000000")).value();
    engine.deposit(liquidator, usdc("1000000")).value();
    engine.deposit(alice, usdc("2700")).value();
    engine.fund_deposit(usdc("10000")).value();
    engine.set_mark(market, price("50000"), Timestamp{0}).value();
    engine.trade(market, alice, maker, btc("1"), price("50000")).value();  // 1 BTC on 2,700: 5.4% equity
    // A penalty change queued now, executable in a day.
    const ProposalId lower_penalty = gov.propose(penalty, 10'000, 0, target).value();
    // The price falls 1%: alice's equity 2,200 on 49,500 (4.4%) meets the 3% maintenance.
    engine.set_mark(market, price("49500"), Timestamp{hour}).value();
    REQUIRE_FALSE(engine.is_liquidatable(alice));
    // The emergency path raises maintenance to 5% at once (no timelock: it only reduces risk):
    // alice (4.4%) is now liquidatable.
    gov.emergency(maintenance, 50'000, hour, target).value();
    REQUIRE(engine.is_liquidatable(alice));
    engine.advance_time(Timestamp{hour}).value();
    std::array<Allocation<USDC>, 8> allocations{};
    engine.liquidate(alice, liquidator, Span<Allocation<USDC>>(allocations)).value();
    CHECK_FALSE(gov.execute(lower_penalty, day - 1, target));  // before its timelock
    engine.set_mark(market, price("49600"), Timestamp{day}).value();
    gov.execute(lower_penalty, day, target).value();
    CHECK(engine.market_config(market).value().liquidation_penalty == Ppm{10'000});
    CHECK(engine.market_config(market).value().tiers[0].maintenance == Ppm{50'000});

    // The engine from its command journal alone: every governance change is in it.
    Engine from_commands = Engine::create(EngineLimits{8, 2, 2}, {}, {}, Adl(8)).value();
    REQUIRE(replay_commands(engine.command_journal().entries(), engine.command_seal(), from_commands));
    CHECK(from_commands.digest() == engine.digest());
    // The governor from its journal, onto an engine with the same set-up (markets only).
    Engine fresh = set_up_engine();
    Target fresh_target(fresh);
    Gov replayed = Gov::open(GovernorLimits{}).value();
    REQUIRE(replay_governance(gov.journal().entries(), gov.seal(), replayed, fresh_target));
    CHECK(replayed.digest() == gov.digest());
    CHECK(fresh.market_config(market).value().tiers[0].maintenance == Ppm{50'000});

    // Corrupted: an emergency's value changed; truncated: the last command dropped.
    std::vector<GovernanceCommand> altered = gov.journal().entries();
    for (GovernanceCommand& c : altered) {
        if (c.value == 50'000) c.value = 20'000;
    }
    Engine untouched = set_up_engine();
    Target untouched_target(untouched);
    Gov untouched_gov = Gov::open(GovernorLimits{}).value();
    const std::uint64_t untouched_digest = untouched.digest();
    CHECK(replay_governance(altered, gov.seal(), untouched_gov, untouched_target).error().code == ErrorCode::journal_corrupt);
    std::vector<GovernanceCommand> shorter = gov.journal().entries();
    shorter.pop_back();
    CHECK(replay_governance(shorter, gov.seal(), untouched_gov, untouched_target).error().code == ErrorCode::journal_truncated);
    CHECK(untouched.digest() == untouched_digest);
    std::vector<EngineCommand> engine_altered = engine.command_journal().entries();
    engine_altered.back().value += 1;
    Engine engine_untouched = Engine::create(EngineLimits{8, 2, 2}, {}, {}, Adl(8)).value();
    CHECK(replay_commands(engine_altered, engine.command_seal(), engine_untouched).error().code == ErrorCode::journal_corrupt);
}

TEST_CASE("treaty claims, premiums, a pool and yield movements: the ledger journal replays bit for bit",
          "[management][reinsurance][yield]") {
    using Wide = Amount<USDC, Int128>;
    using Journal = VectorJournal<USDC>;
    Ledger<USDC, Journal> ledger(LedgerLimits{0, 5, 0, 2});
    const FundId a = ledger.open_fund().value();
    const FundId b = ledger.open_fund().value();
    const FundId reinsurer = ledger.open_fund().value();
    const FundId pool_fund = ledger.open_fund().value();
    for (const FundId f : {a, b, reinsurer}) ledger.transfer(Place::external(), Place::fund(f), usdc("100000"), TransferReason::fund_deposit).value();

    YieldStrategies<USDC> yield = YieldStrategies<USDC>::open(ledger, a).value();
    StrategyConfig lending;
    lending.rate_per_year = Bps{500};
    lending.withdrawal_delay_ms = day;
    const StrategyId s = yield.open_strategy(ledger, lending).value();
    Reinsurance<USDC> book = Reinsurance<USDC>::open(2).value();
    TreatyTerms<USDC> xl;
    xl.kind = TreatyKind::excess_of_loss;
    xl.cedent = a;
    xl.reinsurer = reinsurer;
    xl.attachment = Wide(usdc("1000").atoms());
    xl.limit = Wide(usdc("20000").atoms());
    xl.reinstatements = 2;
    xl.premium_per_period = Wide(usdc("50").atoms());
    xl.period_ms = day;
    const TreatyId treaty = book.write(ledger, xl, 0).value();
    RiskPool<USDC> pool = RiskPool<USDC>::open(ledger, pool_fund, day, 2, 0).value();
    ContributionRule<USDC> one_percent;
    one_percent.kind = ContributionKind::share_of_balance;
    one_percent.share = Ppm{10'000};
    pool.add_member(ledger, a, one_percent).value();
    pool.add_member(ledger, b, one_percent).value();

    for (int d = 1; d <= 20; ++d) {
        const std::int64_t now = d * day;
        yield.rebalance(ledger, Wide(usdc("60000").atoms()), now).value();
        // A deficit on fund a every third day, claimed on the treaty and on the pool.
        if (d % 3 == 0) {
            const Amount<USDC> loss = usdc("7000");
            ledger.transfer(Place::fund(a), Place::external(), loss, TransferReason::bad_debt_payment).value();
            book.claim(ledger, treaty, Wide(loss.atoms()), now).value();
            const std::array<MemberLoss<USDC>, 1> losses{{{a, Wide(usdc("500").atoms())}}};
            (void)pool.settle(ledger, Span<const MemberLoss<USDC>>(losses.data(), losses.size()));
        }
        if (d % 7 == 0) yield.apply_loss(ledger, s, Ppm{20'000}, now).value();
        (void)book.charge_premiums(ledger, now);
        (void)pool.contribute(ledger, now);
        REQUIRE(ledger.audit().balanced());
    }
    REQUIRE(yield.placed(ledger).is_positive());
    REQUIRE(book.treaty(treaty)->claims_paid.is_positive());

    Ledger<USDC, Journal> fresh(LedgerLimits{0, 5, 0, 2});
    REQUIRE(replay(ledger.journal().entries(), ledger.seal(), fresh));
    CHECK(fresh.digest() == ledger.digest());
    CHECK(fresh.balance_of(Place::strategy(s)) == ledger.balance_of(Place::strategy(s)));

    // Corrupted (a claim's amount), truncated: refused, the fresh ledger untouched.
    std::vector<JournalEntry<USDC, std::int64_t>> altered = ledger.journal().entries();
    for (auto& entry : altered) {
        if (entry.kind == JournalEntryKind::transfer && entry.transfer.reason == TransferReason::reinsurance_claim) {
            entry.transfer.amount = Amount<USDC>(entry.transfer.amount.atoms() + 1);
            break;
        }
    }
    Ledger<USDC, Journal> untouched(LedgerLimits{0, 5, 0, 2});
    CHECK(replay(altered, ledger.seal(), untouched).error().code == ErrorCode::journal_corrupt);
    std::vector<JournalEntry<USDC, std::int64_t>> shorter = ledger.journal().entries();
    shorter.pop_back();
    CHECK(replay(shorter, ledger.seal(), untouched).error().code == ErrorCode::journal_truncated);
    CHECK(untouched.is_empty());
}

}  // namespace test_management_management_replay_test
