// The lab's gamma study (issue 18; docs/options.md, "The gamma study"): how the option traders'
// net gamma drives liquidations, bad debt and the fund's depletion, and what portfolio margin
// saves in capital against per-position margin at equal depletion.
//
// One perpetual lists a call and a put (strikes `strike_offset` out of the money, a fixed
// volatility). Beside perpetual traders (long or short, 2x to `perpetual_leverage_max`), option
// traders each hold one book: a writer sells a strangle (naked short gamma) or, `covered_fraction`
// of writers, a call against a long perpetual of the same size (covered); a buyer holds the long
// strangle. Every book is opened against a well-capitalised market maker, at its mark, and then
// funded with `collateral_cushion` times its initial requirement. Each step moves the mark by a
// driftless Merton jump-diffusion draw (price_model/merton_jump.hpp, its compensator keeping the
// mean price; the same on every arm: it depends on the seed and the path only);
// the engine re-marks the options, the scan finds who is below maintenance, a keeper liquidates
// them, and the waterfall runs (the fund, then a pro-rata haircut). A path is depleted when some
// deficit was left to the haircut.
//
// Arms, on the same seeds (so their depletions pair, McNemar's test on the discordant paths):
//   gamma arms     one per writer fraction: trader i writes when its draw u_i < fraction, so the
//                  arms differ only in who writes, and the net gamma goes from long to short;
//   per-position   at `capital_writer_fraction`, the same books under per-position margin
//                  (OptionMarginTerms::per_position: each option margined alone by the same
//                  scenarios, the perpetual by its tiers, the requirements summed; equity
//                  pooled as before), at the same cushion;
//   capital arms   portfolio margin at the same fraction, at each of `capital_cushions`: the
//                  least capital whose depletion is at most the per-position arm's is the match;
//   whole books    at `capital_writer_fraction` and the same cushion, portfolio margin with option
//                  books liquidated whole (OptionMarginTerms::liquidate_books_whole) instead of by
//                  risk reduction, against the gamma arm of the same writers.
// The population is drawn once per study (the same books on every path): capital is one figure per
// arm, and the intervals are over price paths. Research figures: doubles, the engine's own money
// exact inside.
#pragma once

