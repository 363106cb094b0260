// Randomised engine runs (method in engine_scenario.hpp): 10 seeds x 100,000 steps, every
// invariant checked after every step. Seeds cycle through ranked ADL, haircut, funding
// socialization and dYdX's random-start ADL.
#include <backstop/engine/engine_journal.hpp>
#include <backstop/ledger/replay.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

#include "support/scale.hpp"
#include "unit/engine/engine_scenario.hpp"

namespace test_engine_engine_randomized_test {

using namespace backstop;
using namespace backstop::testing;

TEST_CASE("an ADL bearer's fast metrics and the scan's keys agree with the exact arithmetic",
          "[engine][scan][perf_equivalence]") {
    // Two markets (one goes stale), funding, several slots an account: after every sweep's step
    // every held position is compared, and the scan with the exact test; after every step every
    // scan key with a fresh one (engine_scenario.hpp).
    EngineRunOutcome total;
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
        const EngineRunOutcome outcome = run_engine_scenario(seed, scaled(20'000));
        total.failures += outcome.failures;
        total.bearer_metrics_checked += outcome.bearer_metrics_checked;
        total.bearer_metrics_alone += outcome.bearer_metrics_alone;
        total.bearer_metrics_unclosable += outcome.bearer_metrics_unclosable;
        total.bearers_compared += outcome.bearers_compared;
        total.bearers_lone_64 += outcome.bearers_lone_64;
        total.scan_keys_lone += outcome.scan_keys_lone;
        total.scan_keys_full += outcome.scan_keys_full;
    }
    INFO(total.bearer_metrics_checked << " compared, " << total.bearer_metrics_alone << " alone, "
                                      << total.bearer_metrics_unclosable << " in a stale market; scan keys checked: "
                                      << total.scan_keys_lone << " of a lone position, " << total.scan_keys_full << " of several; "
                                      << total.bearers_compared << " bearers collected, " << total.bearers_lone_64 << " in 64 bits");
    CHECK(total.failures == 0);
    CHECK(total.bearer_metrics_alone > 100);                                        // the fast path
    CHECK(total.bearer_metrics_checked - total.bearer_metrics_alone > 100);         // the slow one
    CHECK(total.bearer_metrics_unclosable > 10);                                   // conservative valuation
    CHECK(total.scan_keys_lone > 10'000);  // keys of lone positions, checked current
    CHECK(total.scan_keys_full > 10'000);  // accounts with two positions (the full test)
    CHECK(total.bearers_lone_64 > 1'000);                              // collect_bearers' 64-bit lone path (1,428 under ASan's scale)
    CHECK(total.bearers_compared - total.bearers_lone_64 > 10'000);    // and its 128-bit ones
}

// test_market() with lots and ticks of one atom and no position limit: any size at any mark.
MarketConfig atom_market() {
    MarketConfig config = test_market();
    config.lot_size = 1;
    config.tick_size = 1;
    config.position_max = std::numeric_limits<std::int64_t>::max();
    return config;
}

// A mark and a position size near the edges (|size| x mark on both sides of 2^63, the 64-bit
// paths' limit), within the engine's invariant (margin_math.hpp): a value of at most int64 max / 8,
// which set_mark's position-limit check guarantees for every reachable position. The mark is
// applied to `state` and returned.
std::int64_t draw_edge_position(TestRandom& random, detail::MarketState& state, detail::PositionState& position) {
    std::int64_t mark = random.edge_biased_int64();
    if (mark <= 0) mark = mark == std::numeric_limits<std::int64_t>::min() ? 1 : -mark;
    if (random.chance(3)) mark = static_cast<std::int64_t>(random.below(100'000'000'000)) + 1;
    position.size = random.edge_biased_int64();
    if (position.size == 0 || position.size == std::numeric_limits<std::int64_t>::min()) position.size = 1;
    if (random.chance(2)) position.size = static_cast<std::int64_t>(random.below(2'000'000'000)) - 1'000'000'000;
    if (position.size == 0) position.size = -7;
    const detail::int128 value_max = std::numeric_limits<std::int64_t>::max() / 8;
    const detail::int128 divisor = state.notional_divisor;
    if (detail::int128(mark) / divisor > value_max) mark = static_cast<std::int64_t>(value_max * divisor);
    while (detail::abs128(position.size) * mark / divisor > value_max) position.size /= 2;
    detail::apply_mark(state, mark, 0);
    return mark;
}

TEST_CASE("a bearer's figures from one division agree with the exact margin arithmetic", "[engine][perf_equivalence]") {
    // Sizes and marks near the edges (|size| x mark on both sides of 2^63, the 64-bit path's
    // limit), every power-of-ten divisor the engine allows, funding moved and not.
    TestRandom random(2026);
    std::uint64_t fast = 0, wide = 0;
    for (int exponent = 0; exponent <= 18; ++exponent) {
        MarketConfig config = atom_market();
        detail::MarketState state = detail::make_market_state(config, "X", exponent, 0, 0).value();
        for (int k = 0; k < 4'000; ++k) {
            detail::PositionState position;
            const std::int64_t mark = draw_edge_position(random, state, position);
            position.cost = random.edge_biased_int64() / 4;
            const std::int64_t index = static_cast<std::int64_t>(random.below(std::uint64_t{1} << 40)) - (std::int64_t{1} << 39);
            state.set_funding_indices(index, -index);
            position.snapshot = random.chance(2) ? detail::funding_index_for(state, position.size) : detail::int128(index / 3);
            const detail::BearerFigures f = detail::bearer_figures(state, position);
            const detail::int128 value = detail::position_value(state, position.size);
            const detail::int128 notional = detail::position_notional(state, position.size);
            INFO("divisor 10^" << exponent << " size " << position.size << " mark " << mark);
            REQUIRE(f.value == value);
            REQUIRE(f.notional == notional);
            REQUIRE(f.pnl == value - position.cost - detail::funding_owed(state, position.size, position.snapshot));
            REQUIRE(f.maintenance == detail::maintenance_requirement(state, notional));
            std::int64_t product = 0;
            (__builtin_mul_overflow(position.size, mark, &product) ? wide : fast) += 1;
        }
    }
    CHECK(fast > 10'000);  // the one-division path
    CHECK(wide > 10'000);  // beyond int64: the 128-bit functions
}

TEST_CASE("the first tier's 64-bit requirement agrees with the 128-bit one", "[engine][perf_equivalence]") {
    // One tier and several, notionals on both sides of each tier's limit and of the 64-bit
    // product's, rates from 0 to 100%.
    TestRandom random(2027);
    std::uint64_t fast = 0, wide = 0;
    for (int k = 0; k < 40'000; ++k) {
        MarketConfig config = test_market();
        const bool tiered = random.chance(2);
        const std::int64_t first_max = static_cast<std::int64_t>(random.below(std::uint64_t{1} << 50)) + 1;
        const std::int64_t maintenance = static_cast<std::int64_t>(random.below(1'000'001));
        const std::int64_t initial = std::min<std::int64_t>(1'000'000, maintenance + static_cast<std::int64_t>(random.below(100'000)));
        config.tiers[0] = MarginTier{tiered ? first_max : std::numeric_limits<std::int64_t>::max(), Ppm{initial}, Ppm{maintenance}};
        if (tiered) {
            config.tier_count = 2;
            config.tiers[1] = MarginTier{std::numeric_limits<std::int64_t>::max(), Ppm{std::min<std::int64_t>(1'000'000, initial * 2)},
                                         Ppm{std::min<std::int64_t>(1'000'000, maintenance * 2)}};
        }
        detail::MarketState state = detail::make_market_state(config, "X", 8, 0, 0).value();
        detail::int128 notional = 0;
        switch (random.below(4)) {
            case 0: notional = detail::int128(first_max) + static_cast<std::int64_t>(random.below(5)) - 2; break;
            case 1: notional = detail::int128(random.edge_biased_int64() & std::numeric_limits<std::int64_t>::max()); break;
            case 2: notional = detail::int128(std::numeric_limits<std::uint64_t>::max() / 1'000'000) * random.below(3); break;
            default: notional = static_cast<std::int64_t>(random.below(std::uint64_t{1} << 62)); break;
        }
        if (random.chance(50)) notional = detail::int128(std::numeric_limits<std::int64_t>::max()) * 8;  // beyond 64 bits
        INFO("notional " << static_cast<double>(notional) << " rates " << initial << " " << maintenance << " tiered " << tiered);
        REQUIRE(detail::maintenance_requirement(state, notional) == detail::maintenance_requirement_exact(state, notional));
        REQUIRE(detail::initial_requirement(state, notional) == detail::initial_requirement_exact(state, notional));
        detail::int128 unused = 0;
        (detail::first_tier_requirement(state, notional, maintenance, unused) ? fast : wide) += 1;
    }
    CHECK(fast > 10'000);  // 64 bits
    CHECK(wide > 5'000);   // a later tier, or a product beyond 64 bits
}

// A lone bearer's entry by write_lone_bearer_64 against write_bearer_entry's 128-bit one: false
// when the 64-bit path declines it, the two entries REQUIREd equal otherwise.
bool lone_entry_in_64_bits(const detail::MarketState& state, SocializationKind kind, bool closable, AccountId account,
                           std::int64_t collateral, const detail::PositionState& position) {
    const detail::BearerFigures figures = detail::bearer_figures(state, position);
    LossBearer<USDC> exact, quick;
    detail::write_bearer_entry(kind, account, collateral, position, figures, detail::lone_bearer_margin(collateral, figures, closable),
                               exact);
    if (!detail::write_lone_bearer_64(detail::lone_bearer_terms(state, kind, closable), account, collateral, position.size,
                                      position.cost, static_cast<std::int64_t>(position.snapshot), quick)) {
        return false;
    }
    REQUIRE(same_bearer(quick, exact));
    return true;
}

TEST_CASE("a lone ADL or charged bearer's 64-bit entry agrees with the 128-bit one", "[engine][perf_equivalence]") {
    // Sizes, marks, costs and collateral near the type limits and the 64-bit path's edges, settled
    // and unsettled funding, closable and not, ADL and collateral charges, every divisor.
    TestRandom random(2028);
    std::uint64_t fast = 0, wide = 0;
    for (int exponent = 0; exponent <= 18; ++exponent) {
        MarketConfig config = atom_market();
        if (random.chance(2)) {
            config.tier_count = 2;
            config.tiers[0].notional_max = static_cast<std::int64_t>(random.below(std::uint64_t{1} << 40)) + 1;
            config.tiers[1] = MarginTier{std::numeric_limits<std::int64_t>::max(), Ppm{400'000}, Ppm{200'000}};
        }
        detail::MarketState state = detail::make_market_state(config, "X", exponent, 0, 0).value();
        for (int k = 0; k < 4'000; ++k) {
            detail::PositionState position;
            position.slot = 0;
            const std::int64_t mark = draw_edge_position(random, state, position);
            position.cost = random.chance(4) ? random.edge_biased_int64() : random.edge_biased_int64() / 4;
            const std::int64_t index = static_cast<std::int64_t>(random.below(std::uint64_t{1} << 40)) - (std::int64_t{1} << 39);
            state.set_funding_indices(index, -index);
            position.snapshot = random.chance(4) ? detail::int128(index / 3) : detail::funding_index_for(state, position.size);
            const std::int64_t collateral = random.chance(2) ? random.edge_biased_int64() & std::numeric_limits<std::int64_t>::max()
                                                             : static_cast<std::int64_t>(random.below(1'000'000'000'000));
            const bool closable = !random.chance(4);
            const SocializationKind kind =
                random.chance(2) ? SocializationKind::auto_deleveraging : SocializationKind::charges_collateral;
            const AccountId account{static_cast<std::uint32_t>(random.below(1'000))};
            INFO("divisor 10^" << exponent << " size " << position.size << " mark " << mark << " cost " << position.cost
                               << " collateral " << collateral);
            (lone_entry_in_64_bits(state, kind, closable, account, collateral, position) ? fast : wide) += 1;
        }
    }
    CHECK(fast > 10'000);  // the 64-bit entry
    CHECK(wide > 10'000);  // unsettled funding, a later tier, a sum beyond int64: the 128-bit one
}

TEST_CASE("the 64-bit paths agree with the 128-bit ones on either side of their limits", "[engine][perf_equivalence]") {
    TestRandom random(2030);
    // A requirement's rounded-up quotient is (notional x rate + 10^6 - 1) / 10^6 in 64 bits: products
    // within a few atoms of 2^64 - 10^6 + 1 and of 2^64, at rates that hit them exactly and others.
    std::uint64_t fast = 0, wide = 0;
    constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();
    for (const std::int64_t rate : {std::int64_t{1}, std::int64_t{3}, std::int64_t{7}, std::int64_t{65'536}, std::int64_t{999'999},
                                    std::int64_t{1'000'000}, static_cast<std::int64_t>(random.below(1'000'000)) + 1}) {
        for (const std::uint64_t edge : {u64_max - 999'999, u64_max}) {
            for (std::uint64_t below = 0; below <= 16; ++below) {
                const std::uint64_t notional = (edge - below) / static_cast<std::uint64_t>(rate) + (below % 2);
                std::uint64_t requirement = 0;
                INFO("notional " << notional << " rate " << rate);
                if (!detail::ppm_requirement_64(notional, rate, requirement)) {
                    ++wide;
                    continue;
                }
                ++fast;
                REQUIRE(detail::int128(requirement) == detail::ceil_div(detail::int128(notional) * rate, detail::int128(1'000'000)));
            }
        }
    }
    CHECK(fast > 50);
    CHECK(wide > 50);
    // A lone bearer's notional is (|size| x mark + divisor - 1) / divisor in 64 bits: products
    // within a few atoms of 2^63 - divisor, on every divisor that keeps the value in the engine's
    // range, long and short.
    std::uint64_t lone_fast = 0, lone_wide = 0;
    for (int exponent = 1; exponent <= 18; ++exponent) {
        MarketConfig config = atom_market();
        config.tiers[0] = MarginTier{std::numeric_limits<std::int64_t>::max(), Ppm{2}, Ppm{1}};  // the requirement fits
        detail::MarketState state = detail::make_market_state(config, "X", exponent, 0, 0).value();
        const std::uint64_t edge = (std::uint64_t{1} << 63) - state.notional_division.divisor();
        for (const std::int64_t mark : {std::int64_t{1}, std::int64_t{2}, std::int64_t{3}, std::int64_t{7}}) {
            detail::apply_mark(state, mark, 0);
            for (std::uint64_t offset = 0; offset <= 32; ++offset) {
                const std::uint64_t product_target = edge - 16 + offset;
                // A size of 2^63 or more is no position (divisor 10, mark 1: the edge is 2^63 - 10).
                if (product_target > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) continue;
                detail::PositionState position;
                position.slot = 0;
                position.size = static_cast<std::int64_t>(product_target / static_cast<std::uint64_t>(mark));
                if (offset % 2 == 1) position.size = -position.size;
                position.snapshot = detail::funding_index_for(state, position.size);
                const detail::int128 value = detail::position_value(state, position.size);
                position.cost = static_cast<std::int64_t>(value) - static_cast<std::int64_t>(random.below(1'000));
                const auto collateral = static_cast<std::int64_t>(random.below(1'000'000'000));
                const SocializationKind kind =
                    random.chance(2) ? SocializationKind::auto_deleveraging : SocializationKind::charges_collateral;
                const AccountId account{1};
                INFO("divisor 10^" << exponent << " size " << position.size << " mark " << mark);
                (lone_entry_in_64_bits(state, kind, true, account, collateral, position) ? lone_fast : lone_wide) += 1;
            }
        }
    }
    CHECK(lone_fast > 500);
    CHECK(lone_wide > 500);
}

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

TEST_CASE("an engine's command journal replays onto a fresh engine to the same digest", "[engine][replay]") {
    using Commands = BasicVectorJournal<EngineCommand>;
    using Journaled = RandomEngine<NullJournal, Commands>;
    const std::uint64_t steps = scaled(20'000);
    for (std::uint64_t seed = 31; seed <= 34; ++seed) {
        Journaled recorded = random_engine<NullJournal, Commands>(seed);
        const EngineRunOutcome outcome = run_engine_scenario<NullJournal, Commands>(seed, steps, {}, &recorded);
        // Journaling changes nothing.
        CHECK(outcome.digest == run_engine_scenario(seed, steps).digest);
        const auto& commands = recorded.command_journal();
        REQUIRE(commands.size() > 1'000);
        Journaled fresh = random_engine<NullJournal, Commands>(seed);
        REQUIRE(replay_commands(commands, recorded.command_seal(), fresh).has_value());
        CHECK(fresh.digest() == recorded.digest());
        CHECK(fresh.command_seal() == recorded.command_seal());
        CHECK(outcome.liquidations > 0);
    }
}

TEST_CASE("a truncated, corrupted or gapped command journal is refused before anything is applied",
          "[engine][replay]") {
    using Commands = BasicVectorJournal<EngineCommand>;
    using Journaled = RandomEngine<NullJournal, Commands>;
    Journaled recorded = random_engine<NullJournal, Commands>(41);
    (void)run_engine_scenario<NullJournal, Commands>(41, scaled(5'000), {}, &recorded);
    const std::vector<EngineCommand> whole = recorded.command_journal().entries();
    const JournalSeal seal = recorded.command_seal();
    auto refused_with = [&](const std::vector<EngineCommand>& entries) {
        Journaled fresh = random_engine<NullJournal, Commands>(41);
        const std::uint64_t digest = fresh.digest();
        const Result<void> replayed = replay_commands(entries, seal, fresh);
        CHECK(fresh.digest() == digest);  // nothing applied
        return replayed ? ErrorCode{} : replayed.error().code;
    };
    std::vector<EngineCommand> truncated(whole.begin(), whole.end() - 1);
    CHECK(refused_with(truncated) == ErrorCode::journal_truncated);
    std::vector<EngineCommand> corrupted = whole;
    corrupted[corrupted.size() / 2].value += 1;  // an amount, a price or a size changed
    CHECK(refused_with(corrupted) == ErrorCode::journal_corrupt);
    std::vector<EngineCommand> gapped = whole;
    gapped.erase(gapped.begin() + 3);
    CHECK(refused_with(gapped) == ErrorCode::journal_gap);
    // A fresh engine is required.
    Journaled used = random_engine<NullJournal, Commands>(41);
    (void)used.open_account();
    CHECK(replay_commands(whole, seal, used).error().code == ErrorCode::ledger_not_empty);
    // A ring journal that dropped its oldest commands cannot be replayed alone.
    using Ring = BasicRingJournal<EngineCommand>;
    RandomEngine<NullJournal, Ring> ringed = random_engine<NullJournal, Ring>(41, {}, Ring(64));
    (void)run_engine_scenario<NullJournal, Ring>(41, scaled(5'000), {}, &ringed, Ring(64));
    RandomEngine<NullJournal, Ring> fresh = random_engine<NullJournal, Ring>(41, {}, Ring(64));
    CHECK(replay_commands(ringed.command_journal(), ringed.command_seal(), fresh).error().code == ErrorCode::journal_gap);
}

}  // namespace test_engine_engine_randomized_test
