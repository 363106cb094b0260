// A small world for fund tests: a ledger with funded accounts, a liquidator and helpers to
// build loss bearers, so that each test reads as the arithmetic it checks.
#pragma once

#include <backstop/fund/any_policy.hpp>
#include <backstop/fund/insurance_fund.hpp>
#include <backstop/ledger/ledger.hpp>
#include <backstop/money/assets.hpp>
#include <backstop/money/format.hpp>

#include <cstdint>
#include <vector>

#include "support/usdc.hpp"

namespace backstop::testing {

using assets::USDC;
using Usdc = Amount<USDC>;

// A bearer short or long `size` base atoms with the given values in USDC text.
inline LossBearer<USDC> bearer(std::uint32_t account, std::int64_t size_atoms, const char* entry_value,
                               const char* position_value, const char* collateral,
                               const char* maintenance = "0") {
    LossBearer<USDC> b;
    b.account = AccountId{account};
    b.side = Side::short_side;
    b.size_atoms = size_atoms;
    b.entry_value = usdc(entry_value);
    b.position_value = usdc(position_value);
    b.unrealised_pnl = b.entry_value - b.position_value;  // a short gains when the price falls
    b.collateral = usdc(collateral);
    b.maintenance = usdc(maintenance);
    return b;
}

// Bearers are a snapshot the caller takes; this retakes the collateral part from the ledger.
template <class Ledger>
std::vector<LossBearer<USDC>> refreshed(std::vector<LossBearer<USDC>> bearers, const Ledger& ledger) {
    for (auto& b : bearers) b.collateral = ledger.balance_of(Place::collateral(b.account));
    return bearers;
}

template <class Journal = NullJournal>
struct FundWorld {
    Ledger<USDC, Journal> ledger;
    std::vector<AccountId> accounts;
    LiquidatorId liquidator;

    explicit FundWorld(std::uint32_t account_count = 12, Journal journal = Journal{})
        : ledger(LedgerLimits{account_count, 4, 2}, std::move(journal)) {
        for (std::uint32_t i = 0; i < account_count; ++i) accounts.push_back(ledger.open_account().value());
        liquidator = ledger.open_liquidator().value();
    }

    void deposit(AccountId account, const Usdc& amount) {
        ledger.transfer(Place::external(), Place::collateral(account), amount, TransferReason::deposit)
            .value();
    }
    template <class Fund>
    void seed(Fund& fund, const Usdc& amount) {
        fund.deposit(ledger, Place::external(), amount).value();
    }
};

}  // namespace backstop::testing
