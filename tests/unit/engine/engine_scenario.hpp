// A seeded random driver for the engine: deposits, withdrawals, trades, mark moves (with gaps of
// up to +-50%), time passing (marks go stale), funding updates, liquidation sweeps and bad inputs
// of every kind, on two markets (BTC/USDC and SOL/USDC). After every step it checks the ledger
// audit, that sizes sum to zero per market, that pnl_pool + costs + uncovered = 0 (unrealised
// PnL is zero-sum against the pool), that a refused operation left the digest unchanged, that
// every scan key is current (scan_keys.hpp), and that every liquidated account ends with
// non-negative equity.
#pragma once

#include <backstop/engine/scan_keys.hpp>
#include <backstop/engine/socialization_plan.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "support/random.hpp"
#include "unit/engine/engine_world.hpp"

namespace backstop::testing {

struct SOL {
    static constexpr std::string_view symbol = "SOL";
    static constexpr int decimals = 9;
};

struct EngineRunOutcome {
    std::uint64_t steps = 0;
    std::uint64_t refused = 0;
    std::uint64_t trades = 0;
    std::uint64_t liquidations = 0;
    std::uint64_t bad_debts = 0;
    std::uint64_t socializations = 0;
    std::uint64_t failures = 0;
    std::uint64_t digest = 0;
    // The ADL bearer's fast metrics against account_metrics ([perf_equivalence]): positions
    // compared, and of them those alone in their account (the fast path) and stale or halted.
    std::uint64_t bearer_metrics_checked = 0;
    std::uint64_t bearer_metrics_alone = 0;
    std::uint64_t bearer_metrics_unclosable = 0;
    // collect_bearers against its exact walk ([perf_equivalence]): bearers compared, and of them
    // those the 64-bit lone path wrote.
    std::uint64_t bearers_compared = 0;
    std::uint64_t bearers_lone_64 = 0;
    // Scan keys checked current after each step: of a lone position, and of several (the full test).
    std::uint64_t scan_keys_lone = 0;
    std::uint64_t scan_keys_full = 0;
};

// Whether two bearer entries are the same in every field (LossBearer has no operator==).
inline bool same_bearer(const LossBearer<USDC>& x, const LossBearer<USDC>& y) {
    return x.account == y.account && x.side == y.side && x.size_atoms == y.size_atoms && x.unrealised_pnl == y.unrealised_pnl &&
           x.collateral == y.collateral && x.position_value == y.position_value && x.entry_value == y.entry_value &&
           x.maintenance == y.maintenance;
}

inline socialized_loss::AnySocializedLoss<USDC> random_socialized_loss(std::uint64_t seed, std::uint32_t bearers_max) {
    switch (seed % 4) {
        case 0: return socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>(bearers_max);
        case 1: return socialized_loss::ProRataHaircut<USDC>{};
        case 2: return socialized_loss::FundingSocialization<USDC>{};
        default: return socialized_loss::RandomStartAdl<USDC>{};
    }
}

using RandomEngineFund = RuntimeInsuranceFund<USDC>;

template <class Journal = NullJournal, class Commands = NullJournal>
using RandomEngine = MarginEngine<RandomEngineFund, Journal, Commands>;

// The engine every run creates (a replay needs a fresh one with the same policies).
template <class Journal = NullJournal, class Commands = NullJournal>
RandomEngine<Journal, Commands> random_engine(std::uint64_t seed, Journal journal = Journal{}, Commands commands = Commands{}) {
    constexpr std::uint32_t accounts = 20;
    return RandomEngine<Journal, Commands>::create(EngineLimits{accounts + 1, 2, 2},
                                                   fee_capture::FixedShares<USDC>{Bps{2'000}, Bps{1'000}},
                                                   settlement::CoverUpToBalance<USDC>{},
                                                   random_socialized_loss(seed, accounts + 1), std::move(journal),
                                                   std::move(commands))
        .value();
}

template <class Journal = NullJournal, class Commands = NullJournal>
EngineRunOutcome run_engine_scenario(std::uint64_t seed, std::uint64_t steps, Journal journal = Journal{},
                                     RandomEngine<Journal, Commands>* keep = nullptr, Commands commands = Commands{}) {
    constexpr std::uint32_t accounts = 20;
    TestRandom random(seed);
    auto engine = random_engine(seed, std::move(journal), std::move(commands));
    MarketConfig btc_config = test_market();
    btc_config.liquidator_discount = Ppm{5'000};
    btc_config.full_liquidation_below = Ppm{500'000};
    btc_config.position_max = 2'000'000'000;  // 20 BTC
    const MarketId btc_market = engine.template add_market<BTC>(btc_config).value();
    MarketConfig sol_config = presets::drift_v2::major();
    sol_config.lot_size = 100'000'000;  // 0.1 SOL
    sol_config.tick_size = 10'000;      // 0.01 USDC
    sol_config.position_max = 10'000'000'000'000;
    sol_config.staleness_max_ms = 60'000;
    const MarketId sol_market = engine.template add_market<SOL>(sol_config).value();
    const std::array<MarketId, 2> markets{btc_market, sol_market};
    std::array<std::int64_t, 2> marks{50'000'000'000, 150'000'000};  // 50,000 and 150 USDC
    std::array<std::int64_t, 2> lots{btc_config.lot_size, sol_config.lot_size};
    std::array<std::int64_t, 2> ticks{btc_config.tick_size, sol_config.tick_size};
    std::int64_t now = 1'000;

    for (std::uint32_t i = 0; i < accounts; ++i) (void)engine.open_account();
    // Accounts 0 and 1 are well-capitalised liquidators; the rest trade.
    (void)engine.deposit(AccountId{0}, Usdc(5'000'000'000'000));
    (void)engine.deposit(AccountId{1}, Usdc(5'000'000'000'000));
    (void)engine.fund_deposit(Usdc(20'000'000'000));
    auto set_marks = [&]() {
        (void)engine.set_mark(btc_market, BtcPrice(marks[0]), Timestamp{now});
        (void)engine.set_mark(sol_market, Price<SOL, USDC>(marks[1]), Timestamp{now});
    };
    set_marks();

    EngineRunOutcome outcome;
    // collect_bearers' two walks, compared in each liquidation sweep.
    detail::LiquidationScratch<USDC> collect_fast(accounts + 1), collect_exact(accounts + 1);
    std::array<AccountId, accounts + 1> due{};
    std::vector<Allocation<USDC>> allocations(accounts + 2);
    auto fail = [&](const std::string& what) {
        ++outcome.failures;
        FAIL(fmt::format("seed {} step {}: {}", seed, outcome.steps, what));
    };
    auto random_account = [&]() {
        return AccountId{static_cast<std::uint32_t>(random.chance(60) ? accounts + 3 : random.below(accounts))};
    };
    auto random_market = [&]() -> std::size_t { return random.below(2); };

    for (std::uint64_t step = 0; step < steps; ++step) {
        outcome.steps = step;
        const std::uint64_t digest_before = engine.digest();
        bool refused = false;
        auto note = [&](const auto& result) {
            if (!result.has_value()) refused = true;
        };
        const std::uint64_t kind = random.below(100);
        if (kind < 12) {  // deposit
            const auto amount = static_cast<std::int64_t>(random.below(3'000'000'000)) - (random.chance(20) ? 5'000'000'000 : 0);
            note(engine.deposit(random_account(), Usdc(amount)));
        } else if (kind < 20) {  // withdraw
            note(engine.withdraw(random_account(), Usdc(static_cast<std::int64_t>(random.below(3'000'000'000)))));
        } else if (kind < 58) {  // trade
            const std::size_t m = random_market();
            std::int64_t size = static_cast<std::int64_t>(random.below(300) + 1) * lots[m];
            if (random.chance(40)) size += 1;  // off the lot
            if (random.chance(60)) size = 0;
            std::int64_t price = marks[m] + (static_cast<std::int64_t>(random.below(41)) - 20) * (marks[m] / 1'000);
            price = std::max(ticks[m], price / ticks[m] * ticks[m]);
            if (random.chance(40)) price += 1;  // off the tick
            const AccountId buyer{static_cast<std::uint32_t>(2 + random.below(accounts - 2))};
            const AccountId seller = random.chance(30) ? buyer : AccountId{static_cast<std::uint32_t>(2 + random.below(accounts - 2))};
            if (m == 0) {
                auto r = engine.trade(markets[0], buyer, seller, Btc(size), BtcPrice(price));
                note(r);
                outcome.trades += r.has_value();
            } else {
                auto r = engine.trade(markets[1], buyer, seller, Quantity<SOL>(size), Price<SOL, USDC>(price));
                note(r);
                outcome.trades += r.has_value();
            }
        } else if (kind < 75) {  // marks move: a random walk, sometimes a gap of up to +-50%
            now += static_cast<std::int64_t>(random.below(5'000));
            for (std::size_t m = 0; m < 2; ++m) {
                const std::int64_t step_bps = random.chance(25) ? static_cast<std::int64_t>(random.below(10'001)) - 5'000
                                                                : static_cast<std::int64_t>(random.below(201)) - 100;
                std::int64_t next = marks[m] + marks[m] / 10'000 * step_bps;
                const std::int64_t floor = m == 0 ? 1'000'000'000 : 1'000'000;
                next = std::clamp(next, floor, floor * 1'000);
                marks[m] = next / ticks[m] * ticks[m];
            }
            set_marks();
        } else if (kind < 80) {  // time passes (marks may go stale until the next update)
            now += static_cast<std::int64_t>(random.below(90'000));
            note(engine.advance_time(Timestamp{now}));
        } else if (kind < 85) {  // funding
            const std::size_t m = random_market();
            note(engine.update_funding(markets[m], FundingDelta(static_cast<std::int64_t>(random.below(2'000'001)) - 1'000'000)));
        } else if (kind < 97) {  // liquidation sweep
            // The bearer's fast metrics (socialization_plan.hpp) equal account_metrics(conservative)
            // for every position the waterfall could collect, bit for bit.
            const auto view = engine.view();
            for (std::uint32_t a = 0; a < accounts; ++a) {
                std::uint32_t held = 0;  // slots in use: the fast path's own test
                for (std::uint32_t s = 0; s < view.book.per_account; ++s) {
                    held += view.book.market[view.book.index(a, s)] != detail::PositionBook::empty ? 1u : 0u;
                }
                for (const MarketId market : markets) {
                    const detail::PositionState position = view.book.position(AccountId{a}, market.value);
                    if (position.size == 0) continue;
                    const detail::MarketState& state = view.markets[market.value];
                    const detail::BearerMargin fast =
                        detail::bearer_margin(view, AccountId{a}, state, position, detail::bearer_figures(state, position));
                    const detail::Metrics exact = detail::account_metrics(view, AccountId{a}, {}, 0, /*conservative*/ true);
                    ++outcome.bearer_metrics_checked;
                    outcome.bearer_metrics_alone += held == 1 ? 1u : 0u;
                    outcome.bearer_metrics_unclosable += view.closable(state) ? 0u : 1u;
                    if (fast.equity != exact.equity || fast.maintenance != exact.maintenance) {
                        fail("a bearer's fast metrics differ from account_metrics");
                    }
                }
            }
            // collect_bearers (scan classes, the 64-bit lone path) gives the entries its exact walk
            // of every account's slots gives, bit for bit, for every market, kind and side.
            for (const MarketId market : markets) {
                for (const SocializationKind kind : {SocializationKind::auto_deleveraging, SocializationKind::charges_collateral,
                                                     SocializationKind::funding_index}) {
                    for (const int side : {1, -1}) {
                        detail::LiquidationPlan<USDC>& plan = collect_fast.plan;  // a scratch's own, unused here
                        plan.defaulting_market = market;
                        plan.defaulting_side = side;
                        plan.kind = kind;
                        plan.fill_count = 0;
                        // Chosen without drawing from `random`, so that the run's operations stay the same.
                        const AccountId defaulter{static_cast<std::uint32_t>((step + market.value) % accounts)};
                        const AccountId liquidator{side > 0 ? 0u : 1u};
                        const std::size_t n = detail::collect_bearers(view, plan, defaulter, liquidator, collect_fast);
                        const std::size_t m = detail::collect_bearers(view, plan, defaulter, liquidator, collect_exact, true);
                        if (n != m) fail("collect_bearers and its exact walk find different bearers");
                        for (std::size_t k = 0; k < std::min(n, m); ++k) {
                            const LossBearer<USDC>& x = collect_fast.bearers[k];
                            const LossBearer<USDC>& y = collect_exact.bearers[k];
                            if (!same_bearer(x, y)) fail("a bearer collect_bearers wrote differs from its exact walk's");
                            ++outcome.bearers_compared;
                            const detail::PositionState p = view.book.position(x.account, market.value);
                            LossBearer<USDC> probe;
                            outcome.bearers_lone_64 +=
                                kind != SocializationKind::funding_index &&
                                        view.book.scan_class[x.account.value] >= 2 &&
                                        detail::write_lone_bearer_64(
                                            detail::lone_bearer_terms(view.markets[market.value], kind,
                                                                      view.closable(view.markets[market.value])),
                                            x.account, view.collateral(x.account), p.size, p.cost,
                                            static_cast<std::int64_t>(p.snapshot), probe)
                                    ? 1u
                                    : 0u;
                        }
                    }
                }
            }
            const auto found = engine.liquidatable_accounts(due);
            // The scan (a fast pass, exact near the boundary) agrees with the exact test.
            std::size_t listed = 0;
            for (std::uint32_t a = 0; a < accounts; ++a) {
                const bool exact = engine.is_liquidatable(AccountId{a});
                const bool scanned = listed < found.size() && found[listed] == AccountId{a};
                listed += scanned ? 1 : 0;
                if (exact != scanned) fail("the scan disagrees with the exact maintenance test");
            }
            for (const AccountId account : found) {
                const AccountId liquidator{static_cast<std::uint32_t>(random.below(2))};
                for (int round = 0; round < 8 && engine.is_liquidatable(account); ++round) {
                    const std::uint64_t before = engine.digest();
                    auto r = engine.liquidate(account, liquidator, allocations);
                    if (!r) {
                        if (engine.digest() != before) fail("a refused liquidation changed the state");
                        break;
                    }
                    ++outcome.liquidations;
                    outcome.bad_debts += r->deficit.is_positive();
                    outcome.socializations += r->remainder.is_positive();
                    if (r->full && engine.summary(account).value().equity.is_negative()) {
                        fail("an account has negative equity after its full liquidation");
                    }
                }
                if (!engine.is_liquidatable(account) && engine.summary(account).value().equity.is_negative()) {
                    fail("an account left with negative equity after liquidation");
                }
            }
        } else {  // bad inputs
            switch (random.below(6)) {
                case 0: note(engine.liquidate(random_account(), random_account())); break;
                case 1: note(engine.trade(markets[0], AccountId{2}, AccountId{3}, Btc(-100'000), BtcPrice(marks[0]))); break;
                case 2: note(engine.update_funding(MarketId{7}, FundingDelta(1))); break;
                case 3: note(engine.set_mark(markets[0], BtcPrice(-1), Timestamp{now})); break;
                case 4: note(engine.set_mark(markets[0], BtcPrice(marks[0]), Timestamp{now - 1'000'000})); break;
                default: note(engine.trade(markets[1], AccountId{2}, AccountId{3}, Quantity<SOL>(lots[1]), Price<SOL, USDC>(0))); break;
            }
        }
        if (refused) {
            ++outcome.refused;
            if (engine.digest() != digest_before) fail("a refused operation changed the state");
        }
        // Invariants after every step.
        const auto audit = engine.ledger().audit();
        if (!audit.balanced()) fail("ledger out of balance");
        detail::int128 cost_sum = 0;
        for (const MarketId market : markets) {
            detail::int128 size_sum = 0;
            for (std::uint32_t a = 0; a < accounts; ++a) {
                const auto view = engine.position(AccountId{a}, market);
                size_sum += view.size;
                cost_sum += view.cost;
            }
            if (size_sum != 0) fail("sizes do not sum to zero");
        }
        const detail::int128 pool = engine.ledger().balance_of(Place::pnl_pool()).atoms();
        if (pool + cost_sum + static_cast<detail::int128>(engine.uncovered_total().atoms()) != 0) fail("unrealised PnL is not zero-sum against the pool");
        // Every scan key is current: it equals its account's key computed now (a refresh missed
        // after an operation that moved collateral or a position shows here, even when the scan's
        // answer happens to be right).
        const auto keys = engine.view();
        for (std::uint32_t a = 0; a < accounts; ++a) {
            if (!detail::scan_key_current(keys, a)) fail(fmt::format("account {}'s scan key is stale", a));
            outcome.scan_keys_lone += keys.book.scan_class[a] >= 2 ? 1u : 0u;
            outcome.scan_keys_full += keys.book.scan_class[a] == detail::PositionBook::scan_full ? 1u : 0u;
        }
    }
    outcome.steps = steps;
    outcome.digest = engine.digest();
    if (keep != nullptr) *keep = std::move(engine);
    return outcome;
}

}  // namespace backstop::testing
