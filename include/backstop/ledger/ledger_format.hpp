// fmt formatters for the ledger's vocabulary:
//   AccountId, FundId, LiquidatorId, StrategyId   "account 7", "fund 0", "liquidator 2", "strategy 1"
//   PlaceKind, TransferReason                      "collateral", "penalty_to_fund"
//   Place          "collateral of account 7", "fund 0", "treasury"
//   Transfer       "211.845000 USDC collateral of account 1 -> fund 0 (penalty_to_fund)"
//   Audit<Rep>     a table of the conservation equation in atoms (the audit knows no asset);
//   audit_in<USDC>(ledger.audit()) prints the same table in USDC:
//
//     balanced: 6 places sum to 0.000000 USDC
//       external         -1101000.000000 USDC   1 place
//       collateral        1101000.000000 USDC   4 places
//       fund                    0.000000 USDC   1 place
//
// Ids say what they are because a log line that reads "7" cannot tell an account from a fund.
// Ids, kinds, places, reasons and transfers take the string options (fill, align, width):
// fmt::format("{:>12}", account). Audits are multi-line and take no options.
#pragma once

#include "backstop/core/format.hpp"
#include "backstop/ledger/audit.hpp"
#include "backstop/ledger/place.hpp"
#include "backstop/ledger/transfer.hpp"
#include "backstop/money/format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace backstop {

// An audit with the asset its atoms are counted in, for printing in units: audit_in<USDC>(a).
// A copy, not a reference: an audit is small, and `auto a = audit_in<USDC>(ledger.audit())`
// must not dangle.
template <class Asset, class Rep>
struct AuditIn {
    Audit<Rep> audit;
};

template <class Asset, class Rep>
AuditIn<Asset, Rep> audit_in(const Audit<Rep>& audit) {
    return AuditIn<Asset, Rep>{audit};
}

namespace detail {

// Base of the multi-line formatters, which take no options: "{}" only.
struct NoOptionsFormatter {
    constexpr auto parse(fmt::format_parse_context& ctx) {
        auto it = ctx.begin();
        if (it != ctx.end() && *it != '}') throw fmt::format_error("backstop: this type takes no format options");
        return it;
    }
};

// Base of the id formatters: "<label> <value>" with the string options.
struct IdFormatter : backstop::detail::TextFormatter {
    template <class Tag, class FormatContext>
    auto format_id(std::string_view label, StrongId<Tag> id, FormatContext& ctx) const {
        return write_padded(ctx.out(), fmt::format("{} {}", label, id.value));
    }
};

inline std::string place_label(Place place) {
    switch (place.kind()) {
        case PlaceKind::collateral: return fmt::format("collateral of account {}", place.index());
        case PlaceKind::fund:
        case PlaceKind::liquidator:
        case PlaceKind::strategy:
            return fmt::format("{} {}", place_kind_name(place.kind()), place.index());
        default: return std::string(place_kind_name(place.kind()));
    }
}

// Exact decimal text of a whole number of atoms of any width: digits, then the point inserted.
template <class Wide>
std::string wide_decimal_text(const Wide& atoms, int decimals) {
    std::string digits = fmt::format("{}", atoms);
    std::string sign;
    if (!digits.empty() && digits.front() == '-') {
        sign = "-";
        digits.erase(0, 1);
    }
    if (decimals <= 0) return sign + digits;
    const auto places = static_cast<std::size_t>(decimals);
    if (digits.size() < places + 1) digits.insert(0, places + 1 - digits.size(), '0');
    digits.insert(digits.size() - places, 1, '.');
    return sign + digits;
}

// The audit table; `unit` follows every number ("atoms" or the asset's symbol). Only the kinds
// that have a place or a non-zero sum are listed, in PlaceKind order.
template <class Rep>
std::string audit_text(const Audit<Rep>& audit, int decimals, std::string_view unit) {
    std::uint64_t places = 0;
    std::size_t width = 0;
    for (int k = 0; k < place_kind_count; ++k) {
        const auto i = static_cast<std::size_t>(k);
        places += audit.places_by_kind[i];
        width = std::max(width, wide_decimal_text(audit.sum_by_kind[i], decimals).size());
    }
    std::string text = fmt::format("{}: {} place{} sum to {} {}",
                                   audit.balanced() ? "balanced" : "NOT BALANCED", places,
                                   places == 1 ? "" : "s", wide_decimal_text(audit.total, decimals), unit);
    for (int k = 0; k < place_kind_count; ++k) {
        const auto i = static_cast<std::size_t>(k);
        const std::uint32_t count = audit.places_by_kind[i];
        if (count == 0 && audit.sum_by_kind[i] == 0) continue;
        text += fmt::format("\n  {:<16}{:>{}} {}   {} place{}", place_kind_name(static_cast<PlaceKind>(k)),
                            wide_decimal_text(audit.sum_by_kind[i], decimals), width, unit, count,
                            count == 1 ? "" : "s");
    }
    return text;
}

}  // namespace detail
}  // namespace backstop

