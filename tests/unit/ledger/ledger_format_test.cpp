// Ids, places, transfers and the audit print readably (issue 15: printing).
#include <backstop/ledger/ledger.hpp>
#include <backstop/ledger/ledger_format.hpp>
#include <backstop/money/assets.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

namespace test_ledger_ledger_format_test {

using namespace backstop;
using namespace backstop::assets;

TEST_CASE("Ledger ids say what they are", "[docs][format][ledger]") {
    CHECK(fmt::format("{}", AccountId{7}) == "account 7");
    CHECK(fmt::format("{}", FundId{0}) == "fund 0");
    CHECK(fmt::format("{}", LiquidatorId{2}) == "liquidator 2");
    CHECK(fmt::format("{}", StrategyId{4294967295u}) == "strategy 4294967295");
    CHECK(fmt::format("[{:>12}]", AccountId{7}) == "[   account 7]");
    CHECK(fmt::format("[{:-<12}]", FundId{1}) == "[fund 1------]");
}

TEST_CASE("Places, kinds, reasons and transfers print", "[docs][format][ledger]") {
    CHECK(fmt::format("{}", PlaceKind::socialized_loss) == "socialized_loss");
    CHECK(fmt::format("{}", TransferReason::penalty_to_fund) == "penalty_to_fund");
    CHECK(fmt::format("{}", Place::collateral(AccountId{3})) == "collateral of account 3");
    CHECK(fmt::format("{}", Place::fund(FundId{0})) == "fund 0");
    CHECK(fmt::format("{}", Place::liquidator(LiquidatorId{5})) == "liquidator 5");
    CHECK(fmt::format("{}", Place::strategy(StrategyId{1})) == "strategy 1");
    CHECK(fmt::format("{}", Place::treasury()) == "treasury");
    CHECK(fmt::format("{}", Place::external()) == "external");
    CHECK(fmt::format("{:>10}|", Place::dust()) == "      dust|");

    const Transfer<USDC> transfer{Place::collateral(AccountId{1}), Place::fund(FundId{0}),
                                  Amount<USDC>(211'845'000), TransferReason::penalty_to_fund};
    CHECK(fmt::format("{}", transfer) == "211.845000 USDC collateral of account 1 -> fund 0 (penalty_to_fund)");
    const Transfer<ETH> wide{Place::external(), Place::treasury(), Amount<ETH>(Int128(5)), TransferReason::other};
    CHECK(fmt::format("{}", wide) == "0.000000000000000005 ETH external -> treasury (other)");
}

TEST_CASE("The audit prints the conservation equation term by term", "[docs][format][ledger]") {
    Ledger<USDC> ledger(LedgerLimits{/*accounts_max*/ 4, /*funds_max*/ 1, /*liquidators_max*/ 0});
    const AccountId alice = ledger.open_account().value();
    const AccountId bob = ledger.open_account().value();
    const FundId fund = ledger.open_fund().value();
    ledger.transfer(Place::external(), Place::collateral(alice), Amount<USDC>(1'000'000'000), TransferReason::deposit)
        .value();
    ledger.transfer(Place::external(), Place::collateral(bob), Amount<USDC>(250'500'000), TransferReason::deposit)
        .value();
    ledger.transfer(Place::collateral(bob), Place::fund(fund), Amount<USDC>(500'000), TransferReason::penalty_to_fund)
        .value();

    // Every kind of place the ledger has is listed, in PlaceKind order, even when at zero.
    CHECK(fmt::format("{}", ledger.audit()) ==
          "balanced: 9 places sum to 0 atoms\n"
          "  external        -1250500000 atoms   1 place\n"
          "  collateral       1250000000 atoms   2 places\n"
          "  fund                 500000 atoms   1 place\n"
          "  treasury                  0 atoms   1 place\n"
          "  socialized_loss           0 atoms   1 place\n"
          "  dust                      0 atoms   1 place\n"
          "  pnl_pool                  0 atoms   1 place\n"
          "  funding_pool              0 atoms   1 place");
    CHECK(fmt::format("{}", audit_in<USDC>(ledger.audit())) ==
          "balanced: 9 places sum to 0.000000 USDC\n"
          "  external        -1250.500000 USDC   1 place\n"
          "  collateral       1250.000000 USDC   2 places\n"
          "  fund                0.500000 USDC   1 place\n"
          "  treasury            0.000000 USDC   1 place\n"
          "  socialized_loss     0.000000 USDC   1 place\n"
          "  dust                0.000000 USDC   1 place\n"
          "  pnl_pool            0.000000 USDC   1 place\n"
          "  funding_pool        0.000000 USDC   1 place");

    // An audit that does not balance says so, and the kinds with a sum but no place show too.
    Audit<std::int64_t> broken;
    broken.sum_by_kind[static_cast<std::size_t>(PlaceKind::dust)] = 3;
    broken.total = 3;
    CHECK(fmt::format("{}", broken) == "NOT BALANCED: 0 places sum to 3 atoms\n  dust            3 atoms   0 places");
    // Int128 ledgers sum in Int192: -2^130 here, beyond Int128.
    Audit<Int128> wide;
    wide.places_by_kind[0] = 1;
    for (int i = 0; i < 16; ++i) wide.sum_by_kind[0] -= Int128(1) << 126;
    wide.total = wide.sum_by_kind[0];
    CHECK(fmt::format("{}", audit_in<ETH>(wide)) ==
          "NOT BALANCED: 1 place sum to -1361129467683753853853.498429727072845824 ETH\n"
          "  external        -1361129467683753853853.498429727072845824 ETH   1 place");
}

}  // namespace test_ledger_ledger_format_test
