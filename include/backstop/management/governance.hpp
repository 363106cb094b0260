// Governor: bounded parameters, changed only through a timelocked, rate-limited queue, with an
// emergency path that may only reduce risk. Drift lost ~$290M on 1 Apr 2026 through an admin key
// that could change anything at once; here no key can:
//
//   govern(key, rule)        a parameter comes under a rule (once; its current value within bounds)
//   propose(key, v, now)     min <= v <= max; queued with the value seen now and eta = now + timelock
//   execute(id, now)         now >= eta; the value unchanged since the proposal (else stale);
//                            sum of |executed changes| in (now - period, now], this one included,
//                            <= change_per_period_max; the target's own validation; then applied
//   emergency(key, v, now)   at once, within bounds, only in the rule's risk-reducing direction
//   cancel(id)               drops a queued proposal
//
// Emergency changes do not count toward the rate limit, and are not limited by it: they only move
// toward safety and within [min, max], so their total is bounded by max - min anyway, and counting
// them would let an emergency halt use up the budget the normal path needs to lift it. They do
// make pending proposals on their parameter stale (the value seen at proposal time changed), so
// an emergency also stops a queued change that was planned on the state before it.
//
// The target is duck-typed: `Result<std::int64_t> read(ParameterKey) const`, `Result<void>
// check(ParameterKey, std::int64_t) const` and `void apply(ParameterKey, std::int64_t)`, which
// cannot fail after check. EngineGovernanceTarget governs a MarginEngine's markets (every
// MarketParameter; the engine journals each change itself), DynamicPenaltyGovernanceTarget the
// dynamic penalties' configurations. Time is the caller's and never goes back (time_backwards).
// A refused operation changes nothing: not the governor, not the target. All storage is
// allocated at open: rules, queue and a ring of executed changes per parameter.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/checked_arith.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/hash.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/engine/market_setup.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/ledger/journal.hpp"
#include "backstop/management/dynamic_penalty.hpp"
#include "backstop/management/governance_journal.hpp"
#include "backstop/money/rate.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace backstop {

struct GovernorLimits {
    std::uint32_t parameters_max = 64;
    std::uint32_t proposals_max = 64;
    // Executed changes remembered per parameter: more changes than this within one period are
    // refused (capacity_exceeded), since the rate limit could no longer be checked.
    std::uint32_t history_per_parameter = 32;

    static constexpr std::uint32_t count_max = 1u << 16;
    static constexpr std::uint64_t history_total_max = std::uint64_t{1} << 20;

    Result<void> validate() const {
        if (parameters_max == 0 || proposals_max == 0 || history_per_parameter == 0 || parameters_max > count_max ||
            proposals_max > count_max || history_per_parameter > count_max ||
            std::uint64_t{parameters_max} * history_per_parameter > history_total_max) {
            return make_error(ErrorCode::invalid_argument, "governor limits must be within [1, 65536], history within 2^20");
        }
        return {};
    }
};

struct Proposal {
    ProposalId id{};
    ParameterKey key{};
    std::int64_t value = 0;
    std::int64_t seen = 0;  // the parameter's value when proposed: execute refuses if it changed
    std::int64_t proposed_ms = 0;
    std::int64_t eta_ms = 0;  // proposed_ms + the rule's timelock
};

// An executed change, remembered for the rate limit.
struct ParameterChange {
    std::int64_t at_ms = 0;
    std::int64_t from = 0;
    std::int64_t to = 0;
};

template <class Journal = NullJournal>
class Governor {
public:
    // Only through open (which sizes every buffer): a governor is not default-constructible.
    static Result<Governor> open(const GovernorLimits& limits, Journal journal = Journal{}) {
        if (Result<void> ok = limits.validate(); !ok) return ok.error();
        Governor governor(std::move(journal));
        governor.limits_ = limits;
        governor.governed_.reserve(limits.parameters_max);
        governor.queue_.reserve(limits.proposals_max);
        governor.history_.resize(static_cast<std::size_t>(limits.parameters_max) * limits.history_per_parameter);
        return governor;
    }

