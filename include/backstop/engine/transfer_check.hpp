// TransferCheck: a planned sequence of ledger transfers replayed on copies of the balances it
// touches, so that a plan is known to commit without overdrawing a real place or leaving int64
// before anything is committed.
#pragma once

#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/engine/margin_math.hpp"
#include "backstop/ledger/place.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>

namespace backstop {
namespace detail {

// A planned sequence of transfers replayed on copies of the balances it touches: no real
// place goes below zero and no balance leaves int64, at any step. The plan's commit makes
// the same transfers in the same order, so it cannot fail.
template <class Ledger>
class TransferCheck {
public:
    explicit TransferCheck(const Ledger& ledger) : ledger_(ledger) {}
    void apply(Place source, Place target, detail::int128 amount) {
        if (amount == 0 || !ok_) return;
        if (amount < 0) {
            std::swap(source, target);
            amount = -amount;
        }
        std::int64_t* from = balance(source);
        std::int64_t* to = balance(target);
        if (from == nullptr || to == nullptr || amount > std::numeric_limits<std::int64_t>::max()) {
            ok_ = false;
            return;
        }
        // The copies are int64: a step that leaves int64 fails the whole check (ok_ stays false
        // and no later step runs), so 64-bit arithmetic with overflow checks is exact.
        const auto atoms = static_cast<std::int64_t>(amount);
        if (__builtin_sub_overflow(*from, atoms, from) || __builtin_add_overflow(*to, atoms, to) ||
            (!place_kind_may_be_negative(source.kind()) && *from < 0)) {
            ok_ = false;
        }
    }
    // Forgets a place no later transfer touches (each ADL bearer's collateral).
    void release(Place place) {
        const std::uint64_t key = key_of(place);
        for (std::size_t k = 0; k < count_; ++k) {
            if (entries_[k].key == key) {
                entries_[k] = entries_[--count_];
                return;
            }
        }
    }
    bool ok() const { return ok_; }

private:
    // Trivial (no member initializers), so that the entries are not zeroed for every check: only
    // [0, count_) is ever read. A place is kept as one key (kind, index).
    struct Entry {
        std::uint64_t key;
        std::int64_t balance;
    };
    static std::uint64_t key_of(Place place) {
        return (std::uint64_t{static_cast<std::uint8_t>(place.kind())} << 32) | place.index();
    }
    std::int64_t* balance(Place place) {
        const std::uint64_t key = key_of(place);
        for (std::size_t k = 0; k < count_; ++k) {
            if (entries_[k].key == key) return &entries_[k].balance;
        }
        if (count_ == entries_.size()) return nullptr;
        const Result<typename Ledger::Money> held = ledger_.balance(place);  // one look-up
        if (!held) return nullptr;
        entries_[count_].key = key;
        entries_[count_].balance = held->atoms();
        return &entries_[count_++].balance;
    }
    const Ledger& ledger_;
    std::array<Entry, 24> entries_;  // not zeroed: only [0, count_) is read
    std::size_t count_ = 0;
    bool ok_ = true;
};

}  // namespace detail
}  // namespace backstop
