// The journal and its replay: a random run recorded in a VectorJournal replays onto a fresh
// ledger to the same digest; a journal that was truncated at either end, reordered or altered in
// any field is refused with its typed error before anything is applied.
#include <backstop/ledger/ledger.hpp>
#include <backstop/ledger/replay.hpp>
#include <backstop/money/assets.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <utility>
#include <vector>

#include "support/random.hpp"

namespace test_ledger_replay_test {

using namespace backstop;
using namespace backstop::assets;

namespace {

using Usdc = Amount<USDC>;
using Entry = JournalEntry<USDC>;

// A random history: places opened over time, deposits, transfers (some refused, which the journal
// must not record), parameter changes.
template <class Journal>
void random_history(Ledger<USDC, Journal>& ledger, std::uint64_t seed, int steps) {
    testing::TestRandom random(seed);
    std::vector<Place> places = {Place::external(), Place::treasury(), Place::dust(),
                                 Place::socialized_loss()};
    places.push_back(Place::fund(ledger.open_fund().value()));
    for (int step = 0; step < steps; ++step) {
        const auto choice = random.below(20);
        if (choice == 0 && ledger.account_count() < ledger.limits().accounts_max) {
            places.push_back(Place::collateral(ledger.open_account().value()));
        } else if (choice == 1) {
            ledger.record_parameter_change(places[4], static_cast<std::uint32_t>(random.below(4)),
                                           static_cast<std::int64_t>(random.below(1000)),
                                           static_cast<std::int64_t>(random.below(1000)));
        } else {
            const Place source = places[random.below(places.size())];
            const Place target = places[random.below(places.size())];
            const auto atoms = static_cast<std::int64_t>(random.below(5'000'000'000));
            (void)ledger.transfer(source, target, Usdc(atoms), TransferReason::other);
        }
    }
}

const LedgerLimits limits{64, 2, 2};

}  // namespace

TEST_CASE("a journal replays onto a fresh ledger to the same digest", "[ledger][replay]") {
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        Ledger<USDC, VectorJournal<USDC>> recorded(limits);
        random_history(recorded, seed, 5'000);
        REQUIRE(recorded.journal().size() == recorded.seal().entry_count);
        REQUIRE(recorded.journal().size() > 1'000);

        Ledger<USDC, VectorJournal<USDC>> rebuilt(limits);
        const Result<void> replayed = replay(recorded.journal(), recorded.seal(), rebuilt);
        REQUIRE(replayed.has_value());
        CHECK(rebuilt.digest() == recorded.digest());
        CHECK(rebuilt.seal() == recorded.seal());  // the rebuilt journal is the same history
        CHECK(rebuilt.audit().balanced());

        // A different history gives a different digest (the digest is not trivially constant).
        Ledger<USDC> other(limits);
        random_history(other, seed + 1000, 5'000);
        CHECK(other.digest() != recorded.digest());
    }
}

TEST_CASE("a damaged journal is refused with a typed error", "[ledger][replay]") {
    Ledger<USDC, VectorJournal<USDC>> recorded(limits);
    random_history(recorded, 42, 2'000);
    const std::vector<Entry>& good = recorded.journal().entries();
    const JournalSeal seal = recorded.seal();
    REQUIRE(good.size() > 100);

    auto refused_with = [](const std::vector<Entry>& entries, const JournalSeal& with_seal) {
        Ledger<USDC> fresh(limits);
        const std::uint64_t empty_digest = fresh.digest();
        const Result<void> result = replay(entries, with_seal, fresh);
        CHECK(fresh.digest() == empty_digest);  // verified before anything is applied
        return result.has_value() ? ErrorCode{} : result.error().code;
    };

    SECTION("the last entry missing") {
        std::vector<Entry> entries(good.begin(), good.end() - 1);
        CHECK(refused_with(entries, seal) == ErrorCode::journal_truncated);
    }
    SECTION("the first entry missing") {
        std::vector<Entry> entries(good.begin() + 1, good.end());
        CHECK(refused_with(entries, seal) == ErrorCode::journal_gap);
    }
    SECTION("two entries swapped") {
        std::vector<Entry> entries = good;
        std::swap(entries[10], entries[11]);
        CHECK(refused_with(entries, seal) == ErrorCode::journal_gap);
    }
    SECTION("an amount altered") {
        std::vector<Entry> entries = good;
        for (Entry& entry : entries) {
            if (entry.kind == JournalEntryKind::transfer) {
                entry.transfer.amount = entry.transfer.amount + Usdc(1);
                break;
            }
        }
        CHECK(refused_with(entries, seal) == ErrorCode::journal_corrupt);
    }
    SECTION("a target altered") {
        std::vector<Entry> entries = good;
        for (Entry& entry : entries) {
            if (entry.kind == JournalEntryKind::transfer && entry.transfer.target != Place::dust()) {
                entry.transfer.target = Place::dust();
                break;
            }
        }
        CHECK(refused_with(entries, seal) == ErrorCode::journal_corrupt);
    }
    SECTION("a parameter value altered") {
        std::vector<Entry> entries = good;
        for (Entry& entry : entries) {
            if (entry.kind == JournalEntryKind::parameter_change) {
                entry.value_after += 1;
                break;
            }
        }
        CHECK(refused_with(entries, seal) == ErrorCode::journal_corrupt);
    }
    SECTION("an entry appended") {
        std::vector<Entry> entries = good;
        entries.push_back(entries.back());
        entries.back().sequence = entries.size() - 1;
        entries.back().chain = journal_chain(entries[entries.size() - 2].chain, entries.back());
        CHECK(refused_with(entries, seal) == ErrorCode::journal_corrupt);
    }
    SECTION("the seal altered") {
        JournalSeal wrong = seal;
        wrong.chain ^= 1;
        CHECK(refused_with(good, wrong) == ErrorCode::journal_corrupt);
    }
    SECTION("a ledger that is not fresh") {
        Ledger<USDC> used(limits);
        (void)used.open_account();
        const Result<void> result = replay(good, seal, used);
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error().code == ErrorCode::ledger_not_empty);
    }
}

TEST_CASE("a ring journal replays while it holds everything, and refuses once it dropped entries",
          "[ledger][replay]") {
    Ledger<USDC, RingJournal<USDC>> small(limits, RingJournal<USDC>(100'000));
    random_history(small, 7, 3'000);
    REQUIRE(small.journal().dropped() == 0);
    Ledger<USDC> rebuilt(limits);
    REQUIRE(replay(small.journal(), small.seal(), rebuilt).has_value());
    CHECK(rebuilt.digest() == small.digest());

    Ledger<USDC, RingJournal<USDC>> tiny(limits, RingJournal<USDC>(64));
    random_history(tiny, 7, 3'000);
    CHECK(tiny.digest() == small.digest());  // the journal does not change the ledger
    CHECK(tiny.journal().dropped() > 0);
    CHECK(tiny.journal().size() == 64);
    Ledger<USDC> partial(limits);
    const Result<void> result = replay(tiny.journal(), tiny.seal(), partial);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ErrorCode::journal_gap);
    // The newest entry is the last one recorded.
    CHECK(tiny.journal()[63].chain == tiny.seal().chain);

    // A ring of no entries (a caller's capacity; it was an assert's abort) keeps none, counts
    // every entry dropped, and its replay is refused (it holds fewer entries than the seal).
    Ledger<USDC, RingJournal<USDC>> none(limits, RingJournal<USDC>(0));
    random_history(none, 7, 300);
    CHECK(none.journal().size() == 0);
    CHECK(none.journal().capacity() == 0);
    CHECK(none.journal().dropped() == none.journal().recorded());
    CHECK(none.journal().recorded() > 0);
    Ledger<USDC> nothing(limits);
    CHECK(replay(none.journal(), none.seal(), nothing).error().code == ErrorCode::journal_truncated);
}

}  // namespace test_ledger_replay_test