    // ---- operations ------------------------------------------------------------------------

    template <class Target>
    Result<void> govern(ParameterKey key, const ParameterRule& rule, const Target& target) {
        if (Result<void> ok = rule.validate(); !ok) return ok;
        if (find(key) != npos) return make_error(ErrorCode::invalid_argument, "parameter already governed");
        if (governed_.size() >= limits_.parameters_max) {
            return make_error(ErrorCode::capacity_exceeded, "more parameters than the governor was opened for");
        }
        Result<std::int64_t> current = target.read(key);
        if (!current) return current.error();
        if (*current < rule.min || *current > rule.max) {
            return make_error(ErrorCode::parameter_out_of_bounds, "the parameter's current value is outside the rule");
        }
        Governed slot;
        slot.key = key;
        slot.rule = rule;
        governed_.push_back(slot);
        if constexpr (Journal::enabled) {
            GovernanceCommand command = make_command(GovernanceCommandKind::govern, key, 0, 0, 0);
            command.rule = rule;
            record(command);
        }
        return {};
    }

    template <class Target>
    Result<ProposalId> propose(ParameterKey key, std::int64_t value, std::int64_t now_ms, const Target& target) {
        const std::size_t slot = find(key);
        if (slot == npos) return make_error(ErrorCode::unknown_parameter, "parameter not governed");
        if (Result<void> ok = check_time(now_ms); !ok) return ok.error();
        const ParameterRule& rule = governed_[slot].rule;
        if (value < rule.min || value > rule.max) {
            return make_error(ErrorCode::parameter_out_of_bounds, "proposed value outside the parameter's bounds");
        }
        if (queue_.size() >= limits_.proposals_max) {
            return make_error(ErrorCode::capacity_exceeded, "more queued proposals than the governor was opened for");
        }
        Result<std::int64_t> eta = checked_add(now_ms, rule.timelock_ms);
        if (!eta) return eta.error();
        Result<std::int64_t> seen = target.read(key);
        if (!seen) return seen.error();
        const ProposalId id{next_proposal_};
        queue_.push_back(Proposal{id, key, value, *seen, now_ms, *eta});
        next_proposal_ += 1;
        now_ms_ = now_ms;
        if constexpr (Journal::enabled) {
            GovernanceCommand command = make_command(GovernanceCommandKind::propose, key, value, now_ms, id.value);
            record(command);
        }
        return id;
    }

