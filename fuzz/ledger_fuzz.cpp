// Fuzz target: the ledger and its journal, against a reference model.
//
// The bytes decode to a ledger (USDC in int64, or ETH in Int128; small, fuzzed limits) and a
// sequence of operations: opening places, transfers between any places (unknown ones and
// invalid kinds included) of edge-biased amounts, parameter changes, and journal replays
// (whole, truncated, altered, and forged with a recomputed chain). A reference model keeps every
// balance as an arbitrary-precision integer and predicts each operation's outcome from the
// documented validation order. After every operation:
//   - check_transfer and transfer agree with each other and with the model (value or error);
//   - a refused operation leaves the digest, the seal and the journal unchanged;
//   - the audit balances, and its sums per kind and every balance match the model;
// and for the journal:
//   - replaying it onto a fresh ledger reproduces the digest and the seal;
//   - a truncated or altered journal is refused with a typed journal error before anything is
//     applied (the fresh ledger stays empty);
//   - a forged journal (altered, chain recomputed) replays or is refused with a typed error,
//     never crashes; when it replays, the result's audit balances and its seal is the forged one;
//   - a ring journal of the same history replays when it dropped nothing, else journal_gap.
#include <backstop/ledger/ledger.hpp>
#include <backstop/ledger/replay.hpp>
#include <backstop/money/assets.hpp>

#include "fuzz_input.hpp"

#include <boost/multiprecision/cpp_int.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

using namespace backstop;
using namespace backstop::assets;
using backstop_fuzz::FuzzInput;
using BigInt = boost::multiprecision::cpp_int;

namespace {

BigInt to_big(std::int64_t value) { return BigInt(value); }
BigInt to_big(const Int128& value) { return BigInt(to_string(value)); }
BigInt to_big(const Int192& value) { return BigInt(to_string(value)); }

template <class Rep>
BigInt rep_max() {
    if constexpr (std::is_same<Rep, std::int64_t>::value) {
        return BigInt(std::numeric_limits<std::int64_t>::max());
    } else {
        return (BigInt(1) << 127) - 1;  // Int128 is symmetric: +-(2^127 - 1)
    }
}
template <class Rep>
BigInt rep_min() {
    if constexpr (std::is_same<Rep, std::int64_t>::value) {
        return BigInt(std::numeric_limits<std::int64_t>::min());
    } else {
        return -((BigInt(1) << 127) - 1);
    }
}

// Every balance, by kind and index, as the documentation says the ledger keeps them.
template <class Rep>
class Model {
public:
    explicit Model(LedgerLimits limits) : limits_(limits) {}

    BigInt* slot(Place place) {
        const auto kind = static_cast<std::size_t>(place.kind());
        switch (place.kind()) {
            case PlaceKind::collateral: return indexed(accounts_, place.index());
            case PlaceKind::fund: return indexed(funds_, place.index());
            case PlaceKind::liquidator: return indexed(liquidators_, place.index());
            case PlaceKind::strategy: return indexed(strategies_, place.index());
            case PlaceKind::external:
            case PlaceKind::treasury:
            case PlaceKind::socialized_loss:
            case PlaceKind::dust:
            case PlaceKind::pnl_pool:
            case PlaceKind::funding_pool: return place.index() == 0 ? &singles_[kind] : nullptr;
        }
        return nullptr;  // a kind this version does not know
    }

    // The outcome the documented validation order gives.
    Result<void> predict(Place source, Place target, const BigInt& amount) {
        BigInt* from = slot(source);
        if (from == nullptr) return make_error(ErrorCode::unknown_place);
        BigInt* to = slot(target);
        if (to == nullptr) return make_error(ErrorCode::unknown_place);
        if (source == target) return make_error(ErrorCode::same_place);
        if (amount <= 0) return make_error(ErrorCode::amount_not_positive);
        const BigInt from_after = *from - amount;
        if (!place_kind_may_be_negative(source.kind()) && from_after < 0) {
            return make_error(ErrorCode::insufficient_balance);
        }
        if (from_after < rep_min<Rep>()) return make_error(ErrorCode::overflow);
        if (*to + amount > rep_max<Rep>()) return make_error(ErrorCode::overflow);
        return {};
    }
    void apply(Place source, Place target, const BigInt& amount) {
        *slot(source) -= amount;
        *slot(target) += amount;
    }

