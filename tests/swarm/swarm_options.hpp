// The swarm's option series (RunOptions::options, README.md "[options]"): what an option world
// adds at set-up (option margin terms on one or two perpetuals, two to four European series on
// each), the model's marks for them (the library's Black-76, rounded as docs/options.md says) and
// the model's requirement of an account that holds them (the library's PortfolioMargin on the
// account's perpetual and live options of each underlying, as the option engine test computes it;
// that calculator is tested on its own against hand-worked books and QuantLib). Everything here
// is drawn from the options' own random stream, so that every other world draws as before.
#pragma once

#include <backstop/engine/options/black76.hpp>
#include <backstop/engine/options/portfolio_margin.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "support/random.hpp"
#include "swarm/swarm_model.hpp"
#include "swarm/swarm_world.hpp"

namespace backstop_swarm {

inline constexpr std::int64_t option_hour_ms = 3'600'000;
inline constexpr std::int64_t option_day_ms = 24 * option_hour_ms;

// One series of an option world, drawn at set-up: its market's config (option terms set) and its
// first volatility.
struct SeriesSpec {
    std::uint32_t underlying = 0;
    MarketConfig config;
    std::int64_t volatility_ppm = 0;
};

struct OptionPlan {
    std::vector<std::uint32_t> underlyings;
    std::vector<SeriesSpec> series;  // markets perps, perps + 1, ... in this order
};

inline int decimal_digits(std::int64_t v) { return static_cast<int>(std::to_string(v).size()); }

// Draws an option world's underlyings and series and gives the world what they need: option
// margin terms on the underlyings (add_market takes them at creation), room for the series
// (markets_max) and for books of several positions (positions_per_account).
inline OptionPlan make_option_plan(WorldSpec& w, testing::TestRandom& r) {
    OptionPlan plan;
    const auto perps = static_cast<std::uint32_t>(w.markets.size());
    const std::uint32_t count = perps > 1 && r.chance(2) ? 2u : 1u;
    const auto first = static_cast<std::uint32_t>(r.below(perps));
    for (std::uint32_t k = 0; k < count; ++k) plan.underlyings.push_back((first + k) % perps);
    for (const std::uint32_t u : plan.underlyings) {
        MarketSpec& m = w.markets[u];
        OptionMarginTerms& terms = m.config.option_margin;
        terms.price_scan_range = Ppm{40'000 + static_cast<std::int64_t>(r.below(110'001))};      // 4% to 15%
        terms.volatility_scan_range = Ppm{80'000 + static_cast<std::int64_t>(r.below(40'001))};  // about ten points
        terms.short_option_minimum = Ppm{static_cast<std::int64_t>(r.below(20'001))};            // 0 to 2%
        terms.per_position = r.chance(3);  // one underlying in three margins each position alone
        terms.options_exempt_from_adl = r.chance(2);  // half exempt their series' holders from ADL
        terms.liquidate_books_whole = r.chance(3);    // one in three liquidates option books whole
        const std::int64_t divisor = pow10_i64(asset_decimals(m.asset) + price_decimals(m.asset) - 6);
        const std::int64_t tick = m.config.tick_size;
        const int n = 2 + static_cast<int>(r.below(3));
        for (int k = 0; k < n; ++k) {
            MarketConfig c = m.config;
            c.option_margin = OptionMarginTerms{};
            c.option.is_option = true;
            c.option.kind = r.chance(2) ? OptionKind::call : OptionKind::put;
            c.option.underlying = static_cast<std::uint16_t>(u);
            // 0.8x to 1.25x the first mark, on the underlying's tick.
            const double factor = r.uniform(0.8, 1.25);
            c.option.strike = std::max<std::int64_t>(tick, saturate_int64(static_cast<double>(m.mark) * factor) / tick * tick);
            // Half of them expire within the world (it lasts a few hours), the others up to 60 days on.
            c.option.expiry_ms = w.start_ms + (r.chance(2) ? option_hour_ms / 2 + static_cast<std::int64_t>(r.below(4 * option_hour_ms))
                                                           : option_hour_ms + static_cast<std::int64_t>(r.below(60 * option_day_ms)));
            c.liquidator_discount = Ppm{static_cast<std::int64_t>(r.below(30'001))};
            c.option.premium_style = r.chance(2);  // half move the premium in cash at every fill
            // Premiums: a tick of 1 price unit, or a power of ten well below the underlying's mark.
            c.tick_size = r.chance(4) ? 1 : pow10_i64(std::max(0, decimal_digits(m.mark) - 5 - static_cast<int>(r.below(2))));
            // check_option_series: at most the underlying's limit, the strike's value within int64 max / 8.
            const detail::int128 fit = detail::int128(std::numeric_limits<std::int64_t>::max() / 8) * divisor / c.option.strike;
            const auto limit = static_cast<std::int64_t>(std::min<detail::int128>(fit, c.position_max));
            c.position_max = limit / c.lot_size * c.lot_size;
            if (c.position_max <= 0) continue;
            plan.series.push_back(SeriesSpec{u, c, 200'000 + static_cast<std::int64_t>(r.below(1'300'001))});  // 20% to 150%
        }
    }
    w.limits.markets_max = perps + static_cast<std::uint32_t>(plan.series.size()) + static_cast<std::uint32_t>(r.below(2));
    w.limits.positions_per_account =
        std::max(w.limits.positions_per_account, std::min<std::uint32_t>(positions_per_account_max, 3 + static_cast<std::uint32_t>(r.below(6))));
    return plan;
}

// The time left in years, as docs/options.md counts it (365-day years, each time a double).
inline double model_option_years(std::int64_t expiry_ms, std::int64_t now_ms) {
    const double ms = static_cast<double>(expiry_ms) - static_cast<double>(now_ms);
    return ms > 0 ? ms / (365.0 * static_cast<double>(option_day_ms)) : 0.0;
}

// A series' mark (docs/options.md): from expiry on the payoff, exact; before, Black-76 at rate 0
// on the underlying's mark, rounded to the nearest price unit, at most F (call) or K (put).
inline std::int64_t model_option_mark(const OptionTerms& t, double volatility, std::int64_t forward, std::int64_t now_ms) {
    if (now_ms >= t.expiry_ms) {
        const Big intrinsic = t.kind == OptionKind::call ? Big(forward) - Big(t.strike) : Big(t.strike) - Big(forward);
        return intrinsic > 0 ? intrinsic.template convert_to<std::int64_t>() : 0;
    }
    const Black76Input in{static_cast<double>(forward), static_cast<double>(t.strike), volatility,
                          model_option_years(t.expiry_ms, now_ms), 0.0};
    const double value = black76_price_unchecked(t.kind, in);
    const std::int64_t cap = t.kind == OptionKind::call ? forward : t.strike;
    if (!(value < static_cast<double>(cap)) || !(value < 0x1p62)) return cap;
    return static_cast<std::int64_t>(std::nearbyint(value > 0 ? value : 0.0));
}

// The reference portfolio model of an underlying: SPAN's sixteen on its ranges, each holding with
// its own volatility (the surface is a placeholder).
inline std::optional<PortfolioMargin> reference_option_model(const OptionMarginTerms& terms) {
    if (terms.price_scan_range.count() == 0) return std::nullopt;
    Result<ScenarioGrid> grid = ScenarioGrid::span_style(terms.price_scan_range.to_double(), terms.volatility_scan_range.to_double());
    Result<VolatilitySurface> surface = VolatilitySurface::flat(1.0);
    if (!grid || !surface) return std::nullopt;
    Result<PortfolioMargin> model = PortfolioMargin::create(
        *grid, std::move(*surface), PortfolioMarginConfig{terms.short_option_minimum.to_double(), terms.volatility_floor.to_double(), 0.0});
    if (!model) return std::nullopt;
    return std::move(*model);
}

inline bool is_series(const ModelMarket& m) { return m.config.option.is_option; }
inline bool live_option(const ModelMarket& m, const ModelPosition& p) { return p.size != 0 && is_series(m) && !m.option_expired; }
inline std::int64_t to_i64(const Big& v) { return clamp64(v).template convert_to<std::int64_t>(); }

// Whether the positions hold an option (live or expired).
inline bool holds_option(const std::vector<ModelMarket>& markets, const std::vector<ModelPosition>& positions) {
    for (std::size_t k = 0; k < positions.size(); ++k) {
        if (positions[k].size != 0 && is_series(markets[k])) return true;
    }
    return false;
}
inline bool holds_live_option(const std::vector<ModelMarket>& markets, const std::vector<ModelPosition>& positions) {
    for (std::size_t k = 0; k < positions.size(); ++k) {
        if (live_option(markets[k], positions[k])) return true;
    }
    return false;
}

// A book outside the model's domain or an underlying without a mark: no equity meets it.
inline Big unavailable_requirement() { return Big(1) << 100; }

// An account in an option world (docs/options.md, "margin"): equity as always; an option needs no
// tiers, nor a perpetual of which the account holds a live option; each such underlying needs the
// portfolio requirement of its perpetual and live options (maintenance; initial: times tier 0's
// initial over maintenance), in quote atoms with the rounding slack, rounded up, plus a large
// perpetual's tier surcharge over tier 0. An underlying with per-position margin: each option's
// requirement alone, rounded up, summed; its perpetual keeps its tiers. `order`: the markets in the order the options are summed
// (the engine's: its book's slots, a trade's market last), which can move the last ulp.
inline ModelMetrics option_metrics(const Formulas& f, const Big& collateral, const std::vector<ModelMarket>& markets,
                                   const std::vector<ModelPosition>& positions, const std::vector<std::uint32_t>& order,
                                   const std::vector<std::optional<PortfolioMargin>>& models, std::int64_t now_ms) {
    ModelMetrics r;
    r.collateral = collateral;
    r.equity = collateral;
    auto covered = [&](std::size_t k) {
        for (std::size_t j = 0; j < positions.size(); ++j) {
            if (live_option(markets[j], positions[j]) && markets[j].config.option.underlying == k) return true;
        }
        return false;
    };
    for (std::size_t k = 0; k < positions.size(); ++k) {
        const ModelPosition& p = positions[k];
        if (p.size == 0) continue;
        const ModelMarket& m = markets[k];
        r.equity += f.pnl(m, p);
        r.position_count += 1;
        if (is_series(m) || (covered(k) && !m.config.option_margin.per_position)) continue;
        const Big n = f.notional(m, p.size);
        r.initial += f.requirement(m, n, true);
        r.maintenance += f.requirement(m, n, false);
    }
    for (std::size_t u = 0; u < markets.size(); ++u) {
        if (is_series(markets[u]) || !covered(u)) continue;
        const ModelMarket& base = markets[u];
        std::vector<OptionHolding> holdings;
        for (const std::uint32_t k : order) {
            if (!live_option(markets[k], positions[k]) || markets[k].config.option.underlying != u) continue;
            const OptionTerms& t = markets[k].config.option;
            holdings.push_back(OptionHolding{t.kind, static_cast<double>(t.strike), model_option_years(t.expiry_ms, now_ms),
                                             static_cast<double>(to_i64(positions[k].size)), markets[k].option_volatility});
        }
        const std::int64_t perpetual = to_i64(positions[u].size);
        const bool per_position = base.config.option_margin.per_position;
        Big need = unavailable_requirement();
        if (per_position && base.has_mark && models[u]) {
            // Each option alone, its requirement rounded up; the perpetual kept its tiers above.
            need = 0;
            for (const OptionHolding& h : holdings) {
                const Result<PortfolioRequirement> req = models[u]->requirement(
                    OptionPortfolio{static_cast<double>(to_i64(base.mark)), 0.0, Span<const OptionHolding>(&h, 1)});
                const Result<std::int64_t> atoms =
                    req ? requirement_atoms(*req, 1.0 / static_cast<double>(to_i64(base.divisor))) : Result<std::int64_t>(req.error());
                if (!atoms) {
                    need = unavailable_requirement();
                    break;
                }
                need += Big(*atoms);
            }
        } else if (base.has_mark && models[u]) {
            const Result<PortfolioRequirement> req = models[u]->requirement(OptionPortfolio{
                static_cast<double>(to_i64(base.mark)), static_cast<double>(perpetual), Span<const OptionHolding>(holdings.data(), holdings.size())});
            if (req) {
                const Result<std::int64_t> atoms = requirement_atoms(*req, 1.0 / static_cast<double>(to_i64(base.divisor)));
                if (atoms) need = Big(*atoms);
            }
        }
        const MarginTier& tier = base.config.tiers[0];
        r.maintenance += need;
        r.initial += ceil_div(need * tier.initial.count(), Big(tier.maintenance.count()));
        if (perpetual != 0 && base.config.tier_count > 1 && !per_position) {
            const Big n = f.notional(base, positions[u].size);
            r.maintenance += f.requirement(base, n, false) - ceil_div(n * tier.maintenance.count(), Big(1'000'000));
            r.initial += f.requirement(base, n, true) - ceil_div(n * tier.initial.count(), Big(1'000'000));
        }
    }
    return r;
}

// An underlying's mark `forward` at `at`, accepted: its live series' marks, mark times and expiries
// (the last two the model's own). Returns how many series expired.
inline std::uint64_t predict_series_marks(std::vector<ModelMarket>& markets, std::uint32_t underlying, std::int64_t forward,
                                          std::int64_t at) {
    std::uint64_t expired = 0;
    for (ModelMarket& m : markets) {
        if (!is_series(m) || m.config.option.underlying != underlying || m.option_expired || m.option_volatility == 0) continue;
        m.mark = model_option_mark(m.config.option, m.option_volatility, forward, at);
        m.mark_time = at;
        m.option_expired = at >= m.config.option.expiry_ms;
        expired += m.option_expired ? 1u : 0u;
    }
    return expired;
}
// The model's own series state back as it was (the engine refused): how many expiries it undid.
inline std::uint64_t undo_series_marks(std::vector<ModelMarket>& markets, const std::vector<ModelMarket>& before) {
    std::uint64_t undone = 0;
    for (std::size_t k = 0; k < markets.size(); ++k) {
        undone += markets[k].option_expired && !before[k].option_expired ? 1u : 0u;
        markets[k].mark_time = before[k].mark_time;
        markets[k].option_expired = before[k].option_expired;
        markets[k].option_volatility = before[k].option_volatility;
    }
    return undone;
}

// An operation of an option world (swarm_run.hpp makes it an Op).
struct OptionDraw {
    enum Kind { trade, volatility, time, underlying_marks, series_mark, series_funding, settle } kind = trade;
    std::uint32_t market = 0;
    std::uint32_t a = 0;
    std::uint32_t b = 0;
    std::int64_t x = 0;  // size, volatility (ppm), funding delta
    std::int64_t y = 0;  // price
    std::int64_t t = 0;
    std::vector<std::int64_t> marks;  // per market, 0 = not updated
};

// One operation in 8 of an option world, from the options' own stream `r`: a trade in a series
// (55%), a volatility (17%), time passing (10%), the underlyings marked (10%), a mark or funding
// on a series (refused: 8%). `base_marks`: the perpetuals' mark walk, moved here too.
inline OptionDraw draw_option_op(testing::TestRandom& r, const OptionPlan& plan, const WorldSpec& spec,
                                 const std::vector<ModelMarket>& markets, const std::vector<Big>& collateral, std::uint32_t accounts,
                                 std::vector<std::int64_t>& base_marks, std::int64_t now) {
    OptionDraw d;
    auto later = [&](std::int64_t ms) { return now > std::numeric_limits<std::int64_t>::max() - ms ? now : now + ms; };
    auto trader = [&]() {
        if (r.chance(10)) return static_cast<std::uint32_t>(r.below(accounts));
        return spec.liquidators + static_cast<std::uint32_t>(r.below(accounts - spec.liquidators));
    };
    auto as_double = [](const Big& v) { return v.template convert_to<double>(); };
    const auto perps = static_cast<std::uint32_t>(spec.markets.size());
    const auto series_count = static_cast<std::uint32_t>(plan.series.size());
    const std::uint32_t series = perps + static_cast<std::uint32_t>(r.below(std::max<std::uint32_t>(1, series_count)));
    const std::uint64_t roll = r.below(100);
    if (series_count == 0 || (roll >= 82 && roll < 92)) {  // the underlyings move (gaps of up to 15%), now
        d.kind = OptionDraw::underlying_marks;
        d.t = later(static_cast<std::int64_t>(r.below(3'000)));
        d.marks.assign(markets.size(), 0);
        for (const std::uint32_t u : plan.underlyings) {
            const double move = r.chance(10) ? r.uniform(-0.15, 0.15) : r.uniform(-0.02, 0.02);
            const std::int64_t original = spec.markets[u].mark;
            const std::int64_t tick = markets[u].config.tick_size;
            std::int64_t next = saturate_int64(static_cast<double>(base_marks[u]) * (1.0 + move));
            next = std::clamp<std::int64_t>(next, std::max<std::int64_t>(1, original / 100), original * 100);
            next = std::max<std::int64_t>(tick, next / tick * tick);
            base_marks[u] = next;
            d.marks[u] = next;
        }
    } else if (roll < 55) {  // a trade in a series near its mark, on its tick (sometimes off it)
        d.kind = OptionDraw::trade;
        d.market = series;
        // Mostly a live series: an expired one only winds down (reducing trades), then settles.
        std::vector<std::uint32_t> live;
        for (std::uint32_t k = 0; k < series_count; ++k) {
            if (!markets[perps + k].option_expired) live.push_back(perps + k);
        }
        if (!live.empty() && !r.chance(8)) d.market = live[r.below(live.size())];
        const std::uint32_t series = d.market;  // (shadows the drawn one from here on)
        d.a = trader();
        d.b = trader();
        const ModelMarket& mm = markets[series];
        const ModelMarket& base = markets[mm.config.option.underlying];
        const double lot = static_cast<double>(mm.config.lot_size);
        const double leverage = r.chance(4) ? static_cast<double>(1 + r.below(100)) / 10.0 : static_cast<double>(1 + r.below(30)) / 10.0;
        const double notional = std::max(1e6, std::min(as_double(collateral[d.a]), as_double(collateral[d.b]))) * leverage;  // the underlying's
        double lots = notional * as_double(base.divisor) / (std::max(1.0, as_double(base.mark)) * lot);
        lots = std::clamp(lots, 1.0, static_cast<double>(mm.config.position_max) / lot);
        if (r.chance(4)) lots = static_cast<double>(1 + r.below(5));
        d.x = static_cast<std::int64_t>(lots) * mm.config.lot_size;
        const std::int64_t tick = mm.config.tick_size;
        const double price = as_double(mm.mark) * (1.0 + r.uniform(-0.03, 0.03));
        d.y = std::max<std::int64_t>(tick, saturate_int64(price) / tick * tick);  // a series' mark can be its forward's, near int64 max
        if (tick > 1 && r.chance(25)) d.y += 1 + static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(tick - 1)));
    } else if (roll < 72) {  // a volatility: 20% to 150%; out of range, on a perpetual or an unknown market now and then
        d.kind = OptionDraw::volatility;
        d.market = series;
        const std::uint64_t style = r.below(20);
        if (style == 0) d.market = static_cast<std::uint32_t>(markets.size() + r.below(2));
        if (style == 1) d.market = plan.underlyings[0];
        d.x = style == 2 ? static_cast<std::int64_t>(r.below(100))
            : style == 3 ? 10'000'001 + static_cast<std::int64_t>(r.below(1'000'000))
                         : 200'000 + static_cast<std::int64_t>(r.below(1'300'001));
    } else if (roll < 82) {  // time passes: 1 to 30 minutes (expiries come; marks age until the next)
        d.kind = OptionDraw::time;
        d.t = later(60'000 + static_cast<std::int64_t>(r.below(29 * 60'000)));
    } else if (roll < 94) {  // a mark on a series: refused (it follows its underlying's)
        d.kind = OptionDraw::series_mark;
        d.market = series;
        d.y = std::max<std::int64_t>(1, to_i64(markets[series].mark));
        d.t = later(1);
    } else if (roll < 98) {  // a settlement: refused before the payoff is fixed, on a perpetual, or if a holder cannot pay
        d.kind = OptionDraw::settle;
        d.market = r.chance(20) ? plan.underlyings[0] : series;
    } else {  // funding on a series: refused
        d.kind = OptionDraw::series_funding;
        d.market = series;
        d.x = 1 + static_cast<std::int64_t>(r.below(1'000'000));
    }
    return d;
}

}  // namespace backstop_swarm
