// The ledger: value lives at places and moves only by transfer. Hand-worked cases pin the
// validation order (the first failing rule is reported, and nothing changes); a randomised
// run against a reference model checks that audit() balances and the digest is untouched by
// every refused transfer.
#include <backstop/core/format.hpp>
#include <backstop/ledger/ledger.hpp>
#include <backstop/money/assets.hpp>
#include <backstop/money/format.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "support/random.hpp"

namespace test_ledger_ledger_test {

using namespace backstop;
using namespace backstop::assets;

namespace {

using Usdc = Amount<USDC>;

Usdc usdc(const char* text) { return parse<Usdc>(text).value(); }

template <class Rep>
std::string describe(const Audit<Rep>& audit) {
    std::string text;
    for (int k = 0; k < place_kind_count; ++k) {
        text += fmt::format("{}={} ", place_kind_name(static_cast<PlaceKind>(k)),
                            audit.sum_by_kind[static_cast<std::size_t>(k)]);
    }
    return text + fmt::format("total={}", audit.total);
}

}  // namespace

TEST_CASE("deposits, transfers and withdrawals conserve value", "[ledger][conservation]") {
    Ledger<USDC> ledger(LedgerLimits{4, 1, 1});
    const AccountId alice = ledger.open_account().value();
    const AccountId bob = ledger.open_account().value();
    const FundId fund = ledger.open_fund().value();

    // external -1000, alice +1000
    REQUIRE(ledger.transfer(Place::external(), Place::collateral(alice), usdc("1000"),
                            TransferReason::deposit));
    // alice 1000 - 250.5 = 749.5; bob 250.5
    REQUIRE(ledger.transfer(Place::collateral(alice), Place::collateral(bob), usdc("250.5"),
                            TransferReason::realised_pnl));
    // bob 250.5 - 0.000001 = 250.499999; fund 0.000001
    REQUIRE(ledger.transfer(Place::collateral(bob), Place::fund(fund), usdc("0.000001"),
                            TransferReason::penalty_to_fund));
    // alice 749.5 - 100 = 649.5; external -1000 + 100 = -900
    REQUIRE(ledger.transfer(Place::collateral(alice), Place::external(), usdc("100"),
                            TransferReason::withdrawal));

    CHECK(ledger.balance_of(Place::collateral(alice)) == usdc("649.5"));
    CHECK(ledger.balance_of(Place::collateral(bob)) == usdc("250.499999"));
    CHECK(ledger.balance_of(Place::fund(fund)) == usdc("0.000001"));
    CHECK(ledger.balance_of(Place::external()) == usdc("-900"));

    const auto audit = ledger.audit();
    INFO(describe(audit));
    CHECK(audit.balanced());
    CHECK(audit.sum(PlaceKind::collateral) == Int128(899'999'999));
    CHECK(audit.sum(PlaceKind::fund) == Int128(1));
    CHECK(audit.sum(PlaceKind::external) == Int128(-900'000'000));
    CHECK(audit.places_by_kind[static_cast<std::size_t>(PlaceKind::collateral)] == 2);
}

TEST_CASE("a refused transfer reports the first failing rule and changes nothing",
          "[ledger][conservation]") {
    Ledger<USDC> ledger(LedgerLimits{2, 1, 1});
    const AccountId alice = ledger.open_account().value();
    const AccountId bob = ledger.open_account().value();
    REQUIRE(ledger.transfer(Place::external(), Place::collateral(alice), usdc("10"),
                            TransferReason::deposit));
    const Place ghost = Place::collateral(AccountId{7});
    const Usdc max_amount(std::numeric_limits<std::int64_t>::max());

    struct Row {
        Place source;
        Place target;
        Usdc amount;
        ErrorCode expected;
    };
    // Each row breaks one more rule than it needs to, so the order of the checks shows.
    const Row rows[] = {
        {ghost, ghost, Usdc(-1), ErrorCode::unknown_place},                             // source first
        {Place::collateral(alice), ghost, Usdc(-1), ErrorCode::unknown_place},          // then target
        {Place::collateral(alice), Place::collateral(alice), Usdc(0), ErrorCode::same_place},
        {Place::collateral(alice), Place::collateral(bob), Usdc(0), ErrorCode::amount_not_positive},
        {Place::collateral(alice), Place::collateral(bob), Usdc(-5), ErrorCode::amount_not_positive},
        {Place::collateral(alice), Place::collateral(bob), usdc("10.000001"), ErrorCode::insufficient_balance},
        {Place::collateral(bob), Place::treasury(), usdc("0.000001"), ErrorCode::insufficient_balance},
        {Place::fund(FundId{0}), Place::dust(), Usdc(1), ErrorCode::unknown_place},     // fund never opened
        {Place::from_parts(PlaceKind::treasury, 1), Place::dust(), Usdc(1), ErrorCode::unknown_place},
        // external may go negative, but not below the representation: -10 - max overflows
        {Place::external(), Place::dust(), max_amount, ErrorCode::overflow},
    };
    const std::uint64_t digest_before = ledger.digest();
    for (const Row& row : rows) {
        const Result<void> result = ledger.transfer(row.source, row.target, row.amount,
                                                    TransferReason::other);
        INFO(fmt::format("{} -> {} {}", place_kind_name(row.source.kind()),
                         place_kind_name(row.target.kind()), row.amount));
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error().code == row.expected);
        CHECK(ledger.digest() == digest_before);
        CHECK(ledger.audit().balanced());
    }
    // Overflow of the target. external is at -10 USDC = -10^7 atoms; moving max - (10^7 - 1)
    // to dust takes external exactly to int64 min. Then alice's 10^7 atoms would take dust to
    // max + 1.
    REQUIRE(ledger.transfer(Place::external(), Place::dust(), Usdc(std::numeric_limits<std::int64_t>::max() - 9'999'999),
                            TransferReason::rounding_residue));
    const std::uint64_t digest_full = ledger.digest();
    const Result<void> overflow = ledger.transfer(Place::collateral(alice), Place::dust(), usdc("10"),
                                                  TransferReason::rounding_residue);
    REQUIRE_FALSE(overflow.has_value());
    CHECK(overflow.error().code == ErrorCode::overflow);
    CHECK(ledger.digest() == digest_full);
}

