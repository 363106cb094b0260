// The engine's journal: every state-changing command that succeeded, with its inputs, in order,
// each chained to the one before by a stable hash, so that an incident can be replayed.
//
// The ledger's journal (ledger/journal.hpp) records the transfers a command made; this one
// records the commands themselves (a mark, a fill, a liquidation), which is what rebuilding an
// engine needs: replay_commands() applies them to a fresh engine, and its digest() then equals
// the original's bit for bit. Refused commands change nothing and are not recorded. The sinks are
// the ledger's: NullJournal (nothing, not even the chain), BasicRingJournal<EngineCommand>
// (fixed capacity, allocated once), BasicVectorJournal<EngineCommand> (grows).
#pragma once

#include "backstop/core/hash.hpp"
#include "backstop/core/result.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/ledger/journal.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace backstop {

enum class EngineCommandKind : std::uint8_t {
    add_market = 1,              // config, base/price decimals, base symbol's hash
    set_market_parameter = 2,    // market, value, value2 = MarketParameter (0: the status)
    open_account = 3,            // account (the id it got)
    deposit = 4,                 // account, value = atoms
    withdraw = 5,                // account, value = atoms
    fund_deposit = 6,            // value = atoms
    open_auxiliary_fund = 7,     // account = the fund id it got
    auxiliary_fund_deposit = 8,  // account = fund id, value = atoms
    set_mark = 9,                // market, value = price (raw), value2 = time (ms)
    advance_time = 10,           // value = time (ms)
    update_funding = 11,         // market, value = delta
    trade = 12,                  // market, account = buyer, counterparty = seller, value = size, value2 = price,
                                 // taker
    liquidate = 13,              // account, counterparty = liquidator, value = fund backing
    isolate_market = 14,         // market, account = the id of the fund it got
    isolated_fund_deposit = 15,  // market, value = atoms
    sweep_isolated_fund = 16,    // market, value = atoms swept
    fund_withdraw = 17,          // value = atoms
    set_option_volatility = 18,  // market, value = volatility (ppm)
    settle_expired_series = 19,  // market
};

struct EngineCommand {
    std::uint64_t sequence = 0;  // 0, 1, 2, ... with no gaps
    std::uint64_t chain = 0;     // hash of the previous command's chain and this command's content
    EngineCommandKind kind = EngineCommandKind::open_account;
    std::uint32_t market = 0;
    std::uint32_t account = 0;
    std::uint32_t counterparty = 0;
    std::int64_t value = 0;
    std::int64_t value2 = 0;
    Taker taker = Taker::buyer;  // trade only
    // add_market only.
    MarketConfig config{};
    std::int32_t base_decimals = 0;
    std::int32_t price_decimals = 0;
    std::uint64_t base_symbol_hash = 0;
};

inline EngineCommand make_engine_command(EngineCommandKind kind, std::uint32_t market, std::uint32_t account,
                                         std::uint32_t counterparty, std::int64_t value, std::int64_t value2) {
    EngineCommand command;
    command.kind = kind;
    command.market = market;
    command.account = account;
    command.counterparty = counterparty;
    command.value = value;
    command.value2 = value2;
    return command;
}

inline std::uint64_t symbol_hash(std::string_view symbol) {
    StableHash hash;
    for (const char c : symbol) hash.add(static_cast<std::uint64_t>(static_cast<unsigned char>(c)));
    return hash.add(symbol.size()).value();
}

// What applying a command gave, as replay sees it: its error, or journal_corrupt when the id it
// got (a market, an account, a fund) is not the one the journal recorded.
template <class T>
Result<void> replayed(const Result<T>& outcome) {
    if (!outcome) return outcome.error();
    return {};
}
template <class Id>
Result<void> replayed_id(const Result<Id>& id, std::uint32_t recorded) {
    if (!id) return id.error();
    if (id->value != recorded) return make_error(ErrorCode::journal_corrupt, "an id differs from the journal's: out of order");
    return {};
}

