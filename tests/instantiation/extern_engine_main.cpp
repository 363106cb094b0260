// A translation unit of the service: the engine's members come from engine_instantiations.cpp,
// so this one compiles only what it writes (without that file the program does not link).
#include "service_engine.hpp"

#include <backstop/engine/presets.hpp>

#include <array>
#include <cstdio>

int main() {
    using namespace backstop;
    using namespace backstop::assets;
    auto engine = service::Engine::create(EngineLimits{8, 2, 2}, {}, {}, socialized_loss::RankedAdl<USDC>(8)).value();
    MarketConfig config = presets::dydx_v4::large_cap();
    config.lot_size = 100'000;
    const MarketId btc = engine.add_market<BTC>(config).value();
    const AccountId maker = engine.open_account().value();
    const AccountId alice = engine.open_account().value();
    const AccountId keeper = engine.open_account().value();
    engine.deposit(maker, Amount<USDC>(1'000'000'000'000)).value();
    engine.deposit(alice, Amount<USDC>(1'000'000'000)).value();
    engine.deposit(keeper, Amount<USDC>(100'000'000'000)).value();
    const auto price = [](const char* text) { return Price<BTC, USDC>::parse(text).value(); };
    engine.set_mark(btc, price("50000"), Timestamp{1'000}).value();
    engine.trade(btc, alice, maker, Quantity<BTC>::parse("0.4").value(), price("50000")).value();
    engine.set_mark(btc, price("48700"), Timestamp{2'000}).value();
    std::array<AccountId, 8> due{};
    int liquidated = 0;
    for (const AccountId id : engine.liquidatable_accounts(due)) {
        const LiquidationReport<USDC> report = engine.liquidate(id, keeper).value();
        liquidated += report.closed_notional.is_positive() ? 1 : 0;
    }
    std::printf("liquidated %d account(s)\n", liquidated);
    return liquidated == 1 ? 0 : 1;
}