TEST_CASE("ledger capacity is fixed at construction", "[ledger]") {
    Ledger<USDC> ledger(LedgerLimits{2, 1, 0});
    CHECK(ledger.open_account().value() == AccountId{0});
    CHECK(ledger.open_account().value() == AccountId{1});
    const auto third = ledger.open_account();
    REQUIRE_FALSE(third.has_value());
    CHECK(third.error().code == ErrorCode::capacity_exceeded);
    CHECK(ledger.open_fund().has_value());
    CHECK(ledger.open_fund().error().code == ErrorCode::capacity_exceeded);
    CHECK(ledger.open_liquidator().error().code == ErrorCode::capacity_exceeded);
    CHECK(ledger.account_count() == 2);
}

TEST_CASE("an Int128 ledger holds 18-decimal amounts and audits in 256 bits", "[ledger][conservation]") {
    Ledger<ETH> ledger(LedgerLimits{2, 1, 0});
    const AccountId whale = ledger.open_account().value();
    const auto big = parse<Amount<ETH>>("250000000000000000.000000000000000001").value();  // 2.5e17 ETH
    REQUIRE(ledger.transfer(Place::external(), Place::collateral(whale), big, TransferReason::deposit));
    REQUIRE(ledger.transfer(Place::external(), Place::collateral(whale), big, TransferReason::deposit));
    CHECK(ledger.balance_of(Place::collateral(whale)).to_string() ==
          "500000000000000000.000000000000000002");
    CHECK(ledger.audit().balanced());
}

