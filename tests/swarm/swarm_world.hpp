// The swarm's worlds: everything about one simulated exchange that a seed decides before the
// first operation (markets, assets, configs, accounts, limits, fund policies), drawn from a
// SplitMix64 stream (tests/support/random.hpp: the same numbers on every compiler and library).
#pragma once

#include <backstop/engine/margin_engine.hpp>
#include <backstop/engine/presets.hpp>
#include <backstop/fund/any_policy.hpp>
#include <backstop/money/assets.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "support/random.hpp"

namespace backstop_swarm {

using namespace backstop;
using assets::USDC;
using Usdc = Amount<USDC>;

// Four base assets with different decimals (and, for Solx, finer prices than the quote's).
struct Kilo {  // a whole-unit contract
    static constexpr std::string_view symbol = "KILO";
    static constexpr int decimals = 0;
};
struct Ethx {
    static constexpr std::string_view symbol = "ETHX";
    static constexpr int decimals = 6;
};
struct Btcx {
    static constexpr std::string_view symbol = "BTCX";
    static constexpr int decimals = 8;
};
struct Solx {
    static constexpr std::string_view symbol = "SOLX";
    static constexpr int decimals = 9;
};

// Only for an invalid set-up: 2 decimals priced in cents against USDC's 6 (base + price -
// quote decimals = -2: add_market must refuse it).
struct Cent {
    static constexpr std::string_view symbol = "CENT";
    static constexpr int decimals = 2;
};

}  // namespace backstop_swarm

template <>
struct backstop::PriceScale<backstop_swarm::Solx, backstop::assets::USDC> {
    static constexpr int decimals = 8;
};
template <>
struct backstop::PriceScale<backstop_swarm::Cent, backstop::assets::USDC> {
    static constexpr int decimals = 2;
};

namespace backstop_swarm {

inline constexpr int asset_kinds = 4;

// A generator's double to int64, saturated at int64's ends (NaN: 0). A cast of a double out of
// int64's range is undefined behaviour (clang's UBSan reports it), and an extreme world's
// collateral and marks sit near int64 max, where a few percent more is beyond it.
inline std::int64_t saturate_int64(double v) {
    if (v != v) return 0;
    if (v >= 9'223'372'036'854'775'808.0) return std::numeric_limits<std::int64_t>::max();  // 2^63
    if (v < -9'223'372'036'854'775'808.0) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(v);
}

// Calls f(Tag{}) with the base asset of kind k.
template <class F>
decltype(auto) with_asset(int kind, F&& f) {
    switch (kind) {
        case 0: return f(Kilo{});
        case 1: return f(Ethx{});
        case 2: return f(Btcx{});
        default: return f(Solx{});
    }
}
inline int asset_decimals(int kind) {
    return with_asset(kind, [](auto tag) { return AssetTraits<decltype(tag)>::decimals; });
}
inline int price_decimals(int kind) {
    return with_asset(kind, [](auto tag) { return PriceScale<decltype(tag), USDC>::decimals; });
}
inline const char* asset_name(int kind) {
    static const char* names[] = {"KILO/0", "ETHX/6", "BTCX/8", "SOLX/9"};
    return names[kind];
}

// water_filling is no seed's policy: the worlds of RunOptions::water_filling take it instead of
// their seed's (added later, so that every recorded seed still makes the world it made).
enum class PolicyKind : int { ranked_pnl = 0, ranked_binance, random_start, haircut, funding, clearing, water_filling };
inline constexpr int policy_kinds = 6;  // the policies seeds pick: all but water_filling
inline const char* policy_name(PolicyKind p) {
    switch (p) {
        case PolicyKind::ranked_pnl: return "RankedAdl<PnlTimesLeverage>";
        case PolicyKind::ranked_binance: return "RankedAdl<BinanceLeveragePnl>";
        case PolicyKind::random_start: return "RandomStartAdl";
        case PolicyKind::haircut: return "ProRataHaircut";
        case PolicyKind::funding: return "FundingSocialization";
        case PolicyKind::clearing: return "ClearingHouseWaterfall";
        case PolicyKind::water_filling: return "WaterFillingAdl";
    }
    return "?";
}
// A seed decides its policy and form: policy = seed % 6, runtime form when (seed / 6) is odd.
// One world in this many is extreme (funding and values at the limits).
inline constexpr std::uint64_t extreme_one_in = 25;
// Kinds of invalid set-up a world may try first (swarm_run.hpp, Swarm::probe_invalid_setup).
inline constexpr int invalid_probe_kinds = 7;

inline PolicyKind policy_of_seed(std::uint64_t seed) { return static_cast<PolicyKind>(seed % policy_kinds); }
inline bool runtime_of_seed(std::uint64_t seed) { return (seed / policy_kinds) % 2 == 1; }

struct MarketSpec {
    int asset = 0;
    MarketConfig config;
    std::int64_t mark = 0;  // the first mark, price units
    std::string preset;
};

struct WorldSpec {
    std::uint64_t seed = 0;
    PolicyKind policy = PolicyKind::ranked_pnl;
    bool runtime = false;
    EngineLimits limits;
    std::uint32_t accounts = 0;     // opened at set-up
    std::uint32_t liquidators = 1;  // accounts 0 .. liquidators-1 are well capitalised keepers
    std::vector<MarketSpec> markets;
    fee_capture::AnyFeeCapture<USDC> fee;
    settlement::AnySettlement<USDC> settle;
    std::string fee_text;
    std::string settle_text;
    std::uint32_t bearers_max = 1024;    // RankedAdl, WaterFillingAdl
    std::uint32_t visited_max = 500;     // RandomStartAdl
    std::int64_t default_fund_max = 0;   // ClearingHouseWaterfall
    std::int64_t assessment_bps = 0;
    std::int64_t default_fund_deposit = 0;
    std::int64_t fund_deposit = 0;
    std::vector<std::int64_t> deposits;  // per account
    std::int64_t start_ms = 0;
    bool extreme = false;   // funding and values at the limits (a few worlds)
    int invalid_probe = 0;  // 0, or the kind of invalid set-up tried first (swarm_run.hpp)

