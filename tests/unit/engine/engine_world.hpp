// A small exchange for engine tests: one BTC/USDC market on dYdX v4's large-cap parameters
// (IMF 5%, MMF 3%, penalty 1.5%, no liquidator discount), lot 0.001 BTC, tick 1 USDC, and named
// accounts, so that each test reads as the arithmetic in its comments.
#pragma once

#include <backstop/engine/margin_engine.hpp>
#include <backstop/engine/presets.hpp>
#include <backstop/fund/any_policy.hpp>
#include <backstop/money/assets.hpp>
#include <backstop/money/format.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "support/usdc.hpp"

namespace backstop::testing {

using assets::BTC;
using assets::USDC;
using Usdc = Amount<USDC>;
using BtcPrice = Price<BTC, USDC>;
using Btc = Quantity<BTC>;

inline BtcPrice price(const char* text) { return BtcPrice::parse(text).value(); }
inline Btc btc(const char* text) { return Btc::parse(text).value(); }

inline MarketConfig test_market() {
    MarketConfig config = presets::dydx_v4::large_cap();
    config.lot_size = 100'000;        // 0.001 BTC
    config.tick_size = 1'000'000;     // 1 USDC
    config.staleness_max_ms = 60'000;
    return config;
}

template <class SocializedLoss>
using EngineFund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                                 SocializedLoss>;

template <class SocializedLoss, class Journal = NullJournal>
struct EngineWorld {
    using Fund = EngineFund<SocializedLoss>;
    using Engine = MarginEngine<Fund, Journal>;
    Engine engine;
    MarketId market;
    std::int64_t now_ms = 1'000;

    explicit EngineWorld(SocializedLoss socialized = SocializedLoss{}, EngineLimits limits = EngineLimits{64, 4, 4},
                         MarketConfig config = test_market(), Journal journal = Journal{})
        : engine(Engine::create(limits, {}, {}, std::move(socialized), std::move(journal)).value()),
          market(engine.template add_market<BTC>(config).value()) {}

    AccountId account(const char* collateral) {
        const AccountId id = engine.open_account().value();
        if (parse<Usdc>(collateral).value().is_positive()) engine.deposit(id, usdc(collateral)).value();
        return id;
    }
    void mark(const char* text) {
        now_ms += 1'000;
        engine.set_mark(market, price(text), Timestamp{now_ms}).value();
    }
    void trade(AccountId buyer, AccountId seller, const char* size, const char* at) {
        engine.trade(market, buyer, seller, btc(size), price(at)).value();
    }
    AccountSummary<USDC> summary(AccountId id) const { return engine.summary(id).value(); }
    // Exact conservation and zero-sum checks.
    void check_invariants() const {
        const auto audit = engine.ledger().audit();
        CHECK(audit.balanced());
        // Per market, sizes sum to zero; pnl_pool + sum of costs = -uncovered.
        detail::int128 size_sum = 0;
        detail::int128 cost_sum = 0;
        for (std::uint32_t a = 0; a < engine.ledger().account_count(); ++a) {
            const auto view = engine.position(AccountId{a}, market);
            size_sum += view.size;
            cost_sum += view.cost;
        }
        CHECK(size_sum == 0);
        const detail::int128 pool = engine.ledger().balance_of(Place::pnl_pool()).atoms();
        CHECK(pool + cost_sum + static_cast<detail::int128>(engine.uncovered_total().atoms()) == 0);
    }
};

}  // namespace backstop::testing
