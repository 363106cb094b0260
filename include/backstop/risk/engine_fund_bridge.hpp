// Money between a lab engine's insurance fund and a place of another ledger (a yield strategy's
// shadow fund, a reinsurer's transit place): two transfers in two ledgers, never one alone. Out of
// the engine: the other ledger's leg is checked first, then the engine's fund_withdraw, then the
// other leg committed. Into the engine: the engine's fund_deposit first, the other leg committed
// only if it took the money (refused, on overflow, the money stays where it was, counted there).
#pragma once

#include "backstop/ledger/place.hpp"
#include "backstop/ledger/transfer.hpp"
#include "backstop/money/amount.hpp"

#include <cstdint>

namespace backstop {
namespace risk {
namespace detail {

// Engine fund -> `place` of `ledger`; true when both legs moved.
template <class Engine, class Ledger>
bool move_out_of_engine_fund(Engine& engine, Ledger& ledger, Place place, std::int64_t atoms) {
    using Money = typename Ledger::Money;
    if (atoms <= 0 || !ledger.check_transfer(Place::external(), place, Money(atoms))) return false;
    if (!engine.fund_withdraw(typename Engine::Money(atoms))) return false;
    ledger.commit(Place::external(), place, Money(atoms), TransferReason::fund_withdrawal);
    return true;
}

// `place` of `ledger` -> engine fund; true when both legs moved.
template <class Engine, class Ledger>
bool move_into_engine_fund(Engine& engine, Ledger& ledger, Place place, std::int64_t atoms) {
    using Money = typename Ledger::Money;
    if (atoms <= 0 || !engine.fund_deposit(typename Engine::Money(atoms))) return false;
    ledger.commit(place, Place::external(), Money(atoms), TransferReason::fund_deposit);
    return true;
}

}  // namespace detail
}  // namespace risk
}  // namespace backstop
