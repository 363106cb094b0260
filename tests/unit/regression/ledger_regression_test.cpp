// Regression tests for what the ledger fuzz target (fuzz/ledger_fuzz.cpp) found: a journal whose
// chain was recomputed over altered entries passed verification whenever the alteration sat in a
// field the entry's kind does not use, and replayed to a ledger whose seal differed from the
// journal's; a journal opening a fixed place was refused only after the entries before it had
// been applied. Both are now refused as journal_corrupt before anything is applied.
#include <backstop/ledger/ledger.hpp>
#include <backstop/ledger/replay.hpp>
#include <backstop/money/assets.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

namespace test_regression_ledger_regression_test {

using namespace backstop;
using namespace backstop::assets;

namespace {

using Recorded = Ledger<USDC, VectorJournal<USDC>>;
using Entry = JournalEntry<USDC>;

// Recomputes every chain value and the seal, as someone rewriting a journal would: the result is
// self-consistent, so only the content of the entries can give the alteration away.
JournalSeal rechain(std::vector<Entry>& entries) {
    JournalSeal seal;
    for (Entry& entry : entries) {
        entry.chain = journal_chain(seal.chain, entry);
        seal.chain = entry.chain;
        seal.entry_count += 1;
    }
    return seal;
}

// An account and a deposit into it: an open_place entry, then a transfer entry.
std::vector<Entry> small_history() {
    Recorded ledger(LedgerLimits{4, 1, 1});
    const AccountId account = ledger.open_account().value();
    ledger.transfer(Place::external(), Place::collateral(account), Amount<USDC>(5'000'000),
                    TransferReason::deposit).value();
    return ledger.journal().entries();
}

}  // namespace

TEST_CASE("a rechained journal with data in a field its entry kind does not use is refused",
          "[ledger][replay][regression]") {
    // Found by fuzz_ledger: 2P//cwcARrlXV1dXV1c= (base64), an open_place entry carrying a
    // transfer reason. It replayed, and the rebuilt ledger's seal was not the journal's.
    for (int field = 0; field < 4; ++field) {
        std::vector<Entry> entries = small_history();
        switch (field) {
            case 0: entries[0].transfer.amount = Amount<USDC>(7); break;           // open_place
            case 1: entries[0].transfer.reason = TransferReason::deposit; break;   // open_place
            case 2: entries[1].value_after = 1; break;                             // transfer
            default: entries[1].place = Place::treasury(); break;                  // transfer
        }
        const JournalSeal seal = rechain(entries);
        Recorded fresh(LedgerLimits{4, 1, 1});
        const Result<void> replayed = replay(entries, seal, fresh);
        INFO("altered field " << field);
        REQUIRE_FALSE(replayed.has_value());
        CHECK(replayed.error().code == ErrorCode::journal_corrupt);
        CHECK(fresh.is_empty());
    }
}

TEST_CASE("a rechained journal that opens a fixed place is refused before anything is applied",
          "[ledger][replay][regression]") {
    std::vector<Entry> entries = small_history();
    Entry opens_treasury = entries[0];
    opens_treasury.sequence = 2;
    opens_treasury.place = Place::treasury();
    entries.push_back(opens_treasury);
    const JournalSeal seal = rechain(entries);
    Recorded fresh(LedgerLimits{4, 1, 1});
    const Result<void> replayed = replay(entries, seal, fresh);
    REQUIRE_FALSE(replayed.has_value());
    CHECK(replayed.error().code == ErrorCode::journal_corrupt);
    CHECK(fresh.is_empty());  // used to hold the account and its deposit
}

TEST_CASE("a journal as the ledger wrote it still replays to its own seal", "[ledger][replay][regression]") {
    std::vector<Entry> entries = small_history();
    const JournalSeal seal = rechain(entries);  // unchanged entries: the same chain
    Recorded fresh(LedgerLimits{4, 1, 1});
    REQUIRE(replay(entries, seal, fresh).has_value());
    CHECK(fresh.seal() == seal);
}

}  // namespace test_regression_ledger_regression_test