    // Opens the next place of a kind; false when the kind is full.
    bool open(PlaceKind kind) {
        std::vector<BigInt>& places = many(kind);
        if (places.size() >= maximum(kind)) return false;
        places.push_back(0);
        return true;
    }
    std::uint32_t count(PlaceKind kind) { return static_cast<std::uint32_t>(many(kind).size()); }

    BigInt sum(PlaceKind kind) {
        BigInt total = 0;
        switch (kind) {
            case PlaceKind::collateral:
            case PlaceKind::fund:
            case PlaceKind::liquidator:
            case PlaceKind::strategy:
                for (const BigInt& value : many(kind)) total += value;
                return total;
            default: return singles_[static_cast<std::size_t>(kind)];
        }
    }

private:
    static BigInt* indexed(std::vector<BigInt>& places, std::uint32_t index) {
        return index < places.size() ? &places[index] : nullptr;
    }
    std::vector<BigInt>& many(PlaceKind kind) {
        return kind == PlaceKind::collateral ? accounts_
               : kind == PlaceKind::fund     ? funds_
               : kind == PlaceKind::strategy ? strategies_
                                             : liquidators_;
    }
    std::uint32_t maximum(PlaceKind kind) const {
        return kind == PlaceKind::collateral ? limits_.accounts_max
               : kind == PlaceKind::fund     ? limits_.funds_max
               : kind == PlaceKind::strategy ? limits_.strategies_max
                                             : limits_.liquidators_max;
    }

    LedgerLimits limits_;
    std::vector<BigInt> accounts_, funds_, liquidators_, strategies_;
    std::array<BigInt, place_kind_count> singles_{};
};

// Mostly places that exist, sometimes one index past the end, sometimes a kind that does not.
Place place_from(FuzzInput& in) {
    const std::uint8_t kind_byte = in.byte();
    const std::uint8_t index_byte = in.byte();
    const auto kind = static_cast<PlaceKind>(kind_byte % 16 < 15 ? kind_byte % place_kind_count
                                                                  : place_kind_count + kind_byte % 7);
    std::uint32_t index = index_byte % 5;
    if (index_byte == 0xFF) index = std::numeric_limits<std::uint32_t>::max();
    switch (kind) {
        case PlaceKind::collateral:
        case PlaceKind::fund:
        case PlaceKind::liquidator:
        case PlaceKind::strategy: return Place::from_parts(kind, index);
        default: return Place::from_parts(kind, index_byte % 32 == 31 ? 1u : 0u);
    }
}

template <class Rep>
Rep amount_from(FuzzInput& in) {
    if constexpr (std::is_same<Rep, std::int64_t>::value) {
        return in.int64();
    } else {
        return (in.byte() & 1) ? Rep(in.int64()) : in.int128();
    }
}

bool is_journal_error(ErrorCode code) {
    return code == ErrorCode::journal_gap || code == ErrorCode::journal_corrupt ||
           code == ErrorCode::journal_truncated;
}

template <class Asset>
class LedgerRun {
public:
    using Rep = default_rep_t<Asset>;
    using Money = Amount<Asset, Rep>;
    using Recorded = Ledger<Asset, VectorJournal<Asset>>;
    using Ring = Ledger<Asset, RingJournal<Asset>>;
    using Entry = JournalEntry<Asset, Rep>;

    LedgerRun(LedgerLimits limits, std::size_t ring_capacity)
        : limits_(limits), ledger_(limits), ring_(limits, RingJournal<Asset>(ring_capacity)), model_(limits) {}

    void step(FuzzInput& in) {
        switch (in.byte() % 12) {
            case 0: open(in); break;
            case 1: parameter_change(in); break;
            case 2: replay_whole(); break;
            case 3: replay_truncated(in); break;
            case 4: replay_altered(in); break;
            case 5: replay_forged(in); break;
            default: transfer(in); break;  // half the operations move money
        }
        check_state();
    }

