// Governance's vocabulary and journal: which parameter (ParameterKey), its bounds and limits
// (ParameterRule), and the commands a Governor (governance.hpp) records, each chained to the one
// before by a stable hash exactly as the engine's commands are (engine/engine_journal.hpp).
//
// A journal of governance commands replays bit for bit: replay_governance() applies a verified
// journal to a fresh governor and the target it governs (an engine set up as the original was
// when its governor recorded the first command), and both digests then equal the originals'.
// Refused operations change nothing and are not recorded. The sinks are the ledger's:
// NullJournal, BasicRingJournal<GovernanceCommand>, BasicVectorJournal<GovernanceCommand>.
#pragma once

#include "backstop/core/hash.hpp"
#include "backstop/core/result.hpp"
#include "backstop/ledger/journal.hpp"

#include <cstddef>
#include <cstdint>

namespace backstop {

// Whose parameter: a market of the engine, a fund, a management component.
enum class GovernedTarget : std::uint8_t { market = 0, fund = 1, component = 2 };

// A governed parameter: `index` is the market (fund, component instance) and `parameter` the
// target's own number for it (a MarketParameter for a market).
struct ParameterKey {
    GovernedTarget target = GovernedTarget::market;
    std::uint32_t index = 0;
    std::uint32_t parameter = 0;

    friend constexpr bool operator==(const ParameterKey& a, const ParameterKey& b) {
        return a.target == b.target && a.index == b.index && a.parameter == b.parameter;
    }
    friend constexpr bool operator!=(const ParameterKey& a, const ParameterKey& b) { return !(a == b); }
};

// Which way a value moves to reduce risk, for the emergency path: a margin, a market's status
// (active 0 -> reduce_only 1 -> halted 2) rise; a draw cap on the shared fund falls. `none`: the
// parameter has no emergency path.
enum class RiskDirection : std::uint8_t { none = 0, raise_reduces_risk = 1, lower_reduces_risk = 2 };

// A parameter's bounds and limits. The rate limit: the executed (timelocked) changes of the
// parameter within any trailing window of period_ms, summed by absolute value with the change
// being executed, are at most change_per_period_max.
struct ParameterRule {
    std::int64_t min = 0;
    std::int64_t max = 0;
    std::int64_t change_per_period_max = 1;
    std::int64_t period_ms = 86'400'000;   // a day
    std::int64_t timelock_ms = 172'800'000;  // two days
    RiskDirection emergency = RiskDirection::none;

    // Ten years: a longer period or timelock is a mistake in units, not a policy.
    static constexpr std::int64_t duration_max_ms = 3'650 * std::int64_t{86'400'000};

    Result<void> validate() const {
        auto fail = [](const char* why) { return make_error(ErrorCode::invalid_policy_parameter, why); };
        if (min > max) return fail("a rule needs min <= max");
        // Zero would freeze the parameter for good (no rule can be changed after govern).
        if (change_per_period_max <= 0) return fail("the rate limit must be positive");
        if (period_ms <= 0 || period_ms > duration_max_ms) return fail("the period must be within (0, 10 years]");
        if (timelock_ms < 0 || timelock_ms > duration_max_ms) return fail("the timelock must be within [0, 10 years]");
        if (emergency != RiskDirection::none && emergency != RiskDirection::raise_reduces_risk &&
            emergency != RiskDirection::lower_reduces_risk) {
            return fail("unknown risk direction");
        }
        return {};
    }
};

struct ProposalId {
    std::uint64_t value = 0;
    friend constexpr bool operator==(ProposalId a, ProposalId b) { return a.value == b.value; }
    friend constexpr bool operator!=(ProposalId a, ProposalId b) { return a.value != b.value; }
};

enum class GovernanceCommandKind : std::uint8_t {
    govern = 1,     // key, rule
    propose = 2,    // key, value, time, proposal = the id it got
    cancel = 3,     // proposal
    execute = 4,    // proposal, time; key and value of the proposal (checked on replay)
    emergency = 5,  // key, value, time
};

struct GovernanceCommand {
    std::uint64_t sequence = 0;  // 0, 1, 2, ... with no gaps
    std::uint64_t chain = 0;     // hash of the previous command's chain and this command's content
    GovernanceCommandKind kind = GovernanceCommandKind::govern;
    ParameterKey key{};
    std::int64_t value = 0;
    std::int64_t time_ms = 0;
    std::uint64_t proposal = 0;
    ParameterRule rule{};  // govern only
};

inline void hash_parameter_key(StableHash& hash, const ParameterKey& key) {
    hash.add(static_cast<std::uint64_t>(key.target)).add(key.index).add(key.parameter);
}
inline void hash_parameter_rule(StableHash& hash, const ParameterRule& rule) {
    hash.add_signed(rule.min).add_signed(rule.max).add_signed(rule.change_per_period_max);
    hash.add_signed(rule.period_ms).add_signed(rule.timelock_ms).add(static_cast<std::uint64_t>(rule.emergency));
}

// The chain value of `command` given the chain value before it (its own `chain` is ignored).
inline std::uint64_t governance_command_chain(std::uint64_t previous_chain, const GovernanceCommand& command) {
    StableHash hash(previous_chain);
    hash.add(command.sequence).add(static_cast<std::uint64_t>(command.kind));
    hash_parameter_key(hash, command.key);
    hash.add_signed(command.value).add_signed(command.time_ms).add(command.proposal);
    hash_parameter_rule(hash, command.rule);
    return hash.value();
}

// Checks a whole governance journal before anything is applied: commands numbered 0, 1, 2, ...
// (journal_gap), each chain matching its content (journal_corrupt), and the count and last chain
// matching the seal (journal_truncated, journal_corrupt).
template <class Entries>
Result<void> verify_governance_journal(const Entries& entries, const JournalSeal& seal) {
    std::uint64_t chain = JournalSeal::chain_origin;
    const std::size_t count = entries.size();
    for (std::size_t i = 0; i < count; ++i) {
        const GovernanceCommand& command = entries[i];
        if (command.sequence != i) {
            return make_error(ErrorCode::journal_gap, "governance journal commands are not numbered 0, 1, 2, ...");
        }
        if (governance_command_chain(chain, command) != command.chain) {
            return make_error(ErrorCode::journal_corrupt, "governance journal command does not match its chain");
        }
        chain = command.chain;
    }
    if (count < seal.entry_count) {
        return make_error(ErrorCode::journal_truncated, "governance journal is shorter than its seal");
    }
    if (count > seal.entry_count || chain != seal.chain) {
        return make_error(ErrorCode::journal_corrupt, "governance journal does not end at its seal");
    }
    return {};
}

// Applies a verified governance journal to a fresh governor (opened with the same limits, nothing
// governed or queued) and `target`, in the state the original's target was in at its first
// command. Refused before anything is applied when the journal is not whole; a command the fresh
// governor or target refuses (a journal rechained over altered commands) stops the replay with
// that command's error.
template <class Entries, class Governor, class Target>
Result<void> replay_governance(const Entries& entries, const JournalSeal& seal, Governor& fresh, Target& target) {
    if (!fresh.is_fresh()) return make_error(ErrorCode::ledger_not_empty, "replay needs a fresh governor");
    if (Result<void> verified = verify_governance_journal(entries, seal); !verified) return verified;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (Result<void> applied = fresh.apply_command(entries[i], target); !applied) return applied;
    }
    return {};
}

}  // namespace backstop
