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
    unknown_market = 304,            // a market id beyond the fund's per-market table
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
