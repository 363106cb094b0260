// The policy example from docs/fund.md, compiled and run here; a second test checks that the
// page shows exactly this code, so the documentation cannot drift from what compiles.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "unit/fund/fund_world.hpp"

// [custom-policy-begin]
#include <algorithm>

#include <backstop/fund/fee_capture/fixed_shares.hpp>
#include <backstop/fund/insurance_fund.hpp>
#include <backstop/fund/socialized_loss/pro_rata_haircut.hpp>

// A settlement policy of our own: never pay more than half of the fund's balance for one
// deficit, so that one default cannot empty the fund.
template <class Asset>
struct AtMostHalfPerEvent {
    using asset_type = Asset;  // the asset of the fund it serves
    using Money = backstop::Amount<Asset>;

    backstop::Result<void> validate() const { return {}; }  // no parameters to check

    // Nothing is held back below a floor.
    Money reserve(const backstop::FundState<Asset>&) const { return Money::zero(); }

    // Pure: decide from the deficit and the fund's state; the fund makes the transfer.
    Money payable(const Money& deficit, const backstop::SettleContext&,
                  const backstop::FundState<Asset>& fund) const {
        const Money half = backstop::mul_div(fund.balance, 1, 2, backstop::round_down).value();
        return std::min(deficit, half);
    }
};

using HalfFund = backstop::InsuranceFund<backstop::assets::USDC,
                                         backstop::fee_capture::FixedShares<backstop::assets::USDC>,
                                         AtMostHalfPerEvent<backstop::assets::USDC>,
                                         backstop::socialized_loss::ProRataHaircut<backstop::assets::USDC>>;
// [custom-policy-end]

namespace test_fund_custom_policy_test {

using namespace backstop;
using namespace backstop::testing;

TEST_CASE("a policy written by the user plugs into the fund", "[fund][policy]") {
    FundWorld<> world;
    HalfFund fund = HalfFund::open(world.ledger, {}, {}, {}).value();
    world.seed(fund, usdc("1000.000001"));
    // Half of 1,000.000001 rounds down to 500.000000: a 700 deficit gets 500, 200 remains.
    const auto report = fund.settle(world.ledger, usdc("700"),
                                    SettleContext{Place::socialized_loss(), MarketId{0}})
                            .value();
    CHECK(report.paid == usdc("500"));
    CHECK(report.remainder == usdc("200"));
    CHECK(fund.balance(world.ledger) == usdc("500.000001"));
    CHECK(world.ledger.audit().balanced());
}

TEST_CASE("docs/fund.md shows the policy example that compiles here", "[fund][policy][docs]") {
    // The path is appended, not built with operator+ on a temporary: GCC 12 at -O1 in C++20 warns
    // falsely about that (-Warray-bounds in char_traits::copy, GCC bug 105651).
    auto read = [](const char* relative) {
        std::string path = BACKSTOP_SOURCE_DIR;
        path += relative;
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    };
    const std::string source = read("/tests/unit/fund/custom_policy_test.cpp");
    const std::string page = read("/docs/fund.md");
    const std::string begin = "// [custom-policy-begin]\n";
    const auto from = source.find(begin);
    const auto to = source.find("// [custom-policy-end]");
    REQUIRE(from != std::string::npos);
    REQUIRE(to != std::string::npos);
    const std::string example = source.substr(from + begin.size(), to - from - begin.size());
    REQUIRE(example.size() > 500);
    CHECK(page.find(example) != std::string::npos);
}

}  // namespace test_fund_custom_policy_test
