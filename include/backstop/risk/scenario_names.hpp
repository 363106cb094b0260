// The names a person types for a scenario's choices (command line, scenario files, reports), and
// back: "garch-jump", "ranked-adl", ... Parsing an unknown name is an error that lists the known.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/risk/scenario.hpp"

#include <array>
#include <string_view>
#include <utility>

namespace backstop {
namespace risk {

namespace detail {

// `unknown` is the error's detail: a literal naming the known values (errors carry no
// allocated text).
template <class Enum, std::size_t N>
Result<Enum> parse_name(std::string_view text, const std::array<std::pair<Enum, std::string_view>, N>& names,
                        std::string_view unknown) {
    for (const auto& [value, name] : names) {
        if (name == text) return value;
    }
    return make_error(ErrorCode::invalid_argument, unknown);
}

template <class Enum, std::size_t N>
std::string_view name_of(Enum value, const std::array<std::pair<Enum, std::string_view>, N>& names) {
    for (const auto& [known, name] : names) {
        if (known == value) return name;
    }
    return "?";
}

inline constexpr std::array<std::pair<SocializedLossChoice, std::string_view>, 5> socialized_loss_names{{
    {SocializedLossChoice::ranked_adl, "ranked-adl"},
    {SocializedLossChoice::pro_rata_haircut, "pro-rata"},
    {SocializedLossChoice::funding, "funding"},
    {SocializedLossChoice::random_start_adl, "random-start-adl"},
    {SocializedLossChoice::water_filling, "water-filling"},
}};
inline constexpr std::array<std::pair<FeeCaptureChoice, std::string_view>, 3> fee_capture_names{{
    {FeeCaptureChoice::fund_only, "fund-only"},
    {FeeCaptureChoice::fixed_shares, "fixed-shares"},
    {FeeCaptureChoice::fund_first_until_target, "fund-first-until-target"},
}};
inline constexpr std::array<std::pair<SettlementChoice, std::string_view>, 2> settlement_names{{
    {SettlementChoice::cover_up_to_balance, "cover-up-to-balance"},
    {SettlementChoice::cover_above_floor, "cover-above-floor"},
}};
inline constexpr std::array<std::pair<ImpactKind, std::string_view>, 3> impact_names{{
    {ImpactKind::none, "none"},
    {ImpactKind::linear, "linear"},
    {ImpactKind::square_root, "square-root"},
}};

}  // namespace detail

// Model names, in the order of the PriceModel variant.
inline constexpr std::array<std::string_view, 7> model_names{"gbm", "merton", "garch", "hawkes", "bootstrap",
                                                             "garch-jump", "correlated"};
static_assert(model_names.size() == std::variant_size_v<PriceModel>, "one name per price model");

inline std::string_view name_of(const PriceModel& model) { return model_names[model.index()]; }

// The model of that name with its default parameters. "bootstrap" needs returns, so it is not
// made from a name alone.
inline Result<PriceModel> default_model(std::string_view name) {
    if (name == "gbm") return PriceModel{Gbm{}};
    if (name == "merton") return PriceModel{MertonJump{}};
    if (name == "garch") return PriceModel{GarchT{}};
    if (name == "hawkes") return PriceModel{HawkesJump{}};
    if (name == "garch-jump") return PriceModel{GarchJump{}};
    if (name == "correlated") return PriceModel{CorrelatedMarkets{}};  // several markets (three by default)
    return make_error(ErrorCode::invalid_argument, "unknown model (known: gbm merton garch hawkes garch-jump correlated)");
}

inline std::string_view name_of(SocializedLossChoice v) { return detail::name_of(v, detail::socialized_loss_names); }
inline std::string_view name_of(FeeCaptureChoice v) { return detail::name_of(v, detail::fee_capture_names); }
inline std::string_view name_of(SettlementChoice v) { return detail::name_of(v, detail::settlement_names); }
inline std::string_view name_of(ImpactKind v) { return detail::name_of(v, detail::impact_names); }

inline Result<SocializedLossChoice> parse_socialized_loss(std::string_view text) {
    return detail::parse_name(text, detail::socialized_loss_names, "unknown socialized-loss policy (known: ranked-adl pro-rata funding random-start-adl water-filling)");
}
inline Result<FeeCaptureChoice> parse_fee_capture(std::string_view text) {
    return detail::parse_name(text, detail::fee_capture_names, "unknown fee-capture policy (known: fund-only fixed-shares fund-first-until-target)");
}
inline Result<SettlementChoice> parse_settlement(std::string_view text) {
    return detail::parse_name(text, detail::settlement_names, "unknown settlement policy (known: cover-up-to-balance cover-above-floor)");
}
inline Result<ImpactKind> parse_impact(std::string_view text) {
    return detail::parse_name(text, detail::impact_names, "unknown price impact (known: none linear square-root)");
}

}  // namespace risk
}  // namespace backstop