    Result<void> cancel(ProposalId id) {
        const std::size_t at = find_proposal(id);
        if (at == npos) return make_error(ErrorCode::unknown_proposal, "no such queued proposal");
        const Proposal proposal = queue_[at];
        queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(at));  // keeps the queue's order
        if constexpr (Journal::enabled) {
            GovernanceCommand command = make_command(GovernanceCommandKind::cancel, proposal.key, 0, 0, id.value);
            record(command);
        } else {
            (void)proposal;
        }
        return {};
    }

    template <class Target>
    Result<void> execute(ProposalId id, std::int64_t now_ms, Target& target) {
        const std::size_t at = find_proposal(id);
        if (at == npos) return make_error(ErrorCode::unknown_proposal, "no such queued proposal");
        if (Result<void> ok = check_time(now_ms); !ok) return ok;
        const Proposal proposal = queue_[at];
        if (now_ms < proposal.eta_ms) return make_error(ErrorCode::timelock_not_over, "the proposal's timelock has not passed");
        Result<std::int64_t> current = target.read(proposal.key);
        if (!current) return current.error();
        if (*current != proposal.seen) {
            return make_error(ErrorCode::proposal_stale, "the parameter changed since the proposal was queued");
        }
        const std::size_t slot = find(proposal.key);
        BACKSTOP_ASSERT(slot != npos, "a queued proposal's parameter is governed");
        const ParameterRule& rule = governed_[slot].rule;
        const detail::int128 used = change_in_window(slot, now_ms) + change_size(*current, proposal.value);
        if (used > rule.change_per_period_max) {
            return make_error(ErrorCode::rate_limit_exceeded, "the change exceeds the parameter's limit for its period");
        }
        if (history_full(slot, now_ms)) {
            return make_error(ErrorCode::capacity_exceeded, "more changes within one period than the history holds");
        }
        if (Result<void> ok = target.check(proposal.key, proposal.value); !ok) return ok;
        // Commit: nothing below can fail.
        target.apply(proposal.key, proposal.value);
        remember(slot, ParameterChange{now_ms, *current, proposal.value});
        queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(at));
        now_ms_ = now_ms;
        if constexpr (Journal::enabled) {
            GovernanceCommand command =
                make_command(GovernanceCommandKind::execute, proposal.key, proposal.value, now_ms, id.value);
            record(command);
        }
        return {};
    }

    template <class Target>
    Result<void> emergency(ParameterKey key, std::int64_t value, std::int64_t now_ms, Target& target) {
        const std::size_t slot = find(key);
        if (slot == npos) return make_error(ErrorCode::unknown_parameter, "parameter not governed");
        if (Result<void> ok = check_time(now_ms); !ok) return ok;
        const ParameterRule& rule = governed_[slot].rule;
        if (value < rule.min || value > rule.max) {
            return make_error(ErrorCode::parameter_out_of_bounds, "emergency value outside the parameter's bounds");
        }
        Result<std::int64_t> current = target.read(key);
        if (!current) return current.error();
        const bool reduces = (rule.emergency == RiskDirection::raise_reduces_risk && value > *current) ||
                             (rule.emergency == RiskDirection::lower_reduces_risk && value < *current);
        if (!reduces) return make_error(ErrorCode::not_risk_reducing, "an emergency change may only reduce risk");
        if (Result<void> ok = target.check(key, value); !ok) return ok;
        target.apply(key, value);  // not in the history: see the header comment
        now_ms_ = now_ms;
        if constexpr (Journal::enabled) {
            GovernanceCommand command = make_command(GovernanceCommandKind::emergency, key, value, now_ms, 0);
            record(command);
        }
        return {};
    }

    // Applies one journaled command (replay_governance): its error, or journal_corrupt when what
    // it gives differs from what the journal recorded (a proposal id, an executed value).
    template <class Target>
    Result<void> apply_command(const GovernanceCommand& c, Target& target) {
        switch (c.kind) {
            case GovernanceCommandKind::govern: return govern(c.key, c.rule, target);
            case GovernanceCommandKind::propose: {
                Result<ProposalId> id = propose(c.key, c.value, c.time_ms, target);
                if (!id) return id.error();
                if (id->value != c.proposal) return corrupt();
                return {};
            }
            case GovernanceCommandKind::cancel: {
                const std::size_t at = find_proposal(ProposalId{c.proposal});
                if (at != npos && queue_[at].key != c.key) return corrupt();
                return cancel(ProposalId{c.proposal});
            }
            case GovernanceCommandKind::execute: {
                const std::size_t at = find_proposal(ProposalId{c.proposal});
                if (at != npos && (queue_[at].key != c.key || queue_[at].value != c.value)) return corrupt();
                return execute(ProposalId{c.proposal}, c.time_ms, target);
            }
            case GovernanceCommandKind::emergency: return emergency(c.key, c.value, c.time_ms, target);
        }
        return make_error(ErrorCode::journal_corrupt, "unknown governance command");
    }

    // ---- views -----------------------------------------------------------------------------

    Result<ParameterRule> rule(ParameterKey key) const {
        const std::size_t slot = find(key);
        if (slot == npos) return make_error(ErrorCode::unknown_parameter, "parameter not governed");
        return governed_[slot].rule;
    }
    Result<Proposal> proposal(ProposalId id) const {
        const std::size_t at = find_proposal(id);
        if (at == npos) return make_error(ErrorCode::unknown_proposal, "no such queued proposal");
        return queue_[at];
    }
    // Queued proposals, oldest first.
    Span<const Proposal> queue() const { return Span<const Proposal>(queue_.data(), queue_.size()); }
    std::uint32_t parameter_count() const { return static_cast<std::uint32_t>(governed_.size()); }
    // The sum of |executed changes| of `key` in (now - period, now]: what the rate limit has used.
    Result<detail::int128> change_in_period(ParameterKey key, std::int64_t now_ms) const {
        const std::size_t slot = find(key);
        if (slot == npos) return make_error(ErrorCode::unknown_parameter, "parameter not governed");
        return change_in_window(slot, now_ms);
    }
    // The latest time an operation carried (int64 min before the first).
    std::int64_t now_ms() const { return now_ms_; }
    const GovernorLimits& limits() const { return limits_; }
    bool is_fresh() const {
        return governed_.empty() && queue_.empty() && next_proposal_ == 0 &&
               now_ms_ == std::numeric_limits<std::int64_t>::min();
    }

    const Journal& journal() const { return journal_; }
    const JournalSeal& seal() const { return seal_; }

    // A stable digest of the governor: rules, executed changes remembered, queue, clock.
    std::uint64_t digest() const {
        StableHash hash;
        hash.add(next_proposal_).add_signed(now_ms_).add(governed_.size());
        for (std::size_t slot = 0; slot < governed_.size(); ++slot) {
            const Governed& g = governed_[slot];
            hash_parameter_key(hash, g.key);
            hash_parameter_rule(hash, g.rule);
            hash.add(g.history_count);
            for (std::uint32_t i = 0; i < g.history_count; ++i) {
                const ParameterChange& change = history_at(slot, i);
                hash.add_signed(change.at_ms).add_signed(change.from).add_signed(change.to);
            }
        }
        hash.add(queue_.size());
        for (const Proposal& p : queue_) {
            hash.add(p.id.value);
            hash_parameter_key(hash, p.key);
            hash.add_signed(p.value).add_signed(p.seen).add_signed(p.proposed_ms).add_signed(p.eta_ms);
        }
        return hash.value();
    }

private:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    explicit Governor(Journal journal) : journal_(std::move(journal)) {}

    struct Governed {
        ParameterKey key{};
        ParameterRule rule{};
        std::uint32_t history_head = 0;  // the oldest remembered change, in the slot's ring
        std::uint32_t history_count = 0;
    };

    static Result<void> corrupt() {
        return make_error(ErrorCode::journal_corrupt, "a governance command differs from what the governor gave");
    }
    static detail::int128 change_size(std::int64_t from, std::int64_t to) {
        const detail::int128 delta = detail::int128(to) - from;  // exact: |delta| < 2^64
        return delta < 0 ? -delta : delta;
    }

    Result<void> check_time(std::int64_t now_ms) const {
        if (now_ms < now_ms_) return make_error(ErrorCode::time_backwards, "a time earlier than the governor's last");
        return {};
    }

    std::size_t find(ParameterKey key) const {
        for (std::size_t i = 0; i < governed_.size(); ++i) {
            if (governed_[i].key == key) return i;
        }
        return npos;
    }
    std::size_t find_proposal(ProposalId id) const {
        for (std::size_t i = 0; i < queue_.size(); ++i) {
            if (queue_[i].id == id) return i;
        }
        return npos;
    }

    // The i-th remembered change of a parameter, oldest first.
    const ParameterChange& history_at(std::size_t slot, std::uint32_t i) const {
        const std::uint32_t per = limits_.history_per_parameter;
        return history_[slot * per + (governed_[slot].history_head + i) % per];
    }
    // Changes are remembered in time order (time never goes back), so the window's are the newest.
    detail::int128 change_in_window(std::size_t slot, std::int64_t now_ms) const {
        const detail::int128 window_start = detail::int128(now_ms) - governed_[slot].rule.period_ms;  // exclusive
        detail::int128 sum = 0;
        for (std::uint32_t i = governed_[slot].history_count; i > 0; --i) {
            const ParameterChange& change = history_at(slot, i - 1);
            if (change.at_ms <= window_start) break;
            sum += change_size(change.from, change.to);  // < 2^16 terms of < 2^64
        }
        return sum;
    }
    // Full, with the oldest change still inside the window: another cannot be remembered without
    // forgetting one the rate limit needs.
    bool history_full(std::size_t slot, std::int64_t now_ms) const {
        const Governed& g = governed_[slot];
        if (g.history_count < limits_.history_per_parameter) return false;
        return history_at(slot, 0).at_ms > detail::int128(now_ms) - g.rule.period_ms;
    }
    void remember(std::size_t slot, const ParameterChange& change) {
        Governed& g = governed_[slot];
        const std::uint32_t per = limits_.history_per_parameter;
        if (g.history_count < per) {
            history_[slot * per + (g.history_head + g.history_count) % per] = change;
            g.history_count += 1;
        } else {  // overwrite the oldest, outside the window (history_full checked it)
            history_[slot * per + g.history_head] = change;
            g.history_head = (g.history_head + 1) % per;
        }
    }

    static GovernanceCommand make_command(GovernanceCommandKind kind, ParameterKey key, std::int64_t value,
                                          std::int64_t time_ms, std::uint64_t proposal) {
        GovernanceCommand command;
        command.kind = kind;
        command.key = key;
        command.value = value;
        command.time_ms = time_ms;
        command.proposal = proposal;
        return command;
    }
    void record(GovernanceCommand& command) { record_chained(journal_, seal_, command, &governance_command_chain); }

    GovernorLimits limits_{};
    std::vector<Governed> governed_;
    std::vector<ParameterChange> history_;  // parameters_max rings of history_per_parameter
    std::vector<Proposal> queue_;
    std::uint64_t next_proposal_ = 0;
    std::int64_t now_ms_ = std::numeric_limits<std::int64_t>::min();
    Journal journal_;
    JournalSeal seal_{};
};

