// The journal: every place opened, transfer made and parameter changed, in order, each entry
// chained to the one before by a stable hash. A JournalSeal (entry count and last chain value)
// lets a replay refuse a journal that was truncated, reordered or altered.
//
// The sink is the caller's choice, a template parameter of the Ledger:
//   NullJournal       records nothing and costs nothing (the chain is not even computed);
//   RingJournal       a fixed-capacity ring allocated once, for production (keeps the newest);
//   VectorJournal     a growing vector, for tests and research (keeps everything).
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/hash.hpp"
#include "backstop/ledger/place.hpp"
#include "backstop/ledger/transfer.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace backstop {

enum class JournalEntryKind : std::uint8_t {
    open_place = 1,
    transfer = 2,
    parameter_change = 3,
};

template <class Asset, class Rep = default_rep_t<Asset>>
struct JournalEntry {
    std::uint64_t sequence = 0;  // 0, 1, 2, ... with no gaps
    std::uint64_t chain = 0;     // hash of the previous entry's chain and this entry's content
    JournalEntryKind kind = JournalEntryKind::transfer;
    Transfer<Asset, Rep> transfer{};  // kind == transfer
    Place place{};                    // kind == open_place: the place opened;
                                      // kind == parameter_change: whose parameter
    std::uint32_t parameter = 0;      // kind == parameter_change: owner-defined parameter number
    std::int64_t value_before = 0;
    std::int64_t value_after = 0;
};

// What a complete journal ends with.
struct JournalSeal {
    static constexpr std::uint64_t chain_origin = 0x6261636B73746F70ull;  // "backstop"
    std::uint64_t entry_count = 0;
    std::uint64_t chain = chain_origin;

    friend constexpr bool operator==(const JournalSeal& a, const JournalSeal& b) {
        return a.entry_count == b.entry_count && a.chain == b.chain;
    }
    friend constexpr bool operator!=(const JournalSeal& a, const JournalSeal& b) {
        return !(a == b);
    }
};

// The chain value of `entry` given the chain value before it (its own `chain` is ignored).
template <class Asset, class Rep>
std::uint64_t journal_chain(std::uint64_t previous_chain, const JournalEntry<Asset, Rep>& entry) {
    StableHash hash(previous_chain);
    hash.add(entry.sequence).add(static_cast<std::uint64_t>(entry.kind));
    hash.add(static_cast<std::uint64_t>(entry.transfer.source.kind()))
        .add(entry.transfer.source.index())
        .add(static_cast<std::uint64_t>(entry.transfer.target.kind()))
        .add(entry.transfer.target.index())
        .add_signed(entry.transfer.amount.atoms())
        .add(static_cast<std::uint64_t>(entry.transfer.reason));
    hash.add(static_cast<std::uint64_t>(entry.place.kind())).add(entry.place.index());
    hash.add(entry.parameter).add_signed(entry.value_before).add_signed(entry.value_after);
    return hash.value();
}

struct NullJournal {
    static constexpr bool enabled = false;
    template <class Entry>
    void record(const Entry&) noexcept {}
};

// Numbers `entry`, chains it to `seal` with `chain(previous chain, entry)` and hands it to the
// sink: the one way the ledger and the engine record an entry.
template <class Sink, class Entry, class Chain>
void record_chained(Sink& sink, JournalSeal& seal, Entry& entry, Chain chain) {
    entry.sequence = seal.entry_count;
    entry.chain = chain(seal.chain, entry);
    sink.record(entry);
    seal.entry_count += 1;
    seal.chain = entry.chain;
}

// A growing vector of entries of any type (the ledger's JournalEntry, the engine's
// EngineCommand), for tests and research: it keeps everything and allocates as it grows.
template <class EntryType>
class BasicVectorJournal {
public:
    using Entry = EntryType;
    static constexpr bool enabled = true;

    void record(const Entry& entry) { entries_.push_back(entry); }
    std::size_t size() const { return entries_.size(); }
    const Entry& operator[](std::size_t i) const { return entries_[i]; }
    const std::vector<Entry>& entries() const { return entries_; }

private:
    std::vector<Entry> entries_;
};

// Keeps the newest `capacity` entries; storage is allocated once, in the constructor. A
// capacity of 0 keeps none: every entry counts as dropped, so a replay of it is refused.
template <class EntryType>
class BasicRingJournal {
public:
    using Entry = EntryType;
    static constexpr bool enabled = true;

    explicit BasicRingJournal(std::size_t capacity) : slots_(capacity) {}

    void record(const Entry& entry) noexcept {
        if (!slots_.empty()) slots_[static_cast<std::size_t>(recorded_ % slots_.size())] = entry;
        ++recorded_;
    }
    // Entries held, oldest first.
    std::size_t size() const { return static_cast<std::size_t>(recorded_ < slots_.size() ? recorded_ : slots_.size()); }
    const Entry& operator[](std::size_t i) const {
        BACKSTOP_ASSERT(i < size(), "ring journal index out of range");
        const std::uint64_t oldest = recorded_ - size();
        return slots_[static_cast<std::size_t>((oldest + i) % slots_.size())];
    }
    std::size_t capacity() const { return slots_.size(); }
    std::uint64_t recorded() const { return recorded_; }
    // Entries that were overwritten: a replay of this ring alone is then refused (journal_gap).
    std::uint64_t dropped() const { return recorded_ - size(); }

private:
    std::vector<Entry> slots_;
    std::uint64_t recorded_ = 0;
};

// The ledger's sinks.
template <class Asset, class Rep = default_rep_t<Asset>>
class VectorJournal : public BasicVectorJournal<JournalEntry<Asset, Rep>> {};

template <class Asset, class Rep = default_rep_t<Asset>>
class RingJournal : public BasicRingJournal<JournalEntry<Asset, Rep>> {
public:
    using BasicRingJournal<JournalEntry<Asset, Rep>>::BasicRingJournal;
};

}  // namespace backstop