    std::string describe() const {
        std::string text = fmt::format("seed {}: {} ({} form), {} accounts ({} keepers), limits {{{}, {}, {}}}, fee {}, settlement {}",
                                       seed, policy_name(policy), runtime ? "runtime" : "static", accounts, liquidators,
                                       limits.accounts_max, limits.positions_per_account, limits.markets_max,
                                       fee_text, settle_text);
        if (policy == PolicyKind::ranked_pnl || policy == PolicyKind::ranked_binance || policy == PolicyKind::water_filling) text += fmt::format(", bearers_max {}", bearers_max);
        if (policy == PolicyKind::random_start) text += fmt::format(", visited_max {}", visited_max);
        if (policy == PolicyKind::clearing) text += fmt::format(", default fund {} max {} assessment {} bps", default_fund_deposit, default_fund_max, assessment_bps);
        text += fmt::format(", fund {}, start {} ms{}", fund_deposit, start_ms, extreme ? ", extreme" : "");
        if (invalid_probe != 0) text += fmt::format(", invalid set-up probe {}", invalid_probe);
        for (std::size_t m = 0; m < markets.size(); ++m) {
            const MarketConfig& c = markets[m].config;
            text += fmt::format("\n  market {}: {} {} mark {} tick {} lot {} tiers", m, asset_name(markets[m].asset), markets[m].preset,
                                markets[m].mark, c.tick_size, c.lot_size);
            for (std::size_t t = 0; t < c.tier_count; ++t) {
                text += fmt::format(" [{} {}/{}]", c.tiers[t].notional_max, c.tiers[t].initial.count(), c.tiers[t].maintenance.count());
            }
            text += fmt::format(" penalty {} discount {} full_below {} buffer {} pos_max {} oi_max {} stale {}",
                                c.liquidation_penalty.count(), c.liquidator_discount.count(), c.full_liquidation_below.count(),
                                c.liquidation_buffer.count(), c.position_max, c.open_interest_max, c.staleness_max_ms);
        }
        return text;
    }
};

inline std::int64_t pow10_i64(int n) {
    std::int64_t r = 1;
    for (int i = 0; i < n; ++i) r *= 10;
    return r;
}

// Margin tiers within validate_market_config's bounds, fractions never decreasing (cumulative
// tiers need that), boundaries around the notionals this world trades.
inline void random_tiers(testing::TestRandom& r, MarketConfig& c, std::int64_t typical_notional) {
    c.tier_count = static_cast<std::uint8_t>(1 + r.below(4));
    std::int64_t initial = 10'000 + static_cast<std::int64_t>(r.below(290'000));  // 1% .. 30%
    std::int64_t maintenance = std::max<std::int64_t>(1, initial * static_cast<std::int64_t>(20 + r.below(80)) / 100);
    std::int64_t boundary = std::max<std::int64_t>(1, typical_notional / static_cast<std::int64_t>(1 + r.below(20)));
    for (std::size_t t = 0; t < c.tier_count; ++t) {
        const bool last = t + 1 == c.tier_count;
        c.tiers[t] = MarginTier{last ? std::numeric_limits<std::int64_t>::max() : boundary, Ppm{initial}, Ppm{maintenance}};
        boundary = boundary * static_cast<std::int64_t>(2 + r.below(9));
        initial = std::min<std::int64_t>(1'000'000, initial + static_cast<std::int64_t>(r.below(200'000)));
        maintenance = std::min<std::int64_t>(initial, maintenance + static_cast<std::int64_t>(r.below(100'000)));
    }
}

inline WorldSpec make_world_spec(std::uint64_t seed) {
    testing::TestRandom r(seed * 0x9E3779B97F4A7C15ull + 0x5157A6ull);
    WorldSpec w;
    w.seed = seed;
    w.policy = policy_of_seed(seed);
    w.runtime = runtime_of_seed(seed);
    const std::uint32_t market_count = static_cast<std::uint32_t>(1 + r.below(4));
    w.liquidators = static_cast<std::uint32_t>(1 + r.below(3));
    w.accounts = w.liquidators + 3 + static_cast<std::uint32_t>(r.below(18));
    w.limits.accounts_max = w.accounts + static_cast<std::uint32_t>(r.below(3));
    w.limits.positions_per_account = static_cast<std::uint32_t>(1 + r.below(market_count));
    if (r.chance(3)) w.limits.positions_per_account = market_count;
    w.limits.markets_max = market_count + static_cast<std::uint32_t>(r.below(2));
    // Collateral scale of the traders: 10 USDC to 10M USDC (atoms).
    const std::int64_t scale = 10'000'000 * pow10_i64(static_cast<int>(r.below(7)));
    w.deposits.resize(w.accounts);
    for (std::uint32_t a = 0; a < w.accounts; ++a) {
        if (a < w.liquidators) {
            w.deposits[a] = scale * static_cast<std::int64_t>(1'000 + r.below(100'000));
        } else {
            w.deposits[a] = r.chance(10) ? 0 : scale / 10 * static_cast<std::int64_t>(1 + r.below(100));
        }
    }
    std::array<int, asset_kinds> kinds{0, 1, 2, 3};
    for (std::size_t i = asset_kinds - 1; i > 0; --i) std::swap(kinds[i], kinds[static_cast<std::size_t>(r.below(i + 1))]);
    for (std::uint32_t m = 0; m < market_count; ++m) {
        MarketSpec spec;
        spec.asset = kinds[m];
        const int bd = asset_decimals(spec.asset);
        const int pd = price_decimals(spec.asset);
        // A whole unit is worth 10^e x (1..9) USDC, e in [-2, 5] (0 decimals: at least 1 USDC).
        const int e = spec.asset == 0 ? static_cast<int>(r.below(6)) : static_cast<int>(r.below(8)) - 2;
        const std::int64_t mantissa = static_cast<std::int64_t>(1 + r.below(9));
        spec.mark = e >= 0 ? mantissa * pow10_i64(e + pd) : mantissa * pow10_i64(pd) / pow10_i64(-e);
        spec.mark += static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(std::max<std::int64_t>(1, spec.mark / 100))));
        const int mark_digits = static_cast<int>(std::to_string(spec.mark).size());
        MarketConfig c;
        switch (r.below(8)) {
            case 0: c = presets::dydx_v4::large_cap(); spec.preset = "dydx.large_cap"; break;
            case 1: c = presets::dydx_v4::mid_cap(); spec.preset = "dydx.mid_cap"; break;
            case 2: c = presets::dydx_v4::long_tail(); spec.preset = "dydx.long_tail"; break;
            case 3: c = presets::dydx_v4::safety(); spec.preset = "dydx.safety"; break;
            case 4: c = presets::drift_v2::major(); spec.preset = "drift.major"; break;
            case 5: c = presets::drift_v2::speculative(); spec.preset = "drift.speculative"; break;
            default: {
                spec.preset = "random";
                random_tiers(r, c, scale * static_cast<std::int64_t>(1 + r.below(20)));
                c.liquidation_penalty = Ppm{static_cast<std::int64_t>(r.chance(4) ? 0 : r.below(50'000))};
                c.liquidator_discount = Ppm{static_cast<std::int64_t>(r.chance(3) ? 0 : r.below(30'000))};
                c.full_liquidation_below = Ppm{static_cast<std::int64_t>(r.chance(2) ? 0 : r.below(1'000'001))};
                c.liquidation_buffer = Ppm{static_cast<std::int64_t>(r.chance(2) ? 0 : r.below(50'000))};
                c.staleness_max_ms = r.chance(20) ? 0 : static_cast<std::int64_t>(1'000 + r.below(120'000));
                break;
            }
        }
        // Ticks: 1 price unit, or a power of ten (or 5x one) well below the mark.
        const int tick_digits = static_cast<int>(r.below(static_cast<std::uint64_t>(std::max(1, mark_digits - 2))));
        c.tick_size = r.chance(5) ? 1 : pow10_i64(tick_digits) * (r.chance(4) ? 5 : 1);
        // Lots: worth about 10^v USDC (v in [-3, 2]), a power of ten of base atoms; sometimes 1 atom.
        const double whole_price = static_cast<double>(spec.mark) / static_cast<double>(pow10_i64(pd));
        const double lot_value = std::pow(10.0, static_cast<double>(r.below(6)) - 3.0);
        double lot_atoms = lot_value / whole_price * static_cast<double>(pow10_i64(bd));
        int lot_exponent = 0;
        while (lot_exponent < 15 && std::pow(10.0, lot_exponent + 1) <= lot_atoms) ++lot_exponent;
        c.lot_size = r.chance(8) ? 1 : pow10_i64(lot_exponent);
        // Position limit: worth up to ~10^9..10^10 USDC at the first mark, and within what
        // set_mark accepts (a maximal position worth at most int64 max / 8) at marks a hundred
        // times higher (the mark walk's bound); sometimes a few lots only.
        const double max_value_usdc = std::pow(10.0, 9 + static_cast<double>(r.below(2)));
        double lots_max = max_value_usdc / (whole_price * static_cast<double>(c.lot_size) / static_cast<double>(pow10_i64(bd)));
        const detail::int128 atoms_at_100x = detail::int128(std::numeric_limits<std::int64_t>::max() / 8) *
                                             pow10_i64(bd + pd - 6) / (detail::int128(spec.mark) * 100);
        const auto lots_at_100x = static_cast<std::int64_t>(
            std::min<detail::int128>(atoms_at_100x, std::numeric_limits<std::int64_t>::max() / 8) / c.lot_size);
        std::int64_t lots = std::max<std::int64_t>(1, std::min(lots_at_100x, static_cast<std::int64_t>(std::min(lots_max, 1e17))));
        if (r.chance(10)) lots = static_cast<std::int64_t>(1 + r.below(50));
        c.position_max = lots * c.lot_size;
        c.open_interest_max = r.chance(10) ? std::min(c.position_max, std::numeric_limits<std::int64_t>::max() / 12) *
                                                 static_cast<std::int64_t>(1 + r.below(3))
                                           : std::numeric_limits<std::int64_t>::max() / 4;
        if (spec.preset != "random") c.staleness_max_ms = r.chance(3) ? c.staleness_max_ms : static_cast<std::int64_t>(5'000 + r.below(60'000));
        spec.config = c;
        w.markets.push_back(spec);
    }
    // Fee capture and settlement.
    switch (r.below(3)) {
        case 0: {
            const auto liq = static_cast<std::int64_t>(r.below(5'001));
            const auto treasury = static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(10'001 - liq)));
            w.fee = fee_capture::FixedShares<USDC>{Bps{liq}, Bps{treasury}};
            w.fee_text = fmt::format("FixedShares{{{}, {}}}", liq, treasury);
            break;
        }
        case 1: {
            const auto liq = static_cast<std::int64_t>(r.below(5'001));
            const auto target = scale * static_cast<std::int64_t>(r.below(1'000));
            w.fee = fee_capture::FundFirstUntilTarget<USDC>{Bps{liq}, Usdc(target)};
            w.fee_text = fmt::format("FundFirstUntilTarget{{{}, {}}}", liq, target);
            break;
        }
        default: {
            const auto liq = static_cast<std::int64_t>(r.below(10'001));
            const auto cap = scale * static_cast<std::int64_t>(r.below(10));
            const auto treasury = static_cast<std::int64_t>(r.below(10'001));
            w.fee = fee_capture::CappedLiquidatorShare<USDC>{Bps{liq}, Usdc(cap), Bps{treasury}};
            w.fee_text = fmt::format("CappedLiquidatorShare{{{}, {}, {}}}", liq, cap, treasury);
            break;
        }
    }
    switch (r.below(3)) {
        case 0: w.settle = settlement::CoverUpToBalance<USDC>{}; w.settle_text = "CoverUpToBalance"; break;
        case 1: {
            const auto floor = scale * static_cast<std::int64_t>(r.below(100));
            w.settle = settlement::CoverAboveFloor<USDC>{Usdc(floor)};
            w.settle_text = fmt::format("CoverAboveFloor{{{}}}", floor);
            break;
        }
        default: {
            const auto event = scale * static_cast<std::int64_t>(r.below(100));
            const auto market = scale * static_cast<std::int64_t>(r.below(1'000));
            w.settle = settlement::CappedPerEventAndMarket<USDC>{Usdc(event), Usdc(market)};
            w.settle_text = fmt::format("CappedPerEventAndMarket{{{}, {}}}", event, market);
            break;
        }
    }
    // Small capacities: RankedAdl's and WaterFillingAdl's bearers_max at or just above accounts_max (create refuses
    // less), few RandomStartAdl visits (fewer than the winners: allowed).
    w.bearers_max = r.chance(2) ? w.limits.accounts_max + static_cast<std::uint32_t>(r.below(3)) : 1024;
    w.visited_max = static_cast<std::uint32_t>(r.chance(2) ? 1 + r.below(4) : 500);
    w.default_fund_max = scale * static_cast<std::int64_t>(r.below(100));
    w.assessment_bps = static_cast<std::int64_t>(r.below(10'001));
    w.default_fund_deposit = r.chance(3) ? 0 : scale * static_cast<std::int64_t>(r.below(200));
    w.fund_deposit = r.chance(3) ? 0 : scale * static_cast<std::int64_t>(r.below(200));
    w.start_ms = r.chance(10) ? -(std::int64_t{1} << 62) + static_cast<std::int64_t>(r.below(1'000)) : static_cast<std::int64_t>(r.below(1'000'000));
    // A few worlds go to the limits: funding deltas at the edges of the index, deposits near
    // int64 max, accepted extreme marks. The others keep near-limit inputs to those that must be
    // refused, so that they go on exercising liquidations, ADL, haircuts and socialization.
    w.extreme = r.chance(extreme_one_in);
    // A few set-ups first try invalid parameters, which must be refused with their typed error.
    w.invalid_probe = r.chance(8) ? static_cast<int>(1 + r.below(invalid_probe_kinds)) : 0;
    return w;
}

// The socialized-loss policy of a world, in its static type or as the runtime variant.
template <class Policy>
Policy make_policy(const WorldSpec& w) {
    using namespace socialized_loss;
    if constexpr (std::is_same<Policy, AnySocializedLoss<USDC>>::value) {
        switch (w.policy) {
            case PolicyKind::ranked_pnl: return make_policy<RankedAdl<USDC, adl_rank::PnlTimesLeverage>>(w);
            case PolicyKind::ranked_binance: return make_policy<RankedAdl<USDC, adl_rank::BinanceLeveragePnl>>(w);
            case PolicyKind::random_start: return make_policy<RandomStartAdl<USDC>>(w);
            case PolicyKind::haircut: return make_policy<ProRataHaircut<USDC>>(w);
            case PolicyKind::funding: return make_policy<FundingSocialization<USDC>>(w);
            case PolicyKind::clearing: return make_policy<ClearingHouseWaterfall<USDC>>(w);
            case PolicyKind::water_filling: return make_policy<WaterFillingAdl<USDC>>(w);
        }
        return {};
    } else if constexpr (std::is_same<Policy, RankedAdl<USDC, adl_rank::PnlTimesLeverage>>::value ||
                         std::is_same<Policy, RankedAdl<USDC, adl_rank::BinanceLeveragePnl>>::value ||
                         std::is_same<Policy, WaterFillingAdl<USDC>>::value) {
        return Policy(w.bearers_max);
    } else if constexpr (std::is_same<Policy, RandomStartAdl<USDC>>::value) {
        return Policy{w.visited_max};
    } else if constexpr (std::is_same<Policy, ClearingHouseWaterfall<USDC>>::value) {
        // The engine opens the insurance fund as fund 0; the default fund is the next one.
        return Policy{FundId{1}, Usdc(w.default_fund_max), Bps{w.assessment_bps}};
    } else {
        return Policy{};
    }
}

template <class Policy>
using StaticFund = InsuranceFund<USDC, fee_capture::AnyFeeCapture<USDC>, settlement::AnySettlement<USDC>, Policy>;

}  // namespace backstop_swarm