    void finish() {
        replay_whole();
        replay_ring();
    }

private:
    void open(FuzzInput& in) {
        const PlaceKind kinds[] = {PlaceKind::collateral, PlaceKind::fund, PlaceKind::liquidator, PlaceKind::strategy};
        const PlaceKind kind = kinds[in.below(4)];
        const std::uint64_t digest = ledger_.digest();
        const JournalSeal seal = ledger_.seal();
        const std::uint32_t expected_index = model_.count(kind);
        const bool room = model_.open(kind);
        Result<std::uint32_t> opened = open_in(ledger_, kind);
        Result<std::uint32_t> ring_opened = open_in(ring_, kind);
        FUZZ_CHECK(opened.has_value() == room && ring_opened.has_value() == room);
        if (!room) {
            FUZZ_CHECK(opened.error().code == ErrorCode::capacity_exceeded);
            FUZZ_CHECK(ledger_.digest() == digest && ledger_.seal() == seal);
            return;
        }
        FUZZ_CHECK(*opened == expected_index && *ring_opened == expected_index);
        FUZZ_CHECK(ledger_.seal().entry_count == seal.entry_count + 1);
    }

    template <class L>
    static Result<std::uint32_t> open_in(L& ledger, PlaceKind kind) {
        if (kind == PlaceKind::collateral) {
            Result<AccountId> id = ledger.open_account();
            if (!id) return id.error();
            return id->value;
        }
        if (kind == PlaceKind::fund) {
            Result<FundId> id = ledger.open_fund();
            if (!id) return id.error();
            return id->value;
        }
        if (kind == PlaceKind::strategy) {
            Result<StrategyId> id = ledger.open_strategy();
            if (!id) return id.error();
            return id->value;
        }
        Result<LiquidatorId> id = ledger.open_liquidator();
        if (!id) return id.error();
        return id->value;
    }

    void transfer(FuzzInput& in) {
        const Place source = place_from(in);
        const Place target = place_from(in);
        const Money amount = Money::from_atoms(amount_from<Rep>(in));
        const auto reason = static_cast<TransferReason>(in.byte());
        const bool as_struct = in.boolean();

        const Result<void> predicted = model_.predict(source, target, to_big(amount.atoms()));
        const std::uint64_t digest = ledger_.digest();
        const JournalSeal seal = ledger_.seal();
        const std::size_t journal_size = ledger_.journal().size();

        const Result<void> checked = ledger_.check_transfer(source, target, amount);
        FUZZ_CHECK(ledger_.digest() == digest);  // checking changes nothing
        const Result<void> moved = as_struct
                                       ? ledger_.transfer(Transfer<Asset, Rep>{source, target, amount, reason})
                                       : ledger_.transfer(source, target, amount, reason);
        const Result<void> ring_moved = ring_.transfer(source, target, amount, reason);

        FUZZ_CHECK(checked.has_value() == predicted.has_value());
        FUZZ_CHECK(moved.has_value() == predicted.has_value());
        FUZZ_CHECK(ring_moved.has_value() == predicted.has_value());
        if (!predicted) {
            FUZZ_CHECK(checked.error().code == predicted.error().code);
            FUZZ_CHECK(moved.error().code == predicted.error().code);
            FUZZ_CHECK(ledger_.digest() == digest && ledger_.seal() == seal);
            FUZZ_CHECK(ledger_.journal().size() == journal_size);
            return;
        }
        model_.apply(source, target, to_big(amount.atoms()));
        FUZZ_CHECK(ledger_.seal().entry_count == seal.entry_count + 1);
        FUZZ_CHECK(ledger_.journal().size() == journal_size + 1);
        const Entry& entry = ledger_.journal()[journal_size];
        FUZZ_CHECK(entry.kind == JournalEntryKind::transfer && entry.transfer.source == source &&
                   entry.transfer.target == target && entry.transfer.amount == amount &&
                   entry.transfer.reason == reason);
    }

