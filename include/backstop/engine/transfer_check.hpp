// TransferCheck: a planned sequence of ledger transfers replayed on copies of the balances it
// touches, so that a plan is known to commit without overdrawing a real place or leaving int64
// before anything is committed.
#pragma once

#include "backstop/core/config.hpp"
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
        detail::int128* from = balance(source);
        detail::int128* to = balance(target);
        if (from == nullptr || to == nullptr || amount > std::numeric_limits<std::int64_t>::max()) {
            ok_ = false;
            return;
        }
        *from -= amount;
        *to += amount;
        if (!fits_int64(*from) || !fits_int64(*to) || (!place_kind_may_be_negative(source.kind()) && *from < 0)) ok_ = false;
    }
    // Forgets a place no later transfer touches (each ADL bearer's collateral).
    void release(Place place) {
        for (std::size_t k = 0; k < count_; ++k) {
            if (entries_[k].place == place) {
                entries_[k] = entries_[--count_];
                return;
            }
        }
    }
    bool ok() const { return ok_; }

private:
    struct Entry {
        Place place{};
        detail::int128 balance = 0;
    };
    detail::int128* balance(Place place) {
        for (std::size_t k = 0; k < count_; ++k) {
            if (entries_[k].place == place) return &entries_[k].balance;
        }
        if (count_ == entries_.size() || !ledger_.contains(place)) return nullptr;
        entries_[count_] = Entry{place, ledger_.balance_of(place).atoms()};
        return &entries_[count_++].balance;
    }
    const Ledger& ledger_;
    std::array<Entry, 24> entries_{};
    std::size_t count_ = 0;
    bool ok_ = true;
};

}  // namespace detail
}  // namespace backstop
