// Per-market (isolated) funds (issue 13, scope 3): a market's own fund takes its penalty and fee
// shares and pays its bad debt first; the shared fund pays within the market's draw cap
// (shared_fund_draw_max, in total); what the cap leaves goes to the socialized loss. A settled
// market's fund is swept to the shared one.
#include "unit/engine/engine_world.hpp"

#include <backstop/engine/engine_journal.hpp>
#include <backstop/fund/socialized_loss/clearing_house_waterfall.hpp>
#include <backstop/fund/socialized_loss/pro_rata_haircut.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

namespace backstop::testing {
namespace {

using Haircut = socialized_loss::ProRataHaircut<USDC>;

MarketConfig capped_market(const char* cap) {
    MarketConfig config = test_market();
    config.shared_fund_draw_max = usdc(cap).atoms();
    return config;
}

Usdc balance_at(const Ledger<USDC>& ledger, Place place) { return ledger.balance_of(place); }

// A defaulter long `size` BTC at 50,000 on the initial margin exactly (5%), a winner on the other
// side, a keeper that takes over.
struct Default {
    AccountId defaulter;
    AccountId winner;
    AccountId keeper;
};

template <class World>
Default open_default(World& w, const char* size, const char* collateral) {
    Default d{w.account(collateral), w.account("1000000"), w.account("1000000")};
    w.mark("50000");
    w.trade(d.defaulter, d.winner, size, "50000");
    return d;
}

}  // namespace

TEST_CASE("isolated fund: the market's fund pays first, the shared fund up to the cap, the socialized loss the rest",
          "[isolated][management]") {
    EngineWorld<Haircut> w(Haircut{}, EngineLimits{64, 4, 4}, capped_market("300"));
    const FundId own = w.engine.isolate_market(w.market).value();
    const Place own_place = Place::fund(own);
    w.engine.isolated_fund_deposit(w.market, usdc("100")).value();
    w.engine.fund_deposit(usdc("1000")).value();
    const Default d = open_default(w, "1", "2500");

    // At 47,000 the defaulter's 1 BTC has lost 3,000 against its 2,500: a deficit of 500, no
    // penalty. Its own fund pays its 100; the shared fund 300 (the cap); 100 is haircut from the
    // winner's profit.
    w.mark("47000");
    const auto r = w.engine.liquidate(d.defaulter, d.keeper).value();
    CHECK(r.deficit == usdc("500"));
    CHECK(r.isolated_fund_paid == usdc("100"));
    CHECK(r.fund_paid == usdc("300"));
    CHECK(r.remainder == usdc("100"));
    CHECK(r.socialized == usdc("100"));
    CHECK(r.uncovered == Usdc::zero());
    CHECK(balance_at(w.engine.ledger(), own_place) == Usdc::zero());
    CHECK(w.engine.fund().balance(w.engine.ledger()) == usdc("700"));
    CHECK(w.engine.fund().paid_in(w.market).atoms() == usdc("300").atoms());
    CHECK(w.engine.collateral(d.winner) == usdc("999900"));
    w.check_invariants();

    // The cap is used up: the next deficit (1 BTC from 47,000 to 44,000 on 2,350 of margin: 650)
    // gets nothing from either fund, though the shared one holds 700.
    const AccountId second = w.account("2350");
    w.trade(second, d.winner, "1", "47000");
    w.mark("44000");
    const auto r2 = w.engine.liquidate(second, d.keeper).value();
    CHECK(r2.deficit == usdc("650"));
    CHECK(r2.isolated_fund_paid == Usdc::zero());
    CHECK(r2.fund_paid == Usdc::zero());
    CHECK(r2.socialized == usdc("650"));
    CHECK(w.engine.fund().balance(w.engine.ledger()) == usdc("700"));
    w.check_invariants();

    // Raising the cap (a journaled market parameter) lets the shared fund pay again.
    w.engine.set_market_parameter(w.market, MarketParameter::shared_fund_draw_max, usdc("1000").atoms()).value();
    const AccountId third = w.account("2200");
    w.trade(third, d.winner, "1", "44000");
    w.mark("43000");
    // 1 BTC from 44,000 to 43,000 on 2,200: equity 1,200 < maintenance 1,290, no deficit; at
    // 41,000 the loss is 3,000 against 2,200: a deficit of 800, the shared fund pays 700.
    w.mark("41000");
    const auto r3 = w.engine.liquidate(third, d.keeper).value();
    CHECK(r3.deficit == usdc("800"));
    CHECK(r3.fund_paid == usdc("700"));
    CHECK(r3.socialized == usdc("100"));
    w.check_invariants();
}

TEST_CASE("isolated fund: the market's penalty and fee shares go to its own fund, not the shared one",
          "[isolated][management]") {
    MarketConfig config = test_market();
    config.taker_fee = Ppm{500};
    config.fee_to_fund = Ppm{1'000'000};
    EngineWorld<Haircut> w(Haircut{}, EngineLimits{64, 4, 4}, config);
    const Place own = Place::fund(w.engine.isolate_market(w.market).value());
    const Default d = open_default(w, "1", "3000");
    // The taker fee of 50,000 x 5 bps = 25, all to the market's fund (the defaulter took).
    CHECK(balance_at(w.engine.ledger(), own) == usdc("25"));
    CHECK(w.engine.fund().balance(w.engine.ledger()) == Usdc::zero());
    // At 48,000: equity 2,975 - 2,000 = 975 < maintenance 1,440: liquidated with a penalty and no
    // deficit.
    w.mark("48000");
    const auto r = w.engine.liquidate(d.defaulter, d.keeper).value();
    REQUIRE(r.penalty.is_positive());
    CHECK(r.deficit == Usdc::zero());
    CHECK(balance_at(w.engine.ledger(), own) == usdc("25") + r.penalty_split.to_fund);
    CHECK(w.engine.fund().balance(w.engine.ledger()) == Usdc::zero());
    w.check_invariants();
}

TEST_CASE("isolated fund: a settled market's fund is swept to the shared one; bad requests change nothing",
          "[isolated][management]") {
    using Commands = BasicVectorJournal<EngineCommand>;
    EngineWorld<Haircut, NullJournal> plain(Haircut{});
    const std::uint64_t untouched = plain.engine.digest();
    CHECK(plain.engine.isolated_fund_deposit(plain.market, usdc("1")).error().code == ErrorCode::market_not_isolated);
    CHECK(plain.engine.sweep_isolated_fund(plain.market).error().code == ErrorCode::market_not_isolated);
    CHECK(plain.engine.isolate_market(MarketId{7}).error().code == ErrorCode::unknown_market);
    CHECK(plain.engine.digest() == untouched);

    using Engine = MarginEngine<EngineFund<Haircut>, NullJournal, Commands>;
    Engine engine = Engine::create(EngineLimits{8, 4, 2}, {}, {}, Haircut{}).value();
    const MarketId market = engine.add_market<BTC>(test_market()).value();
    const Place own = Place::fund(engine.isolate_market(market).value());
    const std::uint64_t isolated = engine.digest();
    CHECK(engine.isolate_market(market).error().code == ErrorCode::market_already_isolated);
    CHECK(engine.isolated_fund_deposit(market, usdc("-1")).error().code == ErrorCode::amount_not_positive);
    CHECK(engine.digest() == isolated);
    engine.isolated_fund_deposit(market, usdc("400")).value();
    const AccountId a = engine.open_account().value();
    const AccountId b = engine.open_account().value();
    engine.deposit(a, usdc("10000")).value();
    engine.deposit(b, usdc("10000")).value();
    engine.set_mark(market, price("50000"), Timestamp{1'000}).value();
    engine.trade(market, a, b, btc("0.1"), price("50000")).value();

    // Still active, then reduce-only with open interest: not settled.
    const std::uint64_t open = engine.digest();
    CHECK(engine.sweep_isolated_fund(market).error().code == ErrorCode::market_not_settled);
    engine.set_market_status(market, MarketStatus::reduce_only).value();
    const std::uint64_t reducing = engine.digest();
    CHECK(engine.sweep_isolated_fund(market).error().code == ErrorCode::market_not_settled);
    CHECK(engine.digest() == reducing);
    CHECK(reducing != open);
    engine.trade(market, b, a, btc("0.1"), price("50000")).value();  // the last positions close
    CHECK(engine.open_interest(market) == 0);
    CHECK(engine.sweep_isolated_fund(market).value() == usdc("400"));
    CHECK(engine.ledger().balance_of(own) == Usdc::zero());
    CHECK(engine.fund().balance(engine.ledger()) == usdc("400"));
    CHECK(engine.ledger().audit().balanced());

    Engine replayed = Engine::create(EngineLimits{8, 4, 2}, {}, {}, Haircut{}).value();
    REQUIRE(replay_commands(engine.command_journal().entries(), engine.command_seal(), replayed).has_value());
    CHECK(replayed.digest() == engine.digest());
}

TEST_CASE("isolated fund attack: a self-trading pair cannot drain the shared fund beyond the market's cap",
          "[isolated][management][attack]") {
    // One owner holds both sides: A long 10 BTC on the initial margin, B short. The oracle is
    // pushed down 20%: A's deficit is 100,000 - 25,000 = 75,000, B's profit 100,000. Whatever the
    // funds pay towards A's deficit is B's to keep; what they do not pay is haircut from B's
    // profit (B is the only winner). So the pair gains exactly what the funds pay.
    auto attack = [](MarketConfig config, int rounds) {
        EngineWorld<Haircut> w(Haircut{}, EngineLimits{64, 4, 4}, config);
        w.engine.isolate_market(w.market).value();
        w.engine.isolated_fund_deposit(w.market, usdc("1000")).value();
        w.engine.fund_deposit(usdc("50000")).value();
        const AccountId keeper = w.account("10000000");
        detail::int128 attacker_paid_in = 0;
        detail::int128 attacker_equity = 0;
        std::int64_t at = 50'000;
        for (int round = 0; round < rounds; ++round) {
            const AccountId a = w.account("0");
            const AccountId b = w.account("0");
            const std::int64_t margin = at * 10 / 20;  // 5% of 10 BTC
            w.engine.deposit(a, Usdc(margin * 1'000'000)).value();
            w.engine.deposit(b, Usdc(std::int64_t{1'000'000} * 1'000'000)).value();
            attacker_paid_in += detail::int128(margin + 1'000'000) * 1'000'000;
            w.now_ms += 1'000;
            w.engine.set_mark(w.market, BtcPrice::from_raw(at * 1'000'000), Timestamp{w.now_ms}).value();
            w.engine.trade(w.market, a, b, btc("10"), BtcPrice::from_raw(at * 1'000'000)).value();
            at = at * 8 / 10;
            w.now_ms += 1'000;
            w.engine.set_mark(w.market, BtcPrice::from_raw(at * 1'000'000), Timestamp{w.now_ms}).value();
            const auto r = w.engine.liquidate(a, keeper).value();
            CHECK(r.uncovered == Usdc::zero());
            w.check_invariants();
            // B closes its short against the keeper: the profit left after the haircut is realised.
            w.engine.trade(w.market, b, keeper, btc("10"), BtcPrice::from_raw(at * 1'000'000)).value();
            attacker_equity += w.engine.summary(a).value().equity.atoms();
            attacker_equity += w.engine.summary(b).value().equity.atoms();
        }
        struct Outcome {
            detail::int128 attacker_gain;
            std::int64_t shared_fund_lost;
        };
        return Outcome{attacker_equity - attacker_paid_in, usdc("50000").atoms() - w.engine.fund().balance(w.engine.ledger()).atoms()};
    };
    // Capped at 5,000: over three rounds the shared fund loses 5,000 and the pair gains exactly
    // the isolated fund's 1,000 and the cap's 5,000.
    const auto capped = attack(capped_market("5000"), 3);
    CHECK(capped.shared_fund_lost == usdc("5000").atoms());
    CHECK(capped.attacker_gain == usdc("6000").atoms());
    // Without a cap the same attack takes the whole shared fund: the cap is what stops it.
    const auto uncapped = attack(test_market(), 3);
    CHECK(uncapped.shared_fund_lost == usdc("50000").atoms());
    CHECK(uncapped.attacker_gain == usdc("51000").atoms());
}

TEST_CASE("isolated fund: random draws and sweeps over isolated and shared markets conserve money and keep every cap",
          "[isolated][management]") {
    std::mt19937_64 random(20261205);
    for (int world = 0; world < 12; ++world) {
        using Fund = EngineFund<Haircut>;
        auto engine = MarginEngine<Fund>::create(EngineLimits{32, 4, 3}, {}, {}, Haircut{}).value();
        std::vector<MarketId> markets;
        std::vector<std::int64_t> marks;
        for (int m = 0; m < 3; ++m) {
            MarketConfig config = test_market();
            config.shared_fund_draw_max = static_cast<std::int64_t>(random() % 20'000) * 1'000'000;
            config.taker_fee = Ppm{static_cast<std::int64_t>(random() % 800)};
            config.fee_to_fund = Ppm{static_cast<std::int64_t>(random() % 1'000'001)};
            markets.push_back(engine.add_market<BTC>(config).value());
            marks.push_back(50'000);
            if (m < 2 || random() % 2 == 0) {
                engine.isolate_market(markets.back()).value();
                engine.isolated_fund_deposit(markets.back(), Usdc(static_cast<std::int64_t>(random() % 5'000) * 1'000'000)).value();
            }
        }
        engine.fund_deposit(usdc("30000")).value();
        std::vector<AccountId> accounts;
        for (int k = 0; k < 12; ++k) {
            accounts.push_back(engine.open_account().value());
            engine.deposit(accounts.back(), Usdc(static_cast<std::int64_t>(2'000 + random() % 30'000) * 1'000'000)).value();
        }
        const AccountId keeper = engine.open_account().value();
        engine.deposit(keeper, usdc("100000000")).value();
        std::int64_t now = 1'000;
        std::array<AccountId, 32> found{};
        for (int step = 0; step < 300; ++step) {
            const std::size_t m = random() % markets.size();
            now += 1'000;
            for (std::size_t k = 0; k < markets.size(); ++k) {
                if (k == m) marks[k] = std::max<std::int64_t>(1'000, marks[k] + static_cast<std::int64_t>(random() % 4'001) - 2'000);
                engine.set_mark(markets[k], BtcPrice::from_raw(marks[k] * 1'000'000), Timestamp{now}).value();
            }
            const std::uint64_t before = engine.digest();
            const int op = static_cast<int>(random() % 10);
            bool done = false;
            if (op < 6) {
                const AccountId buyer = accounts[random() % accounts.size()];
                const AccountId seller = accounts[random() % accounts.size()];
                done = engine.trade(markets[m], buyer, seller, Btc(static_cast<std::int64_t>(1 + random() % 20) * 100'000),
                                    BtcPrice::from_raw(marks[m] * 1'000'000), random() % 2 ? Taker::buyer : Taker::seller)
                           .has_value();
            } else if (op < 8) {
                for (const AccountId a : engine.liquidatable_accounts(Span<AccountId>(found.data(), found.size()))) {
                    if (a == keeper) continue;
                    auto r = engine.liquidate(a, keeper);
                    if (!r) continue;
                    CHECK(r->deficit.atoms() == r->isolated_fund_paid.atoms() + r->fund_paid.atoms() + r->remainder.atoms());
                    CHECK(r->remainder.atoms() == r->socialized.atoms() + r->uncovered.atoms());
                }
                done = true;
            } else if (op == 8) {
                done = engine.isolated_fund_deposit(markets[m], Usdc(static_cast<std::int64_t>(random() % 1'000) * 1'000'000)).has_value();
            } else {
                done = engine.sweep_isolated_fund(markets[m]).has_value();  // refused while the market trades
            }
            if (!done) CHECK(engine.digest() == before);
            CHECK(engine.ledger().audit().balanced());
            for (const MarketId market : markets) {
                CHECK(engine.fund().paid_in(market).atoms() <= engine.market_config(market).value().shared_fund_draw_max);
            }
        }
    }
}


TEST_CASE("isolated fund: a position in an isolated market stands alone in its account", "[isolated][management]") {
    EngineWorld<Haircut> w(Haircut{}, EngineLimits{64, 4, 4});
    const MarketId shared = w.market;
    const MarketId isolated = w.engine.add_market<BTC>(test_market()).value();
    const FundId own = w.engine.isolate_market(isolated).value();
    const AccountId a = w.account("100000");
    const AccountId b = w.account("100000");
    const AccountId c = w.account("100000");
    w.now_ms += 1'000;
    w.engine.set_mark(shared, price("50000"), Timestamp{w.now_ms}).value();
    w.engine.set_mark(isolated, price("50000"), Timestamp{w.now_ms}).value();
    w.engine.trade(shared, a, b, btc("0.1"), price("50000")).value();
    // a holds the shared market: it cannot open the isolated one, and c, once in the isolated
    // market, cannot open the shared one. Refused whole.
    const std::uint64_t before = w.engine.digest();
    CHECK(w.engine.trade(isolated, a, c, btc("0.1"), price("50000")).error().code == ErrorCode::isolated_market_conflict);
    CHECK(w.engine.trade(isolated, c, a, btc("0.1"), price("50000")).error().code == ErrorCode::isolated_market_conflict);
    CHECK(w.engine.digest() == before);
    const AccountId d = w.account("100000");
    w.engine.trade(isolated, c, d, btc("0.1"), price("50000")).value();
    const std::uint64_t held = w.engine.digest();
    CHECK(w.engine.trade(shared, c, b, btc("0.1"), price("50000")).error().code == ErrorCode::isolated_market_conflict);
    CHECK(w.engine.digest() == held);
    // More of the same isolated market is fine.
    CHECK(w.engine.trade(isolated, c, d, btc("0.1"), price("50000")).has_value());
    // A market with positions cannot become isolated; an isolated fund takes no auxiliary deposit.
    const std::uint64_t more = w.engine.digest();
    CHECK(w.engine.isolate_market(shared).error().code == ErrorCode::isolated_market_conflict);
    CHECK(w.engine.auxiliary_fund_deposit(own, usdc("1")).error().code == ErrorCode::invalid_argument);
    CHECK(w.engine.digest() == more);
}

TEST_CASE("isolated fund regression: a cross-margined account cannot get around a market's cap with a larger close elsewhere",
          "[isolated][management][attack][regression]") {
    // Review finding: the cap was the defaulting market's (where the most notional closes). A holds
    // 1 BTC in the capped market and 2 BTC in an uncapped one at 50,000, on 7,500 of margin. The
    // capped market falls to 42,000: A's equity is -500. Its full liquidation closes 100,000 of
    // notional in the uncapped market and 42,000 in the capped one; the cap (300) still applies,
    // and counts against both markets.
    EngineWorld<Haircut> w(Haircut{}, EngineLimits{64, 4, 4});
    const MarketId uncapped = w.market;
    const MarketId capped = w.engine.add_market<BTC>(capped_market("300")).value();
    w.engine.fund_deposit(usdc("1000")).value();
    const AccountId a = w.account("7500");
    const AccountId b = w.account("1000000");
    const AccountId keeper = w.account("1000000");
    w.now_ms += 1'000;
    w.engine.set_mark(uncapped, price("50000"), Timestamp{w.now_ms}).value();
    w.engine.set_mark(capped, price("50000"), Timestamp{w.now_ms}).value();
    w.engine.trade(uncapped, a, b, btc("2"), price("50000")).value();
    w.engine.trade(capped, a, b, btc("1"), price("50000")).value();
    w.now_ms += 1'000;
    w.engine.set_mark(uncapped, price("50000"), Timestamp{w.now_ms}).value();
    w.engine.set_mark(capped, price("42000"), Timestamp{w.now_ms}).value();
    const auto r = w.engine.liquidate(a, keeper).value();
    CHECK(r.deficit == usdc("500"));
    CHECK(r.fund_paid == usdc("300"));
    CHECK(r.remainder == usdc("200"));  // to the socialized loss (the uncapped market's bearers have no profit)
    CHECK(w.engine.shared_fund_drawn(capped) == usdc("300").atoms());
    CHECK(w.engine.shared_fund_drawn(uncapped) == usdc("300").atoms());
    CHECK(w.engine.fund().balance(w.engine.ledger()) == usdc("700"));
    CHECK(w.engine.ledger().audit().balanced());  // (check_invariants reads one market)
}

TEST_CASE("isolated fund regression: a default fund kept in the shared fund's place pays within the cap",
          "[isolated][management][regression]") {
    // Review finding: a clearing house's default fund that is the insurance fund's own place paid
    // past the market's cap in the socialized-loss step. Cap 300, fund 1,000, deficit 500 (the
    // first scenario of this file): the fund pays 300; its default-fund role adds nothing, and
    // with no assessments the other 200 is uncovered.
    using Waterfall = socialized_loss::ClearingHouseWaterfall<USDC>;
    EngineWorld<Waterfall> w(Waterfall{FundId{0}, usdc("1000000"), Bps{0}}, EngineLimits{64, 4, 4}, capped_market("300"));
    REQUIRE(w.engine.fund().id() == FundId{0});
    w.engine.fund_deposit(usdc("1000")).value();
    const Default d = open_default(w, "1", "2500");
    w.mark("47000");
    const auto r = w.engine.liquidate(d.defaulter, d.keeper).value();
    CHECK(r.deficit == usdc("500"));
    CHECK(r.fund_paid == usdc("300"));
    CHECK(r.socialized == Usdc::zero());
    CHECK(r.uncovered == usdc("200"));
    CHECK(w.engine.fund().balance(w.engine.ledger()) == usdc("700"));
    CHECK(w.engine.shared_fund_drawn(w.market) == usdc("300").atoms());
    w.check_invariants();
}

}  // namespace backstop::testing
