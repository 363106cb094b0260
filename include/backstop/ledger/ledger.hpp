// Ledger<Asset, Journal>: balances at named places, changed only by transfer().
//
// Capacity is fixed when the ledger is built (LedgerLimits): storage is reserved then, so opening
// a place or transferring never allocates (a VectorJournal excepted). A transfer validates fully
// before it touches anything, so a refused transfer leaves every balance unchanged.
//
// Validation order (the first failure is reported):
//   unknown_place (source, then target), same_place, amount_not_positive,
//   insufficient_balance (the source may not go below zero unless its kind allows it),
//   overflow (of either balance).
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/checked_arith.hpp"
#include "backstop/core/hash.hpp"
#include "backstop/core/result.hpp"
#include "backstop/ledger/audit.hpp"
#include "backstop/ledger/journal.hpp"
#include "backstop/ledger/place.hpp"
#include "backstop/ledger/transfer.hpp"
#include "backstop/money/amount.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace backstop {

struct LedgerLimits {
    std::uint32_t accounts_max = 1024;
    std::uint32_t funds_max = 16;
    std::uint32_t liquidators_max = 64;
    std::uint32_t strategies_max = 16;
};

template <class Asset, class Journal = NullJournal>
class Ledger {
public:
    using Rep = default_rep_t<Asset>;
    using Money = Amount<Asset, Rep>;
    using TransferType = Transfer<Asset, Rep>;
    using Entry = JournalEntry<Asset, Rep>;
    static_assert(is_exact_rep_v<Rep>, "a ledger holds exact money (int64 or Int128)");

    explicit Ledger(LedgerLimits limits = {}, Journal journal = Journal{})
        : limits_(limits), journal_(std::move(journal)) {
        accounts_.reserve(limits.accounts_max);
        funds_.reserve(limits.funds_max);
        liquidators_.reserve(limits.liquidators_max);
        strategies_.reserve(limits.strategies_max);
    }

    // ---- places ---------------------------------------------------------------------------

    Result<AccountId> open_account() {
        Result<std::uint32_t> index = open(accounts_, limits_.accounts_max, PlaceKind::collateral);
        if (!index) return index.error();
        return AccountId{*index};
    }
    Result<FundId> open_fund() {
        Result<std::uint32_t> index = open(funds_, limits_.funds_max, PlaceKind::fund);
        if (!index) return index.error();
        return FundId{*index};
    }
    Result<LiquidatorId> open_liquidator() {
        Result<std::uint32_t> index =
            open(liquidators_, limits_.liquidators_max, PlaceKind::liquidator);
        if (!index) return index.error();
        return LiquidatorId{*index};
    }
    Result<StrategyId> open_strategy() {
        Result<std::uint32_t> index = open(strategies_, limits_.strategies_max, PlaceKind::strategy);
        if (!index) return index.error();
        return StrategyId{*index};
    }

    bool contains(Place place) const { return slot(place) != nullptr; }
    std::uint32_t account_count() const { return static_cast<std::uint32_t>(accounts_.size()); }
    std::uint32_t fund_count() const { return static_cast<std::uint32_t>(funds_.size()); }
    std::uint32_t strategy_count() const { return static_cast<std::uint32_t>(strategies_.size()); }
    std::uint32_t liquidator_count() const {
        return static_cast<std::uint32_t>(liquidators_.size());
    }
    const LedgerLimits& limits() const { return limits_; }

    Result<Money> balance(Place place) const {
        const Rep* value = slot(place);
        if (value == nullptr) return make_error(ErrorCode::unknown_place, "no such place");
        return Money(*value);
    }
    // For places the caller knows exist (asserts otherwise).
    Money balance_of(Place place) const {
        const Rep* value = slot(place);
        BACKSTOP_ASSERT(value != nullptr, "balance_of an unknown place");
        return Money(*value);
    }
    // balance_of(Place::collateral(account)) without the switch over kinds: the engine reads a
    // collateral per account on its hot paths (the scan, every ADL bearer).
    Money collateral_of(AccountId account) const {
        BACKSTOP_ASSERT(account.value < accounts_.size(), "collateral_of an unknown account");
        return Money(accounts_[account.value]);
    }

