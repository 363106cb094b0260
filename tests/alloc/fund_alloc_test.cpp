// The fund's hot path does not allocate: after set-up (ledger, fund, policies' scratch, the
// caller's allocation buffer, a fixed-capacity ring journal), thousands of capture, settle and
// socialize calls under every socialized-loss policy perform zero heap allocations.
#include <backstop/fund/any_policy.hpp>
#include <backstop/ledger/ledger.hpp>
#include <backstop/money/assets.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "allocation_counter.hpp"

using namespace backstop;
using namespace backstop::assets;

namespace {

using Usdc = Amount<USDC>;
using Journal = RingJournal<USDC>;

template <class SocializedLoss>
std::uint64_t allocations_during_fund_operations(SocializedLoss socialized) {
    constexpr std::uint32_t account_count = 256;
    Ledger<USDC, Journal> ledger(LedgerLimits{account_count, 4, 1}, Journal(4'096));
    const FundId default_fund = ledger.open_fund().value();
    (void)ledger.transfer(Place::external(), Place::fund(default_fund), Usdc(1'000'000'000'000),
                          TransferReason::fund_deposit);
    std::vector<AccountId> accounts;
    for (std::uint32_t i = 0; i < account_count; ++i) {
        accounts.push_back(ledger.open_account().value());
        (void)ledger.transfer(Place::external(), Place::collateral(accounts.back()), Usdc(1'000'000'000'000),
                              TransferReason::deposit);
    }
    const LiquidatorId liquidator = ledger.open_liquidator().value();
    using Fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverAboveFloor<USDC>,
                               SocializedLoss>;
    Fund fund = Fund::open(ledger, {Bps{5'000}, Bps{1'000}}, {Usdc(1'000'000)}, socialized).value();
    (void)fund.deposit(ledger, Place::external(), Usdc(50'000'000'000));

    std::vector<LossBearer<USDC>> bearers(account_count);
    for (std::uint32_t i = 0; i < account_count; ++i) {
        bearers[i].account = accounts[i];
        bearers[i].size_atoms = 1'000'000 + i;
        bearers[i].entry_value = Usdc(60'000'000'000);
        bearers[i].position_value = Usdc(55'000'000'000 - 1'000'000 * std::int64_t{i});
        bearers[i].unrealised_pnl = bearers[i].entry_value - bearers[i].position_value;
        bearers[i].collateral = Usdc(1'000'000'000);
        bearers[i].maintenance = Usdc(1'650'000'000);
    }
    std::vector<Allocation<USDC>> out(account_count + 1);
    SocializeContext context{Place::socialized_loss(), MarketId{0}};
    context.defaulter_size_atoms = 50'000'000;

    const std::uint64_t before = testing::allocation_count();
    std::uint64_t successes = 0;
    for (std::uint64_t i = 0; i < 2'000; ++i) {
        const Place source = Place::collateral(accounts[i % account_count]);
        successes += fund.capture(ledger, Usdc(1'000'000 + static_cast<std::int64_t>(i)),
                                  CaptureContext{source, Place::liquidator(liquidator), MarketId{0}})
                         .has_value();
        successes += fund.settle(ledger, Usdc(3'000'000 + static_cast<std::int64_t>(i)),
                                 SettleContext{Place::socialized_loss(), MarketId{0}})
                         .has_value();
        context.event_seed = i;
        successes += fund.socialize(ledger, Usdc(5'000 + static_cast<std::int64_t>(i)), bearers, out, context)
                         .has_value();
        // Refusals must not allocate either.
        successes += fund.capture(ledger, Usdc(-1), CaptureContext{source, Place::liquidator(liquidator), MarketId{0}})
                         .has_value();
    }
    const std::uint64_t after = testing::allocation_count();
    CHECK(successes == 3 * 2'000);
    CHECK(ledger.journal().dropped() > 0);  // the ring wrapped: recording stayed allocation-free
    return after - before;
}

}  // namespace

TEST_CASE("capture, settle and socialize do not allocate", "[fund][alloc]") {
    // The canary: the counter sees an allocation when there is one.
    const std::uint64_t before = testing::allocation_count();
    auto* canary = new std::vector<int>(3);
    const std::uint64_t after = testing::allocation_count();
    delete canary;
    CHECK(after - before >= 1);

    using namespace socialized_loss;
    CHECK(allocations_during_fund_operations(RankedAdl<USDC, adl_rank::PnlTimesLeverage>(512)) == 0);
    CHECK(allocations_during_fund_operations(RankedAdl<USDC, adl_rank::BinanceLeveragePnl>(512)) == 0);
    CHECK(allocations_during_fund_operations(RandomStartAdl<USDC>{}) == 0);
    CHECK(allocations_during_fund_operations(ProRataHaircut<USDC>{}) == 0);
    CHECK(allocations_during_fund_operations(FundingSocialization<USDC>{}) == 0);
    CHECK(allocations_during_fund_operations(ClearingHouseWaterfall<USDC>{FundId{0}, Usdc(1'000'000), Bps{100}}) == 0);
    CHECK(allocations_during_fund_operations(AnySocializedLoss<USDC>(RankedAdl<USDC>(512))) == 0);
}
