// Commits take their plan's word: a commit's argument that no plan could have produced is a
// caller's bug, caught by a BACKSTOP_ASSERT. In this binary a failed assert throws (AssertHit),
// so a test can show that such a call stops at the assert instead of corrupting memory.
#include "swarm/swarm_assert.hpp"  // first: BACKSTOP_ASSERT throws

#include <backstop/fund/fee_capture/fixed_shares.hpp>
#include <backstop/fund/insurance_fund.hpp>
#include <backstop/fund/settlement/cover_up_to_balance.hpp>
#include <backstop/fund/socialized_loss/pro_rata_haircut.hpp>
#include <backstop/money/assets.hpp>

#include <catch2/catch.hpp>

namespace backstop_swarm {
namespace {

using namespace backstop;
using namespace backstop::assets;
using Fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                           socialized_loss::ProRataHaircut<USDC>>;

// commit_settle indexed its per-market tally with the context's market unchecked: a market
// beyond the fund's limits wrote out of bounds (AddressSanitizer: SEGV). plan_settle refuses it.
TEST_CASE("commit_settle in a market the fund does not have stops at an assert, not out of bounds",
          "[regression][fund]") {
    Ledger<USDC> ledger;
    Fund fund = Fund::open(ledger, {}, {}, {}, FundLimits{4}).value();
    const SettleContext unknown{Place::dust(), MarketId{100'000}};
    CHECK(fund.plan_settle(ledger, Amount<USDC>(5), unknown).error().code == ErrorCode::unknown_market);
    const std::uint64_t digest = ledger.digest();
    CHECK_THROWS_AS(fund.commit_settle(ledger, Amount<USDC>(5), Amount<USDC>(0), unknown), AssertHit);
    CHECK(ledger.digest() == digest);
    const SettleContext known{Place::dust(), MarketId{3}};
    CHECK(fund.commit_settle(ledger, Amount<USDC>(5), Amount<USDC>(0), known).remainder == Amount<USDC>(5));
}

}  // namespace
}  // namespace backstop_swarm
