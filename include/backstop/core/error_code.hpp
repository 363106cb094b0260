// Every operating error backstop reports, with stable numbers grouped by layer:
// 0xx core, 1xx money, 2xx ledger, 3xx fund, 4xx engine, 5xx risk, 6xx management.
// Numbers are never reused or renumbered: clients switch on them and journals store them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace backstop {

enum class ErrorCode : std::uint16_t {
    // core
    invalid_argument = 1,
    overflow = 2,
    division_by_zero = 3,
    // money
    parse_error = 100,              // empty text, a character that is not part of a number, bad shape
    parse_too_many_decimals = 101,  // more fractional digits than the asset (or price scale) has
    parse_out_of_range = 102,       // a well-formed number that the representation cannot hold
    parse_wrong_symbol = 103,       // "1.5 BTC" read as an amount of USDC
    not_representable = 104,        // a conversion between representations would lose value
    // ledger
    unknown_place = 200,            // a place that was never opened
    amount_not_positive = 201,      // transfers move a strictly positive amount
    insufficient_balance = 202,     // the source place cannot go that far below zero
    same_place = 203,               // a transfer from a place to itself
    capacity_exceeded = 204,        // more places than the ledger was sized for
    journal_gap = 205,              // a journal that does not start at entry 0 or skips one
    journal_corrupt = 206,          // an entry whose content does not match its chain hash
    journal_truncated = 207,        // fewer entries than the journal's seal says were recorded
    ledger_not_empty = 208,         // replay needs a fresh ledger
    // fund
    invalid_policy_parameter = 300,  // a share above 100%, a negative floor or cap, ...
    amount_negative = 301,           // a penalty, deficit or remainder below zero
    bearers_not_sorted = 302,        // loss bearers must come in strictly increasing account order
    allocation_capacity = 303,       // the caller's allocation buffer (or a policy's scratch) is too small
    unknown_market = 304,            // a market id that does not exist (or beyond a fund's table)
    invalid_policy_output = 305,     // a policy's plan the engine cannot apply (a source named twice, ...)
    // engine
    unknown_account = 400,
    market_halted = 401,
    market_reduce_only = 402,        // the market only accepts trades that reduce positions
    stale_mark = 403,                // the oracle mark is older than the market's staleness limit
    no_mark = 404,                   // the market has no mark yet
    off_tick = 405,                  // a price that is not a multiple of the tick size
    off_lot = 406,                   // a size that is not a multiple of the lot size
    size_not_positive = 407,         // a zero or negative size
    insufficient_margin = 408,       // the operation would leave the account below its requirement
    position_slots_full = 409,       // the account has no free position slot
    position_limit = 410,            // the position would exceed the market's position limit
    open_interest_limit = 411,       // the market's open interest would exceed its limit
    not_liquidatable = 412,          // the account meets its maintenance requirement
    self_trade = 413,                // buyer and seller (or account and liquidator) are the same
    market_asset_mismatch = 414,     // a typed call whose base asset is not the market's
    time_backwards = 415,            // a timestamp earlier than the engine's current time
    invalid_market_config = 416,     // margin fractions, sizes or scales out of bounds
    price_not_positive = 417,
    price_out_of_range = 418,        // a mark at which a maximal position's value would not fit
    insufficient_collateral = 419,   // a realised loss larger than the collateral that pays it
    market_not_isolated = 420,       // an isolated-fund operation on a market without its own fund
    market_already_isolated = 421,   // a market that has its own fund already
    market_not_settled = 422,        // a sweep of a market still active or with open interest
    isolated_market_conflict = 423,  // an isolated market's position beside another market's, or
                                     // isolating a market that has positions
    invalid_option_input = 424,      // a forward, strike or volatility not positive and finite, a
                                     // negative time to expiry, a volatility surface or scenario
                                     // grid out of shape (engine/options/)
    // management
    unknown_staker = 500,
    stake_into_empty_fund = 501,     // the fund holds nothing but shares exist: no share price
    insufficient_shares = 502,       // an unstake of more shares than the staker holds
    no_unstake_request = 503,        // a claim or cancel without a pending request
    unstake_request_pending = 504,   // a stake or a second request while a request is pending
    cooldown_not_over = 505,         // a claim before the time its request fixed
    claim_limit_reached = 506,       // the day's withdrawable fraction of the fund is used up
    stake_below_one_share = 507,     // an amount that buys no share (it would be a gift)