    // ---- transfers ------------------------------------------------------------------------

    // Checks a transfer against the current balances without making it.
    Result<void> check_transfer(Place source, Place target, const Money& amount) const {
        const Rep* from = slot(source);
        if (from == nullptr) return make_error(ErrorCode::unknown_place, "unknown source place");
        const Rep* to = slot(target);
        if (to == nullptr) return make_error(ErrorCode::unknown_place, "unknown target place");
        if (source == target) return make_error(ErrorCode::same_place, "source equals target");
        if (!amount.is_positive()) {
            return make_error(ErrorCode::amount_not_positive, "a transfer moves a positive amount");
        }
        Result<Rep> from_after = checked_sub(*from, amount.atoms());
        if (!place_kind_may_be_negative(source.kind()) &&
            (!from_after.has_value() || *from_after < 0)) {
            return make_error(ErrorCode::insufficient_balance, "source balance too small");
        }
        if (!from_after) return from_after.error();
        Result<Rep> to_after = checked_add(*to, amount.atoms());
        if (!to_after) return to_after.error();
        return {};
    }

    Result<void> transfer(Place source, Place target, const Money& amount, TransferReason reason) {
        Result<void> checked = check_transfer(source, target, amount);
        if (!checked) return checked;
        commit(source, target, amount, reason);
        return {};
    }
    Result<void> transfer(const TransferType& t) {
        return transfer(t.source, t.target, t.amount, t.reason);
    }

    // Makes a transfer the caller has already validated (with check_transfer, or by planning
    // against current balances). A failure here is a bug in the plan, so it asserts.
    void commit(Place source, Place target, const Money& amount, TransferReason reason) {
        Rep* from = slot(source);
        Rep* to = slot(target);
        BACKSTOP_ASSERT(from != nullptr && to != nullptr && source != target,
                        "committed transfer names unknown or equal places");
        BACKSTOP_ASSERT(amount.is_positive(), "committed transfer amount must be positive");
        Result<Rep> from_after = checked_sub(*from, amount.atoms());
        Result<Rep> to_after = checked_add(*to, amount.atoms());
        BACKSTOP_ASSERT(from_after.has_value() && to_after.has_value(),
                        "committed transfer overflows");
        BACKSTOP_ASSERT(place_kind_may_be_negative(source.kind()) || *from_after >= 0,
                        "committed transfer overdraws its source");
        *from = *from_after;
        *to = *to_after;
        if constexpr (Journal::enabled) {
            Entry entry;
            entry.kind = JournalEntryKind::transfer;
            entry.transfer = TransferType{source, target, amount, reason};
            record(entry);
        }
    }

    // Parameter changes are not balances, but they belong in the same history.
    void record_parameter_change(Place owner, std::uint32_t parameter, std::int64_t value_before,
                                 std::int64_t value_after) {
        if constexpr (Journal::enabled) {
            Entry entry;
            entry.kind = JournalEntryKind::parameter_change;
            entry.place = owner;
            entry.parameter = parameter;
            entry.value_before = value_before;
            entry.value_after = value_after;
            record(entry);
        }
    }

    // ---- audit, digest, journal -----------------------------------------------------------

    Audit<Rep> audit() const {
        Audit<Rep> result;
        auto add = [&result](PlaceKind kind, const Rep& value) {
            const auto k = static_cast<std::size_t>(kind);
            result.sum_by_kind[k] += to_wide_sum(value);
            result.places_by_kind[k] += 1;
        };
        add(PlaceKind::external, external_);
        for (const Rep& value : accounts_) add(PlaceKind::collateral, value);
        for (const Rep& value : funds_) add(PlaceKind::fund, value);
        add(PlaceKind::treasury, treasury_);
        for (const Rep& value : liquidators_) add(PlaceKind::liquidator, value);
        add(PlaceKind::socialized_loss, socialized_loss_);
        add(PlaceKind::dust, dust_);
        add(PlaceKind::pnl_pool, pnl_pool_);
        add(PlaceKind::funding_pool, funding_pool_);
        for (const Rep& value : strategies_) add(PlaceKind::strategy, value);
        for (const auto& sum : result.sum_by_kind) result.total += sum;
        return result;
    }