#include "backstop/engine/margin_engine.hpp"
#include "backstop/engine/options/black76.hpp"
#include "backstop/engine/presets.hpp"
#include "backstop/fund/fee_capture/fixed_shares.hpp"
#include "backstop/fund/insurance_fund.hpp"
#include "backstop/fund/settlement/cover_up_to_balance.hpp"
#include "backstop/fund/socialized_loss/pro_rata_haircut.hpp"
#include "backstop/money/assets.hpp"
#include "backstop/risk/lab_setup.hpp"
#include "backstop/risk/penalty_comparison.hpp"
#include "backstop/risk/price_model/merton_jump.hpp"
#include "backstop/risk/rng/random_stream.hpp"
#include "backstop/risk/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace backstop {
namespace risk {

struct GammaStudySetup {
    std::uint64_t seed = 1;
    std::uint32_t paths = 400;
    std::uint32_t steps = 168;  // hourly: a week
    double step_hours = 1.0;
    double price = 60'000.0;
    double realised_volatility = 0.8;  // per sqrt(year), of the diffusion
    double jumps_per_day = 0.3;        // Poisson intensity of the jumps
    double jump_mean = -0.04;          // of the log jump
    double jump_sigma = 0.10;
    double implied_volatility = 0.6;  // of both series, fixed
    double expiry_days = 30.0;        // beyond the horizon: no settlement inside the study
    double strike_offset = 0.10;      // call at (1 + x) F0, put at (1 - x) F0
    std::uint32_t perpetual_traders = 40;
    double perpetual_collateral = 10'000.0;  // median, USDC (lognormal, sigma 1)
    double perpetual_leverage_max = 5.0;
    std::uint32_t option_traders = 60;
    double option_size = 3.0;  // BTC per leg, median (x 0.5 to 1.5)
    std::vector<double> writer_fractions = {0.0, 0.25, 0.5, 0.75, 1.0};
    double covered_fraction = 0.5;
    double collateral_cushion = 1.25;  // collateral = cushion x initial requirement at entry
    double capital_writer_fraction = 1.0;
    std::vector<double> capital_cushions = {1.0, 1.1, 1.25, 1.5, 2.0, 3.0};
    double price_scan_range = 0.08;  // SPAN's sixteen scenarios on these ranges
    double volatility_scan_range = 0.10;
    double short_option_minimum = 0.01;
    double fund = 60'000.0;  // USDC
    double confidence = 0.95;
};

struct GammaArm {
    double writer_fraction = 0.0;
    bool per_position = false;
    bool whole_books = false;  // option books liquidated whole, not by risk reduction
    double cushion = 0.0;
    std::uint32_t writers = 0;
    std::uint32_t covered = 0;
    std::uint32_t buyers = 0;
    double net_dollar_gamma = 0.0;  // the option traders': USDC of delta per 1% move, at entry
    double capital = 0.0;           // collateral the option traders posted, USDC
    std::uint64_t paths = 0;
    std::uint64_t depleted_paths = 0;
    BinomialInterval depletion;
    MeanInterval liquidations;         // per path
    MeanInterval option_liquidations;  // of accounts holding options, per path
    MeanInterval bad_debt;             // deficits per path, USDC
    MeanInterval fund_paid;            // per path, USDC
    std::uint32_t perpetual_traders_flat = 0;  // whose position a limit refused (they stay flat)
    std::uint64_t refused_liquidations = 0;  // the keeper's attempts the engine refused (expected 0)
    std::uint64_t unbalanced_paths = 0;      // ledger audits that failed (must be 0)
    std::vector<std::uint8_t> depleted;      // per path
};

struct GammaStudy {
    GammaStudySetup setup;
    std::vector<GammaArm> gamma_arms;
    GammaArm per_position;
    std::vector<GammaArm> capital_arms;
    bool matched = false;          // some capital arm depletes no more than per-position margin
    std::size_t matched_arm = 0;   // the least capital of them
    double capital_saved = 0.0;    // 1 - its capital / per-position capital
    std::uint64_t matched_only = 0;       // paths depleted by the matched arm only
    std::uint64_t per_position_only = 0;  // and by the per-position arm only
    double mcnemar_p_value = 1.0;
    GammaArm whole_books;                  // books liquidated whole (run when the gamma arm exists)
    bool has_whole_books = false;
    std::size_t whole_books_paired_arm = 0;  // the gamma arm it pairs with
    std::uint64_t risk_reduction_only = 0;  // paths depleted by the gamma arm of its writers only
    std::uint64_t whole_books_only = 0;     // and by the whole-books arm only
    double whole_books_p_value = 1.0;       // McNemar, exact
};

namespace detail {

using GammaFund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                                socialized_loss::ProRataHaircut<USDC>>;
using GammaEngine = MarginEngine<GammaFund>;

inline Result<void> validate_gamma_setup(const GammaStudySetup& s) {
    const double horizon_days = static_cast<double>(s.steps) * s.step_hours / 24.0;
    bool ok = s.paths >= 2 && s.paths <= 1'000'000 && s.steps >= 1 && s.steps <= 100'000 &&
              finite_in(s.step_hours, 1.0 / 60.0, 24.0 * 30.0) && finite_in(s.price, 1.0, 1e6) &&
              // every option book's legs against the maker within the markets' 100,000 BTC limit
              static_cast<double>(s.option_traders) * s.option_size * 1.5 <= 1e5 &&
              finite_in(s.realised_volatility, 0.0, 10.0) && finite_in(s.jumps_per_day, 0.0, 24.0) &&
              finite_in(s.jump_mean, -1.0, 1.0) && finite_in(s.jump_sigma, 0.0, 1.0) &&
              finite_in(s.implied_volatility, 0.01, 5.0) && finite_in(s.expiry_days, 0.0, 3650.0) &&
              s.expiry_days > horizon_days && finite_in(s.strike_offset, 0.0, 0.9) &&
              s.perpetual_traders <= 10'000 && s.option_traders <= 10'000 && s.option_traders > 0 &&
              finite_in(s.perpetual_collateral, 1.0, 1e8) && finite_in(s.perpetual_leverage_max, 1.0, 19.0) &&
              finite_in(s.option_size, 0.01, 1'000.0) && finite_in(s.covered_fraction, 0.0, 1.0) &&
              finite_in(s.collateral_cushion, 1.0, 100.0) && finite_in(s.capital_writer_fraction, 0.0, 1.0) &&
              finite_in(s.price_scan_range, 0.001, 0.33) && finite_in(s.volatility_scan_range, 0.0, 1.0) &&
              finite_in(s.short_option_minimum, 0.0, 1.0) && finite_in(s.fund, 0.0, 1e10) &&
              finite_in(s.confidence, 0.5, 0.9999) && !s.writer_fractions.empty() && !s.capital_cushions.empty() &&
              s.writer_fractions.size() <= 64 && s.capital_cushions.size() <= 64;
    for (const double w : s.writer_fractions) ok = ok && finite_in(w, 0.0, 1.0);
    for (const double c : s.capital_cushions) ok = ok && finite_in(c, 1.0, 100.0);
    if (!ok) {
        return make_error(ErrorCode::invalid_argument,
                          "gamma study: a parameter out of range (paths >= 2, an expiry beyond the horizon, cushions >= 1, "
                          "fractions within [0, 1], leverage below 20x)");
    }
    return {};
}

// One trader of the study, drawn once (the same on every path and arm).
struct GammaTrader {
    bool option = false;
    double u = 0.0;        // an option trader writes when u < the arm's writer fraction
    bool covered = false;  // a writer's book: covered call (else a short strangle)
    bool is_long = true;   // a perpetual trader's side
    double size = 0.0;     // BTC
    double collateral = 0.0;
};

inline std::vector<GammaTrader> draw_gamma_traders(const GammaStudySetup& s) {
    RandomStream rng(s.seed, std::numeric_limits<std::uint64_t>::max());  // a stream no path uses
    std::vector<GammaTrader> traders;
    for (std::uint32_t i = 0; i < s.perpetual_traders + s.option_traders; ++i) {
        rng.at_step(i);
        GammaTrader t;
        t.option = i >= s.perpetual_traders;
        t.u = rng.uniform();
        t.covered = rng.uniform() < s.covered_fraction;
        t.is_long = rng.uniform() < 0.5;
        t.collateral = s.perpetual_collateral * std::exp(rng.normal());
        const double leverage = 2.0 + rng.uniform() * (s.perpetual_leverage_max - 2.0);
        t.size = t.option ? s.option_size * (0.5 + rng.uniform()) : t.collateral * leverage / s.price;
        traders.push_back(t);
    }
    return traders;
}

// A leg of a book: +1 long / -1 short, in the perpetual (0), the call (1) or the put (2).
struct GammaLeg {
    int market = 0;
    int sign = 1;
};

// The legs of an option trader's book in an arm.
inline std::size_t gamma_book(const GammaTrader& t, double writer_fraction, GammaLeg (&legs)[2]) {
    if (t.u >= writer_fraction) {  // a buyer: the long strangle
        legs[0] = {1, 1};
        legs[1] = {2, 1};
    } else if (t.covered) {  // covered call: long the perpetual, short the call
        legs[0] = {0, 1};
        legs[1] = {1, -1};
    } else {  // naked short strangle
        legs[0] = {1, -1};
        legs[1] = {2, -1};
    }
    return 2;
}

// A path's underlying price, step by step: a driftless Merton jump-diffusion (its compensator
// keeps the mean price where it is, so the arms differ by their gamma, not by a direction of the
// market), drawn from the seed and path alone: the same on every arm. Call next() once per step,
// in order.
class GammaPricePath {
public:
    GammaPricePath(const GammaStudySetup& s, std::uint64_t path)
        : rng_(s.seed, path),
          model_{0.0, s.realised_volatility, s.jumps_per_day * 365.0, s.jump_mean, s.jump_sigma},
          dt_(s.step_hours / (24.0 * 365.0)),
          price_(s.price) {}
    // Kept within [low, high] (the marks the markets accept), the bound carried to the next step.
    double next(std::uint32_t step, double low, double high) {
        rng_.at_step(step);
        price_ = std::clamp(price_ * std::exp(model_.log_return(state_, rng_, dt_)), low, high);
        return price_;
    }

private:
    RandomStream rng_;
    MertonJump model_;
    MertonJump::State state_{};
    double dt_;
    double price_;
};

template <class Engine = GammaEngine>
class BasicGammaPath {
public:
    static constexpr std::int64_t lot = 100'000;         // 0.001 BTC
    static constexpr std::int64_t tick = 10'000;         // a cent, the perpetual's and the options'
    static constexpr std::int64_t position_max = 10'000'000'000'000;  // 100,000 BTC
    // A maximal position's value within int64 max / 8 at this price (the engine's mark bound).
    static constexpr double price_cap = 1.0e7;

    BasicGammaPath(const GammaStudySetup& s, Engine engine) : s_(s), engine_(std::move(engine)) {}

    // A fresh engine with the study's markets, fund and books (the arm's writers, margin and cushion).
    static Result<BasicGammaPath> create(const GammaStudySetup& s, const std::vector<GammaTrader>& traders,
                                    double writer_fraction, bool per_position, double cushion, bool whole_books = false) {
        const auto accounts = static_cast<std::uint32_t>(traders.size() + 2);  // the maker and the keeper too
        Result<Engine> engine = Engine::create(EngineLimits{accounts, 3, 3}, {}, {}, {});
        if (!engine) return engine.error();
        Result<BasicGammaPath> path(std::in_place, s, std::move(*engine));
        if (Result<void> ok = path->set_up(traders, writer_fraction, per_position, cushion, whole_books); !ok) return ok.error();
        return path;
    }

    double capital() const { return capital_; }
    std::uint32_t traders_flat() const { return traders_flat_; }
    double net_dollar_gamma() const { return net_dollar_gamma_; }

    struct Outcome {
        double liquidations = 0, option_liquidations = 0, bad_debt = 0, fund_paid = 0;
        bool depleted = false;
        std::uint64_t refused = 0;
        bool balanced = true;
    };

    Result<Outcome> run(std::uint64_t path) {
        Outcome out;
        GammaPricePath prices(s_, path);
        std::vector<AccountId> found(engine_.ledger().account_count());
        for (std::uint32_t step = 1; step <= s_.steps; ++step) {
            const double price = prices.next(step, price_min(), price_max());
            now_ms_ += step_ms();
            const Result<void> marked = engine_.set_mark(perpetual_, Price<BTC, USDC>(price_raw(price)), Timestamp{now_ms_});
            if (!marked) return marked.error();  // a price beyond the markets' limits
            for (const AccountId a : engine_.liquidatable_accounts(Span<AccountId>(found.data(), found.size()))) {
                if (a == maker_ || a == keeper_) continue;
                const Result<LiquidationReport<USDC>> report = engine_.liquidate(a, keeper_);
                if (!report) {
                    ++out.refused;
                    continue;
                }
                out.liquidations += 1;
                bool options = false;
                for (std::size_t c = 0; c < report->closed_count; ++c) options = options || report->closed[c].market != perpetual_;
                out.option_liquidations += options ? 1 : 0;
                out.bad_debt += to_units(report->deficit.atoms(), 6);
                out.fund_paid += to_units(report->fund_paid.atoms(), 6);
                out.depleted = out.depleted || report->remainder.atoms() > 0;
            }
        }
        out.balanced = engine_.ledger().audit().balanced();
        return out;
    }

private:
    std::int64_t step_ms() const { return static_cast<std::int64_t>(std::llround(s_.step_hours * 3'600'000.0)); }
    static std::int64_t price_raw(double price) {
        return std::max<std::int64_t>(tick, to_atoms(price, 6) / tick * tick);  // on the cent
    }
    // The path stays within [F0 / 1000, min(1000 F0, price_cap)]: marks the markets accept.
    double price_min() const { return std::max(0.01, s_.price * 1e-3); }
    double price_max() const { return std::min(s_.price * 1e3, price_cap); }

    MarketConfig perpetual_config(bool per_position, bool whole_books = false) const {
        MarketConfig config = presets::dydx_v4::large_cap();  // 5% initial, 3% maintenance at tier 0
        config.lot_size = lot;
        config.tick_size = tick;
        config.position_max = position_max;
        config.staleness_max_ms = 2 * step_ms();
        config.taker_fee = Ppm{0};
        config.maker_fee = Ppm{0};
        config.option_margin.price_scan_range = Ppm{std::llround(s_.price_scan_range * 1e6)};
        config.option_margin.volatility_scan_range = Ppm{std::llround(s_.volatility_scan_range * 1e6)};
        config.option_margin.short_option_minimum = Ppm{std::llround(s_.short_option_minimum * 1e6)};
        config.option_margin.per_position = per_position;
        config.option_margin.liquidate_books_whole = whole_books;
        return config;
    }
    MarketConfig series_config(OptionKind kind, double strike) const {
        MarketConfig config = perpetual_config(false);  // its lot, tick and limits
        config.option_margin = OptionMarginTerms{};
        config.option.is_option = true;
        config.option.kind = kind;
        config.option.underlying = static_cast<std::uint16_t>(perpetual_.value);
        config.option.strike = price_raw(strike);
        config.option.expiry_ms = now_ms_ + std::llround(s_.expiry_days * 86'400'000.0);
        config.liquidator_discount = Ppm{20'000};  // taken over at the model price -/+ 2%
        return config;
    }

    Result<void> set_up(const std::vector<GammaTrader>& traders, double writer_fraction, bool per_position, double cushion,
                        bool whole_books) {
        Result<MarketId> perpetual = engine_.template add_market<BTC>(perpetual_config(per_position, whole_books));
        if (!perpetual) return perpetual.error();
        perpetual_ = markets_[0] = *perpetual;
        const Result<MarketId> call = engine_.template add_market<BTC>(series_config(OptionKind::call, s_.price * (1 + s_.strike_offset)));
        const Result<MarketId> put = engine_.template add_market<BTC>(series_config(OptionKind::put, s_.price * (1 - s_.strike_offset)));
        if (!call) return call.error();
        if (!put) return put.error();
        markets_[1] = *call;
        markets_[2] = *put;
        const Ppm volatility{std::llround(s_.implied_volatility * 1e6)};
        for (const Result<void>& step :
             {engine_.set_mark(perpetual_, Price<BTC, USDC>(price_raw(s_.price)), Timestamp{now_ms_}),
              engine_.set_option_volatility(markets_[1], volatility), engine_.set_option_volatility(markets_[2], volatility),
              engine_.fund_deposit(Amount<USDC>(to_atoms_nearest(s_.fund, 6)))}) {
            if (!step) return step.error();
        }
        Result<AccountId> maker = open(1e11);
        Result<AccountId> keeper = open(1e10);
        if (!maker) return maker.error();
        if (!keeper) return keeper.error();
        maker_ = *maker;
        keeper_ = *keeper;
        const double forward = static_cast<double>(engine_.mark(perpetual_)) * 1e-6;
        for (const GammaTrader& t : traders) {
            const std::int64_t size = std::max<std::int64_t>(lot, to_atoms(t.size, 8) / lot * lot);
            if (!t.option) {  // a perpetual trader: its collateral, a position at the mark
                Result<AccountId> a = open(t.collateral);
                if (!a) return a.error();
                if (!fill(*a, 0, t.is_long ? 1 : -1, size)) ++traders_flat_;  // beyond a limit: it stays flat
                continue;
            }
            GammaLeg legs[2];
            const std::size_t n = gamma_book(t, writer_fraction, legs);
            for (std::size_t k = 0; k < n; ++k) {
                if (legs[k].market == 1 || legs[k].market == 2) {
                    net_dollar_gamma_ += legs[k].sign * to_units(size, 8) * gamma_of(legs[k].market, forward) * forward * forward / 100.0;
                }
            }
            if (Result<void> funded = fund_book(legs, n, size, cushion); !funded) return funded;
        }
        return {};
    }

    double gamma_of(int market, double forward) const {
        const backstop::detail::MarketState& state = engine_.view().markets[markets_[market].value];
        const Black76Input in{forward, static_cast<double>(state.config.option.strike) * 1e-6, state.option_volatility,
                              backstop::detail::option_years(state.config.option, now_ms_), 0.0};
        return black76_greeks_unchecked(state.config.option.kind, in).gamma;
    }

    Result<AccountId> open(double collateral) {
        Result<AccountId> a = engine_.open_account();
        if (!a) return a;
        if (Result<void> ok = engine_.deposit(*a, Amount<USDC>(to_atoms(collateral, 6))); !ok) return ok.error();
        return a;
    }
    // The account's fill of `sign` x size in market k against the maker, at the mark on the tick.
    bool fill(AccountId a, int k, int sign, std::int64_t size) {
        const MarketId m = markets_[k];
        const std::int64_t at = std::max(tick, engine_.mark(m) / tick * tick);
        const Result<TradeReport<USDC>> r = sign > 0 ? engine_.trade(m, a, maker_, Quantity<BTC>(size), Price<BTC, USDC>(at))
                                                     : engine_.trade(m, maker_, a, Quantity<BTC>(size), Price<BTC, USDC>(at));
        return r.has_value();
    }
    // Opens the legs in a fresh account funded generously, then withdraws down to `cushion` x its
    // initial requirement (its equity, the mark-to-market included).
    Result<void> fund_book(const GammaLeg* legs, std::size_t n, std::int64_t size, double cushion) {
        const double notional = to_units(size, 8) * s_.price;
        const Result<AccountId> a = open(10.0 * notional + 1'000.0);
        if (!a) return a.error();
        for (std::size_t k = 0; k < n; ++k) {
            if (!fill(*a, legs[k].market, legs[k].sign, size)) {
                return make_error(ErrorCode::invalid_argument, "gamma study: a book the engine refused (size or price)");
            }
        }
        const Result<AccountSummary<USDC>> summary = engine_.summary(*a);
        if (!summary) return summary.error();
        const double target = std::ceil(cushion * static_cast<double>(summary->initial_requirement.atoms()));
        const std::int64_t excess = summary->equity.atoms() - static_cast<std::int64_t>(target);
        if (excess > 0) {
            if (Result<void> ok = engine_.withdraw(*a, Amount<USDC>(excess)); !ok) return ok;
        } else if (excess < 0) {  // a cushion above the first deposit: the rest
            if (Result<void> ok = engine_.deposit(*a, Amount<USDC>(-excess)); !ok) return ok;
        }
        capital_ += to_units(engine_.ledger().balance_of(Place::collateral(*a)).atoms(), 6);
        return {};
    }

    const GammaStudySetup& s_;
    Engine engine_;
    MarketId perpetual_{};
    MarketId markets_[3]{};
    AccountId maker_{};
    AccountId keeper_{};
    std::int64_t now_ms_ = 1'000;
    double capital_ = 0.0;
    double net_dollar_gamma_ = 0.0;
    std::uint32_t traders_flat_ = 0;
};
using GammaPath = BasicGammaPath<>;

template <class Path = GammaPath>
inline Result<GammaArm> run_gamma_arm(const GammaStudySetup& s, const std::vector<GammaTrader>& traders,
                                      double writer_fraction, bool per_position, double cushion, bool whole_books = false) {
    GammaArm arm;
    arm.writer_fraction = writer_fraction;
    arm.per_position = per_position;
    arm.whole_books = whole_books;
    arm.cushion = cushion;
    for (const GammaTrader& t : traders) {
        if (!t.option) continue;
        if (t.u >= writer_fraction) {
            ++arm.buyers;
        } else {
            ++arm.writers;
            arm.covered += t.covered ? 1u : 0u;
        }
    }
    std::vector<double> liquidations, option_liquidations, bad_debt, fund_paid;
    for (std::uint64_t path = 0; path < s.paths; ++path) {
        Result<Path> runner = Path::create(s, traders, writer_fraction, per_position, cushion, whole_books);
        if (!runner) return runner.error();
        if (path == 0) {
            arm.capital = runner->capital();
            arm.net_dollar_gamma = runner->net_dollar_gamma();
            arm.perpetual_traders_flat = runner->traders_flat();
        }
        const Result<typename Path::Outcome> outcome = runner->run(path);
        if (!outcome) return outcome.error();
        const typename Path::Outcome& o = *outcome;
        liquidations.push_back(o.liquidations);
        option_liquidations.push_back(o.option_liquidations);
        bad_debt.push_back(o.bad_debt);
        fund_paid.push_back(o.fund_paid);
        arm.depleted.push_back(o.depleted ? 1 : 0);
        arm.depleted_paths += o.depleted ? 1u : 0u;
        arm.refused_liquidations += o.refused;
        arm.unbalanced_paths += o.balanced ? 0u : 1u;
    }
    arm.paths = s.paths;
    Result<BinomialInterval> depletion = wilson_interval(arm.depleted_paths, arm.paths, s.confidence);
    if (!depletion) return depletion.error();
    arm.depletion = *depletion;
    arm.liquidations = mean_interval(liquidations, s.confidence);
    arm.option_liquidations = mean_interval(option_liquidations, s.confidence);
    arm.bad_debt = mean_interval(bad_debt, s.confidence);
    arm.fund_paid = mean_interval(fund_paid, s.confidence);
    return arm;
}

}  // namespace detail

// Runs every arm of the study (module comment). Deterministic in the set-up.
template <class = void>
inline Result<GammaStudy> run_gamma_study(const GammaStudySetup& setup) {
    if (Result<void> ok = detail::validate_gamma_setup(setup); !ok) return ok.error();
    const std::vector<detail::GammaTrader> traders = detail::draw_gamma_traders(setup);
    GammaStudy study;
    study.setup = setup;
    for (const double w : setup.writer_fractions) {
        Result<GammaArm> arm = detail::run_gamma_arm(setup, traders, w, false, setup.collateral_cushion);
        if (!arm) return arm.error();
        study.gamma_arms.push_back(std::move(*arm));
    }
    Result<GammaArm> per_position =
        detail::run_gamma_arm(setup, traders, setup.capital_writer_fraction, true, setup.collateral_cushion);
    if (!per_position) return per_position.error();
    study.per_position = std::move(*per_position);
    for (const double c : setup.capital_cushions) {
        // The gamma arm of the same writers at the same cushion is this arm already: not run twice.
        const auto same = std::find_if(study.gamma_arms.begin(), study.gamma_arms.end(), [&](const GammaArm& g) {
            return g.writer_fraction == setup.capital_writer_fraction && g.cushion == c;
        });
        if (same != study.gamma_arms.end()) {
            study.capital_arms.push_back(*same);
            continue;
        }
        Result<GammaArm> arm = detail::run_gamma_arm(setup, traders, setup.capital_writer_fraction, false, c);
        if (!arm) return arm.error();
        study.capital_arms.push_back(std::move(*arm));
    }
    for (std::size_t k = 0; k < study.capital_arms.size(); ++k) {
        const GammaArm& arm = study.capital_arms[k];
        if (arm.depleted_paths > study.per_position.depleted_paths) continue;
        if (!study.matched || arm.capital < study.capital_arms[study.matched_arm].capital) study.matched_arm = k;
        study.matched = true;
    }
    if (study.matched) {
        const GammaArm& arm = study.capital_arms[study.matched_arm];
        study.capital_saved = 1.0 - arm.capital / study.per_position.capital;
        for (std::size_t p = 0; p < arm.depleted.size(); ++p) {
            study.matched_only += arm.depleted[p] && !study.per_position.depleted[p] ? 1u : 0u;
            study.per_position_only += study.per_position.depleted[p] && !arm.depleted[p] ? 1u : 0u;
        }
        study.mcnemar_p_value = mcnemar_exact_p(study.matched_only, study.per_position_only);
    }
    // Whole books against risk reduction, paired with the gamma arm of the same writers and cushion.
    const auto reduction = std::find_if(study.gamma_arms.begin(), study.gamma_arms.end(), [&](const GammaArm& g) {
        return g.writer_fraction == setup.capital_writer_fraction && g.cushion == setup.collateral_cushion;
    });
    if (reduction != study.gamma_arms.end()) {
        Result<GammaArm> whole = detail::run_gamma_arm(setup, traders, setup.capital_writer_fraction, false,
                                                       setup.collateral_cushion, /*whole_books*/ true);
        if (!whole) return whole.error();
        study.whole_books = std::move(*whole);
        study.has_whole_books = true;
        study.whole_books_paired_arm = static_cast<std::size_t>(reduction - study.gamma_arms.begin());
        for (std::size_t p = 0; p < study.whole_books.depleted.size(); ++p) {
            study.risk_reduction_only += reduction->depleted[p] && !study.whole_books.depleted[p] ? 1u : 0u;
            study.whole_books_only += study.whole_books.depleted[p] && !reduction->depleted[p] ? 1u : 0u;
        }
        study.whole_books_p_value = mcnemar_exact_p(study.risk_reduction_only, study.whole_books_only);
    }
    return study;
}

}  // namespace risk
}  // namespace backstop