    // 600-619: governance (management/governance.hpp)
    parameter_out_of_bounds = 600,    // a proposed value outside the parameter's bounds
    timelock_not_over = 601,          // a change executed before its timelock has passed
    rate_limit_exceeded = 602,        // a change larger than the parameter's rate limit allows in its period
    not_risk_reducing = 603,          // an emergency change that would not reduce risk
    unknown_proposal = 604,           // a proposal id never queued, or already executed or cancelled
    unknown_parameter = 605,          // a parameter the governor does not govern
    proposal_stale = 606,             // the parameter changed since the proposal was queued

    // 620-639: yield on idle capital (management/yield_strategies.hpp)
    unknown_strategy = 620,           // a strategy id never opened
    below_liquidity_floor = 621,      // an allocation that would leave the fund below its liquidity floor
    strategy_locked = 622,            // capital asked for before its lock-up or withdrawal delay is over
    no_recall_pending = 623,          // a recall completed that was never requested
    recall_pending = 624,             // a second recall while one is pending

    // 640-659: reinsurance (management/reinsurance.hpp)
    unknown_treaty = 640,             // a treaty id never written
    treaty_exhausted = 641,           // a claim on a treaty whose limit and reinstatements are used up
    unknown_pool_member = 642,        // a fund that is not a member of the pool
    premium_not_due = 643,            // a premium charged before its period has ended
    treaty_lapsed = 644,              // a claim on a treaty whose premium went unpaid
    premium_overdue = 645,            // a claim past a period's end whose premium is unpaid

    // 660-679: hedging (management/fund_hedge.hpp)
    hedge_not_needed = 660,           // a rebalance whose order would be smaller than a lot or inside the band
};