// ---- targets ---------------------------------------------------------------------------------

// A market parameter's value in a configuration (`parameter` is a MarketParameter's number;
// the margins are tier 0's fractions, Ppm counts).
inline Result<std::int64_t> market_parameter_value(const MarketConfig& config, std::uint32_t parameter) {
    switch (parameter) {
        case static_cast<std::uint32_t>(MarketParameter::status): return static_cast<std::int64_t>(config.status);
        case static_cast<std::uint32_t>(MarketParameter::liquidation_penalty): return config.liquidation_penalty.count();
        case static_cast<std::uint32_t>(MarketParameter::taker_fee): return config.taker_fee.count();
        case static_cast<std::uint32_t>(MarketParameter::maker_fee): return config.maker_fee.count();
        case static_cast<std::uint32_t>(MarketParameter::fee_to_fund): return config.fee_to_fund.count();
        case static_cast<std::uint32_t>(MarketParameter::shared_fund_draw_max): return config.shared_fund_draw_max;
        case static_cast<std::uint32_t>(MarketParameter::initial_margin): return config.tiers[0].initial.count();
        case static_cast<std::uint32_t>(MarketParameter::maintenance_margin): return config.tiers[0].maintenance.count();
        default: return make_error(ErrorCode::unknown_parameter, "not a market parameter");
    }
}

inline ParameterKey market_key(MarketId market, MarketParameter parameter) {
    return ParameterKey{GovernedTarget::market, market.value, static_cast<std::uint32_t>(parameter)};
}

// A MarginEngine's markets: reads through market_config, checks with the engine's own
// validation of the whole configuration, applies through set_market_parameter (journaled there).
template <class Engine>
class EngineGovernanceTarget {
public:
    explicit EngineGovernanceTarget(Engine& engine) : engine_(&engine) {}

