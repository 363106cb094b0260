// The engine's reports print every field readably (issue 15: printing).
#include <backstop/engine/engine_format.hpp>
#include <backstop/money/assets.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

namespace test_engine_engine_format_test {

using namespace backstop;
using namespace backstop::assets;

namespace {
Amount<USDC> usdc(const char* text) { return Amount<USDC>::parse(text).value(); }
}  // namespace

TEST_CASE("Fund and engine vocabulary prints", "[docs][format][engine]") {
    CHECK(fmt::format("{}", MarketId{3}) == "market 3");
    CHECK(fmt::format("{} {}", Side::long_side, Side::short_side) == "long short");
    CHECK(fmt::format("{}", LossLayer::auto_deleveraging) == "auto_deleveraging");
    PenaltySplit<USDC> split{usdc("5"), usdc("4"), usdc("1"), usdc("0.000001")};
    CHECK(fmt::format("{}", split) ==
          "liquidator 5.000000 USDC, fund 4.000000 USDC, treasury 1.000000 USDC, dust 0.000001 USDC");
    const PositionChange change{AccountId{1}, MarketId{0}, 40'000'000, -5};
    CHECK(fmt::format("{}", change) == "account 1 in market 0: 40000000 -> -5 base atoms");
    AccountSummary<USDC> summary{usdc("1000"), usdc("480"), usdc("1000"), usdc("584.4"), usdc("-520"), 1, true};
    CHECK(fmt::format("{}", summary) ==
          "collateral 1000.000000 USDC, equity 480.000000 USDC, initial 1000.000000 USDC, maintenance "
          "584.400000 USDC, free -520.000000 USDC, 1 position, liquidatable");
}

TEST_CASE("A partial liquidation report prints", "[docs][format][engine]") {
    // The README's engine program: Alice's 0.4 BTC at 50,000, marked at 48,700.
    LiquidationReport<USDC> r;
    r.account = AccountId{1};
    r.liquidator = AccountId{2};
    r.closed[0] = PositionChange{AccountId{1}, MarketId{0}, 40'000'000, 11'000'000};
    r.closed_count = 1;
    r.equity_before = usdc("480");
    r.closed_notional = usdc("14123");
    r.realised_pnl = usdc("-377");
    r.penalty = usdc("211.845");
    r.penalty_split.to_fund = usdc("211.845");
    r.equity_after = usdc("268.155");
    r.transfers.add({Place::collateral(AccountId{1}), Place::pnl_pool(), usdc("377"), TransferReason::realised_pnl});
    r.transfers.add({Place::collateral(AccountId{1}), Place::fund(FundId{0}), usdc("211.845"),
                     TransferReason::penalty_to_fund});
    CHECK(fmt::format("{}", r) ==
          "partial liquidation of account 1 by account 2\n"
          "  closed              market 0: 40000000 -> 11000000 base atoms\n"
          "  equity before         480.000000 USDC\n"
          "  closed notional     14123.000000 USDC\n"
          "  realised pnl         -377.000000 USDC\n"
          "  discount                0.000000 USDC\n"
          "  penalty               211.845000 USDC\n"
          "    to liquidator         0.000000 USDC\n"
          "    to fund             211.845000 USDC\n"
          "    to treasury           0.000000 USDC\n"
          "    to dust               0.000000 USDC\n"
          "  deficit                 0.000000 USDC\n"
          "  isolated fund paid      0.000000 USDC\n"
          "  fund paid               0.000000 USDC\n"
          "  remainder               0.000000 USDC\n"
          "  socialized              0.000000 USDC\n"
          "  uncovered               0.000000 USDC\n"
          "  equity after          268.155000 USDC\n"
          "  transfers           2\n"
          "    377.000000 USDC collateral of account 1 -> pnl_pool (realised_pnl)\n"
          "    211.845000 USDC collateral of account 1 -> fund 0 (penalty_to_fund)");
}

TEST_CASE("A full liquidation with a deficit prints the waterfall", "[docs][format][engine]") {
    LiquidationReport<USDC> r;
    r.account = AccountId{9};
    r.liquidator = AccountId{0};
    r.full = true;
    r.closed[0] = PositionChange{AccountId{9}, MarketId{0}, -100, 0};
    r.closed[1] = PositionChange{AccountId{9}, MarketId{2}, 7, 0};
    r.closed_count = 2;
    r.equity_before = usdc("-50");
    r.deficit = usdc("50");
    r.fund_paid = usdc("30");
    r.remainder = usdc("20");
    r.socialized = usdc("15");
    r.uncovered = usdc("5");
    r.socialized_by = LossLayer::auto_deleveraging;
    r.allocation_count = 1;
    r.socialization_failed = true;
    r.socialization_error = ErrorCode::invalid_argument;
    for (int i = 0; i < 26; ++i) r.transfers.add({Place::fund(FundId{0}), Place::collateral(AccountId{9}), usdc("1"),
                                                  TransferReason::bad_debt_payment});
    const std::string text = fmt::format("{}", r);
    CHECK(text.rfind("full liquidation of account 9 by account 0\n"
                     "  closed              market 0: -100 -> 0 base atoms\n"
                     "                      market 2: 7 -> 0 base atoms\n"
                     "  equity before       -50.000000 USDC\n",
                     0) == 0);
    CHECK(text.find("  socialized           15.000000 USDC by auto_deleveraging, 1 allocation\n"
                    "  uncovered             5.000000 USDC\n"
                    "  socialization failed: invalid_argument\n") != std::string::npos);
    CHECK(text.find("  transfers           26\n    1.000000 USDC fund 0 -> collateral of account 9 (bad_debt_payment)\n") !=
          std::string::npos);
    CHECK(text.find("\n    ... and 2 more") + 19 == text.size());
}

}  // namespace test_engine_engine_format_test