    void parameter_change(FuzzInput& in) {
        const Place owner = place_from(in);
        const std::uint32_t parameter = in.bits32();
        const std::int64_t before = in.int64();
        const std::int64_t after = in.int64();
        const std::uint64_t digest = ledger_.digest();
        const JournalSeal seal = ledger_.seal();
        ledger_.record_parameter_change(owner, parameter, before, after);
        ring_.record_parameter_change(owner, parameter, before, after);
        FUZZ_CHECK(ledger_.digest() == digest);  // a parameter is not a balance
        FUZZ_CHECK(ledger_.seal().entry_count == seal.entry_count + 1);
    }

    std::vector<Entry> entries() const { return ledger_.journal().entries(); }

    void replay_whole() {
        Recorded fresh(limits_);
        const Result<void> replayed = replay(ledger_.journal(), ledger_.seal(), fresh);
        FUZZ_CHECK(replayed.has_value());
        FUZZ_CHECK(fresh.digest() == ledger_.digest());
        FUZZ_CHECK(fresh.seal() == ledger_.seal());
        // A second replay onto a ledger that is no longer fresh is refused.
        if (!fresh.is_empty()) {
            const Result<void> again = replay(ledger_.journal(), ledger_.seal(), fresh);
            FUZZ_CHECK(!again && again.error().code == ErrorCode::ledger_not_empty);
        }
    }

    void replay_truncated(FuzzInput& in) {
        std::vector<Entry> kept = entries();
        if (kept.empty()) return;
        const std::size_t drop = 1 + in.byte() % kept.size();
        const bool from_front = in.boolean();
        if (from_front) {
            kept.erase(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(drop));
        } else {
            kept.resize(kept.size() - drop);
        }
        Recorded fresh(limits_);
        const Result<void> replayed = replay(kept, ledger_.seal(), fresh);
        FUZZ_CHECK(!replayed);
        FUZZ_CHECK(replayed.error().code ==
                   (from_front && !kept.empty() ? ErrorCode::journal_gap : ErrorCode::journal_truncated));
        FUZZ_CHECK(fresh.is_empty() && fresh.seal() == JournalSeal{});
    }

    // One field of one entry changed by a non-zero mask: the chain no longer matches.
    static bool alter(Entry& entry, std::uint8_t field, std::uint64_t mask) {
        if (mask == 0) mask = 1;
        const auto mask32 = static_cast<std::uint32_t>(mask | 1u);
        auto moved_place = [mask32](Place place) {
            return (mask32 & 0x100u)
                       ? Place::from_parts(static_cast<PlaceKind>(static_cast<std::uint8_t>(place.kind()) ^
                                                                  static_cast<std::uint8_t>(mask32 | 1u)),
                                           place.index())
                       : Place::from_parts(place.kind(), place.index() ^ mask32);
        };
        switch (field % 11) {
            case 0: entry.sequence ^= mask; return true;
            case 1: entry.chain ^= mask; return true;
            case 2:
                entry.kind = static_cast<JournalEntryKind>(static_cast<std::uint8_t>(entry.kind) ^
                                                           static_cast<std::uint8_t>(mask | 1u));
                return true;
            case 3: entry.transfer.source = moved_place(entry.transfer.source); return true;
            case 4: entry.transfer.target = moved_place(entry.transfer.target); return true;
            case 5: {
                const Rep atoms = entry.transfer.amount.atoms();
                entry.transfer.amount = Amount<Asset, Rep>::from_atoms(
                    atoms == 0 ? Rep(1) : Rep(atoms / 2 == atoms ? atoms - 1 : atoms / 2));
                return true;
            }
            case 6:
                entry.transfer.reason = static_cast<TransferReason>(
                    static_cast<std::uint16_t>(entry.transfer.reason) ^ static_cast<std::uint16_t>(mask32));
                return true;
            case 7: entry.place = moved_place(entry.place); return true;
            case 8: entry.parameter ^= mask32; return true;
            case 9: entry.value_before ^= static_cast<std::int64_t>(mask); return true;
            default: entry.value_after ^= static_cast<std::int64_t>(mask); return true;
        }
    }

