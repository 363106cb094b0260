// Governance: the Drift April 2026 pattern (an instant admin change) refused by the timelock, the
// rate limit that a sequence of small changes cannot get around, bounds, the emergency path that
// may only reduce risk, a tier-0 margin change the engine's derived state follows, the journal
// replayed bit for bit (and refused when corrupt, gapped or truncated), and a randomised run
// against an independent model.
#include "support/random.hpp"
#include "unit/engine/engine_world.hpp"

#include <backstop/management/governance.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <vector>

namespace test_management_governance_test {

using namespace backstop;
using namespace backstop::testing;

namespace {

using Adl = socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>;
using Fund = EngineFund<Adl>;
using Commands = BasicVectorJournal<EngineCommand>;
using Engine = MarginEngine<Fund, NullJournal, Commands>;
using GovernanceLog = BasicVectorJournal<GovernanceCommand>;
using Gov = Governor<GovernanceLog>;
using Target = EngineGovernanceTarget<Engine>;

constexpr std::int64_t hour = 3'600'000;
constexpr std::int64_t day = 24 * hour;
constexpr ErrorCode accepted = static_cast<ErrorCode>(0);  // no ErrorCode is 0

template <class T>
ErrorCode outcome(const Result<T>& result) {
    return result ? accepted : result.error().code;
}

ParameterRule rule(std::int64_t min, std::int64_t max, std::int64_t change_per_period, std::int64_t timelock_ms,
                   RiskDirection emergency, std::int64_t period_ms = day) {
    ParameterRule r;
    r.min = min;
    r.max = max;
    r.change_per_period_max = change_per_period;
    r.period_ms = period_ms;
    r.timelock_ms = timelock_ms;
    r.emergency = emergency;
    return r;
}

struct World {
    Engine engine;
    MarketId btc;
    explicit World(MarketConfig config = test_market())
        : engine(Engine::create(EngineLimits{16, 4, 2}, {}, {}, Adl(16)).value()),
          btc(engine.add_market<BTC>(config).value()) {}
};

// Everything a refused operation must leave as it was.
struct Snapshot {
    std::uint64_t engine = 0;
    std::uint64_t governor = 0;
    JournalSeal engine_seal{};
    JournalSeal governor_seal{};
    friend bool operator==(const Snapshot& a, const Snapshot& b) {
        return a.engine == b.engine && a.governor == b.governor && a.engine_seal == b.engine_seal &&
               a.governor_seal == b.governor_seal;
    }
    friend bool operator!=(const Snapshot& a, const Snapshot& b) { return !(a == b); }
};
template <class G>
Snapshot snapshot(const Engine& engine, const G& governor) {
    return Snapshot{engine.digest(), governor.digest(), engine.command_seal(), governor.seal()};
}

std::int64_t maintenance_of(const Engine& engine, MarketId m) {
    return engine.market_config(m).value().tiers[0].maintenance.count();
}

}  // namespace

TEST_CASE("governance: an instant admin change (Drift, 1 Apr 2026) is refused until its timelock has passed",
          "[management][governance][attack]") {
    World w;
    Target target(w.engine);
    Gov gov = Gov::open(GovernorLimits{}).value();
    const ParameterKey maintenance = market_key(w.btc, MarketParameter::maintenance_margin);
    const ParameterKey to_fund = market_key(w.btc, MarketParameter::fee_to_fund);
    w.engine.set_market_parameter(w.btc, MarketParameter::fee_to_fund, 500'000).value();  // half the fees to the fund
    // Maintenance within [1%, 20%], at most 2 points of change a day; the fund's share of fees
    // within [0, 100%], at most 50 points a day; both with 48 hours' notice.
    REQUIRE(gov.govern(maintenance, rule(10'000, 200'000, 20'000, 48 * hour, RiskDirection::raise_reduces_risk), target));
    REQUIRE(gov.govern(to_fund, rule(0, 1'000'000, 500'000, 48 * hour, RiskDirection::raise_reduces_risk), target));

    // A captured key proposes maintenance 3% -> 1% and no fees to the fund, then executes at once.
    const std::int64_t t = 1'000'000;
    const ProposalId cut = gov.propose(maintenance, 10'000, t, target).value();
    const ProposalId drain = gov.propose(to_fund, 0, t, target).value();
    CHECK(gov.proposal(cut).value().eta_ms == 173'800'000);  // 1,000,000 + 48 x 3,600,000
    CHECK(gov.proposal(cut).value().seen == 30'000);
    const Snapshot before = snapshot(w.engine, gov);
    for (const ProposalId id : {cut, drain}) {
        CHECK(outcome(gov.execute(id, t, target)) == ErrorCode::timelock_not_over);
        CHECK(outcome(gov.execute(id, 173'800'000 - 1, target)) == ErrorCode::timelock_not_over);
    }
    // Nor through the emergency path: both cuts raise risk.
    CHECK(outcome(gov.emergency(maintenance, 10'000, t, target)) == ErrorCode::not_risk_reducing);
    CHECK(outcome(gov.emergency(to_fund, 0, t, target)) == ErrorCode::not_risk_reducing);
    CHECK(snapshot(w.engine, gov) == before);
    CHECK(maintenance_of(w.engine, w.btc) == 30'000);
    CHECK(w.engine.market_config(w.btc).value().fee_to_fund == Ppm{500'000});

    // 48 hours in which anyone could see it and the holders could cancel; one is cancelled.
    REQUIRE(gov.cancel(drain));
    CHECK(outcome(gov.execute(drain, 173'800'000, target)) == ErrorCode::unknown_proposal);
    CHECK(outcome(gov.cancel(drain)) == ErrorCode::unknown_proposal);
    // The other goes through at its eta, the change 30,000 -> 10,000 using 20,000 of the day's 20,000.
    REQUIRE(gov.execute(cut, 173'800'000, target));
    CHECK(maintenance_of(w.engine, w.btc) == 10'000);
    CHECK(gov.change_in_period(maintenance, 173'800'000).value() == 20'000);
    CHECK(gov.queue().size() == 0);
    // The engine journaled the change itself: market 0, value 10,000, parameter 7.
    const EngineCommand& last = w.engine.command_journal()[w.engine.command_journal().size() - 1];
    CHECK(last.kind == EngineCommandKind::set_market_parameter);
    CHECK(last.value == 10'000);
    CHECK(last.value2 == 7);
    CHECK(snapshot(w.engine, gov) != before);
}

TEST_CASE("governance: small changes cannot add up past the rate limit within a period", "[management][governance][attack]") {
    World w;
    Target target(w.engine);
    Gov gov = Gov::open(GovernorLimits{}).value();
    const ParameterKey taker = market_key(w.btc, MarketParameter::taker_fee);
    // The taker fee within [0, 1%], at most 1,000 ppm (0.1%) of change a day, an hour's notice.
    REQUIRE(gov.govern(taker, rule(0, 10'000, 1'000, hour, RiskDirection::none), target));
    auto fee = [&] { return w.engine.market_config(w.btc).value().taker_fee.count(); };
    auto run = [&](std::int64_t value, std::int64_t at) {  // proposes at `at`, executes an hour later
        const ProposalId id = gov.propose(taker, value, at, target).value();
        return gov.execute(id, at + hour, target);
    };
    const std::int64_t t = 10 * hour;
    REQUIRE(run(400, t));               // 0 -> 400 at t + 1h: 400 used
    REQUIRE(run(800, t + hour));        // 400 -> 800 at t + 2h: 800 used
    REQUIRE(run(1'000, t + 2 * hour));  // 800 -> 1,000 at t + 3h: 1,000 used, exactly the limit
    CHECK(fee() == 1'000);
    CHECK(gov.change_in_period(taker, t + 3 * hour).value() == 1'000);

    // One more ppm, up or down, within the day: 1,000 + 1 > 1,000.
    const ProposalId up = gov.propose(taker, 1'001, t + 3 * hour, target).value();
    const ProposalId down = gov.propose(taker, 999, t + 3 * hour, target).value();
    Snapshot before = snapshot(w.engine, gov);
    CHECK(outcome(gov.execute(up, t + 4 * hour, target)) == ErrorCode::rate_limit_exceeded);
    CHECK(outcome(gov.execute(down, t + 4 * hour, target)) == ErrorCode::rate_limit_exceeded);
    // The first change (at t + 1h) is still in (now - 1 day, now] one ms before it leaves.
    CHECK(outcome(gov.execute(up, t + hour + day - 1, target)) == ErrorCode::rate_limit_exceeded);
    CHECK(snapshot(w.engine, gov) == before);
    CHECK(fee() == 1'000);
    // At t + 1h + 1 day it has left the window: 400 + 200 + 1 = 601 <= 1,000.
    CHECK(gov.change_in_period(taker, t + hour + day).value() == 600);
    REQUIRE(gov.execute(up, t + hour + day, target));
    CHECK(fee() == 1'001);
    // The other proposal saw 1,000; the fee is now 1,001: it cannot be executed on top of it.
    CHECK(outcome(gov.execute(down, t + hour + day, target)) == ErrorCode::proposal_stale);
    CHECK(fee() == 1'001);
}

TEST_CASE("governance: bounds are refused at proposal; the emergency path raises margins and halts at once but "
          "cannot lower or resume",
          "[management][governance]") {
    World w;
    Target target(w.engine);
    Gov gov = Gov::open(GovernorLimits{}).value();
    const ParameterKey initial = market_key(w.btc, MarketParameter::initial_margin);
    const ParameterKey maintenance = market_key(w.btc, MarketParameter::maintenance_margin);
    const ParameterKey status = market_key(w.btc, MarketParameter::status);
    const ParameterKey taker = market_key(w.btc, MarketParameter::taker_fee);
    const ParameterRule margins = rule(10'000, 200'000, 20'000, 48 * hour, RiskDirection::raise_reduces_risk);
    const Snapshot empty = snapshot(w.engine, gov);
    // Bad rules and duplicates change nothing.
    CHECK(outcome(gov.govern(initial, rule(5, 4, 1, 0, RiskDirection::none), target)) == ErrorCode::invalid_policy_parameter);
    CHECK(outcome(gov.govern(initial, rule(0, 1, 1, -1, RiskDirection::none), target)) == ErrorCode::invalid_policy_parameter);
    CHECK(outcome(gov.govern(initial, rule(0, 1, 1, 0, RiskDirection::none, 0), target)) == ErrorCode::invalid_policy_parameter);
    CHECK(outcome(gov.govern(initial, rule(0, 1, 0, 0, RiskDirection::none), target)) == ErrorCode::invalid_policy_parameter);
    // Initial margin is 5% now: a rule of [6%, 20%] would leave it outside its own bounds.
    CHECK(outcome(gov.govern(initial, rule(60'000, 200'000, 1, 0, RiskDirection::none), target)) ==
          ErrorCode::parameter_out_of_bounds);
    CHECK(outcome(gov.govern(market_key(MarketId{3}, MarketParameter::status), margins, target)) == ErrorCode::unknown_market);
    CHECK(outcome(gov.govern(ParameterKey{GovernedTarget::market, 0, 8}, margins, target)) == ErrorCode::unknown_parameter);
    CHECK(snapshot(w.engine, gov) == empty);
    REQUIRE(gov.govern(initial, margins, target));
    REQUIRE(gov.govern(maintenance, margins, target));
    REQUIRE(gov.govern(status, rule(0, 2, 2, 6 * hour, RiskDirection::raise_reduces_risk), target));
    REQUIRE(gov.govern(taker, rule(0, 10'000, 1'000, hour, RiskDirection::none), target));
    CHECK(outcome(gov.govern(initial, margins, target)) == ErrorCode::invalid_argument);  // already governed

    const std::int64_t t = 1'000'000;
    // A queued cut, to be overtaken by the emergency below.
    const ProposalId cut = gov.propose(maintenance, 20'000, t, target).value();
    Snapshot before = snapshot(w.engine, gov);
    CHECK(outcome(gov.propose(maintenance, 9'999, t, target)) == ErrorCode::parameter_out_of_bounds);
    CHECK(outcome(gov.propose(maintenance, 200'001, t, target)) == ErrorCode::parameter_out_of_bounds);
    CHECK(outcome(gov.propose(market_key(w.btc, MarketParameter::maker_fee), 1, t, target)) == ErrorCode::unknown_parameter);
    CHECK(outcome(gov.propose(maintenance, 20'000, t - 1, target)) == ErrorCode::time_backwards);
    CHECK(outcome(gov.execute(ProposalId{99}, t, target)) == ErrorCode::unknown_proposal);
    CHECK(outcome(gov.emergency(maintenance, 250'000, t, target)) == ErrorCode::parameter_out_of_bounds);
    CHECK(outcome(gov.emergency(taker, 10'000, t, target)) == ErrorCode::not_risk_reducing);  // no emergency path
    CHECK(outcome(gov.emergency(maintenance, 30'000, t, target)) == ErrorCode::not_risk_reducing);  // no move
    // Maintenance 7% above initial 5%: within the rule, refused by the engine's own validation.
    CHECK(outcome(gov.emergency(maintenance, 70'000, t, target)) == ErrorCode::invalid_market_config);
    CHECK(snapshot(w.engine, gov) == before);

    // Alice holds 0.3 BTC at 50,000 on 1,000 USDC: notional 15,000, maintenance 3% = 450.
    const AccountId maker = w.engine.open_account().value();
    const AccountId alice = w.engine.open_account().value();
    w.engine.deposit(maker, usdc("1000000")).value();
    w.engine.deposit(alice, usdc("1000")).value();
    w.engine.set_mark(w.btc, price("50000"), Timestamp{1'000}).value();
    w.engine.trade(w.btc, alice, maker, btc("0.3"), price("50000")).value();
    std::vector<AccountId> found(4);
    CHECK(!w.engine.is_liquidatable(alice));
    CHECK(w.engine.liquidatable_accounts(Span<AccountId>(found)).size() == 0);

    // The emergency raises initial to 10% and maintenance to 7% at once: 15,000 x 7% = 1,050 > 1,000.
    REQUIRE(gov.emergency(initial, 100'000, t, target));
    REQUIRE(gov.emergency(maintenance, 70'000, t, target));
    CHECK(maintenance_of(w.engine, w.btc) == 70'000);
    CHECK(w.engine.summary(alice).value().maintenance_requirement == usdc("1050"));
    CHECK(w.engine.is_liquidatable(alice));
    // The scan's fast pass reads the maintenance fraction the engine derives: recomputed too.
    const Span<AccountId> liquidatable = w.engine.liquidatable_accounts(Span<AccountId>(found));
    REQUIRE(liquidatable.size() == 1);
    CHECK(liquidatable[0] == alice);
    // Lowering is not an emergency; emergencies do not use the rate limit.
    CHECK(outcome(gov.emergency(maintenance, 60'000, t, target)) == ErrorCode::not_risk_reducing);
    CHECK(gov.change_in_period(maintenance, t).value() == 0);

    // Halting is risk-reducing (active 0 -> halted 2); resuming, even to reduce-only, is not.
    REQUIRE(gov.emergency(status, static_cast<std::int64_t>(MarketStatus::halted), t, target));
    CHECK(w.engine.market_config(w.btc).value().status == MarketStatus::halted);
    before = snapshot(w.engine, gov);
    CHECK(outcome(gov.emergency(status, 0, t, target)) == ErrorCode::not_risk_reducing);
    CHECK(outcome(gov.emergency(status, 1, t, target)) == ErrorCode::not_risk_reducing);
    CHECK(outcome(gov.emergency(status, 3, t, target)) == ErrorCode::parameter_out_of_bounds);
    // The queued cut saw maintenance at 3%; it is 7% now: stale, even after its timelock.
    CHECK(outcome(gov.execute(cut, t + 48 * hour, target)) == ErrorCode::proposal_stale);
    CHECK(snapshot(w.engine, gov) == before);
    CHECK(maintenance_of(w.engine, w.btc) == 70'000);

    // Resuming goes through the queue: 6 hours' notice, |0 - 2| = 2 within the day's 2.
    const ProposalId resume = gov.propose(status, 0, t + 48 * hour, target).value();
    CHECK(outcome(gov.execute(resume, t + 54 * hour - 1, target)) == ErrorCode::timelock_not_over);
    REQUIRE(gov.execute(resume, t + 54 * hour, target));
    CHECK(w.engine.market_config(w.btc).value().status == MarketStatus::active);
}

TEST_CASE("governance: a tier-0 margin change recomputes the engine's cumulative tier offsets",
          "[management][governance][engine]") {
    // Tier 0 up to 10,000 USDC of notional at 5% / 3%, tier 1 above at 10% / 5%.
    MarketConfig two_tiers = test_market();
    two_tiers.tiers[0] = MarginTier{10'000'000'000, Ppm{50'000}, Ppm{30'000}};
    two_tiers.tiers[1] = MarginTier{std::numeric_limits<std::int64_t>::max(), Ppm{100'000}, Ppm{50'000}};
    two_tiers.tier_count = 2;
    auto open_position = [](World& world) {
        const AccountId maker = world.engine.open_account().value();
        const AccountId alice = world.engine.open_account().value();
        world.engine.deposit(maker, usdc("1000000")).value();
        world.engine.deposit(alice, usdc("3000")).value();
        world.engine.set_mark(world.btc, price("50000"), Timestamp{1'000}).value();
        world.engine.trade(world.btc, alice, maker, btc("0.4"), price("50000")).value();
        return alice;
    };
    World w(two_tiers);
    const AccountId alice = open_position(w);
    // 0.4 BTC at 50,000 = 20,000 in tier 1: initial 20,000 x 10% - 10,000 x (10% - 5%) = 1,500,
    // maintenance 20,000 x 5% - 10,000 x (5% - 3%) = 800.
    CHECK(w.engine.summary(alice).value().initial_requirement == usdc("1500"));
    CHECK(w.engine.summary(alice).value().maintenance_requirement == usdc("800"));

    Target target(w.engine);
    Gov gov = Gov::open(GovernorLimits{}).value();
    const ParameterKey initial = market_key(w.btc, MarketParameter::initial_margin);
    const ParameterKey maintenance = market_key(w.btc, MarketParameter::maintenance_margin);
    REQUIRE(gov.govern(initial, rule(10'000, 200'000, 20'000, hour, RiskDirection::raise_reduces_risk), target));
    REQUIRE(gov.govern(maintenance, rule(10'000, 200'000, 20'000, hour, RiskDirection::raise_reduces_risk), target));
    // Tier 0's initial above tier 1's would make the requirement fall with size: the engine refuses.
    const Snapshot before = snapshot(w.engine, gov);
    CHECK(outcome(gov.emergency(initial, 100'001, 0, target)) == ErrorCode::invalid_market_config);
    CHECK(snapshot(w.engine, gov) == before);
    REQUIRE(gov.emergency(initial, 60'000, 0, target));
    REQUIRE(gov.emergency(maintenance, 40'000, 0, target));
    // Now 20,000 x 10% - 10,000 x (10% - 6%) = 1,600 and 20,000 x 5% - 10,000 x (5% - 4%) = 900
    // (stale offsets would still give 1,500 and 800).
    CHECK(w.engine.summary(alice).value().initial_requirement == usdc("1600"));
    CHECK(w.engine.summary(alice).value().maintenance_requirement == usdc("900"));
    // The same as a market opened with those fractions.
    MarketConfig changed = two_tiers;
    changed.tiers[0] = MarginTier{10'000'000'000, Ppm{60'000}, Ppm{40'000}};
    World direct(changed);
    const AccountId twin = open_position(direct);
    CHECK(direct.engine.summary(twin).value().initial_requirement == w.engine.summary(alice).value().initial_requirement);
    CHECK(direct.engine.summary(twin).value().maintenance_requirement ==
          w.engine.summary(alice).value().maintenance_requirement);
}

namespace {

// A scripted run: rules, proposals, a cancel, executions, emergencies, and refusals (not journaled).
template <class G>
void scripted_run(World& w, G& gov) {
    Target target(w.engine);
    const ParameterKey maintenance = market_key(w.btc, MarketParameter::maintenance_margin);
    const ParameterKey initial = market_key(w.btc, MarketParameter::initial_margin);
    const ParameterKey status = market_key(w.btc, MarketParameter::status);
    const ParameterKey taker = market_key(w.btc, MarketParameter::taker_fee);
    gov.govern(initial, rule(10'000, 200'000, 20'000, hour, RiskDirection::raise_reduces_risk), target).value();
    gov.govern(maintenance, rule(10'000, 200'000, 20'000, hour, RiskDirection::raise_reduces_risk), target).value();
    gov.govern(status, rule(0, 2, 2, hour, RiskDirection::raise_reduces_risk), target).value();
    gov.govern(taker, rule(0, 10'000, 1'000, 2 * hour, RiskDirection::none), target).value();
    const ProposalId a = gov.propose(taker, 500, 0, target).value();
    const ProposalId b = gov.propose(initial, 60'000, 0, target).value();
    const ProposalId c = gov.propose(maintenance, 20'000, 10, target).value();
    CHECK(!gov.execute(a, hour, target));  // timelock
    gov.execute(b, hour, target).value();
    gov.cancel(c).value();
    gov.emergency(maintenance, 40'000, hour + 5, target).value();
    CHECK(!gov.emergency(maintenance, 35'000, hour + 5, target));
    gov.execute(a, 2 * hour, target).value();
    gov.emergency(status, 1, 2 * hour, target).value();
    const ProposalId d = gov.propose(status, 0, 3 * hour, target).value();
    (void)gov.propose(taker, 900, 3 * hour, target).value();  // left queued
    gov.execute(d, 4 * hour, target).value();
}

}  // namespace

TEST_CASE("governance: the journal replays bit for bit; a corrupted, gapped or truncated one is refused",
          "[management][governance]") {
    World w;
    Gov gov = Gov::open(GovernorLimits{}).value();
    scripted_run(w, gov);
    const std::vector<GovernanceCommand>& entries = gov.journal().entries();
    REQUIRE(entries.size() == 15);  // 4 rules, 5 proposals, 3 executions, 1 cancel, 2 emergencies
    CHECK(gov.seal().entry_count == 15);
    CHECK(gov.queue().size() == 1);

    // A fresh engine with the same set-up and a fresh governor: the same digests and the same
    // engine journal, bit for bit.
    World fresh;
    const std::uint64_t set_up = fresh.engine.digest();
    Target fresh_target(fresh.engine);
    Gov replayed = Gov::open(GovernorLimits{}).value();
    REQUIRE(replay_governance(entries, gov.seal(), replayed, fresh_target));
    CHECK(replayed.digest() == gov.digest());
    CHECK(fresh.engine.digest() == w.engine.digest());
    CHECK(fresh.engine.command_seal() == w.engine.command_seal());
    CHECK(replayed.seal() == gov.seal());
    // Not onto a governor that already has state.
    CHECK(outcome(replay_governance(entries, gov.seal(), replayed, fresh_target)) == ErrorCode::ledger_not_empty);

    auto refused = [&](const std::vector<GovernanceCommand>& altered, const JournalSeal& seal) {
        World again;
        Target again_target(again.engine);
        Gov target_governor = Gov::open(GovernorLimits{}).value();
        const Result<void> result = replay_governance(altered, seal, target_governor, again_target);
        CHECK(target_governor.is_fresh());           // nothing applied
        CHECK(again.engine.digest() == set_up);
        return outcome(result);
    };
    std::vector<GovernanceCommand> corrupt = entries;
    corrupt[6].value += 1;  // one field of one command
    CHECK(refused(corrupt, gov.seal()) == ErrorCode::journal_corrupt);
    corrupt = entries;
    corrupt[3].rule.max = 1'000'000;  // a wider rule
    CHECK(refused(corrupt, gov.seal()) == ErrorCode::journal_corrupt);
    std::vector<GovernanceCommand> gap = entries;
    gap.erase(gap.begin() + 5);
    CHECK(refused(gap, gov.seal()) == ErrorCode::journal_gap);
    std::vector<GovernanceCommand> truncated(entries.begin(), entries.end() - 1);
    CHECK(refused(truncated, gov.seal()) == ErrorCode::journal_truncated);

    // Rechained over an altered command (a forger who recomputes the chain but not what the
    // governor gives): stopped by the command the fresh governor refuses or gives differently.
    std::vector<GovernanceCommand> forged = entries;
    forged[4].proposal = 7;  // the first proposal claims id 7; the governor gives 0
    JournalSeal forged_seal;
    for (GovernanceCommand& command : forged) {
        command.chain = governance_command_chain(forged_seal.chain, command);
        forged_seal.chain = command.chain;
        forged_seal.entry_count += 1;
    }
    World again;
    Target again_target(again.engine);
    Gov forged_governor = Gov::open(GovernorLimits{}).value();
    CHECK(outcome(replay_governance(forged, forged_seal, forged_governor, again_target)) == ErrorCode::journal_corrupt);

    // A ring that dropped its oldest commands cannot be replayed alone.
    World ringed;
    Governor<BasicRingJournal<GovernanceCommand>> ring_governor =
        Governor<BasicRingJournal<GovernanceCommand>>::open(GovernorLimits{}, BasicRingJournal<GovernanceCommand>(8)).value();
    scripted_run(ringed, ring_governor);
    CHECK(ring_governor.journal().dropped() == 7);  // 15 - 8
    CHECK(ring_governor.digest() == gov.digest());
    CHECK(verify_governance_journal(ring_governor.journal(), ring_governor.seal()).error().code == ErrorCode::journal_gap);
    // Without a journal the governor keeps the same state.
    World plain;
    Governor<> quiet = Governor<>::open(GovernorLimits{}).value();
    scripted_run(plain, quiet);
    CHECK(quiet.digest() == gov.digest());
    CHECK(quiet.seal().entry_count == 0);
}

// ---- randomised, against an independent model ---------------------------------------------------

namespace {

// A user-written target: the engine's markets and the dynamic penalties, by the key's target.
struct ExchangeTarget {
    EngineGovernanceTarget<Engine> markets;
    DynamicPenaltyGovernanceTarget penalties;
    bool component(ParameterKey key) const { return key.target == GovernedTarget::component; }
    Result<std::int64_t> read(ParameterKey key) const { return component(key) ? penalties.read(key) : markets.read(key); }
    Result<void> check(ParameterKey key, std::int64_t value) const {
        return component(key) ? penalties.check(key, value) : markets.check(key, value);
    }
    void apply(ParameterKey key, std::int64_t value) {
        if (component(key)) {
            penalties.apply(key, value);
        } else {
            markets.apply(key, value);
        }
    }
};

// What every governed parameter must be, kept as plainly as possible: values, the full list of
// executed changes (no ring), the queue as a list. Parameters 0-4 are market 0's status, taker
// fee, initial and maintenance margins and draw cap, 5-9 market 1's, 10-12 the penalty's floor,
// base and ceiling.
struct Model {
    struct Param {
        ParameterKey key;
        ParameterRule rule;
        std::int64_t value;
        std::vector<std::pair<std::int64_t, std::int64_t>> changes;  // (time, |change|)
    };
    struct Queued {
        std::uint64_t id;
        std::size_t param;
        std::int64_t value;
        std::int64_t seen;
        std::int64_t eta;
    };
    std::vector<Param> params;
    std::vector<Queued> queue;
    std::uint64_t next_id = 0;
    std::int64_t last_ms = std::numeric_limits<std::int64_t>::min();
    std::size_t proposals_max = 0;
    std::size_t history_max = 0;

    // Would the target accept param i at v with every other value as it is?
    bool target_accepts(std::size_t i, std::int64_t v) const {
        std::vector<std::int64_t> values;
        for (const Param& p : params) values.push_back(p.value);
        values[i] = v;
        for (std::size_t m = 0; m < 2; ++m) {
            if (values[5 * m + 3] > values[5 * m + 2]) return false;  // maintenance <= initial
        }
        return values[10] <= values[11] && values[11] <= values[12];  // floor <= base <= ceiling
    }
    ErrorCode target_error(std::size_t i) const { return i >= 10 ? ErrorCode::invalid_policy_parameter : ErrorCode::invalid_market_config; }
    std::int64_t used(std::size_t i, std::int64_t now) const {
        std::int64_t sum = 0;
        for (const auto& c : params[i].changes) {
            if (c.first > now - params[i].rule.period_ms) sum += c.second;
        }
        return sum;
    }
    std::size_t count_in_window(std::size_t i, std::int64_t now) const {
        std::size_t n = 0;
        for (const auto& c : params[i].changes) n += c.first > now - params[i].rule.period_ms ? 1u : 0u;
        return n;
    }
    bool in_bounds(std::size_t i, std::int64_t v) const { return v >= params[i].rule.min && v <= params[i].rule.max; }
    std::ptrdiff_t find(std::uint64_t id) const {
        for (std::size_t q = 0; q < queue.size(); ++q) {
            if (queue[q].id == id) return static_cast<std::ptrdiff_t>(q);
        }
        return -1;
    }

    ErrorCode propose(std::size_t i, std::int64_t v, std::int64_t now) {
        if (now < last_ms) return ErrorCode::time_backwards;
        if (!in_bounds(i, v)) return ErrorCode::parameter_out_of_bounds;
        if (queue.size() >= proposals_max) return ErrorCode::capacity_exceeded;
        queue.push_back(Queued{next_id++, i, v, params[i].value, now + params[i].rule.timelock_ms});
        last_ms = now;
        return accepted;
    }
    ErrorCode cancel(std::uint64_t id) {
        const std::ptrdiff_t q = find(id);
        if (q < 0) return ErrorCode::unknown_proposal;
        queue.erase(queue.begin() + q);
        return accepted;
    }
    ErrorCode execute(std::uint64_t id, std::int64_t now) {
        const std::ptrdiff_t q = find(id);
        if (q < 0) return ErrorCode::unknown_proposal;
        if (now < last_ms) return ErrorCode::time_backwards;
        const Queued p = queue[static_cast<std::size_t>(q)];
        if (now < p.eta) return ErrorCode::timelock_not_over;
        Param& param = params[p.param];
        if (param.value != p.seen) return ErrorCode::proposal_stale;
        const std::int64_t size = p.value > param.value ? p.value - param.value : param.value - p.value;
        if (used(p.param, now) + size > param.rule.change_per_period_max) return ErrorCode::rate_limit_exceeded;
        if (count_in_window(p.param, now) >= history_max) return ErrorCode::capacity_exceeded;
        if (!target_accepts(p.param, p.value)) return target_error(p.param);
        param.changes.emplace_back(now, size);
        param.value = p.value;
        queue.erase(queue.begin() + q);
        last_ms = now;
        return accepted;
    }
    ErrorCode emergency(std::size_t i, std::int64_t v, std::int64_t now) {
        if (now < last_ms) return ErrorCode::time_backwards;
        if (!in_bounds(i, v)) return ErrorCode::parameter_out_of_bounds;
        const RiskDirection d = params[i].rule.emergency;
        const bool safer = (d == RiskDirection::raise_reduces_risk && v > params[i].value) ||
                           (d == RiskDirection::lower_reduces_risk && v < params[i].value);
        if (!safer) return ErrorCode::not_risk_reducing;
        if (!target_accepts(i, v)) return target_error(i);
        params[i].value = v;
        last_ms = now;
        return accepted;
    }
};

}  // namespace

TEST_CASE("governance: a randomised run of proposals, cancels, executions and emergencies follows an "
          "independent model; every refusal changes nothing",
          "[management][governance]") {
    std::map<int, int> outcomes;  // by kind x 1000 + error code, for coverage over the seeds
    for (const std::uint64_t seed : {20261125ull, 7ull, 0x676f76ull}) {
        CAPTURE(seed);
        TestRandom random(seed);
        constexpr std::int64_t draw_start = 500'000'000'000;
        // The same set-up for the run and for its replay: two markets, a position, a penalty.
        auto set_up = [](World& w) {
            const MarketId second = w.engine.add_market<BTC>(test_market()).value();
            for (const MarketId m : {w.btc, second}) {
                w.engine.set_market_parameter(m, MarketParameter::shared_fund_draw_max, draw_start).value();
            }
            const AccountId maker = w.engine.open_account().value();
            const AccountId alice = w.engine.open_account().value();
            w.engine.deposit(maker, usdc("1000000")).value();
            w.engine.deposit(alice, usdc("1000")).value();
            w.engine.set_mark(w.btc, price("50000"), Timestamp{1'000}).value();
            w.engine.trade(w.btc, alice, maker, btc("0.3"), price("50000")).value();
        };
        World w;
        set_up(w);
        std::vector<DynamicPenalty> penalties{DynamicPenalty::open(DynamicPenaltyConfig{}).value()};
        ExchangeTarget target{EngineGovernanceTarget<Engine>(w.engine), DynamicPenaltyGovernanceTarget(Span<DynamicPenalty>(penalties))};
        GovernorLimits limits;
        limits.parameters_max = 16;
        limits.proposals_max = 24;
        limits.history_per_parameter = 3;  // small, so that a period's history fills up
        Gov gov = Gov::open(limits).value();

        Model model;
        model.proposals_max = limits.proposals_max;
        model.history_max = limits.history_per_parameter;
        using R = RiskDirection;
        for (std::uint32_t m = 0; m < 2; ++m) {
            const MarketId id{m};
            model.params.push_back({market_key(id, MarketParameter::status), rule(0, 2, 2, hour, R::raise_reduces_risk), 0, {}});
            // Market 0's taker fee has no timelock (only the rate limit): its history fills up.
            model.params.push_back({market_key(id, MarketParameter::taker_fee),
                                    rule(0, 10'000, 3'000, m == 0 ? 0 : 2 * hour, R::none, 12 * hour), 0, {}});
            model.params.push_back({market_key(id, MarketParameter::initial_margin),
                                    rule(20'000, 200'000, 40'000, 6 * hour, R::raise_reduces_risk), 50'000, {}});
            model.params.push_back({market_key(id, MarketParameter::maintenance_margin),
                                    rule(10'000, 150'000, 30'000, 6 * hour, R::raise_reduces_risk), 30'000, {}});
            model.params.push_back({market_key(id, MarketParameter::shared_fund_draw_max),
                                    rule(0, 1'000'000'000'000, 300'000'000'000, 12 * hour, R::lower_reduces_risk), draw_start, {}});
        }
        const std::uint32_t fields[] = {0, 1, 2};  // floor, base, ceiling: 0.5%, 1.5%, 5%
        const std::int64_t field_values[] = {5'000, 15'000, 50'000};
        for (std::size_t f = 0; f < 3; ++f) {
            model.params.push_back({ParameterKey{GovernedTarget::component, 0, fields[f]},
                                    rule(0, 30'000 * static_cast<std::int64_t>(f + 1), 30'000, 3 * hour, R::raise_reduces_risk),
                                    field_values[f], {}});
        }
        for (const Model::Param& p : model.params) REQUIRE(gov.govern(p.key, p.rule, target));

        std::int64_t now = 0;
        for (int step = 0; step < 3'000; ++step) {
            const std::uint64_t r = random.below(100);
            if (r < 50) now += 0;  // several operations at one time
            else if (r < 95) now += static_cast<std::int64_t>(random.below(static_cast<std::uint64_t>(hour / 3)));
            else now += static_cast<std::int64_t>(random.below(static_cast<std::uint64_t>(day)));
            const std::int64_t at = random.chance(40) ? now - 1 - static_cast<std::int64_t>(random.below(static_cast<std::uint64_t>(hour))) : now;
            const std::size_t i = random.chance(4) ? 1 : static_cast<std::size_t>(random.below(model.params.size()));
            const Model::Param& p = model.params[i];
            auto near = [&](std::int64_t value) {  // near the value, often within a period's limit, sometimes outside bounds
                const std::int64_t span = p.rule.max - p.rule.min;
                switch (random.below(7)) {
                    case 3: return value;  // no change: uses no budget, but a place in the history
                    case 0: return p.rule.min - 1 + static_cast<std::int64_t>(random.below(3));
                    case 1: return p.rule.max - 1 + static_cast<std::int64_t>(random.below(3));
                    case 2: return p.rule.min + static_cast<std::int64_t>(random.below(static_cast<std::uint64_t>(span) + 1));
                    default: {
                        const std::int64_t reach = p.rule.change_per_period_max / 2 + 1;
                        return value - reach + static_cast<std::int64_t>(random.below(static_cast<std::uint64_t>(2 * reach + 1)));
                    }
                }
            };
            auto some_id = [&]() -> std::uint64_t {
                if (!model.queue.empty() && !random.chance(8)) return model.queue[random.below(model.queue.size())].id;
                return random.below(model.next_id + 3);
            };
            const Snapshot before = snapshot(w.engine, gov);
            const DynamicPenaltyConfig penalty_before = penalties[0].config();
            const std::uint64_t kind = random.below(100);
            ErrorCode expected = accepted;
            ErrorCode got = accepted;
            int op = 0;
            if (kind < 35) {
                op = 1;
                const std::int64_t value = near(p.value);
                expected = model.propose(i, value, at);
                const Result<ProposalId> id = gov.propose(p.key, value, at, target);
                got = outcome(id);
                if (id) REQUIRE(id->value == model.next_id - 1);
            } else if (kind < 50) {
                op = 2;
                const std::uint64_t id = some_id();
                expected = model.cancel(id);
                got = outcome(gov.cancel(ProposalId{id}));
            } else if (kind < 85) {
                op = 3;
                const std::uint64_t id = some_id();
                expected = model.execute(id, at);
                got = outcome(gov.execute(ProposalId{id}, at, target));
            } else {
                op = 4;
                const std::int64_t value = near(p.value);
                expected = model.emergency(i, value, at);
                got = outcome(gov.emergency(p.key, value, at, target));
            }
            INFO("step " << step << " op " << op << " param " << i);
            REQUIRE(got == expected);
            outcomes[op * 1000 + static_cast<int>(got)] += 1;
            if (got != accepted) {
                REQUIRE(snapshot(w.engine, gov) == before);
                REQUIRE(penalties[0].config().base == penalty_before.base);
                REQUIRE(penalties[0].config().floor == penalty_before.floor);
                REQUIRE(penalties[0].config().ceiling == penalty_before.ceiling);
            }
            // Every governed parameter is what the model says, and so are the queue and the budgets.
            for (const Model::Param& q : model.params) REQUIRE(target.read(q.key).value() == q.value);
            REQUIRE(gov.queue().size() == model.queue.size());
            if (model.last_ms != std::numeric_limits<std::int64_t>::min()) {
                for (std::size_t k = 0; k < model.params.size(); ++k) {
                    REQUIRE(gov.change_in_period(model.params[k].key, model.last_ms).value() == model.used(k, model.last_ms));
                }
            }
            REQUIRE(w.engine.ledger().audit().balanced());
        }
        // The whole run replays onto the same set-up, bit for bit.
        World fresh;
        set_up(fresh);
        std::vector<DynamicPenalty> fresh_penalties{DynamicPenalty::open(DynamicPenaltyConfig{}).value()};
        ExchangeTarget fresh_target{EngineGovernanceTarget<Engine>(fresh.engine),
                                    DynamicPenaltyGovernanceTarget(Span<DynamicPenalty>(fresh_penalties))};
        Gov replayed = Gov::open(limits).value();
        REQUIRE(replay_governance(gov.journal(), gov.seal(), replayed, fresh_target));
        CHECK(replayed.digest() == gov.digest());
        CHECK(fresh.engine.digest() == w.engine.digest());
        CHECK(fresh.engine.command_seal() == w.engine.command_seal());
        CHECK(fresh_penalties[0].config().base == penalties[0].config().base);
    }
    // Every path was taken: each operation accepted, and each refusal seen.
    for (int op = 1; op <= 4; ++op) CHECK(outcomes[op * 1000] > 0);
    for (const ErrorCode code : {ErrorCode::timelock_not_over, ErrorCode::proposal_stale, ErrorCode::rate_limit_exceeded,
                                 ErrorCode::capacity_exceeded, ErrorCode::invalid_market_config,
                                 ErrorCode::invalid_policy_parameter}) {
        INFO("execute refused with " << error_code_name(code));
        CHECK(outcomes[3000 + static_cast<int>(code)] > 0);
    }
    CHECK(outcomes[1000 + static_cast<int>(ErrorCode::parameter_out_of_bounds)] > 0);
    CHECK(outcomes[1000 + static_cast<int>(ErrorCode::capacity_exceeded)] > 0);
    CHECK(outcomes[4000 + static_cast<int>(ErrorCode::not_risk_reducing)] > 0);
    CHECK(outcomes[2000 + static_cast<int>(ErrorCode::unknown_proposal)] > 0);
    CHECK(outcomes[1000 + static_cast<int>(ErrorCode::time_backwards)] > 0);
}

}  // namespace test_management_governance_test