TEST_CASE("random transfers agree with a reference model and always balance",
          "[ledger][conservation]") {
    // A reference model of the balances in a wide type; the ledger must agree after every step,
    // refuse exactly the transfers the model says are invalid, and leave the digest unchanged
    // when it refuses.
    std::uint64_t operations = 0;
    std::uint64_t refused = 0;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        testing::TestRandom random(seed);
        Ledger<USDC> ledger(LedgerLimits{16, 2, 2});
        std::vector<Place> places = {Place::external(), Place::treasury(), Place::socialized_loss(),
                                     Place::dust()};
        for (int i = 0; i < 16; ++i) places.push_back(Place::collateral(ledger.open_account().value()));
        for (int i = 0; i < 2; ++i) places.push_back(Place::fund(ledger.open_fund().value()));
        for (int i = 0; i < 2; ++i) places.push_back(Place::liquidator(ledger.open_liquidator().value()));
        places.push_back(Place::collateral(AccountId{99}));  // never opened
        std::vector<Int128> model(places.size(), Int128(0));

        for (int step = 0; step < 20'000; ++step) {
            const std::size_t from = random.below(places.size());
            const std::size_t to = random.below(places.size());
            std::int64_t atoms = 0;
            switch (random.below(4)) {
                case 0: atoms = static_cast<std::int64_t>(random.below(1'000'000'000)); break;
                case 1: atoms = static_cast<std::int64_t>(random.below(100)) - 50; break;
                case 2: atoms = random.edge_biased_int64(); break;
                default: atoms = static_cast<std::int64_t>(random.below(std::uint64_t{1} << 40)); break;
            }
            const Place source = places[from];
            const Place target = places[to];
            const bool unknown = from == places.size() - 1 || to == places.size() - 1;
            const Int128 source_after = model[from] - atoms;
            const Int128 target_after = model[to] + atoms;
            const Int128 int64_max = std::numeric_limits<std::int64_t>::max();
            const Int128 int64_min = std::numeric_limits<std::int64_t>::min();
            const bool expect_ok = !unknown && from != to && atoms > 0 &&
                                   (place_kind_may_be_negative(source.kind()) ? source_after >= int64_min
                                                                              : source_after >= 0) &&
                                   target_after <= int64_max;
            const std::uint64_t digest_before = ledger.digest();
            const Result<void> result = ledger.transfer(source, target, Usdc(atoms), TransferReason::other);
            ++operations;
            if (result.has_value() != expect_ok) {
                FAIL(fmt::format("seed {} step {}: transfer of {} atoms {}->{} gave {}", seed, step, atoms,
                                 from, to, result.has_value() ? "ok" : fmt::format("{}", result.error())));
            }
            if (result) {
                model[from] = source_after;
                model[to] = target_after;
            } else {
                ++refused;
                if (ledger.digest() != digest_before) FAIL("a refused transfer changed the digest");
            }
            const auto audit = ledger.audit();
            if (!audit.balanced()) FAIL(fmt::format("seed {} step {}: {}", seed, step, describe(audit)));
        }
        for (std::size_t i = 0; i + 1 < places.size(); ++i) {
            CHECK(Int128(ledger.balance_of(places[i]).atoms()) == model[i]);
        }
    }
    CHECK(operations == 400'000);
    CHECK(refused > 10'000);               // the run exercised refusals ...
    CHECK(operations - refused > 100'000);  // ... and successful transfers
}

TEST_CASE("ledger error codes keep their numbers", "[ledger]") {
    CHECK(static_cast<int>(ErrorCode::unknown_place) == 200);
    CHECK(static_cast<int>(ErrorCode::amount_not_positive) == 201);
    CHECK(static_cast<int>(ErrorCode::insufficient_balance) == 202);
    CHECK(static_cast<int>(ErrorCode::same_place) == 203);
    CHECK(static_cast<int>(ErrorCode::capacity_exceeded) == 204);
    CHECK(static_cast<int>(ErrorCode::journal_gap) == 205);
    CHECK(static_cast<int>(ErrorCode::journal_corrupt) == 206);
    CHECK(static_cast<int>(ErrorCode::journal_truncated) == 207);
    CHECK(static_cast<int>(ErrorCode::ledger_not_empty) == 208);
    CHECK(fmt::format("{}", ErrorCode::insufficient_balance) == "insufficient_balance");
}

}  // namespace test_ledger_ledger_test