    void replay_altered(FuzzInput& in) {
        std::vector<Entry> altered = entries();
        if (altered.empty()) return;
        const std::size_t index = in.bits32() % altered.size();
        alter(altered[index], in.byte(), in.bits64());
        Recorded fresh(limits_);
        const Result<void> replayed = replay(altered, ledger_.seal(), fresh);
        FUZZ_CHECK(!replayed);
        FUZZ_CHECK(is_journal_error(replayed.error().code));
        FUZZ_CHECK(fresh.is_empty());  // verified before anything is applied
    }

    // An altered entry with every chain value recomputed: the journal is self-consistent, so
    // verification passes, and replay meets whatever the alteration means (an overdraft, a place
    // that does not exist, an unknown entry kind). It must refuse with a typed error or replay.
    void replay_forged(FuzzInput& in) {
        std::vector<Entry> forged = entries();
        if (forged.empty()) return;
        const std::size_t index = in.bits32() % forged.size();
        alter(forged[index], 2 + in.byte() % 9, in.bits64());  // not sequence or chain
        JournalSeal seal;
        for (Entry& entry : forged) {
            entry.chain = journal_chain(seal.chain, entry);
            seal.chain = entry.chain;
            seal.entry_count += 1;
        }
        Recorded fresh(limits_);
        const Result<void> replayed = replay(forged, seal, fresh);
        if (!replayed) {
            // A ledger error, or the overflow a transfer's validation reports.
            const ErrorCode code = replayed.error().code;
            FUZZ_CHECK(code == ErrorCode::overflow ||
                       (static_cast<int>(code) >= 200 && static_cast<int>(code) < 300));
            return;
        }
        FUZZ_CHECK(fresh.audit().balanced());
        FUZZ_CHECK(fresh.seal() == seal);
    }

    void replay_ring() {
        Recorded fresh(limits_);
        const Result<void> replayed = replay(ring_.journal(), ring_.seal(), fresh);
        if (ring_.journal().dropped() == 0) {
            FUZZ_CHECK(replayed.has_value() && fresh.digest() == ring_.digest());
        } else {
            FUZZ_CHECK(!replayed && replayed.error().code == ErrorCode::journal_gap);
        }
    }

    void check_state() {
        const Audit<Rep> audit = ledger_.audit();
        FUZZ_CHECK(audit.balanced());
        for (int k = 0; k < place_kind_count; ++k) {
            const auto kind = static_cast<PlaceKind>(k);
            FUZZ_CHECK(to_big(audit.sum(kind)) == model_.sum(kind));
        }
        FUZZ_CHECK(audit.places_by_kind[static_cast<std::size_t>(PlaceKind::collateral)] ==
                   ledger_.account_count());
        FUZZ_CHECK(ledger_.account_count() == model_.count(PlaceKind::collateral));
        FUZZ_CHECK(ledger_.fund_count() == model_.count(PlaceKind::fund));
        FUZZ_CHECK(ledger_.liquidator_count() == model_.count(PlaceKind::liquidator));
        FUZZ_CHECK(ledger_.strategy_count() == model_.count(PlaceKind::strategy));
        FUZZ_CHECK(ledger_.digest() == ring_.digest());
        FUZZ_CHECK(ledger_.seal() == ring_.seal());
        FUZZ_CHECK(ledger_.journal().size() == ledger_.seal().entry_count);
    }

    LedgerLimits limits_;
    Recorded ledger_;
    Ring ring_;
    Model<Rep> model_;
};

template <class Asset>
void run(FuzzInput& in, LedgerLimits limits) {
    LedgerRun<Asset> run(limits, 1 + in.byte() % 64);
    // Bounded: libFuzzer's inputs are short, and a step reads at least one byte.
    for (int step = 0; step < 256 && !in.empty(); ++step) run.step(in);
    run.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in(data, size);
    const std::uint8_t shape = in.byte();
    LedgerLimits limits{in.byte() % 6u, in.byte() % 4u, in.byte() % 4u};
    limits.strategies_max = limits.funds_max;  // no byte of its own: the corpus keeps its meaning
    if (shape & 1) {
        run<ETH>(in, limits);  // Int128 balances
    } else {
        run<USDC>(in, limits);
    }
    return 0;
}