    // A stable 64-bit digest of every place and balance: equal digests, equal states.
    std::uint64_t digest() const {
        StableHash hash;
        hash.add(accounts_.size()).add(funds_.size()).add(liquidators_.size());
        hash.add_signed(external_).add_signed(treasury_).add_signed(socialized_loss_).add_signed(dust_);
        hash.add_signed(pnl_pool_).add_signed(funding_pool_);
        for (const Rep& value : accounts_) hash.add_signed(value);
        for (const Rep& value : funds_) hash.add_signed(value);
        for (const Rep& value : liquidators_) hash.add_signed(value);
        // Strategies came later: a ledger without any keeps the digest it had before.
        if (!strategies_.empty()) {
            hash.add(strategies_.size());
            for (const Rep& value : strategies_) hash.add_signed(value);
        }
        return hash.value();
    }

    bool is_empty() const {
        return accounts_.empty() && funds_.empty() && liquidators_.empty() && strategies_.empty() && external_ == 0 &&
               treasury_ == 0 && socialized_loss_ == 0 && dust_ == 0 && pnl_pool_ == 0 &&
               funding_pool_ == 0;
    }

    const Journal& journal() const { return journal_; }
    Journal& journal() { return journal_; }
    const JournalSeal& seal() const { return seal_; }

private:
    Result<std::uint32_t> open(std::vector<Rep>& places, std::uint32_t places_max, PlaceKind kind) {
        if (places.size() >= places_max) {
            return make_error(ErrorCode::capacity_exceeded, "ledger is full for this kind of place");
        }
        const auto index = static_cast<std::uint32_t>(places.size());
        places.push_back(Rep(0));  // within the reserved capacity: no allocation
        if constexpr (Journal::enabled) {
            Entry entry;
            entry.kind = JournalEntryKind::open_place;
            entry.place = Place::from_parts(kind, index);
            record(entry);
        }
        return index;
    }

    void record(Entry& entry) {
        record_chained(journal_, seal_, entry,
                       [](std::uint64_t previous, const Entry& e) { return journal_chain(previous, e); });
    }

    const Rep* slot(Place place) const { return const_cast<Ledger*>(this)->slot(place); }
    Rep* slot(Place place) {
        auto indexed = [&place](std::vector<Rep>& places) -> Rep* {
            return place.index() < places.size() ? &places[place.index()] : nullptr;
        };
        auto single = [&place](Rep& value) -> Rep* { return place.index() == 0 ? &value : nullptr; };
        switch (place.kind()) {
            case PlaceKind::external: return single(external_);
            case PlaceKind::collateral: return indexed(accounts_);
            case PlaceKind::fund: return indexed(funds_);
            case PlaceKind::treasury: return single(treasury_);
            case PlaceKind::liquidator: return indexed(liquidators_);
            case PlaceKind::socialized_loss: return single(socialized_loss_);
            case PlaceKind::dust: return single(dust_);
            case PlaceKind::pnl_pool: return single(pnl_pool_);
            case PlaceKind::funding_pool: return single(funding_pool_);
            case PlaceKind::strategy: return indexed(strategies_);
        }
        return nullptr;
    }

    LedgerLimits limits_;
    Journal journal_;
    JournalSeal seal_{};
    std::vector<Rep> accounts_;
    std::vector<Rep> funds_;
    std::vector<Rep> liquidators_;
    std::vector<Rep> strategies_;
    Rep external_ = Rep(0);
    Rep treasury_ = Rep(0);
    Rep socialized_loss_ = Rep(0);
    Rep dust_ = Rep(0);
    Rep pnl_pool_ = Rep(0);
    Rep funding_pool_ = Rep(0);
};

}  // namespace backstop
