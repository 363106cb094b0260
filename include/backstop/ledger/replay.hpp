// replay(entries, seal, fresh_ledger): rebuilds a ledger from its journal, bit for bit.
// The whole journal is verified before anything is applied: entries must number 0, 1, 2, ...
// (journal_gap); each chain value must match its content, and each entry must be one a ledger
// writes: a known kind, the fields its kind does not use as a default entry has them, an
// open_place entry naming an account, fund or liquidator (journal_corrupt); the count and last
// chain must match the seal (journal_truncated, journal_corrupt). A replay that succeeds
// therefore ends at the journal's own seal. A transfer the fresh ledger refuses (an overdraft
// in a journal whose chain was recomputed over altered entries) stops the replay with that
// transfer's error, part of the journal applied.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/ledger/journal.hpp"
#include "backstop/ledger/ledger.hpp"

#include <cstddef>
#include <cstdint>

namespace backstop {

namespace detail {
// Whether `entry` is one a ledger could have written. The chain covers every field, so without
// this a journal whose chain was recomputed over data in an unused field (an open_place entry
// carrying a transfer amount) replays, and the replayed ledger, which records the entry as it
// writes entries, ends at another seal than the journal it was rebuilt from.
template <class Asset, class Rep>
bool journal_entry_canonical(const JournalEntry<Asset, Rep>& entry) {
    const JournalEntry<Asset, Rep> blank{};
    const bool transfer_blank = entry.transfer.source == blank.transfer.source &&
                                entry.transfer.target == blank.transfer.target &&
                                entry.transfer.amount == blank.transfer.amount &&
                                entry.transfer.reason == blank.transfer.reason;
    const bool parameter_blank = entry.parameter == blank.parameter &&
                                 entry.value_before == blank.value_before &&
                                 entry.value_after == blank.value_after;
    switch (entry.kind) {
        case JournalEntryKind::open_place:
            return transfer_blank && parameter_blank &&
                   (entry.place.kind() == PlaceKind::collateral || entry.place.kind() == PlaceKind::fund ||
                    entry.place.kind() == PlaceKind::liquidator || entry.place.kind() == PlaceKind::strategy);
        case JournalEntryKind::transfer: return entry.place == blank.place && parameter_blank;
        case JournalEntryKind::parameter_change: return transfer_blank;
    }
    return false;  // a kind this version does not know
}
}  // namespace detail

// Entries: anything with size() and operator[] giving JournalEntry oldest first
// (VectorJournal, RingJournal, std::vector<JournalEntry>).
template <class Entries>
Result<void> verify_journal(const Entries& entries, const JournalSeal& seal) {
    std::uint64_t chain = JournalSeal::chain_origin;
    const std::size_t count = entries.size();
    for (std::size_t i = 0; i < count; ++i) {
        const auto& entry = entries[i];
        if (entry.sequence != i) {
            return make_error(ErrorCode::journal_gap, "journal entries are not numbered 0, 1, 2, ...");
        }
        if (journal_chain(chain, entry) != entry.chain) {
            return make_error(ErrorCode::journal_corrupt, "journal entry does not match its chain");
        }
        if (!detail::journal_entry_canonical(entry)) {
            return make_error(ErrorCode::journal_corrupt, "journal entry is not one a ledger writes");
        }
        chain = entry.chain;
    }
    if (count < seal.entry_count) {
        return make_error(ErrorCode::journal_truncated, "journal is shorter than its seal");
    }
    if (count > seal.entry_count || chain != seal.chain) {
        return make_error(ErrorCode::journal_corrupt, "journal does not end at its seal");
    }
    return {};
}

template <class Entries, class Asset, class Journal>
Result<void> replay(const Entries& entries, const JournalSeal& seal, Ledger<Asset, Journal>& fresh) {
    if (!fresh.is_empty()) return make_error(ErrorCode::ledger_not_empty, "replay needs a fresh ledger");
    Result<void> verified = verify_journal(entries, seal);
    if (!verified) return verified;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto& entry = entries[i];
        switch (entry.kind) {
            case JournalEntryKind::open_place: {
                std::uint32_t index = 0;
                switch (entry.place.kind()) {
                    case PlaceKind::collateral: {
                        auto id = fresh.open_account();
                        if (!id) return id.error();
                        index = id->value;
                        break;
                    }
                    case PlaceKind::fund: {
                        auto id = fresh.open_fund();
                        if (!id) return id.error();
                        index = id->value;
                        break;
                    }
                    case PlaceKind::liquidator: {
                        auto id = fresh.open_liquidator();
                        if (!id) return id.error();
                        index = id->value;
                        break;
                    }
                    case PlaceKind::strategy: {
                        auto id = fresh.open_strategy();
                        if (!id) return id.error();
                        index = id->value;
                        break;
                    }
                    default:
                        return make_error(ErrorCode::journal_corrupt, "journal opens a fixed place");
                }
                if (index != entry.place.index()) {
                    return make_error(ErrorCode::journal_corrupt, "journal opens places out of order");
                }
                break;
            }
            case JournalEntryKind::transfer: {
                Result<void> moved = fresh.transfer(entry.transfer);
                if (!moved) return moved;
                break;
            }
            case JournalEntryKind::parameter_change:
                fresh.record_parameter_change(entry.place, entry.parameter, entry.value_before,
                                              entry.value_after);
                break;
            default:
                return make_error(ErrorCode::journal_corrupt, "unknown journal entry kind");
        }
    }
    return {};
}

}  // namespace backstop
