// A seeded random driver for the fund: deposits, withdrawals, penalties, deficits of every size,
// socializations over random bearers, and bad inputs of each kind. After every operation it
// checks that the ledger balances and that a refused operation left the digest unchanged; it
// folds every outcome into a trace hash, so two funds that behave identically give equal traces.
#pragma once

#include <backstop/core/format.hpp>
#include <backstop/core/hash.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <vector>

#include "support/random.hpp"
#include "unit/fund/fund_world.hpp"

namespace backstop::testing {

struct ScenarioOutcome {
    std::uint64_t trace = 0;
    std::uint64_t operations = 0;
    std::uint64_t refused = 0;
    std::uint64_t captures = 0;
    std::uint64_t settlements = 0;
    std::uint64_t socializations = 0;
    std::uint64_t failures = 0;  // broken invariants (the caller CHECKs this is 0)
};

// Amount atoms of "every size": zero, one atom, small, typical, huge, negative.
inline std::int64_t any_size(TestRandom& random) {
    switch (random.below(8)) {
        case 0: return 0;
        case 1: return 1;
        case 2: return static_cast<std::int64_t>(random.below(1'000));
        case 3: return static_cast<std::int64_t>(random.below(1'000'000'000));       // < 1,000 USDC
        case 4: return static_cast<std::int64_t>(random.below(100'000'000'000));     // < 100,000 USDC
        case 5: return static_cast<std::int64_t>(random.below(10'000'000'000'000));  // < 10M USDC
        case 6: return -static_cast<std::int64_t>(random.below(1'000'000));
        default: return random.edge_biased_int64();
    }
}

// Runs `operations` random operations against `fund` in `world`. The default fund (for the
// clearing-house policy) is world's FundId{0}; the insurance fund is opened after it.
template <class Fund, class Journal>
ScenarioOutcome run_fund_scenario(FundWorld<Journal>& world, Fund& fund, std::uint64_t seed,
                                  std::uint64_t operations) {
    TestRandom random(seed);
    ScenarioOutcome outcome;
    StableHash trace(seed);
    std::vector<LossBearer<USDC>> bearers;
    std::vector<Allocation<USDC>> out(world.accounts.size() + 2);
    const std::uint32_t account_count = static_cast<std::uint32_t>(world.accounts.size());

    auto place_of_account = [&](bool allow_unknown) {
        const std::uint64_t pick = random.below(account_count + (allow_unknown ? 1u : 0u));
        return Place::collateral(AccountId{static_cast<std::uint32_t>(pick)});  // index == count: unknown
    };
    auto market = [&]() {
        return MarketId{random.chance(50) ? 1'000u : static_cast<std::uint32_t>(random.below(4))};
    };

    for (std::uint64_t step = 0; step < operations; ++step) {
        const std::uint64_t digest_before = world.ledger.digest();
        const auto statistics_before = fund.statistics();
        bool refused = false;
        std::uint64_t kind = random.below(100);
        auto fold_error = [&](const Error& error) {
            refused = true;
            trace.add(1000u + static_cast<std::uint64_t>(error.code));
        };
        if (kind < 15) {  // deposit into an account
            const Usdc amount(any_size(random));
            Result<void> r = world.ledger.transfer(Place::external(), place_of_account(true), amount,
                                                   TransferReason::deposit);
            if (!r) fold_error(r.error());
        } else if (kind < 22) {  // withdraw from an account
            const Usdc amount(any_size(random));
            Result<void> r = world.ledger.transfer(place_of_account(true), Place::external(), amount,
                                                   TransferReason::withdrawal);
            if (!r) fold_error(r.error());
        } else if (kind < 27) {  // fund capital in or out
            const Usdc amount(any_size(random));
            Result<void> r = random.chance(2) ? fund.deposit(world.ledger, Place::external(), amount)
                                              : fund.withdraw(world.ledger, Place::external(), amount);
            if (!r) fold_error(r.error());
        } else if (kind < 55) {  // a liquidation penalty
            const Usdc penalty(any_size(random));
            const Place liquidator = random.chance(40) ? Place::liquidator(LiquidatorId{9})
                                                       : Place::liquidator(world.liquidator);
            auto r = fund.capture(world.ledger, penalty,
                                  CaptureContext{place_of_account(true), liquidator, market()});
            if (!r) {
                fold_error(r.error());
            } else {
                ++outcome.captures;
                trace.add_signed(r->split.to_liquidator.atoms()).add_signed(r->split.to_fund.atoms());
                trace.add_signed(r->split.to_treasury.atoms()).add_signed(r->split.to_dust.atoms());
                if (r->split.total() != penalty) ++outcome.failures;
            }
        } else if (kind < 80) {  // a deficit of any size
            const Usdc deficit(any_size(random));
            const Place target = random.chance(40) ? Place::fund(fund.id()) : Place::socialized_loss();
            auto r = fund.settle(world.ledger, deficit, SettleContext{target, market()});
            if (!r) {
                fold_error(r.error());
            } else {
                ++outcome.settlements;
                trace.add_signed(r->paid.atoms()).add(r->depleted ? 1u : 0u);
                if (r->paid + r->remainder != deficit || r->paid.is_negative()) ++outcome.failures;
            }
        } else {  // socialize a remainder over random bearers
            bearers.clear();
            for (std::uint32_t i = 0; i < account_count; ++i) {
                if (!random.chance(2)) continue;
                LossBearer<USDC> b;
                b.account = AccountId{i};
                b.side = Side::short_side;
                b.size_atoms = static_cast<std::int64_t>(random.below(500'000'000));
                b.entry_value = Usdc(static_cast<std::int64_t>(random.below(100'000'000'000)));
                b.position_value = Usdc(static_cast<std::int64_t>(random.below(100'000'000'000)));
                b.unrealised_pnl = b.entry_value - b.position_value;
                b.collateral = world.ledger.balance_of(Place::collateral(b.account));
                if (random.chance(100)) b.collateral = b.collateral + Usdc(1'000'000);  // stale: overdraw
                b.maintenance = apply_rate(b.position_value, Bps{300}, round_up).value();
                bearers.push_back(b);
            }
            if (random.chance(30) && bearers.size() > 1) std::swap(bearers[0], bearers[1]);  // unsorted
            SocializeContext context{random.chance(40) ? Place::collateral(AccountId{account_count})
                                                       : Place::socialized_loss(),
                                     market()};
            context.defaulter_size_atoms = random.chance(20) ? 0 : static_cast<std::int64_t>(random.below(1'000'000'000)) + 1;
            context.event_seed = random.next();
            const std::size_t capacity = random.chance(20) ? random.below(2) : out.size();
            const Usdc remainder(any_size(random));
            auto r = fund.socialize(world.ledger, remainder, Span<const LossBearer<USDC>>(bearers),
                                    Span<Allocation<USDC>>(out.data(), capacity), context);
            if (!r) {
                fold_error(r.error());
            } else {
                ++outcome.socializations;
                trace.add_signed(r->covered.atoms()).add(r->allocation_count);
                for (std::size_t i = 0; i < r->allocation_count; ++i) {
                    trace.add(out[i].account.value).add_signed(out[i].amount.atoms());
                }
                if (r->covered + r->uncovered != remainder) ++outcome.failures;
            }
        }
        ++outcome.operations;
        trace.add(world.ledger.digest());
        if (refused) {
            ++outcome.refused;
            const auto& after = fund.statistics();
            if (world.ledger.digest() != digest_before || after.settle_count != statistics_before.settle_count ||
                after.capture_count != statistics_before.capture_count ||
                after.socialize_count != statistics_before.socialize_count) {
                ++outcome.failures;
                FAIL(fmt::format("seed {} step {}: a refused operation changed the state", seed, step));
            }
        }
        const auto audit = world.ledger.audit();
        if (!audit.balanced()) {
            ++outcome.failures;
            FAIL(fmt::format("seed {} step {}: ledger out of balance by {}", seed, step, audit.total));
        }
    }
    outcome.trace = trace.value();
    return outcome;
}

}  // namespace backstop::testing
