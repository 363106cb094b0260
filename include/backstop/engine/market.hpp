// Markets (perpetual futures): configuration and the state the engine keeps per market.
#pragma once

#include "backstop/core/checked_arith.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/invariant_division.hpp"
#include "backstop/core/result.hpp"
#include "backstop/engine/options/black76.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/rate.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

namespace backstop {

// A point in time supplied by the caller (the engine has no clock), in milliseconds.
struct Timestamp {
    std::int64_t ms = 0;
};

enum class MarketStatus : std::uint8_t { active = 0, reduce_only = 1, halted = 2 };

// A market parameter an operator (or a management component) changes after the market opened;
// stable numbers, the engine journal records them.
enum class MarketParameter : std::uint8_t {
    status = 0,
    liquidation_penalty = 1,
    taker_fee = 2,
    maker_fee = 3,
    fee_to_fund = 4,
    shared_fund_draw_max = 5,
    initial_margin = 6,      // tier 0's initial fraction (Ppm count); the other tiers keep theirs
    maintenance_margin = 7,  // tier 0's maintenance fraction (Ppm count)
};

// Which side of a trade took liquidity (pays the taker fee; the other side the maker fee).
enum class Taker : std::uint8_t { buyer = 0, seller = 1 };

// Margin fractions for positions up to `notional_max` (in quote atoms); tiers are tried in order.
// The fractions apply in Binance's cumulative form: a position in tier k needs
//   notional x rate_k - (sum over j < k of notional_max_j x (rate_(j+1) - rate_j)),
// which equals the lower tier's requirement at each boundary, so a requirement never jumps when
// a position crosses one (no cliff) and grows with the position's size.
struct MarginTier {
    std::int64_t notional_max = std::numeric_limits<std::int64_t>::max();
    Ppm initial{0};
    Ppm maintenance{0};
};

inline constexpr std::size_t margin_tiers_max = 4;

// An option series traded as a market of its own (docs/options.md, "Options in the engine"): a
// European call or put on the perpetual market `underlying`, cash-settled at `expiry_ms` against
// the underlying's mark. Its sizes count the underlying's base atoms, its prices (premiums) are in
// the underlying's price units per whole base unit, so premiums, PnL and liquidations are the
// perpetuals' arithmetic. Its mark is the engine's: Black-76 on the underlying's mark at the
// series' volatility (set_option_volatility), the payoff once expired.
struct OptionTerms {
    bool is_option = false;
    OptionKind kind = OptionKind::call;
    std::uint16_t underlying = 0;  // a perpetual market with option margin terms
    std::int64_t strike = 0;       // price units, > 0
    std::int64_t expiry_ms = 0;
    // Premium-style: the premium moves in cash at every fill (Deribit's, and CME's options on
    // futures), so a position keeps no cost and its value is all unrealised PnL. Otherwise
    // futures-style (Eurex's other kind, and a perpetual's entry price): the premium waits in the
    // positions' cost until they close or settle. Equity and margin are the same either way.
    bool premium_style = false;
};

// An underlying's portfolio margin (engine/options/portfolio_margin.hpp), for the accounts that
// hold its options: SPAN's sixteen scenarios on these ranges; the perpetual and the options
// together need the worst covered loss (maintenance), times the perpetual's tier-0 initial over
// maintenance fraction (initial). price_scan_range 0: the market lists no options.
struct OptionMarginTerms {
    Ppm price_scan_range{0};              // of the forward, (0, 33%]
    Ppm volatility_scan_range{0};         // volatility points x 10^6, [0, 100%]
    Ppm short_option_minimum{0};          // of the forward per unit short, [0, 100%]
    Ppm volatility_floor{10'000};         // [100, 100%]: 1% by default
    // Per-position ("standard") margin instead: each option margined alone by the same scenarios,
    // the requirements summed, the perpetual by its own tiers; no offsets (the lab's gamma study
    // compares the two).
    bool per_position = false;
    // Holders of this underlying's option series never bear a socialized loss (Aevo exempts
    // options from ADL): when the exempt series' closes realise the larger net loss of a
    // liquidation, its defaulting market is one of them, and what the funds cannot pay is left uncovered
    // (MarginEngine::uncovered_total, for the venue to cover; a clearing house's default fund
    // still pays its layer) instead of being taken from the series' profitable holders.
    bool options_exempt_from_adl = false;
    // An account holding this underlying's live options is liquidated whole (every position it can
    // close), not by risk reduction (liquidation_closes.hpp: the positions whose close lowers the
    // requirement most per unit of penalty, to the fewest lots that restore the initial
    // requirement). Whole books leave no short gamma behind; the gamma study compares the two.
    bool liquidate_books_whole = false;
};

// Everything about a market that the operator sets. Sizes are in base atoms, prices in the
// market's price units (10^-price_decimals quote per base), amounts in quote atoms.
struct MarketConfig {
    std::array<MarginTier, margin_tiers_max> tiers{};  // tiers[0] is required
    std::uint8_t tier_count = 1;
    Ppm liquidation_penalty{0};       // of the closed notional, to the fund's fee capture
    Ppm liquidator_discount{0};       // the liquidator takes over at mark -/+ this
    Ppm full_liquidation_below{0};    // equity below this fraction of maintenance: close all
    Ppm liquidation_buffer{0};        // partial liquidations restore maintenance + buffer x notional
                                      // (Drift: 2%); 0 restores the initial requirement instead
    std::int64_t tick_size = 1;       // price units
    std::int64_t lot_size = 1;        // base atoms; also the smallest position left after a
                                      // partial liquidation
    std::int64_t position_max = 100'000'000'000'000;         // base atoms (1M BTC at 8 decimals)
    std::int64_t open_interest_max = 100'000'000'000'000'000;  // base atoms, summed over longs
    std::int64_t staleness_max_ms = 60'000;
    MarketStatus status = MarketStatus::active;
    // Trading fees, of the fill's value (rounded up), each side pays its own; fee_to_fund of
    // each fee (rounded down) goes to the market's fund (its isolated fund, or the shared one),
    // the rest to the treasury.
    Ppm taker_fee{0};
    Ppm maker_fee{0};
    Ppm fee_to_fund{0};
    // The most the shared insurance fund pays for this market's bad debt, in total (quote atoms;
    // Drift's per-market quote_max_insurance): what the cap leaves goes down the waterfall.
    std::int64_t shared_fund_draw_max = std::numeric_limits<std::int64_t>::max();
    OptionTerms option{};                // set: this market is an option series
    OptionMarginTerms option_margin{};   // set: this perpetual lists options
};

// A fee above this is a mistake in units (ppm, not bps), not a business decision.
inline constexpr Ppm trading_fee_max{100'000};

inline Result<void> validate_market_config(const MarketConfig& config) {
    auto fail = [](std::string_view why) { return make_error(ErrorCode::invalid_market_config, why); };
    if (config.tier_count == 0 || config.tier_count > margin_tiers_max) return fail("1 to 4 margin tiers");
    std::int64_t previous_max = 0;
    for (std::size_t i = 0; i < config.tier_count; ++i) {
        const MarginTier& tier = config.tiers[i];
        if (tier.maintenance <= Ppm{0} || tier.initial < tier.maintenance ||
            tier.initial > Ppm{1'000'000}) {
            return fail("a tier needs 0 < maintenance <= initial <= 100%");
        }
        if (tier.notional_max <= previous_max) return fail("tier notional limits must increase");
        previous_max = tier.notional_max;
        // Cumulative requirements grow with the size only if the fractions do not fall.
        if (i > 0 && (tier.initial < config.tiers[i - 1].initial ||
                      tier.maintenance < config.tiers[i - 1].maintenance)) {
            return fail("margin fractions must not decrease from one tier to the next");
        }
    }
    const Ppm hundred{1'000'000};
    if (config.liquidation_penalty < Ppm{0} || config.liquidation_penalty > hundred ||
        config.liquidator_discount < Ppm{0} || config.liquidator_discount >= hundred ||
        config.full_liquidation_below < Ppm{0} || config.full_liquidation_below > hundred ||
        config.liquidation_buffer < Ppm{0} || config.liquidation_buffer > hundred) {
        return fail("penalty, discount, thresholds and buffer must be fractions within [0, 100%]");
    }
    if (config.taker_fee < Ppm{0} || config.taker_fee > trading_fee_max || config.maker_fee < Ppm{0} ||
        config.maker_fee > trading_fee_max || config.fee_to_fund < Ppm{0} || config.fee_to_fund > hundred) {
        return fail("fees must be within [0, 10%] and the fund's share within [0, 100%]");
    }
    if (config.shared_fund_draw_max < 0) return fail("the shared fund's draw cap must not be negative");
    if (config.tick_size <= 0 || config.lot_size <= 0 || config.position_max <= 0 ||
        config.open_interest_max <= 0 || config.staleness_max_ms < 0) {
        return fail("tick, lot, limits must be positive and staleness non-negative");
    }
    if (config.position_max % config.lot_size != 0) return fail("position_max must be a whole number of lots");
    if (config.open_interest_max > std::numeric_limits<std::int64_t>::max() / 4) {
        return fail("open_interest_max too large to sum safely");
    }
    const OptionMarginTerms& pm = config.option_margin;
    if (pm.price_scan_range < Ppm{0} || pm.price_scan_range > Ppm{330'000} || pm.volatility_scan_range < Ppm{0} ||
        pm.volatility_scan_range > hundred || pm.short_option_minimum < Ppm{0} || pm.short_option_minimum > hundred ||
        pm.volatility_floor < Ppm{100} || pm.volatility_floor > hundred) {
        return fail("option margin: a price range within [0, 33%], volatility range and short minimum within [0, "
                    "100%], a volatility floor within [0.01%, 100%]");
    }
    if (config.option.premium_style && !config.option.is_option) return fail("only an option series is premium-style");
    if (config.option.is_option) {
        if (config.option.kind != OptionKind::call && config.option.kind != OptionKind::put) {
            return fail("an option is a call or a put");
        }
        if (config.option.strike <= 0) return fail("an option's strike must be positive");
        if (pm.price_scan_range != Ppm{0}) return fail("an option series lists no options of its own");
    }
    return {};
}

namespace detail {

// A market side's liquidation threshold for the scan (scan_keys.hpp), in quote atoms per base
// atom, widened by its rounding error: `low` <= the exact threshold <= `high`.
struct ScanBand {
    double low = 0.0;
    double high = 0.0;
};

// What the engine keeps per market.
struct MarketState {
    MarketConfig config;
    std::string_view base_symbol;
    int base_decimals = 0;
    int price_decimals = 0;
    std::int64_t notional_divisor = 1;  // size x price / divisor = quote atoms
    InvariantDivisor notional_division;  // the same divisor, without a hardware division
    std::int64_t mark = 0;              // price units; 0 until the first mark
    bool has_mark = false;
    std::int64_t mark_time_ms = 0;
    // Cumulative tier offsets (see MarginTier), in quote atoms x 10^6, per tier.
    std::array<int128, margin_tiers_max> initial_offset{};
    std::array<int128, margin_tiers_max> maintenance_offset{};
    // Cumulative funding in quote units per whole base unit x funding_precision (Drift's
    // precision). A position of size s (base atoms) owes
    //   s x (index now - index at its last settlement) / funding_divisor,
    // funding_divisor = 10^(base decimals + 9 - quote decimals): longs use the long index, shorts
    // the short one. Ordinary funding moves both by the same delta (longs pay, shorts receive); a
    // socialized loss moves them apart (both sides pay). 128 bits, kept within
    // +-funding_index_max so that a difference times a size fits in 128 bits.
    int128 funding_index_long = 0;
    int128 funding_index_short = 0;
    // The same indices in 64 bits (they stay within +-2^62), for the scan's fast pass.
    std::int64_t funding_index_long64 = 0;
    std::int64_t funding_index_short64 = 0;
    void set_funding_indices(int128 long_index, int128 short_index) {
        funding_index_long = long_index;
        funding_index_short = short_index;
        funding_index_long64 = static_cast<std::int64_t>(long_index);
        funding_index_short64 = static_cast<std::int64_t>(short_index);
        refresh_scan_bands();
    }
    int128 funding_divisor = 1;
    std::int64_t open_interest = 0;  // sum of long sizes (= sum of short sizes)
    // For the scan's fast pass (see MarginEngine::is_below_maintenance): the mark per base atom
    // and the single tier's maintenance fraction, as doubles.
    double mark_per_atom = 0.0;
    double maintenance_fraction = 0.0;
    // The fast pass cannot decide it (several tiers, or an option's portfolio requirement).
    bool exact_only = false;
    double funding_per_unit = 1.0;  // 1 / funding_divisor
    // The scan's threshold per side (long, short), refreshed with everything it depends on (the
    // mark, the maintenance fraction, the funding indices: apply_mark, apply_market_config,
    // set_funding_indices). An account whose only position is on side k is below maintenance
    // when its key (scan_keys.hpp) is above the exact threshold; a market the keys cannot decide
    // (exact_only) has the band (-inf, +inf), which sends its accounts to the exact test.
    //   long:  mark per atom x (1 - maintenance) - long index / funding divisor
    //   short: short index / funding divisor - mark per atom x (1 + maintenance)
    // Each is within 10^-12 of its terms' magnitude of the real value (a few roundings of 2^-53).
    std::array<ScanBand, 2> scan_band{};
    void refresh_scan_bands() {
        if (exact_only) {
            const double infinity = std::numeric_limits<double>::infinity();
            scan_band = {ScanBand{-infinity, infinity}, ScanBand{-infinity, infinity}};
            return;
        }
        const double index_long = static_cast<double>(funding_index_long64) * funding_per_unit;
        const double index_short = static_cast<double>(funding_index_short64) * funding_per_unit;
        const double long_threshold = mark_per_atom * (1.0 - maintenance_fraction) - index_long;
        const double short_threshold = index_short - mark_per_atom * (1.0 + maintenance_fraction);
        const double value_scale = mark_per_atom * (1.0 + maintenance_fraction);
        const double long_error = 1e-12 * (value_scale + std::abs(index_long));
        const double short_error = 1e-12 * (value_scale + std::abs(index_short));
        scan_band = {ScanBand{long_threshold - long_error, long_threshold + long_error},
                     ScanBand{short_threshold - short_error, short_threshold + short_error}};
    }
    // The market's own (isolated) insurance fund, drawn before the shared one, if it has one.
    static constexpr std::uint32_t no_isolated_fund = 0xFFFFFFFF;
    std::uint32_t isolated_fund = no_isolated_fund;
    bool isolated() const { return isolated_fund != no_isolated_fund; }
    // What the shared fund has paid, in total, for liquidations that closed a position here: the
    // market's shared_fund_draw_max bounds it (a cross-margined account's deficit is charged to
    // every market it closed, so mixing in another market does not get around a cap).
    int128 shared_fund_drawn = 0;
    // An option series (config.option): its volatility (set_option_volatility; 0 until set) and
    // whether it expired, its mark then fixed at the payoff.
    double option_volatility = 0.0;
    bool option_expired = false;
    bool is_option() const { return config.option.is_option; }
    bool lists_options() const { return config.option_margin.price_scan_range.count() != 0; }
};

}  // namespace detail

// Funding indices count quote units per whole base unit x 10^9, as Drift's
// FUNDING_RATE_PRECISION: a Drift cumulative funding rate can be passed as it is.
inline constexpr std::int64_t funding_precision = 1'000'000'000;
// |index| stays below 2^62: a difference of two indices (< 2^63) times a size (< 2^63) fits.
inline constexpr detail::int128 funding_index_max = detail::int128(1) << 62;

// A move of a market's cumulative funding, in quote units per whole base unit x funding_precision
// (a Drift cumulative funding rate delta, as it is): positive, longs pay shorts. A type of its own,
// so that a price, a rate in ppm or an amount cannot be passed where it belongs.
class FundingDelta {
public:
    constexpr explicit FundingDelta(std::int64_t quote_per_base_e9) : value_(quote_per_base_e9) {}
    constexpr std::int64_t value() const { return value_; }
    friend constexpr bool operator==(FundingDelta a, FundingDelta b) { return a.value_ == b.value_; }
    friend constexpr bool operator!=(FundingDelta a, FundingDelta b) { return a.value_ != b.value_; }

private:
    std::int64_t value_;
};

}  // namespace backstop