    Result<std::int64_t> read(ParameterKey key) const {
        if (key.target != GovernedTarget::market) return make_error(ErrorCode::unknown_parameter, "not a market's parameter");
        Result<MarketConfig> config = engine_->market_config(MarketId{key.index});
        if (!config) return config.error();
        return market_parameter_value(*config, key.parameter);
    }
    Result<void> check(ParameterKey key, std::int64_t value) const {
        if (Result<std::int64_t> known = read(key); !known) return known.error();
        Result<MarketConfig> changed = detail::config_with(engine_->market_config(MarketId{key.index}).value(),
                                                           static_cast<MarketParameter>(key.parameter), value);
        if (!changed) return changed.error();
        return {};
    }
    void apply(ParameterKey key, std::int64_t value) {
        const Result<void> done =
            engine_->set_market_parameter(MarketId{key.index}, static_cast<MarketParameter>(key.parameter), value);
        BACKSTOP_ASSERT(done.has_value(), "a checked market parameter applies");
        (void)done;
    }

private:
    Engine* engine_;
};

// A DynamicPenaltyConfig's fields, in order (all Ppm counts).
enum class PenaltyParameter : std::uint8_t {
    floor = 0,
    base = 1,
    ceiling = 2,
    step_max = 3,
    ewma_decay = 4,
    reference_volatility = 5,
    volatility_weight = 6,
    health_weight = 7,
};

inline Ppm* penalty_field(DynamicPenaltyConfig& config, std::uint32_t parameter) {
    switch (parameter) {
        case static_cast<std::uint32_t>(PenaltyParameter::floor): return &config.floor;
        case static_cast<std::uint32_t>(PenaltyParameter::base): return &config.base;
        case static_cast<std::uint32_t>(PenaltyParameter::ceiling): return &config.ceiling;
        case static_cast<std::uint32_t>(PenaltyParameter::step_max): return &config.step_max;
        case static_cast<std::uint32_t>(PenaltyParameter::ewma_decay): return &config.ewma_decay;
        case static_cast<std::uint32_t>(PenaltyParameter::reference_volatility): return &config.reference_volatility;
        case static_cast<std::uint32_t>(PenaltyParameter::volatility_weight): return &config.volatility_weight;
        case static_cast<std::uint32_t>(PenaltyParameter::health_weight): return &config.health_weight;
        default: return nullptr;
    }
}

// Dynamic penalties (one per market, say), component index i = penalties[i]: each field of its
// configuration, validated as a whole by DynamicPenaltyConfig::validate, applied by set_config.
class DynamicPenaltyGovernanceTarget {
public:
    explicit DynamicPenaltyGovernanceTarget(Span<DynamicPenalty> penalties) : penalties_(penalties) {}

    Result<std::int64_t> read(ParameterKey key) const {
        DynamicPenaltyConfig config;
        Result<Ppm*> field = locate(key, config);
        if (!field) return field.error();
        return (*field)->count();
    }
    Result<void> check(ParameterKey key, std::int64_t value) const {
        DynamicPenaltyConfig config;
        Result<Ppm*> field = locate(key, config);
        if (!field) return field.error();
        **field = Ppm{value};
        return config.validate();
    }
    void apply(ParameterKey key, std::int64_t value) {
        DynamicPenaltyConfig config;
        Result<Ppm*> field = locate(key, config);
        BACKSTOP_ASSERT(field.has_value(), "a checked penalty parameter exists");
        **field = Ppm{value};
        const Result<void> done = penalties_[key.index].set_config(config);
        BACKSTOP_ASSERT(done.has_value(), "a checked penalty configuration applies");
        (void)done;
    }

private:
    // Copies the component's configuration into `config` and points at the key's field in it.
    Result<Ppm*> locate(ParameterKey key, DynamicPenaltyConfig& config) const {
        if (key.target != GovernedTarget::component || key.index >= penalties_.size()) {
            return make_error(ErrorCode::unknown_parameter, "no such dynamic penalty");
        }
        config = penalties_[key.index].config();
        Ppm* field = penalty_field(config, key.parameter);
        if (field == nullptr) return make_error(ErrorCode::unknown_parameter, "not a dynamic penalty parameter");
        return field;
    }

    Span<DynamicPenalty> penalties_;
};

}  // namespace backstop
