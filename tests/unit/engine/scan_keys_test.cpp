// The scan's keys (scan_keys.hpp) against the exact maintenance test, within a few atoms of the
// boundary where the keys' rounding bounds decide, with funding owed and not settled, longs and
// shorts, one margin tier and several, up to 64 markets (the scan's table) and more; and kept
// current by every operation that moves collateral.
#include <backstop/engine/scan_keys.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "support/random.hpp"
#include "unit/engine/engine_world.hpp"

namespace test_engine_scan_keys_test {

using namespace backstop;
using namespace backstop::testing;
using Adl = socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>;

// Equity minus maintenance, in quote atoms (summary's exact figures).
template <class World>
std::int64_t excess_of(const World& w, AccountId account) {
    const AccountSummary<USDC> s = w.summary(account);
    return (s.equity - s.maintenance_requirement).atoms();
}

TEST_CASE("the scan decides as the exact test within a few atoms of the boundary", "[engine][scan][perf_equivalence]") {
    constexpr std::uint32_t traders = 120;
    std::uint64_t below_near = 0, above_near = 0, tiered_checked = 0;
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
        TestRandom random(seed);
        const bool tiered = seed % 3 == 0;  // two tiers: the keys defer to the exact test
        MarketConfig config = test_market();
        if (tiered) {
            config.tiers[0].notional_max = 20'000'000'000;  // 20,000 USDC
            config.tiers[1] = MarginTier{std::numeric_limits<std::int64_t>::max(), Ppm{100'000}, Ppm{60'000}};
            config.tier_count = 2;
        }
        EngineWorld<Adl> w(Adl(traders + 1), EngineLimits{traders + 1, 2, 80}, config);
        // One world with more markets than the scan's table (64): the positions in the last one.
        if (seed == 5) {
            for (int m = 0; m < 69; ++m) w.market = w.engine.template add_market<BTC>(config).value();
        }
        const AccountId maker = w.account("100000000");
        w.mark("50000");
        std::vector<AccountId> accounts;
        for (std::uint32_t k = 0; k < traders; ++k) {
            const AccountId a = w.account("0");
            // 0.001 to 2 BTC, long or short, on 10% of the notional (initial margin is 5%).
            const auto lots = static_cast<std::int64_t>(random.below(2'000) + 1);
            REQUIRE(w.engine.deposit(a, Usdc(lots * 100'000 * 500 / 10)).has_value());
            const bool buys = random.chance(2);
            REQUIRE(w.engine.trade(w.market, buys ? a : maker, buys ? maker : a, Btc(lots * 100'000), price("50000")).has_value());
            accounts.push_back(a);
            // Funding moves between trades: snapshots differ, and nobody has settled the last move.
            if (random.chance(10)) {
                REQUIRE(w.engine.update_funding(w.market, FundingDelta(static_cast<std::int64_t>(random.below(2'000'001)) - 1'000'000)).has_value());
            }
        }
        std::vector<AccountId> due(traders + 1);
        for (int round = 0; round < 8; ++round) {
            // A mark anywhere in 30,000-70,000 USDC, off the tick.
            const auto raw = static_cast<std::int64_t>(30'000'000'000 + random.below(40'000'000'000));
            w.now_ms += 1'000;
            REQUIRE(w.engine.set_mark(w.market, BtcPrice(raw), Timestamp{w.now_ms}).has_value());
            // Each account a losing mark left below its boundary is topped up to within 6 atoms of it.
            for (const AccountId a : accounts) {
                const std::int64_t target = static_cast<std::int64_t>(random.below(13)) - 6;
                const std::int64_t excess = excess_of(w, a);
                if (excess < target) REQUIRE(w.engine.deposit(a, Usdc(target - excess)).has_value());
            }
            for (const std::int64_t nudge : {0, -1, 1}) {
                w.now_ms += 1;
                REQUIRE(w.engine.set_mark(w.market, BtcPrice(raw + nudge), Timestamp{w.now_ms}).has_value());
                const auto found = w.engine.liquidatable_accounts(Span<AccountId>(due.data(), due.size()));
                std::size_t listed = 0;
                for (std::uint32_t a = 0; a < w.engine.ledger().account_count(); ++a) {
                    const bool exact = w.engine.is_liquidatable(AccountId{a});
                    const bool scanned = listed < found.size() && found[listed] == AccountId{a};
                    listed += scanned ? 1 : 0;
                    INFO("seed " << seed << " round " << round << " account " << a << " excess " << excess_of(w, AccountId{a}));
                    CHECK(scanned == exact);
                    const std::int64_t excess = excess_of(w, AccountId{a});
                    if (tiered) {
                        ++tiered_checked;
                    } else if (excess < 0 && excess >= -6) {
                        ++below_near;
                    } else if (excess >= 0 && excess <= 6) {
                        ++above_near;
                    }
                }
                CHECK(listed == found.size());
            }
        }
    }
    // The worlds reached what they are for: accounts on both sides of the boundary, atoms from it.
    CHECK(below_near > 300);
    CHECK(above_near > 300);
    CHECK(tiered_checked > 1'000);
}

TEST_CASE("every operation that moves collateral or a position refreshes the scan key", "[engine][scan]") {
    EngineWorld<Adl> w(Adl(8), EngineLimits{8, 2, 4});
    const AccountId maker = w.account("1000000");
    const AccountId trader = w.account("1100");
    const AccountId liquidator = w.account("1000000");
    w.mark("50000");
    w.trade(trader, maker, "0.1", "50000");  // long 0.1 BTC: 5,000 USDC of notional
    std::vector<AccountId> due(8);
    auto scanned = [&]() { return w.engine.liquidatable_accounts(Span<AccountId>(due.data(), due.size())).size(); };
    auto key_current = [&](AccountId a) { return detail::scan_key_current(w.engine.view(), a.value); };
    // At 40,000 the long is worth 4,000 and owes 120 of maintenance: equity 100 < 120.
    w.mark("40000");
    REQUIRE(w.engine.is_liquidatable(trader));
    CHECK(scanned() == 1);
    // A deposit lifts it above: the scan must see the new collateral.
    w.engine.deposit(trader, usdc("50")).value();
    CHECK(key_current(trader));
    CHECK_FALSE(w.engine.is_liquidatable(trader));
    CHECK(scanned() == 0);
    // A withdrawal is refused below initial margin; at 50,000 it is allowed, then 40,000 finds it.
    w.mark("50000");
    w.engine.withdraw(trader, usdc("50")).value();
    CHECK(key_current(trader));
    w.mark("40000");
    CHECK(scanned() == 1);
    // A trade that closes half: the key follows the new size and realised PnL.
    w.mark("41000");
    w.trade(maker, trader, "0.05", "41000");
    CHECK(key_current(trader));
    CHECK(key_current(maker));
    CHECK(scanned() == static_cast<std::size_t>(w.engine.is_liquidatable(trader)));
    // A liquidation: the account, the liquidator.
    w.mark("30000");
    REQUIRE(w.engine.is_liquidatable(trader));
    REQUIRE(w.engine.liquidate(trader, liquidator).has_value());
    CHECK(key_current(trader));
    CHECK(key_current(liquidator));
    CHECK(key_current(maker));
    CHECK(scanned() == 0);
}

// A policy that charges collateral and names each bearer by its source place only, leaving
// Allocation::account at its default (the engine checks and commits by the source).
struct HaircutNamingSourcesOnly {
    using asset_type = USDC;
    socialized_loss::ProRataHaircut<USDC> inner;
    SocializationKind kind() const { return SocializationKind::charges_collateral; }
    Result<void> validate() const { return {}; }
    template <class Ledger>
    Result<SocializePlan<USDC>> plan(const Amount<USDC>& remainder, Span<const LossBearer<USDC>> bearers,
                                     Span<Allocation<USDC>> out, const SocializeContext& context, const Ledger& ledger) const {
        Result<SocializePlan<USDC>> planned = inner.plan(remainder, bearers, out, context, ledger);
        if (planned) {
            for (std::size_t k = 0; k < planned->allocation_count; ++k) out[k].account = AccountId{};
        }
        return planned;
    }
};

TEST_CASE("a bearer charged by a liquidation has its key refreshed by its source place", "[engine][scan][regression]") {
    // Found by review: the refresh followed Allocation::account, so the charged maker's key went
    // stale and a later mark that made it liquidatable did not list it.
    EngineWorld<HaircutNamingSourcesOnly> w(HaircutNamingSourcesOnly{}, EngineLimits{8, 2, 4});
    (void)w.account("0");  // account 0: the default the policy leaves
    const AccountId maker = w.account("8000");
    const AccountId trader = w.account("2600");
    const AccountId liquidator = w.account("100000");
    w.mark("50000");
    w.trade(trader, maker, "1", "50000");  // the maker short 1 BTC
    w.mark("40000");                       // the trader's deficit, 7,400 USDC, charged to the maker's profit
    const auto report = w.engine.liquidate(trader, liquidator);
    REQUIRE(report.has_value());
    REQUIRE(report->socialized.is_positive());
    CHECK(detail::scan_key_current(w.engine.view(), maker.value));
    w.mark("50300");
    REQUIRE(w.engine.is_liquidatable(maker));
    std::vector<AccountId> due(8);
    const auto found = w.engine.liquidatable_accounts(Span<AccountId>(due.data(), due.size()));
    CHECK(std::find(found.begin(), found.end(), maker) != found.end());
}

}  // namespace test_engine_scan_keys_test
