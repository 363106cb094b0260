// Trading fees (issue 13, scope 6): each side of a trade pays its maker or taker fee, of the
// fill's value rounded up; the fund's share (rounded down) goes to the market's fund, the rest to
// the treasury. The fee counts in the margin check; a fill that cannot pay it is refused whole.
#include "unit/engine/engine_world.hpp"

#include <backstop/engine/engine_journal.hpp>
#include <backstop/fund/socialized_loss/pro_rata_haircut.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>

namespace backstop::testing {
namespace {

using Haircut = socialized_loss::ProRataHaircut<USDC>;

// Taker 5 bps, maker 2 bps, half of each fee to the fund.
MarketConfig fee_market() {
    MarketConfig config = test_market();
    config.taker_fee = Ppm{500};
    config.maker_fee = Ppm{200};
    config.fee_to_fund = Ppm{500'000};
    return config;
}

std::int64_t atoms_at(const Ledger<USDC>& ledger, Place place) { return ledger.balance_of(place).atoms(); }

}  // namespace

TEST_CASE("trading fees: the taker and the maker pay their rates, split between the fund and the treasury",
          "[engine][fees][management]") {
    EngineWorld<Haircut> w(Haircut{}, EngineLimits{64, 4, 4}, fee_market());
    const AccountId buyer = w.account("1000");
    const AccountId seller = w.account("1000");
    w.mark("50000");
    // 0.1 BTC at 50,000 is worth 5,000 USDC: the taker (the buyer) pays 5,000 x 5 bps = 2.5, the
    // maker 5,000 x 2 bps = 1.0. Half of each to the fund: 1.25 + 0.5 = 1.75; the treasury 1.75.
    const auto report = w.engine.trade(w.market, buyer, seller, btc("0.1"), price("50000")).value();
    CHECK(report.buyer_fee == usdc("2.5"));
    CHECK(report.seller_fee == usdc("1"));
    CHECK(report.fees_to_fund == usdc("1.75"));
    CHECK(w.engine.collateral(buyer) == usdc("997.5"));
    CHECK(w.engine.collateral(seller) == usdc("999"));
    CHECK(w.engine.fund().balance(w.engine.ledger()) == usdc("1.75"));
    CHECK(w.engine.ledger().balance_of(Place::treasury()) == usdc("1.75"));
    w.check_invariants();

    // The seller takes: the rates swap. 0.001 BTC at 50,001 is worth 50.001 USDC = 50,001,000
    // atoms: the taker fee 25,000.5 atoms rounds up to 25,001; the maker's 10,000.2 to 10,001. The
    // fund gets floor(25,001 / 2) = 12,500 and floor(10,001 / 2) = 5,000; the treasury the rest.
    w.mark("50001");
    const auto second = w.engine.trade(w.market, buyer, seller, btc("0.001"), price("50001"), Taker::seller).value();
    CHECK(second.seller_fee.atoms() == 25'001);
    CHECK(second.buyer_fee.atoms() == 10'001);
    CHECK(second.fees_to_fund.atoms() == 17'500);
    CHECK(w.engine.fund().balance(w.engine.ledger()).atoms() == 1'750'000 + 17'500);
    // The shared fund counts them in its statistics (not as penalties).
    CHECK(w.engine.fund().statistics().fees_total.atoms() == 1'750'000 + 17'500);
    CHECK(w.engine.fund().statistics().captured_total.is_zero());
    CHECK(atoms_at(w.engine.ledger(), Place::treasury()) == 1'750'000 + 17'502);
    w.check_invariants();
}

TEST_CASE("trading fees: the fee counts in the initial-margin check, and a fill that cannot pay it is refused whole",
          "[engine][fees][management]") {
    EngineWorld<Haircut> w(Haircut{}, EngineLimits{64, 4, 4}, fee_market());
    w.mark("50000");
    // 0.1 BTC at 50,000 needs 5% = 250 USDC of initial margin. With 250 of collateral the
    // taker's fee (2.5) leaves equity 247.5 < 250: refused; 252.5 is exactly enough.
    const AccountId thin = w.account("250");
    const AccountId maker = w.account("1000");
    const std::uint64_t before = w.engine.digest();
    CHECK(w.engine.trade(w.market, thin, maker, btc("0.1"), price("50000")).error().code == ErrorCode::insufficient_margin);
    CHECK(w.engine.digest() == before);
    w.engine.deposit(thin, usdc("2.5")).value();
    CHECK(w.engine.trade(w.market, thin, maker, btc("0.1"), price("50000")).has_value());
    CHECK(w.engine.collateral(thin) == usdc("250"));
    w.check_invariants();

    // A reducing fill needs no margin, but its fee still needs collateral. At 47,500 closing
    // realises 0.1 x (47,500 - 50,000) = -250, all the collateral: the maker fee (4,750 x 2 bps =
    // 0.95) cannot be paid, the close is refused and nothing moves (it will be liquidated instead).
    w.mark("47500");
    const std::uint64_t held = w.engine.digest();
    CHECK(w.engine.trade(w.market, maker, thin, btc("0.1"), price("47500")).error().code ==
          ErrorCode::insufficient_collateral);
    CHECK(w.engine.digest() == held);
    // At 47,600 it realises -240 and the fee 4,760 x 2 bps = 0.952 leaves 9.048.
    const auto close = w.engine.trade(w.market, maker, thin, btc("0.1"), price("47600")).value();
    CHECK(close.seller_fee == usdc("0.952"));
    CHECK(w.engine.collateral(thin) == usdc("9.048"));
    w.check_invariants();
}

TEST_CASE("trading fees: a fee change applies from the next trade, is bounded, and replays from the journal",
          "[engine][fees][management]") {
    using Commands = BasicVectorJournal<EngineCommand>;
    using Engine = MarginEngine<EngineFund<Haircut>, NullJournal, Commands>;
    Engine engine = Engine::create(EngineLimits{8, 4, 2}, {}, {}, Haircut{}).value();
    const MarketId market = engine.add_market<BTC>(fee_market()).value();
    const AccountId a = engine.open_account().value();
    const AccountId b = engine.open_account().value();
    engine.deposit(a, usdc("10000")).value();
    engine.deposit(b, usdc("10000")).value();
    engine.set_mark(market, price("50000"), Timestamp{1'000}).value();

    const std::uint64_t before = engine.digest();
    CHECK(engine.set_market_parameter(market, MarketParameter::taker_fee, 100'001).error().code ==
          ErrorCode::invalid_market_config);  // above 10%: a unit mistake
    CHECK(engine.set_market_parameter(market, MarketParameter::maker_fee, -1).error().code == ErrorCode::invalid_market_config);
    CHECK(engine.set_market_parameter(market, MarketParameter::fee_to_fund, 1'000'001).error().code ==
          ErrorCode::invalid_market_config);
    CHECK(engine.set_market_parameter(market, static_cast<MarketParameter>(99), 1).error().code == ErrorCode::invalid_argument);
    CHECK(engine.digest() == before);

    CHECK(engine.trade(market, a, b, btc("0.1"), price("50000")).value().buyer_fee == usdc("2.5"));
    engine.set_market_parameter(market, MarketParameter::taker_fee, 1'000).value();  // 10 bps
    engine.set_market_parameter(market, MarketParameter::fee_to_fund, 1'000'000).value();
    CHECK(engine.digest() != before);
    const auto later = engine.trade(market, b, a, btc("0.1"), price("50000"), Taker::seller).value();
    CHECK(later.seller_fee == usdc("5"));
    CHECK(later.fees_to_fund == usdc("6"));  // all of the 5 + the maker's 1

    Engine replayed = Engine::create(EngineLimits{8, 4, 2}, {}, {}, Haircut{}).value();
    REQUIRE(replay_commands(engine.command_journal().entries(), engine.command_seal(), replayed).has_value());
    CHECK(replayed.digest() == engine.digest());
    CHECK(replayed.fund().balance(replayed.ledger()) == engine.fund().balance(engine.ledger()));
}

TEST_CASE("trading fees: random trades with random fees conserve money, and the fees reported are what moved",
          "[engine][fees][management]") {
    std::mt19937_64 random(20261205);
    for (int world = 0; world < 20; ++world) {
        MarketConfig config = test_market();
        config.taker_fee = Ppm{static_cast<std::int64_t>(random() % 1'001)};
        config.maker_fee = Ppm{static_cast<std::int64_t>(random() % 1'001)};
        config.fee_to_fund = Ppm{static_cast<std::int64_t>(random() % 1'000'001)};
        EngineWorld<Haircut> w(Haircut{}, EngineLimits{16, 4, 4}, config);
        std::vector<AccountId> accounts;
        for (int k = 0; k < 6; ++k) accounts.push_back(w.account("20000"));
        std::int64_t fees = 0;
        for (int step = 0; step < 200; ++step) {
            const std::int64_t mark = 49'000 + static_cast<std::int64_t>(random() % 2'000);
            w.now_ms += 100;
            w.engine.set_mark(w.market, BtcPrice::from_raw(mark * 1'000'000), Timestamp{w.now_ms}).value();
            const AccountId buyer = accounts[random() % accounts.size()];
            const AccountId seller = accounts[random() % accounts.size()];
            const std::int64_t lots = 1 + static_cast<std::int64_t>(random() % 300);
            const std::int64_t price_raw = (mark - 5 + static_cast<std::int64_t>(random() % 11)) * 1'000'000;
            const Taker taker = random() % 2 == 0 ? Taker::buyer : Taker::seller;
            const std::int64_t fund_before = w.engine.fund().balance(w.engine.ledger()).atoms();
            const std::int64_t treasury_before = atoms_at(w.engine.ledger(), Place::treasury());
            const std::uint64_t digest_before = w.engine.digest();
            auto report = w.engine.trade(w.market, buyer, seller, Btc(lots * 100'000), BtcPrice::from_raw(price_raw), taker);
            if (!report) {
                CHECK(w.engine.digest() == digest_before);
                continue;
            }
            const std::int64_t paid = report->buyer_fee.atoms() + report->seller_fee.atoms();
            CHECK(w.engine.fund().balance(w.engine.ledger()).atoms() - fund_before == report->fees_to_fund.atoms());
            CHECK(atoms_at(w.engine.ledger(), Place::treasury()) - treasury_before == paid - report->fees_to_fund.atoms());
            // Each fee is the value's rate, rounded up: within one atom of the exact product.
            const detail::int128 exact_taker = detail::int128(report->value.atoms()) * config.taker_fee.count();
            const std::int64_t taker_fee = (taker == Taker::buyer ? report->buyer_fee : report->seller_fee).atoms();
            CHECK(detail::int128(taker_fee) * 1'000'000 >= exact_taker);
            CHECK(detail::int128(taker_fee - 1) * 1'000'000 < exact_taker);
            fees += paid;
            w.check_invariants();
        }
        CHECK(fees > 0);
    }
}

}  // namespace backstop::testing
