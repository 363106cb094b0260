// Regression tests for issue 12, finding 9: inputs on which the fund and its policies overflowed
// (undefined behaviour, or a BACKSTOP_ASSERT abort in the middle of a commit). Each case now
// either completes with money conserved or is refused with a typed error that changes nothing.
// Amounts here are raw atoms near the top of int64, where the bugs lived.
#include <catch2/catch.hpp>

#include "unit/fund/fund_world.hpp"

#include <cstdint>
#include <limits>
#include <vector>

namespace test_regression_fund_regression_test {

using namespace backstop;
using namespace backstop::testing;

namespace {

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
using Wide = Amount<USDC, Int128>;

// Puts `atoms` at `place`, taken from the funding pool: the pool may go negative, and leaving the
// outside world alone keeps room there for the ordinary deposits (no place can go below
// int64 min, so near-limit balances need sources of their own).
template <class Ledger>
void fill(Ledger& ledger, Place place, std::int64_t atoms, Place source = Place::funding_pool()) {
    ledger.transfer(source, place, Usdc(atoms), TransferReason::deposit).value();
}

template <class SocializedLoss>
using SharesFund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>,
                                 settlement::CoverUpToBalance<USDC>, SocializedLoss>;

// A bearer given in atoms: `size_atoms` long, `profit_atoms` of unrealised profit.
LossBearer<USDC> bearer_atoms(std::uint32_t account, std::int64_t size_atoms, std::int64_t profit_atoms,
                              std::int64_t collateral_atoms) {
    LossBearer<USDC> b;
    b.account = AccountId{account};
    b.side = Side::long_side;
    b.size_atoms = size_atoms;
    b.entry_value = Usdc(1'000'000);
    b.position_value = Usdc(1'000'000 + profit_atoms);
    b.unrealised_pnl = Usdc(profit_atoms);
    b.collateral = Usdc(collateral_atoms);
    b.maintenance = Usdc(10'000);
    return b;
}

}  // namespace

// ---- fee capture ------------------------------------------------------------------------------

TEST_CASE("fixed shares whose sum passes int64 are refused by validate, not accepted to throw in split",
          "[regression][fund]") {
    // The shares used to be added in int64: INT64_MAX + INT64_MAX wrapped to -2 (undefined
    // behaviour), which is "at most 100%", so the policy was accepted and split() then threw.
    for (const auto& shares : {std::pair<Bps, Bps>{Bps{int64_max}, Bps{int64_max}},
                               std::pair<Bps, Bps>{Bps{int64_max}, Bps{2}},
                               std::pair<Bps, Bps>{Bps{2}, Bps{int64_max}},
                               std::pair<Bps, Bps>{Bps{10'001}, Bps{0}},
                               std::pair<Bps, Bps>{Bps{0}, Bps{10'001}},
                               std::pair<Bps, Bps>{Bps{6'000}, Bps{4'001}}}) {
        const fee_capture::FixedShares<USDC> policy{shares.first, shares.second};
        const Result<void> valid = policy.validate();
        REQUIRE_FALSE(valid.has_value());
        CHECK(valid.error().code == ErrorCode::invalid_policy_parameter);

        FundWorld<> world;
        const std::uint64_t digest_before = world.ledger.digest();
        const auto fund = SharesFund<socialized_loss::ProRataHaircut<USDC>>::open(world.ledger, policy, {}, {});
        REQUIRE_FALSE(fund.has_value());
        CHECK(fund.error().code == ErrorCode::invalid_policy_parameter);
        CHECK(world.ledger.fund_count() == 0);
        CHECK(world.ledger.digest() == digest_before);
    }
    // The boundary itself is valid: 100% in total.
    CHECK(fee_capture::FixedShares<USDC>{Bps{6'000}, Bps{4'000}}.validate().has_value());
}

TEST_CASE("capture to a liquidator that is the treasury is refused or split without overflow, not aborted",
          "[regression][fund]") {
    // Liquidator 50%, treasury 50%: a 16-atom penalty sends 8 + 8 atoms to the treasury. The
    // overflow check used to look at each part alone (8 fits in the 10 atoms of room), and the
    // second commit then overflowed the treasury and aborted, after the first was made.
    FundWorld<> world;
    auto fund = SharesFund<socialized_loss::ProRataHaircut<USDC>>::open(world.ledger, {Bps{5'000}, Bps{5'000}},
                                                                       {}, {})
                    .value();
    const AccountId trader = world.accounts[0];
    world.deposit(trader, Usdc(1'000));
    fill(world.ledger, Place::treasury(), int64_max - 10);
    const CaptureContext to_treasury{Place::collateral(trader), Place::treasury(), MarketId{0}};

    const std::uint64_t digest_before = world.ledger.digest();
    const auto statistics_before = fund.statistics();
    const Result<CaptureReport<USDC>> refused = fund.capture(world.ledger, Usdc(16), to_treasury);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::overflow);
    CHECK(world.ledger.digest() == digest_before);
    CHECK(fund.statistics().capture_count == statistics_before.capture_count);

    // Ten atoms of room take a ten-atom penalty: both halves land in the treasury.
    const CaptureReport<USDC> fits = fund.capture(world.ledger, Usdc(10), to_treasury).value();
    CHECK(fits.split.to_liquidator == Usdc(5));
    CHECK(fits.split.to_treasury == Usdc(5));
    CHECK(world.ledger.balance_of(Place::treasury()) == Usdc(int64_max));
    CHECK(world.ledger.balance_of(Place::collateral(trader)) == Usdc(990));
    CHECK(world.ledger.audit().balanced());
}

TEST_CASE("capture to a liquidator that is the dust place sums both parts before checking overflow, not aborted",
          "[regression][fund]") {
    // Liquidator 50%, treasury 0: a 21-atom penalty is 10 to the liquidator (10.5 rounded down),
    // 10 to the fund and a 1-atom residue to dust. With the liquidator at dust, dust receives 11.
    FundWorld<> world;
    auto fund = SharesFund<socialized_loss::ProRataHaircut<USDC>>::open(world.ledger, {Bps{5'000}, Bps{0}}, {},
                                                                       {})
                    .value();
    const AccountId trader = world.accounts[0];
    world.deposit(trader, Usdc(1'000));
    fill(world.ledger, Place::dust(), int64_max - 10);
    const CaptureContext to_dust{Place::collateral(trader), Place::dust(), MarketId{0}};

    const std::uint64_t digest_before = world.ledger.digest();
    const Result<CaptureReport<USDC>> refused = fund.capture(world.ledger, Usdc(21), to_dust);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::overflow);
    CHECK(world.ledger.digest() == digest_before);
    CHECK(fund.statistics().capture_count == 0);
    CHECK(fund.balance(world.ledger).is_zero());

    // 19 atoms: 9 to the liquidator (dust), 9 to the fund, 1 residue to dust: dust gains 10.
    const CaptureReport<USDC> fits = fund.capture(world.ledger, Usdc(19), to_dust).value();
    CHECK(fits.split.to_liquidator == Usdc(9));
    CHECK(fits.split.to_dust == Usdc(1));
    CHECK(world.ledger.balance_of(Place::dust()) == Usdc(int64_max));
    CHECK(fund.balance(world.ledger) == Usdc(9));
    CHECK(world.ledger.audit().balanced());
}

// ---- settlement -------------------------------------------------------------------------------

TEST_CASE("settlements whose cumulative payouts in one market pass int64 complete, not aborted",
          "[regression][fund]") {
    // The per-market payout table was int64: the second payment of 6e18 atoms in one market
    // made its total 1.2e19 and aborted after the fund had already paid.
    FundWorld<> world;
    auto fund = SharesFund<socialized_loss::ProRataHaircut<USDC>>::open(world.ledger, {}, {}, {}).value();
    const std::int64_t payment = 6'000'000'000'000'000'000;
    const SettleContext context{Place::pnl_pool(), MarketId{3}};
    for (int round = 0; round < 3; ++round) {
        world.seed(fund, Usdc(payment));
        const SettlementReport<USDC> report = fund.settle(world.ledger, Usdc(payment), context).value();
        CHECK(report.paid == Usdc(payment));
        CHECK(report.remainder.is_zero());
        // The pool hands the payment on (to the accounts it owed), so that it can take the next.
        world.ledger.transfer(Place::pnl_pool(), Place::external(), Usdc(payment), TransferReason::withdrawal)
            .value();
    }
    CHECK(fund.statistics().paid_total == Wide(Int128(payment) * 3));
    CHECK(fund.paid_in(MarketId{3}) == Wide(Int128(payment) * 3));
    CHECK(fund.statistics().settle_count == 3);
    CHECK(world.ledger.audit().balanced());
}

// ---- socialized loss --------------------------------------------------------------------------

TEST_CASE("ranked auto-deleveraging of a bearer whose collateral plus profit passes int64 completes, not aborted",
          "[regression][fund]") {
    // BitMEX's rank needs the bearer's equity, collateral + profit, which was summed in int64
    // and aborted when a bearer held nearly int64 max of collateral.
    FundWorld<> world(3);
    auto fund = SharesFund<socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>>::open(
                    world.ledger, {}, {}, socialized_loss::RankedAdl<USDC>(16))
                    .value();
    world.deposit(world.accounts[0], Usdc(int64_max - 5));
    world.deposit(world.accounts[1], Usdc(5));
    const std::vector<LossBearer<USDC>> bearers = {bearer_atoms(0, 10, 1'000, int64_max - 5),
                                                   bearer_atoms(1, 10, 5, 5)};
    std::vector<Allocation<USDC>> out(4);
    SocializeContext context{Place::pnl_pool(), MarketId{0}};
    context.defaulter_size_atoms = 20;

    // Bearer 1 ranks first (key 5e-6 x 100,000.5; bearer 0's equity makes its leverage ~1e-13):
    // it closes 10 of the 20 units and bears min(750, its 5 of profit); bearer 0 the other 750.
    const SocializeReport<USDC> report =
        fund.socialize(world.ledger, Usdc(1'500), Span<const LossBearer<USDC>>(bearers), out, context).value();
    CHECK(report.covered == Usdc(755));
    CHECK(report.uncovered == Usdc(745));
    REQUIRE(report.allocation_count == 2);
    CHECK(out[0].account == AccountId{1});
    CHECK(out[0].amount == Usdc(5));
    CHECK(out[1].account == AccountId{0});
    CHECK(out[1].amount == Usdc(750));
    CHECK(world.ledger.balance_of(Place::pnl_pool()) == Usdc(755));
    CHECK(bearers[0].equity() == Wide(Int128(int64_max) - 5 + 1'000));
    CHECK(world.ledger.audit().balanced());
}

TEST_CASE("funding socialization whose rounded-up charges sum past int64 completes, not aborted",
          "[regression][fund]") {
    // precision 1, remainder 2^63 - 2 over three positions of 2^61 atoms: delta = ceil(4/3) = 2
    // per atom, each charge 2^62, together 3 x 2^62 > int64 max. The fund summed them in int64.
    const std::int64_t size = std::int64_t{1} << 61;
    const std::int64_t charge = std::int64_t{1} << 62;
    const Usdc remainder(int64_max - 1);
    SocializeContext context{Place::pnl_pool(), MarketId{0}};

    SECTION("planned only (the engine applies the charges through the funding index)") {
        FundWorld<> world(3);
        auto fund = SharesFund<socialized_loss::FundingSocialization<USDC>>::open(
                        world.ledger, {}, {}, socialized_loss::FundingSocialization<USDC>{1})
                        .value();
        const std::vector<LossBearer<USDC>> bearers = {bearer_atoms(0, size, 0, 0), bearer_atoms(1, size, 0, 0),
                                                       bearer_atoms(2, size, 0, 0)};
        std::vector<Allocation<USDC>> out(3);
        context.commit_transfers = false;
        const std::uint64_t digest_before = world.ledger.digest();
        const SocializeReport<USDC> report =
            fund.socialize(world.ledger, remainder, Span<const LossBearer<USDC>>(bearers), out, context).value();
        CHECK(report.covered == remainder);
        CHECK(report.uncovered.is_zero());
        CHECK(report.funding_delta_per_unit == 2);
        CHECK(report.allocation_count == 3);
        for (const Allocation<USDC>& allocation : out) CHECK(allocation.amount == Usdc(charge));
        CHECK(world.ledger.digest() == digest_before);
        CHECK(fund.statistics().socialized_total == Wide(Int128(remainder.atoms())));
    }
    SECTION("committed by the fund into a target that can hold the charges: surplus to dust") {
        FundWorld<> world(3);
        auto fund = SharesFund<socialized_loss::FundingSocialization<USDC>>::open(
                        world.ledger, {}, {}, socialized_loss::FundingSocialization<USDC>{1})
                        .value();
        // 3 x 2^62 does not fit one source: each account is paid from a different pool.
        const Place sources[] = {Place::external(), Place::funding_pool(), Place::socialized_loss()};
        for (std::uint32_t i = 0; i < 3; ++i) {
            fill(world.ledger, Place::collateral(world.accounts[i]), charge, sources[i]);
        }
        const std::vector<LossBearer<USDC>> bearers = {bearer_atoms(0, size, 0, charge),
                                                       bearer_atoms(1, size, 0, charge),
                                                       bearer_atoms(2, size, 0, charge)};
        // The pool is owed: 2^62 + 10 below zero, so that it can take 3 x 2^62 (ending at
        // 2^63 - 10) before it hands the 2^62 + 2 atoms of surplus on to dust.
        world.ledger.transfer(Place::pnl_pool(), Place::external(), Usdc(charge + 10), TransferReason::withdrawal)
            .value();
        std::vector<Allocation<USDC>> out(3);
        const SocializeReport<USDC> report =
            fund.socialize(world.ledger, remainder, Span<const LossBearer<USDC>>(bearers), out, context).value();
        CHECK(report.covered == remainder);
        CHECK(world.ledger.balance_of(Place::dust()) == Usdc(charge + 2));
        CHECK(world.ledger.balance_of(Place::pnl_pool()) == Usdc(int64_max - 1 - charge - 10));
        for (std::uint32_t i = 0; i < 3; ++i) {
            CHECK(world.ledger.balance_of(Place::collateral(world.accounts[i])).is_zero());
        }
        CHECK(world.ledger.audit().balanced());
    }
    SECTION("committed by the fund into a target that cannot hold them: refused, nothing moved") {
        FundWorld<> world(3);
        auto fund = SharesFund<socialized_loss::FundingSocialization<USDC>>::open(
                        world.ledger, {}, {}, socialized_loss::FundingSocialization<USDC>{1})
                        .value();
        // 3 x 2^62 does not fit one source: each account is paid from a different pool.
        const Place sources[] = {Place::external(), Place::funding_pool(), Place::socialized_loss()};
        for (std::uint32_t i = 0; i < 3; ++i) {
            fill(world.ledger, Place::collateral(world.accounts[i]), charge, sources[i]);
        }
        const std::vector<LossBearer<USDC>> bearers = {bearer_atoms(0, size, 0, charge),
                                                       bearer_atoms(1, size, 0, charge),
                                                       bearer_atoms(2, size, 0, charge)};
        std::vector<Allocation<USDC>> out(3);
        const std::uint64_t digest_before = world.ledger.digest();
        const Result<SocializeReport<USDC>> refused =
            fund.socialize(world.ledger, remainder, Span<const LossBearer<USDC>>(bearers), out, context);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::overflow);
        CHECK(world.ledger.digest() == digest_before);
        CHECK(fund.statistics().socialize_count == 0);
    }
}

TEST_CASE("socialization whose target is the dust place keeps the rounding surplus there, not aborted",
          "[regression][fund]") {
    // Drift's precision 1e9, a remainder of 10 atoms over three positions of 3 atoms:
    // delta = ceil(10e9 / 9) = 1,111,111,112, each charge ceil(3.33...) = 4, 12 in all: a
    // 2-atom surplus. Moving it on "from the target to dust" was a transfer from dust to dust.
    FundWorld<> world(3);
    auto fund = SharesFund<socialized_loss::FundingSocialization<USDC>>::open(world.ledger, {}, {}, {}).value();
    for (std::uint32_t i = 0; i < 3; ++i) world.deposit(world.accounts[i], Usdc(100));
    const std::vector<LossBearer<USDC>> bearers = {bearer_atoms(0, 3, 0, 100), bearer_atoms(1, 3, 0, 100),
                                                   bearer_atoms(2, 3, 0, 100)};
    std::vector<Allocation<USDC>> out(3);
    const SocializeContext context{Place::dust(), MarketId{0}};
    const SocializeReport<USDC> report =
        fund.socialize(world.ledger, Usdc(10), Span<const LossBearer<USDC>>(bearers), out, context).value();
    CHECK(report.covered == Usdc(10));
    CHECK(report.allocation_count == 3);
    CHECK(world.ledger.balance_of(Place::dust()) == Usdc(12));
    for (std::uint32_t i = 0; i < 3; ++i) {
        CHECK(world.ledger.balance_of(Place::collateral(world.accounts[i])) == Usdc(96));
    }
    CHECK(world.ledger.audit().balanced());
}

TEST_CASE("socialization whose rounding surplus would overflow the dust place is refused, not aborted",
          "[regression][fund]") {
    // The same 2-atom surplus, with dust one atom below int64 max: the allocations were checked
    // against the ledger, the surplus's move to dust was not.
    FundWorld<> world(3);
    auto fund = SharesFund<socialized_loss::FundingSocialization<USDC>>::open(world.ledger, {}, {}, {}).value();
    for (std::uint32_t i = 0; i < 3; ++i) world.deposit(world.accounts[i], Usdc(100));
    fill(world.ledger, Place::dust(), int64_max - 1);
    const std::vector<LossBearer<USDC>> bearers = {bearer_atoms(0, 3, 0, 100), bearer_atoms(1, 3, 0, 100),
                                                   bearer_atoms(2, 3, 0, 100)};
    std::vector<Allocation<USDC>> out(3);
    const SocializeContext context{Place::pnl_pool(), MarketId{0}};
    const std::uint64_t digest_before = world.ledger.digest();
    const Result<SocializeReport<USDC>> refused =
        fund.socialize(world.ledger, Usdc(10), Span<const LossBearer<USDC>>(bearers), out, context);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::overflow);
    CHECK(world.ledger.digest() == digest_before);
    CHECK(fund.statistics().socialize_count == 0);
}

}  // namespace test_regression_fund_regression_test