// The chain value of `command` given the chain value before it (its own `chain` is ignored).
inline std::uint64_t engine_command_chain(std::uint64_t previous_chain, const EngineCommand& command) {
    StableHash hash(previous_chain);
    hash.add(command.sequence).add(static_cast<std::uint64_t>(command.kind));
    hash.add(command.market).add(command.account).add(command.counterparty);
    hash.add_signed(command.value).add_signed(command.value2).add(static_cast<std::uint64_t>(command.taker));
    const MarketConfig& c = command.config;
    hash.add(c.tier_count);
    for (const MarginTier& tier : c.tiers) {
        hash.add_signed(tier.notional_max).add_signed(tier.initial.count()).add_signed(tier.maintenance.count());
    }
    hash.add_signed(c.liquidation_penalty.count()).add_signed(c.liquidator_discount.count());
    hash.add_signed(c.full_liquidation_below.count()).add_signed(c.liquidation_buffer.count());
    hash.add_signed(c.tick_size).add_signed(c.lot_size).add_signed(c.position_max);
    hash.add_signed(c.open_interest_max).add_signed(c.staleness_max_ms).add(static_cast<std::uint64_t>(c.status));
    hash.add_signed(c.taker_fee.count()).add_signed(c.maker_fee.count()).add_signed(c.fee_to_fund.count());
    hash.add_signed(c.shared_fund_draw_max);
    // Option terms only where set: the chains of journals without options stay as they were.
    if (c.option.is_option || c.option_margin.price_scan_range.count() != 0) {
        hash.add(c.option.is_option ? 1u : 0u).add(static_cast<std::uint64_t>(c.option.kind)).add(c.option.underlying);
        hash.add_signed(c.option.strike).add_signed(c.option.expiry_ms);
        hash.add_signed(c.option_margin.price_scan_range.count()).add_signed(c.option_margin.volatility_scan_range.count());
        hash.add_signed(c.option_margin.short_option_minimum.count()).add_signed(c.option_margin.volatility_floor.count());
        hash.add(c.option_margin.per_position ? 1u : 0u).add(c.option_margin.options_exempt_from_adl ? 1u : 0u);
        if (c.option_margin.liquidate_books_whole) hash.add(1u);  // only where set: earlier chains unchanged
        if (c.option.premium_style) hash.add(2u);
    }
    hash.add_signed(command.base_decimals).add_signed(command.price_decimals).add(command.base_symbol_hash);
    return hash.value();
}

// Checks a whole command journal before anything is applied: commands numbered 0, 1, 2, ...
// (journal_gap), each chain matching its content (journal_corrupt), and the count and last chain
// matching the seal (journal_truncated, journal_corrupt).
template <class Entries>
Result<void> verify_command_journal(const Entries& entries, const JournalSeal& seal) {
    std::uint64_t chain = JournalSeal::chain_origin;
    const std::size_t count = entries.size();
    for (std::size_t i = 0; i < count; ++i) {
        const EngineCommand& command = entries[i];
        if (command.sequence != i) {
            return make_error(ErrorCode::journal_gap, "engine journal commands are not numbered 0, 1, 2, ...");
        }
        if (engine_command_chain(chain, command) != command.chain) {
            return make_error(ErrorCode::journal_corrupt, "engine journal command does not match its chain");
        }
        chain = command.chain;
    }
    if (count < seal.entry_count) {
        return make_error(ErrorCode::journal_truncated, "engine journal is shorter than its seal");
    }
    if (count > seal.entry_count || chain != seal.chain) {
        return make_error(ErrorCode::journal_corrupt, "engine journal does not end at its seal");
    }
    return {};
}

// Applies a verified command journal to a fresh engine (created with the same limits and
// policies, no market, no account). Refused with a typed error, before anything is applied,
// when the journal is not whole; a command the fresh engine refuses (a journal rechained over
// altered commands) stops the replay with that command's error.
template <class Entries, class Engine>
Result<void> replay_commands(const Entries& entries, const JournalSeal& seal, Engine& fresh) {
    if (fresh.market_count() != 0 || fresh.ledger().account_count() != 0) {
        return make_error(ErrorCode::ledger_not_empty, "replay needs a fresh engine");
    }
    if (Result<void> verified = verify_command_journal(entries, seal); !verified) return verified;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (Result<void> applied = fresh.apply_command(entries[i]); !applied) return applied;
    }
    return {};
}

}  // namespace backstop