template <>
struct fmt::formatter<backstop::AccountId> : backstop::detail::IdFormatter {
    template <class FormatContext>
    auto format(backstop::AccountId id, FormatContext& ctx) const {
        return format_id("account", id, ctx);
    }
};

template <>
struct fmt::formatter<backstop::FundId> : backstop::detail::IdFormatter {
    template <class FormatContext>
    auto format(backstop::FundId id, FormatContext& ctx) const {
        return format_id("fund", id, ctx);
    }
};

template <>
struct fmt::formatter<backstop::LiquidatorId> : backstop::detail::IdFormatter {
    template <class FormatContext>
    auto format(backstop::LiquidatorId id, FormatContext& ctx) const {
        return format_id("liquidator", id, ctx);
    }
};

template <>
struct fmt::formatter<backstop::StrategyId> : backstop::detail::IdFormatter {
    template <class FormatContext>
    auto format(backstop::StrategyId id, FormatContext& ctx) const {
        return format_id("strategy", id, ctx);
    }
};

template <>
struct fmt::formatter<backstop::PlaceKind> : backstop::detail::TextFormatter {
    template <class FormatContext>
    auto format(backstop::PlaceKind kind, FormatContext& ctx) const {
        return write_padded(ctx.out(), backstop::place_kind_name(kind));
    }
};

template <>
struct fmt::formatter<backstop::TransferReason> : backstop::detail::TextFormatter {
    template <class FormatContext>
    auto format(backstop::TransferReason reason, FormatContext& ctx) const {
        return write_padded(ctx.out(), backstop::transfer_reason_name(reason));
    }
};

template <>
struct fmt::formatter<backstop::Place> : backstop::detail::TextFormatter {
    template <class FormatContext>
    auto format(backstop::Place place, FormatContext& ctx) const {
        return write_padded(ctx.out(), backstop::detail::place_label(place));
    }
};

template <class Asset, class Rep>
struct fmt::formatter<backstop::Transfer<Asset, Rep>> : backstop::detail::TextFormatter {
    template <class FormatContext>
    auto format(const backstop::Transfer<Asset, Rep>& transfer, FormatContext& ctx) const {
        const std::string text = fmt::format("{} {} -> {} ({})", transfer.amount, transfer.source,
                                             transfer.target, transfer.reason);
        return write_padded(ctx.out(), text);
    }
};

template <class Rep>
struct fmt::formatter<backstop::Audit<Rep>> : backstop::detail::NoOptionsFormatter {
    template <class FormatContext>
    auto format(const backstop::Audit<Rep>& audit, FormatContext& ctx) const {
        const std::string text = backstop::detail::audit_text(audit, 0, "atoms");
        return std::copy(text.begin(), text.end(), ctx.out());
    }
};

template <class Asset, class Rep>
struct fmt::formatter<backstop::AuditIn<Asset, Rep>> : backstop::detail::NoOptionsFormatter {
    template <class FormatContext>
    auto format(const backstop::AuditIn<Asset, Rep>& in, FormatContext& ctx) const {
        const std::string text = backstop::detail::audit_text(in.audit, backstop::AssetTraits<Asset>::decimals,
                                                              backstop::AssetTraits<Asset>::symbol);
        return std::copy(text.begin(), text.end(), ctx.out());
    }
};
