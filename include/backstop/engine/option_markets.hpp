// Option series as markets (market.hpp's OptionTerms; docs/options.md, "Options in the engine"):
// their marks from the underlying's, and the portfolio requirement of an account that holds them.
//
// A series' mark is Black-76 (rate 0: the forward is the perpetual's mark) at the series'
// volatility and the time left, rounded to the nearest price unit; from expiry on, the payoff at
// the underlying's mark, exact in integers and fixed. An account holding live options of an
// underlying is margined on that underlying by the portfolio requirement: its perpetual and its
// options revalued together under the underlying's scenario grid (portfolio_margin.hpp), in
// place of their tiers; converted to quote atoms once, with its rounding slack, rounded up.
#pragma once

#include "backstop/core/config.hpp"
#include "backstop/engine/engine_view.hpp"
#include "backstop/engine/liquidation_plan.hpp"
#include "backstop/engine/margin_math.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/engine/market_setup.hpp"
#include "backstop/engine/options/black76.hpp"
#include "backstop/engine/options/portfolio_margin.hpp"
#include "backstop/money/rate.hpp"

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

namespace backstop {
namespace detail {

inline constexpr double option_ms_per_year = 365.0 * 86'400'000.0;

inline double option_years(const OptionTerms& terms, std::int64_t now_ms) {
    const double ms = static_cast<double>(terms.expiry_ms) - static_cast<double>(now_ms);
    return ms > 0 ? ms / option_ms_per_year : 0.0;
}

// max(F - K, 0) for a call, max(K - F, 0) for a put: both are int64 and not negative, so their
// difference cannot overflow.
inline std::int64_t option_payoff(const OptionTerms& terms, std::int64_t forward) {
    const std::int64_t intrinsic = terms.kind == OptionKind::call ? forward - terms.strike : terms.strike - forward;
    return intrinsic > 0 ? intrinsic : 0;
}

// The series' mark at `volatility`, the underlying's mark `forward` and `now_ms`.
inline std::int64_t option_mark_at(const OptionTerms& terms, double volatility, std::int64_t forward,
                                   std::int64_t now_ms) {
    if (now_ms >= terms.expiry_ms) return option_payoff(terms, forward);
    const Black76Input in{static_cast<double>(forward), static_cast<double>(terms.strike), volatility,
                          option_years(terms, now_ms), 0.0};
    const double value = black76_price_unchecked(terms.kind, in);
    // A call is worth at most F, a put at most K (int64 both): the rounded value stays within.
    const std::int64_t cap = terms.kind == OptionKind::call ? forward : terms.strike;
    if (!(value < static_cast<double>(cap)) || !(value < 0x1p62)) return cap;
    return static_cast<std::int64_t>(std::nearbyint(value > 0 ? value : 0.0));
}

// An account's position as account_metrics sums it (after a plan's overrides).
struct HeldPosition {
    std::uint16_t market;
    std::int64_t size;
    std::int64_t cost;
    int128 funding_owed;
};

// Whether `held[k]` is margined by its underlying's portfolio requirement instead of its tiers:
// every option, and a perpetual of which the account holds a live option (unless its underlying
// margins per position: then the perpetual keeps its tiers).
// (A held entry of size 0, an override that closes a position, counts as nothing.)
inline bool in_portfolio(const std::vector<MarketState>& markets, const HeldPosition* held, std::size_t count,
                         std::size_t k) {
    const MarketState& state = markets[held[k].market];
    if (state.is_option()) return true;
    if (!state.lists_options() || state.config.option_margin.per_position) return false;
    for (std::size_t j = 0; j < count; ++j) {
        const MarketState& other = markets[held[j].market];
        if (held[j].size != 0 && other.is_option() && !other.option_expired &&
            other.config.option.underlying == held[k].market) {
            return true;
        }
    }
    return false;
}

// Whether the holders of `state` (an option series whose underlying exempts its options) bear no
// socialized loss (OptionMarginTerms::options_exempt_from_adl).
inline bool exempt_from_adl(const std::vector<MarketState>& markets, const MarketState& state) {
    return state.is_option() && markets[state.config.option.underlying].config.option_margin.options_exempt_from_adl;
}

// Whether the account holds a live option (its margin is then a portfolio's, in which closing a
// position, a hedge, can raise the requirement).
template <class LedgerType>
bool holds_live_option(const EngineView<LedgerType>& v, AccountId account) {
    for (std::uint32_t s = 0; s < v.book.per_account; ++s) {
        const std::size_t i = v.book.index(account.value, s);
        const std::uint16_t market = v.book.market[i];
        if (market == PositionBook::empty || v.book.size[i] == 0) continue;
        if (v.markets[market].is_option() && !v.markets[market].option_expired) return true;
    }
    return false;
}

// A requirement no equity meets (equity is within a few times 2^64 atoms): an underlying without
// a mark or a model, or a book outside the model's domain (an expiry more than 100 years away),
// blocks new risk and reads as liquidatable.
inline constexpr int128 portfolio_requirement_unavailable = int128(1) << 100;

// The portfolio requirements (initial, maintenance; quote atoms) of every underlying of which
// the account holds a live option, added to `initial` and `maintenance`.
template <class LedgerType>
void add_portfolio_requirements(const EngineView<LedgerType>& v, const HeldPosition* held, std::size_t count,
                                int128& initial, int128& maintenance) {
    for (std::size_t k = 0; k < count; ++k) {
        const MarketState& option = v.markets[held[k].market];
        if (held[k].size == 0 || !option.is_option() || option.option_expired) continue;
        const std::uint16_t underlying = option.config.option.underlying;
        bool seen = false;  // each underlying once: at its first live option
        for (std::size_t j = 0; j < k; ++j) {
            const MarketState& earlier = v.markets[held[j].market];
            seen = seen || (held[j].size != 0 && earlier.is_option() && !earlier.option_expired &&
                            earlier.config.option.underlying == underlying);
        }
        if (seen) continue;
        const MarketState& base = v.markets[underlying];
        std::array<OptionHolding, 2 * positions_per_account_max> holdings{};
        std::size_t n = 0;
        std::int64_t perpetual_size = 0;
        for (std::size_t j = 0; j < count && n < holdings.size(); ++j) {
            const MarketState& state = v.markets[held[j].market];
            if (held[j].market == underlying) perpetual_size = held[j].size;
            if (held[j].size == 0 || !state.is_option() || state.option_expired ||
                state.config.option.underlying != underlying) {
                continue;
            }
            holdings[n++] = OptionHolding{state.config.option.kind, static_cast<double>(state.config.option.strike),
                                          option_years(state.config.option, v.now_ms), static_cast<double>(held[j].size),
                                          state.option_volatility};
        }
        const std::optional<PortfolioMargin>* model = v.option_models ? &v.option_models[underlying] : nullptr;
        const bool per_position = base.config.option_margin.per_position;
        int128 need = portfolio_requirement_unavailable;
        if (per_position && base.has_mark && model && model->has_value()) {
            // Each option alone (its own requirement rounded up), the perpetual by its tiers.
            need = 0;
            for (std::size_t j = 0; j < n && need != portfolio_requirement_unavailable; ++j) {
                const Result<PortfolioRequirement> r = (*model)->requirement(
                    OptionPortfolio{static_cast<double>(base.mark), 0.0, Span<const OptionHolding>(&holdings[j], 1)});
                const Result<std::int64_t> atoms =
                    r ? requirement_atoms(*r, 1.0 / static_cast<double>(base.notional_divisor)) : Result<std::int64_t>(r.error());
                need = atoms ? need + *atoms : portfolio_requirement_unavailable;
            }
        } else if (base.has_mark && model && model->has_value()) {
            const Result<PortfolioRequirement> r = (*model)->requirement(
                OptionPortfolio{static_cast<double>(base.mark), static_cast<double>(perpetual_size), Span<const OptionHolding>(holdings.data(), n)});
            if (r) {
                const Result<std::int64_t> atoms =
                    requirement_atoms(*r, 1.0 / static_cast<double>(base.notional_divisor));
                if (atoms) need = *atoms;
            }
        }
        maintenance += need;
        // Initial: the underlying's tier-0 initial over maintenance, rounded up.
        const MarginTier& tier = base.config.tiers[0];
        initial += ceil_div(need * tier.initial.count(), tier.maintenance.count());
        // A large perpetual keeps its tiers' surcharge over tier 0 (the scan range is tier 0's
        // kind of risk; a position in a higher tier pays for its size on top).
        if (perpetual_size != 0 && base.config.tier_count > 1 && !per_position) {
            const int128 notional = position_notional(base, perpetual_size);
            maintenance += maintenance_requirement(base, notional) - ceil_div(notional * tier.maintenance.count(), Ppm::denominator);
            initial += initial_requirement(base, notional) - ceil_div(notional * tier.initial.count(), Ppm::denominator);
        }
    }
}

// A series' mark may be 0 (worthless) but a maximal position's value must fit as a perpetual's.
inline Result<void> check_option_mark(const MarketState& option, std::int64_t mark) {
    if (mark < 0 || !maximal_position_value_fits(option, mark)) {
        return make_error(ErrorCode::price_out_of_range, "an option's mark too large for its position limit");
    }
    return {};
}

// A new series must name an existing perpetual that lists options, in the same base asset and
// units (its sizes and prices are the underlying's).
inline Result<void> check_option_series(const std::vector<MarketState>& markets, const MarketState& series) {
    if (!series.is_option()) return {};
    const std::uint16_t underlying = series.config.option.underlying;
    if (underlying >= markets.size() || markets[underlying].is_option() || !markets[underlying].lists_options()) {
        return make_error(ErrorCode::invalid_market_config, "an option's underlying must be a market that lists options");
    }
    const MarketState& base = markets[underlying];
    if (base.base_decimals != series.base_decimals || base.price_decimals != series.price_decimals ||
        (!series.base_symbol.empty() && base.base_symbol != series.base_symbol)) {
        return make_error(ErrorCode::invalid_market_config, "an option trades its underlying's base asset and units");
    }
    // Limits under which no mark of the series can be refused (so none blocks its underlying's):
    // a call is worth at most F, which the underlying's own limit bounds; a put at most K.
    if (series.config.position_max > base.config.position_max ||
        !maximal_position_value_fits(series, series.config.option.strike)) {
        return make_error(ErrorCode::invalid_market_config,
                          "an option's position limit must not exceed its underlying's, nor its strike's value int64 max / 8");
    }
    // Its mark is the underlying's: no staler than the underlying allows.
    if (series.config.staleness_max_ms > base.config.staleness_max_ms) {
        return make_error(ErrorCode::invalid_market_config, "an option's staleness limit must not exceed its underlying's");
    }
    return {};
}

// The marks of `underlying`'s live option series (a volatility set) at its mark `forward` and
// `now_ms`, planned before a mark update commits: each checked against its market's limits.
// `marks[m]` is -1 for a market whose mark does not change.
inline Result<void> plan_option_marks(const std::vector<MarketState>& markets, std::size_t underlying, std::int64_t forward,
                                      std::int64_t now_ms, std::vector<std::int64_t>& marks) {
    for (std::size_t m = 0; m < markets.size(); ++m) {
        const MarketState& option = markets[m];
        marks[m] = -1;
        if (!option.is_option() || option.config.option.underlying != underlying || option.option_expired ||
            option.option_volatility == 0) {
            continue;
        }
        marks[m] = option_mark_at(option.config.option, option.option_volatility, forward, now_ms);
        if (Result<void> ok = check_option_mark(option, marks[m]); !ok) return ok;
    }
    return {};
}

// A new volatility for the series `market`: checked, and the mark it gives (planned, not applied).
inline Result<std::int64_t> plan_option_volatility(const std::vector<MarketState>& markets, std::size_t market,
                                                   Ppm volatility, std::int64_t now_ms) {
    const MarketState& option = markets[market];
    if (!option.is_option()) return make_error(ErrorCode::invalid_argument, "not an option series");
    const MarketState& base = markets[option.config.option.underlying];
    if (!base.has_mark) return make_error(ErrorCode::no_mark, "the underlying has no mark yet");
    // From expiry on the first underlying mark fixes the payoff: no volatility may fix it earlier.
    if (option.option_expired || now_ms >= option.config.option.expiry_ms) {
        return make_error(ErrorCode::invalid_argument, "the series has expired");
    }
    if (volatility < Ppm{100} || volatility > Ppm{10'000'000} || option_years(option.config.option, now_ms) > option_years_max) {
        return make_error(ErrorCode::invalid_option_input, "a volatility within [0.01%, 1000%], an expiry within 100 years");
    }
    const std::int64_t mark = option_mark_at(option.config.option, volatility.to_double(), base.mark, now_ms);
    if (Result<void> ok = check_option_mark(option, mark); !ok) return ok.error();
    return mark;
}

// Sets a series' planned mark, observed at `at_ms`; from expiry on it is fixed.
inline void apply_option_mark(MarketState& option, std::int64_t mark, std::int64_t at_ms, std::int64_t now_ms) {
    apply_mark(option, mark, at_ms);
    option.option_expired = now_ms >= option.config.option.expiry_ms;
}

// Commits plan_option_marks' marks, observed at `at_ms` (the engine's time from then on).
inline void apply_option_marks(std::vector<MarketState>& markets, const std::vector<std::int64_t>& marks,
                               std::int64_t at_ms) {
    for (std::size_t m = 0; m < markets.size(); ++m) {
        if (marks[m] >= 0) apply_option_mark(markets[m], marks[m], at_ms, at_ms);
    }
}

// A portfolio model for an underlying that lists options: SPAN's sixteen on its ranges.
inline std::optional<PortfolioMargin> make_option_model(const OptionMarginTerms& terms) {
    if (terms.price_scan_range.count() == 0) return std::nullopt;
    Result<ScenarioGrid> grid = ScenarioGrid::span_style(terms.price_scan_range.to_double(),
                                                         terms.volatility_scan_range.to_double());
    Result<VolatilitySurface> placeholder = VolatilitySurface::flat(1.0);  // every holding brings its own
    if (!grid || !placeholder) return std::nullopt;
    Result<PortfolioMargin> model =
        PortfolioMargin::create(*grid, std::move(*placeholder),
                                PortfolioMarginConfig{terms.short_option_minimum.to_double(),
                                                      terms.volatility_floor.to_double(), 0.0});
    if (!model) return std::nullopt;
    return std::move(*model);
}

}  // namespace detail
}  // namespace backstop