// The enumerator's name, for messages and logs; "unknown" for numbers this version does not know.
constexpr std::string_view error_code_name(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::invalid_argument: return "invalid_argument";
        case ErrorCode::overflow: return "overflow";
        case ErrorCode::division_by_zero: return "division_by_zero";
        case ErrorCode::parse_error: return "parse_error";
        case ErrorCode::parse_too_many_decimals: return "parse_too_many_decimals";
        case ErrorCode::parse_out_of_range: return "parse_out_of_range";
        case ErrorCode::parse_wrong_symbol: return "parse_wrong_symbol";
        case ErrorCode::not_representable: return "not_representable";
        case ErrorCode::unknown_place: return "unknown_place";
        case ErrorCode::amount_not_positive: return "amount_not_positive";
        case ErrorCode::insufficient_balance: return "insufficient_balance";
        case ErrorCode::same_place: return "same_place";
        case ErrorCode::capacity_exceeded: return "capacity_exceeded";
        case ErrorCode::journal_gap: return "journal_gap";
        case ErrorCode::journal_corrupt: return "journal_corrupt";
        case ErrorCode::journal_truncated: return "journal_truncated";
        case ErrorCode::ledger_not_empty: return "ledger_not_empty";
        case ErrorCode::invalid_policy_parameter: return "invalid_policy_parameter";
        case ErrorCode::amount_negative: return "amount_negative";
        case ErrorCode::bearers_not_sorted: return "bearers_not_sorted";
        case ErrorCode::allocation_capacity: return "allocation_capacity";
        case ErrorCode::unknown_market: return "unknown_market";
        case ErrorCode::invalid_policy_output: return "invalid_policy_output";
        case ErrorCode::unknown_account: return "unknown_account";
        case ErrorCode::market_halted: return "market_halted";
        case ErrorCode::market_reduce_only: return "market_reduce_only";
        case ErrorCode::stale_mark: return "stale_mark";
        case ErrorCode::no_mark: return "no_mark";
        case ErrorCode::off_tick: return "off_tick";
        case ErrorCode::off_lot: return "off_lot";
        case ErrorCode::size_not_positive: return "size_not_positive";
        case ErrorCode::insufficient_margin: return "insufficient_margin";
        case ErrorCode::position_slots_full: return "position_slots_full";
        case ErrorCode::position_limit: return "position_limit";
        case ErrorCode::open_interest_limit: return "open_interest_limit";
        case ErrorCode::not_liquidatable: return "not_liquidatable";
        case ErrorCode::self_trade: return "self_trade";
        case ErrorCode::market_asset_mismatch: return "market_asset_mismatch";
        case ErrorCode::time_backwards: return "time_backwards";
        case ErrorCode::invalid_market_config: return "invalid_market_config";
        case ErrorCode::price_not_positive: return "price_not_positive";
        case ErrorCode::price_out_of_range: return "price_out_of_range";
        case ErrorCode::insufficient_collateral: return "insufficient_collateral";
        case ErrorCode::market_not_isolated: return "market_not_isolated";
        case ErrorCode::market_already_isolated: return "market_already_isolated";
        case ErrorCode::market_not_settled: return "market_not_settled";
        case ErrorCode::isolated_market_conflict: return "isolated_market_conflict";
        case ErrorCode::invalid_option_input: return "invalid_option_input";
        case ErrorCode::unknown_staker: return "unknown_staker";
        case ErrorCode::stake_into_empty_fund: return "stake_into_empty_fund";
        case ErrorCode::insufficient_shares: return "insufficient_shares";
        case ErrorCode::no_unstake_request: return "no_unstake_request";
        case ErrorCode::unstake_request_pending: return "unstake_request_pending";
        case ErrorCode::cooldown_not_over: return "cooldown_not_over";
        case ErrorCode::claim_limit_reached: return "claim_limit_reached";
        case ErrorCode::stake_below_one_share: return "stake_below_one_share";
        case ErrorCode::parameter_out_of_bounds: return "parameter_out_of_bounds";
        case ErrorCode::timelock_not_over: return "timelock_not_over";
        case ErrorCode::rate_limit_exceeded: return "rate_limit_exceeded";
        case ErrorCode::not_risk_reducing: return "not_risk_reducing";
        case ErrorCode::unknown_proposal: return "unknown_proposal";
        case ErrorCode::unknown_parameter: return "unknown_parameter";
        case ErrorCode::proposal_stale: return "proposal_stale";
        case ErrorCode::unknown_strategy: return "unknown_strategy";
        case ErrorCode::below_liquidity_floor: return "below_liquidity_floor";
        case ErrorCode::strategy_locked: return "strategy_locked";
        case ErrorCode::no_recall_pending: return "no_recall_pending";
        case ErrorCode::recall_pending: return "recall_pending";
        case ErrorCode::unknown_treaty: return "unknown_treaty";
        case ErrorCode::treaty_exhausted: return "treaty_exhausted";
        case ErrorCode::unknown_pool_member: return "unknown_pool_member";
        case ErrorCode::premium_not_due: return "premium_not_due";
        case ErrorCode::treaty_lapsed: return "treaty_lapsed";
        case ErrorCode::premium_overdue: return "premium_overdue";
        case ErrorCode::hedge_not_needed: return "hedge_not_needed";
    }
    return "unknown";
}

namespace detail {
class ErrorCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "backstop"; }
    std::string message(int value) const override {
        return std::string(error_code_name(static_cast<ErrorCode>(value)));
    }
};
}  // namespace detail

// One category object per program; it holds no state, so it does not break determinism.
inline const std::error_category& error_category() noexcept {
    static const detail::ErrorCategory category;
    return category;
}

inline std::error_code make_error_code(ErrorCode code) noexcept {
    return {static_cast<int>(code), error_category()};
}

}  // namespace backstop

template <>
struct std::is_error_code_enum<backstop::ErrorCode> : std::true_type {};
