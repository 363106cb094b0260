// The swarm driver: one world (swarm_world.hpp) run for a number of random operations, every
// operation checked against the reference model (swarm_model.hpp). See tests/swarm/README.md.
//
// Checks, each with a name that a failure prints (a name in `soft_kinds` is reported, not failed):
//   audit, sizes_sum, pool_identity                  1: conservation after every operation
//   refused_changed_state                           2: a refused operation leaves the digest
//   abort, exception                                3: no BACKSTOP_ASSERT, no exception
//   state_<op>, decision_<op>                       the shadow: positions, collateral, marks,
//                                                     indices as the model predicted; accepted or
//                                                     refused as the model decided
//   summary_<field>, scan                           summary() and the scan against the model
//   scan_key_stale                                  a scan key (scan_keys.hpp) not the account's key now
//   penalty_or_discount_not_forgone                 4: with a deficit or a fund payment, no
//                                                     penalty and no discount
//   liquidated_account_still_liquidatable           4: healthy or closed after a liquidation
//                                                     (positions in halted/stale markets aside)
//   bearer_charged_beyond_capacity, bystander_touched, healthy_made_liquidatable, exempt_series_bore_loss
//                                                   4: the socialized loss
//   liquidation_refused_by_waterfall, liquidation_blocked_by_halted_or_stale, liquidatable_decision
//   waterfall_arithmetic, uncovered_total
//   discount_report                                 the liquidator gains report.discount (plus its
//                                                     penalty share), less at most 2 atoms per close
//   overflow_unexplained                            an `overflow` refusal while the model shows no
//                                                     value beyond int64 (shown: <op>_refused_overflow, soft)
//   liquidator_cash_refused_as_overflow             a liquidator short of cash for its realised loss
//                                                     refused with overflow (docs: insufficient_collateral)
//   invalid_setup_accepted, invalid_setup_error     an invalid set-up attempt accepted / wrong error
//   option_series_state, option_is_liquidatable,    option worlds (swarm_options.hpp): series expiry and
//   option_book_not_restored, option_book_not_whole   volatility, is_liquidatable of every account, an
//                                                     option book liquidated by risk reduction not meeting
//                                                     its initial, one whose underlying says "whole" not whole
//   nondeterministic                                5: same seed, same digests
#pragma once

#include <backstop/core/hash.hpp>
#include <backstop/engine/engine_journal.hpp>
#include <backstop/engine/scan_keys.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/random.hpp"
#include "support/scale.hpp"
#include "swarm/swarm_model.hpp"
#include "swarm/swarm_options.hpp"
#include "swarm/swarm_world.hpp"

namespace backstop_swarm {

struct FailureRecord {
    std::uint64_t count = 0;
    std::uint64_t seed = 0;
    std::uint64_t op = 0;
    std::string first;
};

inline bool is_soft(const std::string& kind) {
    // Soft: reported and counted, not failed. An overflow refusal is soft only when the model
    // shows a value the ledger cannot represent (otherwise it is `overflow_unexplained`).
    static const std::set<std::string> soft{"assessment_made_liquidatable", "liquidation_refused_overflow",
                                            "trade_refused_overflow", "withdraw_refused_overflow",
                                            "isolated_fund_deposit_refused_overflow", "sweep_isolated_fund_refused_overflow",
                                            "fund_withdraw_refused_overflow", "option_settle_refused_overflow"};
    return soft.count(kind) > 0;
}

struct SwarmTally {
    std::uint64_t worlds = 0;
    std::uint64_t ops = 0;
    std::uint64_t refused = 0;
    std::uint64_t trades = 0;
    std::uint64_t liquidations = 0;
    std::uint64_t deficits = 0;
    std::uint64_t discounts = 0;
    std::uint64_t socialized = 0;
    std::uint64_t uncovered = 0;
    std::uint64_t isolated_draws = 0;  // liquidations an isolated fund paid towards
    std::uint64_t capped_draws = 0;    // deficits the shared fund left (in part) because of a draw cap
    std::uint64_t option_trades = 0;        // trades in an option series (RunOptions::options)
    std::uint64_t option_liquidations = 0;  // liquidations of an account holding a live option
    std::uint64_t option_remainders_uncovered = 0;  // of them, a remainder nobody bore (exempt series among them)
    std::uint64_t option_partial_liquidations = 0;  // of them, by risk reduction (positions left)
    std::uint64_t settled_positions = 0;  // closed by settle_expired_series
    std::uint64_t settlement_realisations = 0;  // gains realised in settlements for holders short of collateral
    std::uint64_t option_refusals = 0;      // option operations refused (trades, volatilities, series marks, funding)
    std::uint64_t volatility_changes = 0;   // set_option_volatility accepted
    std::uint64_t expiries = 0;             // series whose mark an underlying mark fixed at the payoff
    std::uint64_t digest_chain = 0;
    std::map<std::string, FailureRecord> kinds;

    void merge(const SwarmTally& o) {
        worlds += o.worlds;
        ops += o.ops;
        refused += o.refused;
        trades += o.trades;
        liquidations += o.liquidations;
        deficits += o.deficits;
        discounts += o.discounts;
        socialized += o.socialized;
        uncovered += o.uncovered;
        isolated_draws += o.isolated_draws;
        capped_draws += o.capped_draws;
        option_trades += o.option_trades;
        option_liquidations += o.option_liquidations;
        option_remainders_uncovered += o.option_remainders_uncovered;
        option_partial_liquidations += o.option_partial_liquidations;
        settled_positions += o.settled_positions;
        settlement_realisations += o.settlement_realisations;
        option_refusals += o.option_refusals;
        volatility_changes += o.volatility_changes;
        expiries += o.expiries;
        for (const auto& [kind, record] : o.kinds) {
            FailureRecord& mine = kinds[kind];
            if (mine.count == 0) {
                mine = record;
            } else {
                mine.count += record.count;
            }
        }
    }
    std::uint64_t hard_failures() const {
        std::uint64_t n = 0;
        for (const auto& [kind, record] : kinds) n += is_soft(kind) ? 0 : record.count;
        return n;
    }
    std::string report() const {
        std::string text = fmt::format("{} worlds, {} operations ({} refused), {} trades, {} liquidations, {} with a discount, "
                                       "{} with a deficit, {} socialized, {} with an uncovered loss\n",
                                       worlds, ops, refused, trades, liquidations, discounts, deficits, socialized, uncovered);
        if (isolated_draws + capped_draws > 0) {
            text += fmt::format("{} paid in part by an isolated fund, {} with the shared fund held back by a draw cap\n", isolated_draws, capped_draws);
        }
        if (option_trades + option_liquidations + volatility_changes > 0) {
            text += fmt::format("{} option trades, {} liquidations of option books ({} by risk reduction, {} with a remainder "
                                "nobody bore), {} volatility changes, {} expiries, {} positions settled ({} with gains realised for holders "
                                "short of collateral), {} option operations refused\n",
                                option_trades, option_liquidations, option_partial_liquidations, option_remainders_uncovered,
                                volatility_changes, expiries, settled_positions, settlement_realisations, option_refusals);
        }
        for (const auto& [kind, record] : kinds) {
            text += fmt::format("{}{}: {} times; first: {}\n", is_soft(kind) ? "(soft) " : "", kind, record.count, record.first);
        }
        return text;
    }
};

inline std::string error_text(const Error& e) {
    return fmt::format("{} ({})", error_code_name(e.code), std::string(e.detail));
}

enum class OpKind : int {
    deposit,
    withdraw,
    trade,
    marks,
    advance_time,
    status,
    funding,
    sweep,
    bad_input,
    fund_deposit,
    open_account,
    extreme_mark,
    penalty,  // set_liquidation_penalty, only with RunOptions::penalty_changes
    funds,    // an isolated-fund deposit or sweep, a fee or draw-cap change: RunOptions::fees_and_isolation
    option_volatility,  // set_option_volatility, only with RunOptions::options
    option_settle,      // settle_expired_series, only with RunOptions::options
};

struct Op {
    OpKind kind = OpKind::deposit;
    int sub = 0;
    std::uint32_t market = 0;
    std::uint32_t a = 0;
    std::uint32_t b = 0;
    std::int64_t x = 0;
    std::int64_t y = 0;
    detail::int128 z = 0;
    std::int64_t t = 0;
    int asset = -1;  // a typed call's base asset (-1: the market's own)
    std::vector<std::int64_t> marks;  // marks op: per market, 0 = not updated
};

inline std::string i128_text(detail::int128 v) {
    std::ostringstream out;
    out << big_from_int128(v);
    return out.str();
}

inline std::string describe(const Op& op) {
    switch (op.kind) {
        case OpKind::deposit: return fmt::format("deposit(account {}, {})", op.a, op.x);
        case OpKind::withdraw: return fmt::format("withdraw(account {}, {})", op.a, op.x);
        case OpKind::trade:
            return fmt::format("trade(market {}{}, buyer {}, seller {}, size {}, price {}{})", op.market,
                               op.asset >= 0 ? fmt::format(" as {}", asset_name(op.asset)) : std::string(), op.a, op.b, op.x, op.y,
                               op.sub == 1 ? ", the seller takes" : "");
        case OpKind::marks: {
            std::string text = fmt::format("set_mark at {} ms:", op.t);
            for (std::size_t m = 0; m < op.marks.size(); ++m) {
                if (op.marks[m] != 0) text += fmt::format(" market {} = {}", m, op.marks[m]);
            }
            return text;
        }
        case OpKind::advance_time: return fmt::format("advance_time({} ms)", op.t);
        case OpKind::status: return fmt::format("set_market_status(market {}, {})", op.market, op.x);
        case OpKind::penalty: return fmt::format("set_liquidation_penalty(market {}, {} ppm)", op.market, op.x);
        case OpKind::option_volatility: return fmt::format("set_option_volatility(market {}, {} ppm)", op.market, op.x);
        case OpKind::option_settle: return fmt::format("settle_expired_series(market {})", op.market);
        case OpKind::funds: {
            static const char* const names[] = {"isolated_fund_deposit", "sweep_isolated_fund", "shared_fund_draw_max", "taker_fee",
                                                "maker_fee", "fee_to_fund", "fund_withdraw"};
            return fmt::format("{}(market {}, {})", names[op.sub], op.market, op.x);
        }
        case OpKind::funding: return fmt::format("update_funding(market {}, {})", op.market, i128_text(op.z));
        case OpKind::sweep: return fmt::format("liquidation sweep (scan span {}, allocation span mode {})", op.x, op.y);
        case OpKind::bad_input: return fmt::format("bad input #{} (market {}, accounts {} {}, x {}, y {}, t {})", op.sub, op.market, op.a, op.b, op.x, op.y, op.t);
        case OpKind::fund_deposit: return fmt::format("fund_deposit({})", op.x);
        case OpKind::open_account: return "open_account()";
        case OpKind::extreme_mark: return fmt::format("set_mark(market {}{}, {}) at {} ms (extreme)", op.market,
                                                      op.asset >= 0 ? fmt::format(" as {}", asset_name(op.asset)) : std::string(), op.y, op.t);
    }
    return "?";
}

template <class T, class = void>
struct has_discount_field : std::false_type {};
template <class T>
struct has_discount_field<T, std::void_t<decltype(std::declval<const T&>().discount)>> : std::true_type {};

template <class T, class = void>
struct has_tier_offsets : std::false_type {};
template <class T>
struct has_tier_offsets<T, std::void_t<decltype(std::declval<const T&>().initial_offset)>> : std::true_type {};

inline std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') return fallback;
    return std::strtoull(text, nullptr, 10);
}

// The semantics the model follows: detected from the engine's types, or forced.
template <class Engine>
Semantics detect_semantics() {
    Semantics s;
    using Index = decltype(std::declval<const Engine&>().funding_index_long(MarketId{0}));
    s.funding_per_whole_unit = !std::is_same<std::decay_t<Index>, std::int64_t>::value;
    s.cumulative_tiers = has_tier_offsets<detail::MarketState>::value;
    if (const char* forced = std::getenv("BACKSTOP_SWARM_SEMANTICS")) {
        if (std::string(forced) == "target") s = Semantics{true, true};
        if (std::string(forced) == "legacy") s = Semantics{false, false};
    }
    return s;
}

struct RunOptions {
    std::uint64_t ops = 10'000;
    bool verbose = false;
    // Liquidation penalties changed between operations (a dynamic penalty, governance), drawn from
    // a stream of their own so that the other draws of a seed stay as they were.
    bool penalty_changes = false;
    // Trading fees, per-market isolated funds and draw caps: set up per market, changed between
    // operations, the trade's taker side drawn; all from a stream of their own.
    bool fees_and_isolation = false;
    // The world's socialized-loss policy is WaterFillingAdl, whatever its seed's (the form, static
    // or runtime, still the seed's): the policy draws nothing, so the seed's other draws stay.
    bool water_filling = false;
    // Option series on one or two perpetuals (swarm_options.hpp): set up, traded, their
    // volatilities changed, expiring; all from a stream of their own.
    bool options = false;
};

template <class Fund>
class Swarm {
public:
    // With the engine's command journal: every world is replayed onto a fresh engine at its end.
    using Engine = MarginEngine<Fund, NullJournal, BasicVectorJournal<EngineCommand>>;

    explicit Swarm(std::uint64_t seed, RunOptions options)
        : spec_(make_world_spec(seed)), options_(options), random_(seed ^ 0xD1B54A32D192ED03ull),
          penalty_random_(seed ^ 0x6A09E667F3BCC909ull), funds_random_(seed ^ 0xBB67AE8584CAA73Bull),
          options_random_(seed ^ 0x3C6EF372FE94F82Bull) {
        formulas_.semantics = detect_semantics<Engine>();
        if (options.water_filling) spec_.policy = PolicyKind::water_filling;
        if (options.options) option_plan_ = make_option_plan(spec_, options_random_);
    }

    SwarmTally run() {
        tally_.worlds = 1;
        if (options_.verbose) {
            fmt::print("{}\nmodel: funding per {}, {} tiers\n", spec_.describe(),
                       formulas_.semantics.funding_per_whole_unit ? "whole base unit" : "base atom",
                       formulas_.semantics.cumulative_tiers ? "cumulative" : "flat");
        }
        try {
            if (!set_up()) return tally_;
        } catch (const AssertHit& hit) {
            fail("abort", "during set-up: " + hit.what);
            return tally_;
        } catch (const std::exception& e) {
            fail("exception", std::string("during set-up: ") + e.what());
            return tally_;
        }
        for (op_index_ = 0; op_index_ < options_.ops; ++op_index_) {
            current_ = generate();
            if (options_.fees_and_isolation && current_.kind == OpKind::trade) current_.sub = static_cast<int>(funds_random_.below(2));
            if (options_.verbose) fmt::print("op {}: {}\n", op_index_, describe(current_));
            try {
                execute(current_);
            } catch (const AssertHit& hit) {
                fail("abort", hit.what);
                break;
            } catch (const std::exception& e) {
                fail("exception", e.what());
                break;
            }
            tally_.digest_chain = StableHash(tally_.digest_chain).add(engine_->digest()).value();
            ++tally_.ops;
        }
        check_replay();
        return tally_;
    }

private:
    // The world's command journal, replayed onto a fresh engine created the same way, gives the
    // same digest bit for bit ([replay]).
    void check_replay() {
        using Policy = typename Fund::socialized_loss_type;
        Result<Engine> fresh = Engine::create(spec_.limits, spec_.fee, spec_.settle, make_policy<Policy>(spec_));
        if (!fresh) {
            fail("replay", "create: " + error_text(fresh.error()));
            return;
        }
        try {
            const Result<void> replayed = replay_commands(engine_->command_journal(), engine_->command_seal(), *fresh);
            if (!replayed) {
                fail("replay", "the journal was refused: " + error_text(replayed.error()));
            } else if (fresh->digest() != engine_->digest()) {
                fail("replay", "the replayed engine's digest differs");
            }
        } catch (const AssertHit& hit) {
            fail("abort", "during replay: " + hit.what);
        }
    }

    // ---- failures ----------------------------------------------------------------------------
    void fail(const std::string& kind, const std::string& what) {
        FailureRecord& record = tally_.kinds[kind];
        ++record.count;
        if (record.count == 1) {
            record.seed = spec_.seed;
            record.op = op_index_;
            record.first = fmt::format("seed {} op {} [{}]: {}; replay: BACKSTOP_SWARM_SEED={} BACKSTOP_SWARM_OPS={} "
                                       "backstop_swarm_tests \"swarm: replay one world\"",
                                       spec_.seed, op_index_, describe(current_), what, spec_.seed, op_index_ + 1);
        }
        if (options_.verbose) fmt::print("  FAIL {}: {}\n", kind, what);
    }

    // ---- set-up --------------------------------------------------------------------------------
    // A set-up attempt with invalid parameters (spec_.invalid_probe) must be refused with its
    // typed error and change nothing; the world is then set up with the valid ones.
    void expect_refused(const char* what, const std::optional<Error>& refused, ErrorCode code) {
        if (!refused) {
            fail("invalid_setup_accepted", fmt::format("{}: accepted, expected {}", what, error_code_name(code)));
        } else if (refused->code != code) {
            fail("invalid_setup_error", fmt::format("{}: refused with {}, expected {}", what, error_text(*refused), error_code_name(code)));
        }
        if (options_.verbose) fmt::print("invalid set-up: {} -> {}\n", what, refused ? error_text(*refused) : std::string("accepted"));
    }

    template <class T>
    static std::optional<Error> error_of(const Result<T>& r) {
        if (r) return std::nullopt;
        return r.error();
    }

    void probe_invalid_create() {
        using Policy = typename Fund::socialized_loss_type;
        WorldSpec bad = spec_;
        ErrorCode expected = ErrorCode::invalid_policy_parameter;
        const char* what = "";
        if (spec_.invalid_probe == 2) {
            bad.limits.positions_per_account = spec_.seed % 2 == 0 ? 0u : static_cast<std::uint32_t>(positions_per_account_max + 1);
            expected = ErrorCode::invalid_argument;
            what = "create with positions_per_account 0 or above 8";
        } else if (spec_.policy == PolicyKind::ranked_pnl || spec_.policy == PolicyKind::ranked_binance ||
                   spec_.policy == PolicyKind::water_filling) {
            bad.bearers_max = spec_.limits.accounts_max - 1 - static_cast<std::uint32_t>(spec_.seed % 3);
            what = "create with a bearers_max below accounts_max";
        } else if (spec_.policy == PolicyKind::random_start) {
            bad.visited_max = 0;
            what = "create with RandomStartAdl visiting no bearer";
        } else if (spec_.policy == PolicyKind::clearing) {
            bad.default_fund_max = -1;
            what = "create with a negative default fund cap";
        } else {
            bad.fee = fee_capture::FixedShares<USDC>{Bps{6'000}, Bps{5'000}};
            what = "create with fee shares above 100%";
        }
        const Result<Engine> created = Engine::create(bad.limits, bad.fee, bad.settle, make_policy<Policy>(bad));
        expect_refused(what, error_of(created), expected);
    }

    void probe_invalid_market() {
        const MarketSpec& m = spec_.markets[0];
        MarketConfig bad = m.config;
        const char* what = "";
        switch (spec_.invalid_probe) {
            case 3:  // the second tier's fraction below the first's
                bad.tier_count = 2;
                bad.tiers[0] = MarginTier{1'000'000'000, Ppm{100'000}, Ppm{50'000}};
                bad.tiers[1] = MarginTier{std::numeric_limits<std::int64_t>::max(), Ppm{spec_.seed % 2 == 0 ? 90'000 : 100'000},
                                          Ppm{spec_.seed % 2 == 0 ? 50'000 : 40'000}};
                what = "add_market with tier fractions that decrease";
                break;
            case 4:
                bad.tiers[0].maintenance = Ppm{bad.tiers[0].initial.count() + 1};
                what = "add_market with maintenance above initial";
                break;
            default:
                if (spec_.seed % 2 == 0) {
                    bad.lot_size = 10;
                    bad.position_max = 15;
                    what = "add_market with position_max off the lot";
                } else {
                    bad.liquidator_discount = Ppm{1'000'000};
                    what = "add_market with a 100% discount";
                }
                break;
        }
        const std::uint64_t before = engine_->digest();
        const Result<MarketId> id =
            spec_.invalid_probe == 6 ? engine_->template add_market<Cent>(m.config)
                                     : with_asset(m.asset, [&](auto tag) { return engine_->template add_market<decltype(tag)>(bad); });
        if (spec_.invalid_probe == 6) what = "add_market with base + price - quote decimals = -2";
        expect_refused(what, error_of(id), ErrorCode::invalid_market_config);
        if (engine_->digest() != before) fail("refused_changed_state", fmt::format("{}: refused but the digest changed", what));
    }

    bool set_up() {
        using Policy = typename Fund::socialized_loss_type;
        if (spec_.invalid_probe == 1 || spec_.invalid_probe == 2) probe_invalid_create();
        Result<Engine> created = Engine::create(spec_.limits, spec_.fee, spec_.settle, make_policy<Policy>(spec_));
        if (!created) {
            fail("world_setup", "create: " + error_text(created.error()));
            return false;
        }
        engine_.emplace(std::move(*created));
        if (spec_.policy == PolicyKind::clearing) {
            Result<FundId> fund = engine_->open_auxiliary_fund();
            if (!fund || fund->value != 1) {
                fail("world_setup", "the default fund is not fund 1");
                return false;
            }
            if (spec_.default_fund_deposit > 0) (void)engine_->auxiliary_fund_deposit(*fund, Usdc(spec_.default_fund_deposit));
        }
        if (spec_.invalid_probe >= 3 && spec_.invalid_probe <= 6) probe_invalid_market();
        for (const MarketSpec& m : spec_.markets) {
            Result<MarketId> id = with_asset(m.asset, [&](auto tag) { return engine_->template add_market<decltype(tag)>(m.config); });
            if (!id) {
                fail("world_setup", "add_market: " + error_text(id.error()));
                return false;
            }
            ModelMarket mm;
            mm.base_decimals = asset_decimals(m.asset);
            mm.price_decimals = price_decimals(m.asset);
            mm.quote_decimals = AssetTraits<USDC>::decimals;
            mm.divisor = pow10(mm.base_decimals + mm.price_decimals - mm.quote_decimals);
            mm.config = m.config;
            markets_.push_back(mm);
            base_marks_.push_back(m.mark);
        }
        if (options_.options && !add_option_series()) return false;
        for (std::uint32_t a = 0; a < spec_.accounts; ++a) {
            if (!engine_->open_account()) {
                fail("world_setup", "open_account");
                return false;
            }
            add_model_account();
            if (spec_.deposits[a] > 0) {
                if (!engine_->deposit(AccountId{a}, Usdc(spec_.deposits[a]))) {
                    fail("world_setup", "deposit");
                    return false;
                }
                collateral_[a] = spec_.deposits[a];
            }
        }
        if (spec_.fund_deposit > 0) (void)engine_->fund_deposit(Usdc(spec_.fund_deposit));
        if (options_.fees_and_isolation && !set_up_fees_and_isolation()) return false;
        now_ = spec_.start_ms;
        if (spec_.invalid_probe == 7) {
            // A first mark at which a maximal position would be worth more than int64 max / 8.
            const MarketSpec& m = spec_.markets[0];
            const Big limit = Big(std::numeric_limits<std::int64_t>::max() / 8) * markets_[0].divisor / Big(m.config.position_max);
            const Big price = limit + 1 + Big(spec_.seed % 1'000);
            if (fits64(price)) {
                const std::uint64_t before = engine_->digest();
                const std::optional<Error> refused = with_asset(m.asset, [&](auto tag) {
                    using B = decltype(tag);
                    return error_of(engine_->template set_mark<B>(MarketId{0}, Price<B, USDC>(price.template convert_to<std::int64_t>()),
                                                                  Timestamp{spec_.start_ms}));
                });
                expect_refused("a first mark too large for the position limit", refused, ErrorCode::price_out_of_range);
                if (engine_->digest() != before) fail("refused_changed_state", "a first mark out of range: refused but the digest changed");
            }
        }
        for (std::uint32_t m = 0; m < spec_.markets.size(); ++m) {  // (a series' mark is its underlying's)
            Result<void> ok = with_asset(spec_.markets[m].asset, [&](auto tag) {
                using B = decltype(tag);
                return engine_->template set_mark<B>(MarketId{m}, Price<B, USDC>(base_marks_[m]), Timestamp{spec_.start_ms});
            });
            if (!ok) {
                fail("world_setup", "first mark: " + error_text(ok.error()));
                return false;
            }
        }
        for (std::uint32_t m = 0; m < markets_.size(); ++m) markets_[m].mark_time = spec_.start_ms;
        if (options_.options && !set_first_volatilities()) return false;
        resync();
        check_everything("set-up");
        return true;
    }

    void add_model_account() {
        collateral_.push_back(0);
        positions_.push_back(std::vector<ModelPosition>(markets_.size()));
    }

    // ---- reading the engine ----------------------------------------------------------------------
    std::uint32_t account_count() const { return engine_->ledger().account_count(); }

    // The model's state from the engine's public state (mark times are the model's own: not public).
    void resync() {
        while (collateral_.size() < account_count()) add_model_account();
        for (std::uint32_t m = 0; m < markets_.size(); ++m) {
            ModelMarket& mm = markets_[m];
            mm.mark = to_big(engine_->mark(MarketId{m}));
            mm.has_mark = mm.mark > 0 || mm.option_volatility != 0;  // a series' mark may be 0 (worthless)
            mm.index_long = to_big(engine_->funding_index_long(MarketId{m}));
            mm.index_short = to_big(engine_->funding_index_short(MarketId{m}));
            mm.config = engine_->market_config(MarketId{m}).value();
        }
        for (std::uint32_t a = 0; a < account_count(); ++a) {
            collateral_[a] = to_big(engine_->collateral(AccountId{a}));
            for (std::uint32_t m = 0; m < markets_.size(); ++m) {
                const auto view = engine_->position(AccountId{a}, MarketId{m});
                ModelPosition& p = positions_[a][m];
                p.size = to_big(view.size);
                p.cost = to_big(view.cost);
                p.snapshot = to_big(view.funding_index);
            }
        }
        now_ = engine_->now().ms;
    }

    // Compares the model's predicted state with the engine's; reports the first difference.
    void compare_state(const std::string& kind) {
        if (collateral_.size() != account_count()) {
            fail(kind, fmt::format("{} accounts in the model, {} in the engine", collateral_.size(), account_count()));
            return;
        }
        for (std::uint32_t m = 0; m < markets_.size(); ++m) {
            const ModelMarket& mm = markets_[m];
            const Big mark = to_big(engine_->mark(MarketId{m}));
            const Big il = to_big(engine_->funding_index_long(MarketId{m}));
            const Big is = to_big(engine_->funding_index_short(MarketId{m}));
            if (mark != mm.mark || il != mm.index_long || is != mm.index_short ||
                engine_->market_config(MarketId{m}).value().status != mm.config.status) {
                fail(kind, fmt::format("market {}: mark {} indices {} {} (model: {} {} {})", m, mark.str(), il.str(), is.str(),
                                       mm.mark.str(), mm.index_long.str(), mm.index_short.str()));
                return;
            }
            Big open_interest = 0;
            for (std::uint32_t a = 0; a < account_count(); ++a) {
                if (positions_[a][m].size > 0) open_interest += positions_[a][m].size;
            }
            if (to_big(engine_->open_interest(MarketId{m})) != open_interest) {
                fail(kind, fmt::format("market {}: open interest {} (model {})", m, to_big(engine_->open_interest(MarketId{m})).str(),
                                       open_interest.str()));
                return;
            }
        }
        for (std::uint32_t a = 0; a < account_count(); ++a) {
            const Big c = to_big(engine_->collateral(AccountId{a}));
            if (c != collateral_[a]) {
                fail(kind, fmt::format("account {}: collateral {} (model {})", a, c.str(), collateral_[a].str()));
                return;
            }
            for (std::uint32_t m = 0; m < markets_.size(); ++m) {
                const auto view = engine_->position(AccountId{a}, MarketId{m});
                const ModelPosition& p = positions_[a][m];
                if (to_big(view.size) != p.size || to_big(view.cost) != p.cost ||
                    (p.size != 0 && to_big(view.funding_index) != p.snapshot)) {
                    fail(kind, fmt::format("account {} market {}: size {} cost {} index {} (model {} {} {})", a, m,
                                           to_big(view.size).str(), to_big(view.cost).str(), to_big(view.funding_index).str(),
                                           p.size.str(), p.cost.str(), p.snapshot.str()));
                    return;
                }
            }
        }
        if (Big(engine_->now().ms) != now_) fail(kind, fmt::format("time {} (model {})", engine_->now().ms, now_.str()));
    }

    ModelMetrics metrics_of(std::uint32_t a) const { return metrics_for(a, collateral_[a], positions_[a]); }
    // The model's metrics of account `a` with these positions: in an option world the option
    // metrics (swarm_options.hpp), their options summed in the engine's order (its book's slots,
    // `traded`, a trade's market, last).
    ModelMetrics metrics_for(std::uint32_t a, const Big& collateral, const std::vector<ModelPosition>& positions,
                             std::uint32_t traded = detail::PositionBook::empty) const {
        if (!options_.options || !holds_option(markets_, positions)) return formulas_.metrics(collateral, markets_, positions);
        std::vector<std::uint32_t> order;
        const detail::PositionBook& book = engine_->view().book;
        for (std::uint32_t s = 0; a < account_count() && s < book.per_account; ++s) {
            const std::uint16_t market = book.market[book.index(a, s)];
            if (market != detail::PositionBook::empty && market != traded) order.push_back(market);
        }
        if (traded != detail::PositionBook::empty) order.push_back(traded);
        for (std::uint32_t m = 0; m < markets_.size(); ++m) {  // (a position the book does not hold yet: last)
            if (std::find(order.begin(), order.end(), m) == order.end()) order.push_back(m);
        }
        return option_metrics(formulas_, collateral, markets_, positions, order, option_models_, now_int());
    }
    int asset_of(std::uint32_t m) const {
        return m < spec_.markets.size() ? spec_.markets[m].asset : spec_.markets[markets_[m].config.option.underlying].asset;
    }

    // An account as the model sees it (for replays).
    std::string describe_account(std::uint32_t a) const {
        if (a >= account_count()) return fmt::format("account {}: unknown", a);
        const ModelMetrics m = metrics_of(a);
        std::string text = fmt::format("account {}: collateral {} equity {} initial {} maintenance {}", a, collateral_[a].str(),
                                       m.equity.str(), m.initial.str(), m.maintenance.str());
        for (std::uint32_t k = 0; k < markets_.size(); ++k) {
            const ModelPosition& p = positions_[a][k];
            if (p.size == 0) continue;
            text += fmt::format("; market {}{}: size {} cost {} funding owed {} value {}", k,
                                markets_[k].config.status == MarketStatus::halted ? " (halted)" : (fresh(k) ? "" : " (stale)"),
                                p.size.str(), p.cost.str(), formulas_.funding_owed(markets_[k], p).str(),
                                formulas_.value(markets_[k], p.size).str());
        }
        return text;
    }

    // Check 1 and the summaries: after every operation that changed something.
    void check_everything(const char* context) {
        const auto audit = engine_->ledger().audit();
        if (!audit.balanced()) fail("audit", fmt::format("{}: the ledger audit does not balance", context));
        Big cost_sum = 0;
        for (std::uint32_t m = 0; m < markets_.size(); ++m) {
            Big size_sum = 0;
            for (std::uint32_t a = 0; a < account_count(); ++a) {
                size_sum += positions_[a][m].size;
                cost_sum += positions_[a][m].cost;
            }
            if (size_sum != 0) fail("sizes_sum", fmt::format("{}: market {} sizes sum to {}", context, m, size_sum.str()));
        }
        const Big pool = to_big(engine_->ledger().balance_of(Place::pnl_pool()));
        const Big uncovered = to_big(engine_->uncovered_total());
        if (pool + cost_sum + uncovered != 0) {
            fail("pool_identity", fmt::format("{}: pnl_pool {} + costs {} + uncovered {} != 0", context, pool.str(), cost_sum.str(),
                                              uncovered.str()));
        }
        // summary() against the model, and the scan.
        std::vector<AccountId> model_due;
        for (std::uint32_t a = 0; a < account_count(); ++a) {
            const ModelMetrics mm = metrics_of(a);
            if (mm.liquidatable()) model_due.push_back(AccountId{a});
            Result<AccountSummary<USDC>> s = engine_->summary(AccountId{a});
            if (!s) {
                fail("summary_refused", fmt::format("account {}: {}", a, error_text(s.error())));
                continue;
            }
            auto field = [&](const char* name, const auto& engine_value, const Big& model_value) {
                const Big e = to_big(engine_value);
                const Big expected = std::is_same<std::decay_t<decltype(engine_value.atoms())>, std::int64_t>::value
                                         ? clamp64(model_value)
                                         : model_value;
                if (e != expected) {
                    fail(std::string("summary_") + name,
                         fmt::format("{}: account {} {} {} (model {})", context, a, name, e.str(), expected.str()));
                }
            };
            field("collateral", s->collateral, mm.collateral);
            field("equity", s->equity, mm.equity);
            field("initial", s->initial_requirement, mm.initial);
            field("maintenance", s->maintenance_requirement, mm.maintenance);
            // is_liquidatable() for one account per check, in turn (the same exact test as summary's).
            const bool probed = a == probe_account_ % account_count();
            if (s->liquidatable != mm.liquidatable() || (probed && engine_->is_liquidatable(AccountId{a}) != mm.liquidatable())) {
                fail("summary_liquidatable", fmt::format("{}: account {} liquidatable {} / {} (model {}: equity {} maintenance {})", context,
                                                         a, s->liquidatable, engine_->is_liquidatable(AccountId{a}), mm.liquidatable(),
                                                         mm.equity.str(), mm.maintenance.str()));
            }
            if (s->position_count != mm.position_count) {
                fail("summary_positions", fmt::format("{}: account {} {} positions (model {})", context, a, s->position_count, mm.position_count));
            }
        }
        ++probe_account_;
        if (options_.options) check_options(context, model_due);
        due_.resize(account_count());
        const auto scanned = engine_->liquidatable_accounts(Span<AccountId>(due_.data(), due_.size()));
        bool same = scanned.size() == model_due.size();
        for (std::size_t k = 0; same && k < scanned.size(); ++k) same = scanned[k] == model_due[k];
        if (!same) fail("scan", fmt::format("{}: the scan finds {} accounts, the model {}", context, scanned.size(), model_due.size()));
        // Every scan key is the one its account has now: a refresh missed after an operation that
        // moved collateral or a position shows here even while the scan's answers are right.
        const auto keys = engine_->view();
        for (std::uint32_t a = 0; a < account_count(); ++a) {
            if (!detail::scan_key_current(keys, a)) {
                fail("scan_key_stale", fmt::format("{}: account {}'s scan key (class {}) is stale", context, a,
                                                   detail::scan_key_of(keys, a).scan_class));
            }
        }
    }

    // ---- generation ---------------------------------------------------------------------------
    std::uint32_t random_account() {
        if (random_.chance(100)) return account_count() + static_cast<std::uint32_t>(random_.below(3));  // unknown
        return static_cast<std::uint32_t>(random_.below(account_count()));
    }
    std::uint32_t random_trader() {
        const std::uint32_t n = account_count();
        if (random_.chance(10)) return static_cast<std::uint32_t>(random_.below(n));
        return spec_.liquidators + static_cast<std::uint32_t>(random_.below(n - spec_.liquidators));
    }
    double to_double(const Big& v) const { return v.template convert_to<double>(); }

    // A funding delta of about `ppm` of the price per whole unit in the engine's index units.
    detail::int128 typical_funding(std::uint32_t m, std::int64_t ppm) const {
        const ModelMarket& mm = markets_[m];
        Big delta;
        if (formulas_.semantics.funding_per_whole_unit) {
            delta = Big(ppm) * mm.mark * 1000 / pow10(mm.price_decimals);
        } else {
            delta = Big(ppm) * mm.mark * pow10(mm.quote_decimals + 3) / pow10(mm.price_decimals + mm.base_decimals);
        }
        return static_cast<detail::int128>(clamp64(delta).template convert_to<std::int64_t>());
    }

    Op generate() {
        Op op;
        // The perpetuals (option series, markets from here on, have operations of their own).
        const auto market_count = static_cast<std::uint32_t>(spec_.markets.size());
        if (options_.penalty_changes && penalty_random_.chance(40)) {
            op.kind = OpKind::penalty;
            op.market = static_cast<std::uint32_t>(penalty_random_.below(market_count + (penalty_random_.chance(20) ? 1 : 0)));
            const std::uint64_t style = penalty_random_.below(20);
            op.x = style == 0 ? -1 - static_cast<std::int64_t>(penalty_random_.below(5))                  // refused
                 : style == 1 ? 1'000'001 + static_cast<std::int64_t>(penalty_random_.below(5))           // refused
                 : style == 2 ? 1'000'000                                                                  // 100%
                              : static_cast<std::int64_t>(penalty_random_.below(60'001));                  // 0 to 6%
            return op;
        }
        if (options_.fees_and_isolation && funds_random_.chance(40)) return generate_funds_op(market_count);
        if (options_.options && options_random_.chance(8)) return generate_option_op();
        const std::uint64_t roll = random_.below(1000);
        if (roll < 80) {
            op.kind = OpKind::deposit;
            op.a = random_account();
            const Big c = op.a < account_count() ? collateral_[op.a] : Big(0);
            op.x = static_cast<std::int64_t>(random_.below(static_cast<std::uint64_t>(std::max<std::int64_t>(
                       1'000'000, static_cast<std::int64_t>(std::min(1.0e17, to_double(c) / 2 + 1e8))))));
            if (random_.chance(30)) op.x = -op.x;
            if (random_.chance(30)) op.x = 0;
            if (random_.chance(200)) {
                // Near int64 max: accepted only in extreme worlds; elsewhere only when it must be refused.
                const std::int64_t near = std::numeric_limits<std::int64_t>::max() - static_cast<std::int64_t>(random_.below(3));
                const Big external = to_big(engine_->ledger().balance_of(Place::external()));
                if (spec_.extreme || op.a >= account_count() || !fits64(c + near) || !fits64(external - near)) op.x = near;
            }
        } else if (roll < 140) {
            op.kind = OpKind::withdraw;
            op.a = random_account();
            const Big c = op.a < account_count() ? collateral_[op.a] : Big(0);
            const double cd = std::max(1.0, to_double(c));
            op.x = saturate_int64(cd * static_cast<double>(random_.below(1'200)) / 1'000.0);  // up to 1.2x
            if (random_.chance(30)) op.x = 0;
            if (random_.chance(50)) op.x = -op.x - 1;
        } else if (roll < 500) {
            op.kind = OpKind::trade;
            op.market = static_cast<std::uint32_t>(random_.below(market_count));
            if (random_.chance(200)) op.market = market_count + static_cast<std::uint32_t>(random_.below(2));
            op.a = random_trader();
            op.b = random_.chance(100) ? op.a : random_trader();
            if (random_.chance(200)) op.b = account_count() + 1;
            const std::uint32_t m = std::min(op.market, market_count - 1);
            const ModelMarket& mm = markets_[m];
            const double mark = std::max(1.0, to_double(mm.mark));
            const double lot = static_cast<double>(mm.config.lot_size);
            // A notional of up to ~25x the smaller collateral (the margin check refuses many).
            const double cb = op.a < account_count() ? to_double(collateral_[op.a]) : 1e9;
            const double cs = op.b < account_count() ? to_double(collateral_[op.b]) : 1e9;
            const double collateral = std::max(1e6, std::min(cb, cs));
            const double leverage = random_.chance(4) ? static_cast<double>(1 + random_.below(250)) / 10.0
                                                      : static_cast<double>(1 + random_.below(30)) / 10.0;
            const double notional = collateral * leverage;
            double lots = notional * to_double(mm.divisor) / (mark * lot);
            lots = std::clamp(lots, 1.0, static_cast<double>(mm.config.position_max) / lot);
            if (random_.chance(4)) lots = static_cast<double>(1 + random_.below(5));
            op.x = static_cast<std::int64_t>(lots) * mm.config.lot_size;
            if (random_.chance(40)) op.x += 1;  // off the lot
            if (random_.chance(100)) op.x = random_.chance(2) ? 0 : -op.x;
            // A price near the mark, on the tick; sometimes off it.
            const std::int64_t tick = mm.config.tick_size;
            const double move = (static_cast<double>(random_.below(401)) - 200.0) / 10'000.0;  // +-2%
            // Near the int64 ceiling (an extreme world's mark) 2% up is beyond int64.
            std::int64_t price = saturate_int64(mark * (1.0 + move));
            price = std::max<std::int64_t>(tick, price / tick * tick);
            if (random_.chance(40) && tick > 1) price += 1 + static_cast<std::int64_t>(random_.below(static_cast<std::uint64_t>(tick - 1)));
            if (random_.chance(200)) price = random_.chance(2) ? 0 : -tick;
            op.y = price;
            if (random_.chance(200)) op.asset = static_cast<int>(random_.below(asset_kinds));  // maybe the wrong base asset
        } else if (roll < 660) {
            op.kind = OpKind::marks;
            op.t = advance(static_cast<std::int64_t>(random_.below(random_.chance(10) ? 60'000 : 3'000)));
            op.marks.assign(market_count, 0);
            for (std::uint32_t m = 0; m < market_count; ++m) {
                if (random_.chance(8)) continue;  // this market's mark ages
                const std::int64_t base = base_marks_[m];
                const std::int64_t original = spec_.markets[m].mark;
                std::int64_t next = base;
                if (random_.chance(25)) {  // a gap of up to +-50%
                    next = base + static_cast<std::int64_t>(static_cast<double>(base) * (static_cast<double>(random_.below(1'001)) - 500.0) / 1'000.0);
                } else {
                    next = base + static_cast<std::int64_t>(static_cast<double>(base) * (static_cast<double>(random_.below(401)) - 200.0) / 10'000.0);
                }
                next = std::clamp<std::int64_t>(next, std::max<std::int64_t>(1, original / 100), original * 100);
                const std::int64_t tick = markets_[m].config.tick_size;
                if (random_.chance(2)) next = std::max<std::int64_t>(tick, next / tick * tick);  // on the tick, or off
                base_marks_[m] = next;
                op.marks[m] = next;
            }
        } else if (roll < 700) {
            op.kind = OpKind::advance_time;
            op.t = random_.chance(20)  ? now_int() - 1 - static_cast<std::int64_t>(random_.below(1'000))
                   : random_.chance(4) ? advance(static_cast<std::int64_t>(random_.below(200'000)))
                                       : advance(static_cast<std::int64_t>(random_.below(5'000)));
        } else if (roll < 720) {
            op.kind = OpKind::status;
            op.market = static_cast<std::uint32_t>(random_.below(market_count + (random_.chance(20) ? 1 : 0)));
            const std::uint64_t s = random_.below(10);
            op.x = s < 6 ? 0 : (s < 8 ? 1 : 2);
        } else if (roll < 780) {
            op.kind = OpKind::funding;
            op.market = static_cast<std::uint32_t>(random_.below(market_count + (random_.chance(50) ? 1 : 0)));
            const std::uint32_t m = std::min(op.market, market_count - 1);
            const std::uint64_t style = random_.below(100);
            std::uint32_t spiked = market_count;
            for (std::uint32_t k = 0; k < market_count; ++k) {
                if (k < pending_revert_.size() && pending_revert_[k] != 0) spiked = k;
            }
            if (spiked < market_count && random_.chance(2)) {
                // Extreme worlds: an extreme delta is taken back soon (positions not touched in
                // between owe what they owed before).
                op.market = spiked;
                op.z = -pending_revert_[spiked];
                op.sub = 2;
            } else if (spec_.extreme && style < 3) {
                // Extreme worlds: anything near the index's edges (accepted if it fits).
                op.z = static_cast<detail::int128>(random_.edge_biased_int64());
            } else if (style < 6) {
                // Beyond the index's range: refused (overflow), nothing changes.
                const Big index = markets_[m].index_long;
                const Big beyond = (index >= 0 ? Big(-1) : Big(1)) * (funding_index_max_big() + abs_big(index) + 1 +
                                                                      Big(random_.below(1'000)));
                op.z = random_.chance(2) || !fits64(beyond)
                           ? static_cast<detail::int128>(index >= 0 ? std::numeric_limits<std::int64_t>::max() - static_cast<std::int64_t>(random_.below(3))
                                                                    : std::numeric_limits<std::int64_t>::min() + static_cast<std::int64_t>(random_.below(3)))
                           : static_cast<detail::int128>(beyond.template convert_to<std::int64_t>());
            } else {
                op.z = typical_funding(m, static_cast<std::int64_t>(random_.below(2'001)) - 1'000);  // +-0.1% of the price
                if (style < 9) op.z *= 10 + static_cast<std::int64_t>(random_.below(91));        // spikes: +-1% .. 10%
                if (spec_.extreme && style < 8) op.z *= 1'000;                                     // extremes
            }
            if (spec_.extreme && (style < 5 || (style >= 6 && style < 8))) op.sub = 1;
        } else if (roll < 890) {
            op.kind = OpKind::sweep;
            op.x = static_cast<std::int64_t>(random_.chance(5) ? 1 + random_.below(3) : account_count());
            op.y = static_cast<std::int64_t>(random_.below(3));
        } else if (roll < 985) {
            op.kind = OpKind::bad_input;
            op.sub = static_cast<int>(random_.below(12));
            op.market = static_cast<std::uint32_t>(random_.below(market_count));
            op.a = random_account();
            op.b = random_account();
            op.x = random_.edge_biased_int64();
            op.y = random_.edge_biased_int64();
            op.t = random_.chance(2) ? random_.edge_biased_int64() : now_int() - 1;
        } else if (roll < 990) {
            op.kind = OpKind::fund_deposit;
            op.x = static_cast<std::int64_t>(random_.below(1'000'000'000'000)) - (random_.chance(10) ? 2'000'000'000'000 : 0);
        } else if (roll < 993) {
            op.kind = OpKind::open_account;
        } else {
            op.kind = OpKind::extreme_mark;
            op.market = static_cast<std::uint32_t>(random_.below(market_count));
            const MarketConfig& c = markets_[op.market].config;
            const Big limit = Big(std::numeric_limits<std::int64_t>::max() / 8) * markets_[op.market].divisor / Big(c.position_max);
            const std::int64_t near = fits64(limit) ? limit.template convert_to<std::int64_t>() : std::numeric_limits<std::int64_t>::max();
            switch (random_.below(5)) {
                case 0: op.y = std::numeric_limits<std::int64_t>::max() - static_cast<std::int64_t>(random_.below(3)); break;
                // Around the bound; when the bound is int64 max itself, one past it wraps to int64
                // min (in unsigned arithmetic: defined, and the worlds the long run found stay the same).
                case 1: op.y = static_cast<std::int64_t>(static_cast<std::uint64_t>(near) + random_.below(3) - 1); break;
                case 2: op.y = 1 + static_cast<std::int64_t>(random_.below(3)); break;
                case 3: op.y = near / static_cast<std::int64_t>(1 + random_.below(1'000)); break;
                default: op.y = random_.edge_biased_int64(); break;
            }
            op.t = random_.chance(10) ? std::numeric_limits<std::int64_t>::max() - static_cast<std::int64_t>(random_.below(1'000'000)) : advance(1);
            if (random_.chance(20)) op.asset = static_cast<int>(random_.below(asset_kinds));
        }
        return op;
    }

    std::int64_t now_int() const { return fits64(now_) ? now_.template convert_to<std::int64_t>() : 0; }
    std::int64_t advance(std::int64_t ms) const {
        const std::int64_t now = now_int();
        return now > std::numeric_limits<std::int64_t>::max() - ms ? now : now + ms;
    }

    // ---- execution ----------------------------------------------------------------------------
    // Runs `call` on the engine and the shadow: `predict` applies the model's expected effect and
    // returns whether the model expects acceptance (nullopt: no opinion); checks the outcome.
    // `overflow`: for operations whose overflow refusals the model explains (trades, withdrawals),
    // the model's explanation (empty: it shows no value beyond int64): an `overflow` refusal is
    // then soft (`<name>_refused_overflow`) or a hard `overflow_unexplained`.
    template <class Call>
    void step(const char* name, Call&& call, std::optional<bool> expected, const std::string& model_reason,
              bool state_changes_when_accepted = true, const std::optional<std::string>& overflow = std::nullopt) {
        const std::uint64_t before = engine_->digest();
        const std::optional<Error> refused = call();
        if (refused) {
            ++tally_.refused;
            if (engine_->digest() != before) fail("refused_changed_state", fmt::format("{} refused ({}) but the digest changed", name, error_text(*refused)));
        }
        if (refused && refused->code == ErrorCode::overflow && overflow) {
            if (overflow->empty()) {
                fail("overflow_unexplained", fmt::format("{} refused with {}, the model shows no value beyond int64 ({})", name,
                                                         error_text(*refused), model_reason));
            } else {
                fail(std::string(name) + "_refused_overflow", *overflow);
            }
            expected.reset();  // decided by the line above
        }
        const bool decided_otherwise = expected && *expected != !refused;
        if (decided_otherwise) {
            fail(std::string("decision_") + name,
                 refused ? fmt::format("refused with {}, the model accepts: {}", error_text(*refused), model_reason)
                         : fmt::format("accepted, the model refuses: {}", model_reason));
        }
        if (options_.verbose) fmt::print("  -> {}\n", refused ? "refused: " + error_text(*refused) : std::string("ok"));
        // The model predicted the state only for the decision it took.
        if (!decided_otherwise && (!refused || engine_->digest() != before)) compare_state(std::string("state_") + name);
        resync();  // a refused operation changed nothing: this undoes the model's prediction
        if (!refused && state_changes_when_accepted) check_everything(name);
    }

    template <class T>
    static std::optional<Error> outcome(const Result<T>& r) {
        if (r) return std::nullopt;
        return r.error();
    }

    void execute(const Op& op) {
        switch (op.kind) {
            case OpKind::deposit: return do_deposit(op);
            case OpKind::withdraw: return do_withdraw(op);
            case OpKind::trade: return do_trade(op);
            case OpKind::marks: return do_marks(op);
            case OpKind::advance_time: {
                const bool ok = Big(op.t) >= now_;
                if (ok) now_ = op.t;
                step("advance_time", [&] { return outcome(engine_->advance_time(Timestamp{op.t})); }, ok, "time goes back", false);
                return;
            }
            case OpKind::status: {
                const bool known = op.market < markets_.size();
                if (known) markets_[op.market].config.status = static_cast<MarketStatus>(op.x);
                step("status", [&] { return outcome(engine_->set_market_status(MarketId{op.market}, static_cast<MarketStatus>(op.x))); }, known,
                     "unknown market", false);
                return;
            }
            case OpKind::penalty: {
                const bool ok = op.market < markets_.size() && op.x >= 0 && op.x <= 1'000'000;
                if (ok) markets_[op.market].config.liquidation_penalty = Ppm{op.x};
                step("penalty", [&] { return outcome(engine_->set_liquidation_penalty(MarketId{op.market}, Ppm{op.x})); }, ok,
                     "unknown market or a penalty outside [0, 100%]", false);
                return;
            }
            case OpKind::funding: return do_funding(op);
            case OpKind::sweep: return do_sweep(op);
            case OpKind::bad_input: return do_bad_input(op);
            case OpKind::fund_deposit:
                step("fund_deposit", [&] { return outcome(engine_->fund_deposit(Usdc(op.x))); }, std::nullopt, "");
                return;
            case OpKind::open_account: {
                const bool room = account_count() < spec_.limits.accounts_max;
                if (room) add_model_account();
                step("open_account", [&] { return outcome(engine_->open_account()); }, room, "the engine is full");
                return;
            }
            case OpKind::extreme_mark: return do_extreme_mark(op);
            case OpKind::funds: return do_funds(op);
            case OpKind::option_volatility: return do_option_volatility(op);
            case OpKind::option_settle: return do_option_settle(op);
        }
    }

    // ---- option series (RunOptions::options; swarm_options.hpp) --------------------------------
    // Set-up: the plan's series as markets after the perpetuals, and a portfolio model per market.
    bool add_option_series() {
        for (const SeriesSpec& series : option_plan_.series) {
            const int asset = spec_.markets[series.underlying].asset;
            Result<MarketId> id = with_asset(asset, [&](auto tag) { return engine_->template add_market<decltype(tag)>(series.config); });
            if (!id) {
                fail("world_setup", "add_market (an option series): " + error_text(id.error()));
                return false;
            }
            ModelMarket mm = markets_[series.underlying];
            mm.config = series.config;
            markets_.push_back(mm);
            base_marks_.push_back(0);
        }
        for (const ModelMarket& m : markets_) option_models_.push_back(reference_option_model(m.config.option_margin));
        return true;
    }
    // After the first marks: every series' volatility.
    bool set_first_volatilities() {
        for (std::size_t k = 0; k < option_plan_.series.size(); ++k) {
            const auto m = static_cast<std::uint32_t>(spec_.markets.size() + k);
            const Result<void> ok = engine_->set_option_volatility(MarketId{m}, Ppm{option_plan_.series[k].volatility_ppm});
            if (!ok) {
                fail("world_setup", "set_option_volatility: " + error_text(ok.error()));
                return false;
            }
            markets_[m].option_volatility = Ppm{option_plan_.series[k].volatility_ppm}.to_double();
        }
        return true;
    }
    // An underlying's mark at `at`, accepted as the model predicts (swarm_options.hpp); undone if
    // the engine refuses it.
    void predict_series_marks(std::uint32_t underlying, std::int64_t forward, std::int64_t at) {
        tally_.expiries += backstop_swarm::predict_series_marks(markets_, underlying, forward, at);
    }
    void undo_series_marks(const std::vector<ModelMarket>& before) { tally_.expiries -= backstop_swarm::undo_series_marks(markets_, before); }
    // One operation in 8 of an option world, drawn by swarm_options.hpp's draw_option_op.
    Op generate_option_op() {
        const OptionDraw d = draw_option_op(options_random_, option_plan_, spec_, markets_, collateral_, account_count(), base_marks_, now_int());
        Op op;
        op.market = d.market;
        op.a = d.a;
        op.b = d.b;
        op.x = d.x;
        op.y = d.y;
        op.z = d.x;
        op.t = d.t;
        op.marks = d.marks;
        switch (d.kind) {
            case OptionDraw::trade: op.kind = OpKind::trade; break;
            case OptionDraw::volatility: op.kind = OpKind::option_volatility; break;
            case OptionDraw::time: op.kind = OpKind::advance_time; break;
            case OptionDraw::underlying_marks: op.kind = OpKind::marks; break;
            case OptionDraw::series_mark: op.kind = OpKind::extreme_mark; break;
            case OptionDraw::series_funding: op.kind = OpKind::funding; break;
            case OptionDraw::settle: op.kind = OpKind::option_settle; break;
        }
        return op;
    }
    void do_option_volatility(const Op& op) {
        const bool known = op.market < markets_.size();
        const bool series = known && is_series(markets_[op.market]);
        std::string reason = !known ? "unknown market" : !series ? "not an option series" : "";
        bool ok = series;
        const ModelMarket before_prediction = series ? markets_[op.market] : ModelMarket();
        if (ok) {
            const ModelMarket& base = markets_[markets_[op.market].config.option.underlying];
            const OptionTerms& terms = markets_[op.market].config.option;
            if (!base.has_mark) reason = "the underlying has no mark";
            if (markets_[op.market].option_expired || now_ >= Big(terms.expiry_ms)) reason = "the series has expired";
            if (op.x < 100 || op.x > 10'000'000) reason = "a volatility outside [0.01%, 1000%]";
            ok = reason.empty();
            if (ok) {
                ModelMarket& m = markets_[op.market];
                m.mark = model_option_mark(terms, Ppm{op.x}.to_double(), to_i64(base.mark), now_int());
                m.option_volatility = Ppm{op.x}.to_double();
                m.mark_time = base.mark_time;
            }
        }
        std::optional<Error> refused;
        step("option_volatility", [&] {
            refused = outcome(engine_->set_option_volatility(MarketId{op.market}, Ppm{op.x}));
            return refused;
        }, ok, reason);
        if (refused) ++tally_.option_refusals;
        if (refused && ok) markets_[op.market] = before_prediction;
        if (!refused) ++tally_.volatility_changes;
    }
    // settle_expired_series: once the payoff is fixed every holder closes at it, the long side
    // receiving its value rounded down, the short side paying it rounded up (docs/options.md); a
    // holder short of collateral realises gains of its other positions first; refused if they
    // cannot pay its loss either.
    void do_option_settle(const Op& op) {
        const std::uint32_t m = op.market;
        const bool series = m < markets_.size() && is_series(markets_[m]);
        std::string reason = !series ? "not an option series" : !markets_[m].option_expired ? "the payoff is not fixed yet" : "";
        std::string overflow;  // why an overflow refusal would be legitimate
        std::uint32_t holders = 0;
        std::uint64_t realisations = 0;
        if (reason.empty()) {
            const ModelMarket& mm = markets_[m];
            Big pool = to_big(engine_->ledger().balance_of(Place::pnl_pool()));
            for (std::uint32_t a = 0; a < account_count(); ++a) {
                const ModelPosition& p = positions_[a][m];
                if (p.size == 0) continue;
                const Big value = -formulas_.value(mm, p.size);
                const Formulas::Fill fill = formulas_.fill(mm, p, -p.size, value);
                if (!fits64(value) || !fits64(fill.realised) || !fits64(collateral_[a] + fill.realised)) {
                    overflow = fmt::format("account {}: a settlement value or its collateral beyond int64", a);
                }
                // Short of collateral: the gains of its other positions in closable markets, in
                // the engine's slot order, realised up to the shortfall (cost raised as much).
                Big shortfall = -(collateral_[a] + fill.realised);
                const detail::PositionBook& book = engine_->view().book;
                for (std::uint32_t s = 0; s < book.per_account && shortfall > 0; ++s) {
                    const std::uint16_t x = book.market[book.index(a, s)];
                    if (x == detail::PositionBook::empty || x == m || positions_[a][x].size == 0 || !closable(x)) continue;
                    ModelPosition& other = positions_[a][x];
                    const Big gain = formulas_.pnl(markets_[x], other);
                    if (gain <= 0 || !fits64(other.cost + std::min(gain, shortfall))) continue;
                    const Big amount = std::min(gain, shortfall);
                    other.cost += amount;
                    collateral_[a] += amount;
                    pool -= amount;  // in the engine's order: each realisation, then the holder's close
                    if (!fits64(pool)) overflow = fmt::format("account {}: the pnl_pool beyond int64 after a realisation", a);
                    shortfall -= amount;
                    ++realisations;
                }
                pool -= fill.realised;
                if (!fits64(pool)) overflow = fmt::format("account {}: the pnl_pool beyond int64 after its close", a);
                if (shortfall > 0 && reason.empty()) reason = fmt::format("account {} cannot pay its settlement", a);
                collateral_[a] += fill.realised;
                positions_[a][m] = fill.after;
                ++holders;
            }
        }
        std::optional<Error> refused;
        step("option_settle", [&] {
            const Result<SeriesSettlementReport<USDC>> r = engine_->settle_expired_series(MarketId{m});
            refused = outcome(r);
            if (r && r->holders != holders) {
                fail("settlement_holders", fmt::format("market {}: {} holders settled, the model {}", m, r->holders, holders));
            }
            return refused;
        }, reason.empty() && overflow.empty() ? std::optional<bool>(true) : (reason.empty() ? std::nullopt : std::optional<bool>(false)),
             reason.empty() ? "every holder pays" : reason, true, overflow.empty() ? std::nullopt : std::optional<std::string>(overflow));
        if (refused) ++tally_.option_refusals;
        if (!refused) tally_.settled_positions += holders;
        if (!refused) tally_.settlement_realisations += realisations;
    }

    // After every check: the engine's series (expired or not, volatility) as the model keeps them,
    // and is_liquidatable for every account against the model.
    void check_options(const char* context, const std::vector<AccountId>& model_due) {
        const auto view = engine_->view();
        for (std::uint32_t m = 0; m < markets_.size(); ++m) {
            const detail::MarketState& state = view.markets[m];
            if (state.option_expired != markets_[m].option_expired || state.option_volatility != markets_[m].option_volatility) {
                fail("option_series_state", fmt::format("{}: market {} expired {} volatility {} (model {} {})", context, m, state.option_expired,
                                                        state.option_volatility, markets_[m].option_expired, markets_[m].option_volatility));
            }
        }
        for (std::uint32_t a = 0; a < account_count(); ++a) {
            const bool due = std::find(model_due.begin(), model_due.end(), AccountId{a}) != model_due.end();
            if (engine_->is_liquidatable(AccountId{a}) != due) {
                fail("option_is_liquidatable", fmt::format("{}: account {} is_liquidatable {} (model {})", context, a, !due, due));
            }
        }
    }

    // ---- fees and isolated funds (RunOptions::fees_and_isolation) ------------------------------
    // What the shared fund has paid per market, and what the isolated funds hold.
    struct FundDraws {
        std::vector<Big> shared_paid;
        std::vector<Big> drawn;  // the engine's count against each market's cap
        Big isolated_held = 0;
    };
    FundDraws fund_draws() const {
        FundDraws draws;
        for (std::uint32_t m = 0; m < markets_.size(); ++m) {
            draws.shared_paid.push_back(Big(to_string(engine_->fund().paid_in(MarketId{m}).atoms())));
            draws.drawn.push_back(to_big(engine_->shared_fund_drawn(MarketId{m})));
            if (engine_->isolated_fund_place(MarketId{m})) draws.isolated_held += to_big(engine_->ledger().balance_of(isolated_place(m)));
        }
        return draws;
    }
    // The shared fund paid what the report says, and no market beyond its draw cap (what it had
    // paid before, less than the cap, plus this payment); the isolated funds no more than they held.
    void check_fund_draws(const std::string& what, const FundDraws& before, const Big& isolated_paid, const Big& fund_paid,
                          const Big& remainder) {
        const FundDraws after = fund_draws();
        tally_.isolated_draws += isolated_paid > 0;
        bool at_cap = false;
        Big grown = 0;
        for (std::uint32_t m = 0; m < markets_.size(); ++m) {
            const Big growth = after.shared_paid[m] - before.shared_paid[m];
            grown += growth;
            const Big cap = Big(markets_[m].config.shared_fund_draw_max);
            at_cap = at_cap || after.shared_paid[m] >= cap;
            const Big drawn_growth = after.drawn[m] - before.drawn[m];
            if (drawn_growth > 0 && after.drawn[m] > cap) {
                fail("shared_fund_draw_cap", fmt::format("{}: market {} has drawn {} on the shared fund, cap {}", what, m,
                                                         after.drawn[m].str(), cap.str()));
            }
            if (drawn_growth != 0 && drawn_growth < fund_paid) {
                fail("shared_fund_draw_count", fmt::format("{}: market {} counted {} against its cap, the fund paid {}", what, m,
                                                           drawn_growth.str(), fund_paid.str()));
            }
            if (growth > 0 && after.shared_paid[m] > cap) {
                fail("shared_fund_draw_cap", fmt::format("{}: market {} drew {} from the shared fund, {} in total, cap {}", what, m,
                                                         growth.str(), after.shared_paid[m].str(), cap.str()));
            }
        }
        // A remainder while the shared fund holds money and a market is at its cap: the cap (most
        // likely) held it back.
        tally_.capped_draws += remainder > 0 && at_cap && to_big(engine_->fund().balance(engine_->ledger())) > 0;
        if (grown != fund_paid) fail("shared_fund_draw_report", fmt::format("{}: the shared fund paid {}, the report says {}", what, grown.str(), fund_paid.str()));
        if (isolated_paid > before.isolated_held) {
            fail("isolated_fund_draw", fmt::format("{}: the isolated funds paid {} but held {}", what, isolated_paid.str(), before.isolated_held.str()));
        }
    }

    // Per market: fees (half the markets), a draw cap on the shared fund (half), an isolated fund
    // with a deposit (half), through the journaled operations.
    bool set_up_fees_and_isolation() {
        for (std::uint32_t m = 0; m < markets_.size(); ++m) {
            const MarketId id{m};
            if (funds_random_.chance(2)) {
                (void)engine_->set_market_parameter(id, MarketParameter::taker_fee, static_cast<std::int64_t>(funds_random_.below(1'001)));
                (void)engine_->set_market_parameter(id, MarketParameter::maker_fee, static_cast<std::int64_t>(funds_random_.below(501)));
                (void)engine_->set_market_parameter(id, MarketParameter::fee_to_fund,
                                                    static_cast<std::int64_t>(funds_random_.below(1'000'001)));
            }
            if (funds_random_.chance(2)) {
                (void)engine_->set_market_parameter(id, MarketParameter::shared_fund_draw_max, random_amount(funds_random_));
            }
            if (funds_random_.chance(2)) {
                if (!engine_->isolate_market(id)) {
                    fail("world_setup", "isolate_market");
                    return false;
                }
                const std::int64_t deposit = random_amount(funds_random_);
                if (deposit > 0) (void)engine_->isolated_fund_deposit(id, Usdc(deposit));
            }
        }
        resync();
        return true;
    }
    // 0, or up to 10^6 USDC, or (1 in 20) near int64 max.
    static std::int64_t random_amount(testing::TestRandom& r) {
        if (r.chance(10)) return 0;
        if (r.chance(20)) return std::numeric_limits<std::int64_t>::max() - static_cast<std::int64_t>(r.below(1'000'000));
        return static_cast<std::int64_t>(r.below(1'000'000'000'000));
    }
    Op generate_funds_op(std::uint32_t market_count) {
        Op op;
        op.kind = OpKind::funds;
        op.sub = static_cast<int>(funds_random_.below(7));
        op.market = static_cast<std::uint32_t>(funds_random_.below(market_count + (funds_random_.chance(20) ? 1 : 0)));
        switch (op.sub) {
            case 0: op.x = funds_random_.chance(20) ? -static_cast<std::int64_t>(funds_random_.below(3)) : random_amount(funds_random_); break;
            case 1: break;
            case 2: op.x = funds_random_.chance(20) ? -1 : random_amount(funds_random_); break;
            case 6: op.x = funds_random_.chance(20) ? -static_cast<std::int64_t>(funds_random_.below(3)) : random_amount(funds_random_) / 64; break;
            default:
                op.x = funds_random_.chance(20) ? 100'001 + static_cast<std::int64_t>(funds_random_.below(2'000'000))
                                                : static_cast<std::int64_t>(funds_random_.below(1'001));
                if (op.sub == 5 && !funds_random_.chance(20)) op.x = static_cast<std::int64_t>(funds_random_.below(1'000'001));
        }
        return op;
    }
    bool is_isolated(std::uint32_t m) const { return engine_->isolated_fund_place(MarketId{m}).has_value(); }
    Place isolated_place(std::uint32_t m) const {
        const Result<Place> place = engine_->isolated_fund_place(MarketId{m});
        return place ? *place : engine_->fund().place();
    }
    // Where a market's fee and penalty shares go: its own fund or the shared one.
    Place market_fund_place(std::uint32_t m) const { return isolated_place(m); }
    void do_funds(const Op& op) {
        const bool known = op.market < markets_.size();
        const bool isolated = known && engine_->isolated_fund_place(MarketId{op.market}).has_value();
        const Big max64 = Big(std::numeric_limits<std::int64_t>::max());
        switch (op.sub) {
            case 0: {
                // The outside world's balance goes down by what it puts in.
                const Big external_after = to_big(engine_->ledger().balance_of(Place::external())) - op.x;
                const bool fits = isolated && to_big(engine_->ledger().balance_of(isolated_place(op.market))) + op.x <= max64 &&
                                  external_after >= Big(std::numeric_limits<std::int64_t>::min());
                const std::optional<std::string> overflow =
                    isolated && op.x > 0 && !fits ? std::optional<std::string>("the isolated fund's or the outside's balance beyond int64")
                                                  : std::nullopt;
                step("isolated_fund_deposit", [&] { return outcome(engine_->isolated_fund_deposit(MarketId{op.market}, Usdc(op.x))); },
                     isolated && op.x > 0 && fits, "unknown or not isolated market, or not a positive amount", true, overflow);
                return;
            }
            case 1: {
                Big open_interest = 0;
                for (std::uint32_t a = 0; known && a < account_count(); ++a) {
                    if (positions_[a][op.market].size > 0) open_interest += positions_[a][op.market].size;
                }
                const bool settled = isolated && markets_[op.market].config.status != MarketStatus::active && open_interest == 0;
                const Big swept = isolated ? to_big(engine_->ledger().balance_of(isolated_place(op.market))) : Big(0);
                const Big fund_before = to_big(engine_->fund().balance(engine_->ledger()));
                const bool fits = fund_before + swept <= max64;
                const bool positive = swept > 0;  // a fund deposit moves a positive amount
                step("sweep_isolated_fund", [&] { return outcome(engine_->sweep_isolated_fund(MarketId{op.market})); },
                     settled && fits && positive, "not isolated, not settled, nothing to sweep or the shared fund would overflow", true,
                     settled && positive && !fits ? std::optional<std::string>("the shared fund's balance beyond int64") : std::nullopt);
                if (settled && fits && positive && to_big(engine_->fund().balance(engine_->ledger())) != fund_before + swept) {
                    fail("sweep_amount", fmt::format("market {}: swept {} but the shared fund went from {} to {}", op.market, swept.str(),
                                                     fund_before.str(), to_big(engine_->fund().balance(engine_->ledger())).str()));
                }
                return;
            }
            case 6: {  // a staker's claim or governance: at most the fund's balance
                const Big balance = to_big(engine_->fund().balance(engine_->ledger()));
                const Big external_after = to_big(engine_->ledger().balance_of(Place::external())) + op.x;
                const bool fits = external_after <= max64;
                step("fund_withdraw", [&] { return outcome(engine_->fund_withdraw(Usdc(op.x))); }, op.x > 0 && Big(op.x) <= balance && fits,
                     "not a positive amount, more than the fund holds, or the outside's balance beyond int64", true,
                     op.x > 0 && Big(op.x) <= balance && !fits ? std::optional<std::string>("the outside's balance beyond int64")
                                                               : std::nullopt);
                return;
            }
            default: {
                static const MarketParameter parameters[] = {MarketParameter::shared_fund_draw_max, MarketParameter::taker_fee,
                                                             MarketParameter::maker_fee, MarketParameter::fee_to_fund};
                const MarketParameter parameter = parameters[op.sub - 2];
                const bool in_bounds = parameter == MarketParameter::shared_fund_draw_max ? op.x >= 0
                                     : parameter == MarketParameter::fee_to_fund          ? op.x >= 0 && op.x <= 1'000'000
                                                                                          : op.x >= 0 && op.x <= 100'000;
                step("market_parameter", [&] { return outcome(engine_->set_market_parameter(MarketId{op.market}, parameter, op.x)); },
                     known && in_bounds, "unknown market or a value out of bounds", false);
                return;
            }
        }
    }

    void do_deposit(const Op& op) {
        const bool known = op.a < account_count();
        std::string reason;
        bool ok = known && op.x > 0;
        if (ok) {
            const Big external = to_big(engine_->ledger().balance_of(Place::external()));
            ok = fits64(collateral_[op.a] + op.x) && fits64(external - op.x);
            if (ok) collateral_[op.a] += op.x;
            reason = "overflow";
        }
        step("deposit", [&] { return outcome(engine_->deposit(AccountId{op.a}, Usdc(op.x))); }, ok, reason);
    }

    bool fresh(std::uint32_t m) const { return formulas_.fresh(markets_[m], now_); }
    // A liquidation can close here: not halted (an expired series always: its payoff is fixed), fresh.
    bool closable(std::uint32_t m) const {
        return (markets_[m].config.status != MarketStatus::halted || markets_[m].option_expired) && fresh(m);
    }

    void do_withdraw(const Op& op) {
        std::string reason;
        bool ok = op.a < account_count() && op.x > 0;
        if (ok && collateral_[op.a] < op.x) {
            ok = false;
            reason = "insufficient balance";
        }
        std::string overflow;
        if (ok) {
            const Big external = to_big(engine_->ledger().balance_of(Place::external()));
            if (!fits64(external + op.x)) {
                ok = false;
                overflow = fmt::format("the external place would hold {}", (external + op.x).str());
                reason = overflow;
            }
        }
        if (ok) {
            const ModelMetrics m = metrics_of(op.a);
            for (std::uint32_t k = 0; k < markets_.size(); ++k) {
                if (positions_[op.a][k].size != 0 && !fresh(k)) {
                    ok = false;
                    reason = fmt::format("market {} mark not fresh", k);
                }
            }
            if (ok && m.position_count > 0 && m.equity - op.x < m.initial) {
                ok = false;
                reason = fmt::format("equity {} - {} < initial {}", m.equity.str(), op.x, m.initial.str());
            }
        }
        if (ok) collateral_[op.a] -= op.x;
        step("withdraw", [&] { return outcome(engine_->withdraw(AccountId{op.a}, Usdc(op.x))); }, ok, reason, true, overflow);
    }

    // The model's decision on a trade (issue 12's semantics) and, if accepted, its effect.
    // Where a fill's values leave int64 (settled funding, the settled cost, the size, realised
    // PnL, the cost after), or its transfers, in commit order (funding pnl_pool -> funding_pool,
    // realised PnL pnl_pool -> collateral), take a balance beyond int64: the explanation of an
    // `overflow` refusal ("" if none).
    struct Balances {
        Big pnl_pool = 0;
        Big funding_pool = 0;
        std::map<std::uint32_t, Big> collateral;
    };
    Balances balances() const {
        Balances b;
        b.pnl_pool = to_big(engine_->ledger().balance_of(Place::pnl_pool()));
        b.funding_pool = to_big(engine_->ledger().balance_of(Place::funding_pool()));
        return b;
    }
    std::string fill_overflow(std::uint32_t account, const ModelPosition& before, const Formulas::Fill& f, Balances& b,
                              const Big& collateral_change) const {
        auto beyond = [&](const char* what, const Big& v) { return fmt::format("account {}: {} {} beyond int64", account, what, v.str()); };
        if (!fits64(f.funding)) return beyond("funding settled", f.funding);
        if (!fits64(before.cost + f.funding)) return beyond("settled cost", before.cost + f.funding);
        if (!fits64(f.after.size)) return beyond("size", f.after.size);
        if (!fits64(f.realised)) return beyond("realised PnL", f.realised);
        if (!fits64(f.after.cost)) return beyond("cost after", f.after.cost);
        b.pnl_pool -= f.funding;
        b.funding_pool += f.funding;
        if (!fits64(b.pnl_pool)) return beyond("pnl_pool after its funding", b.pnl_pool);
        if (!fits64(b.funding_pool)) return beyond("funding_pool after its funding", b.funding_pool);
        auto found = b.collateral.find(account);
        if (found == b.collateral.end()) found = b.collateral.emplace(account, collateral_[account]).first;
        found->second += collateral_change;
        b.pnl_pool -= collateral_change;
        if (!fits64(b.pnl_pool)) return beyond("pnl_pool after its realised PnL", b.pnl_pool);
        if (!fits64(found->second)) return beyond("collateral", found->second);
        return "";
    }

    bool predict_trade(const Op& op, std::string& reason, std::string& overflow) {
        auto refuse = [&](std::string why) {
            reason = std::move(why);
            return false;
        };
        const std::uint32_t market_count = static_cast<std::uint32_t>(markets_.size());
        if (op.market >= market_count) return refuse("unknown market");
        if (op.asset >= 0 && op.asset != asset_of(op.market)) return refuse("asset mismatch");
        if (op.a >= account_count() || op.b >= account_count()) return refuse("unknown account");
        if (op.a == op.b) return refuse("self trade");
        const ModelMarket& mm = markets_[op.market];
        if (mm.config.status == MarketStatus::halted) return refuse("halted");
        if (!fresh(op.market)) return refuse("traded market's mark not fresh");
        if (op.x <= 0) return refuse("size not positive");
        if (op.x % mm.config.lot_size != 0) return refuse("off lot");
        if (op.y <= 0) return refuse("price not positive");
        if (op.y % mm.config.tick_size != 0) return refuse("off tick");
        const Big value = formulas_.fill_value(mm, Big(op.x), Big(op.y));
        if (value > Big(std::numeric_limits<std::int64_t>::max() / 8)) {
            overflow = fmt::format("the fill's value {} is beyond int64 max / 8", value.str());
            return refuse(overflow);
        }
        struct Side {
            std::uint32_t account;
            Formulas::Fill fill;
        };
        std::array<Side, 2> sides{Side{op.a, formulas_.fill(mm, positions_[op.a][op.market], Big(op.x), value)},
                                  Side{op.b, formulas_.fill(mm, positions_[op.b][op.market], Big(-op.x), Big(-value))}};
        {
            Balances b = balances();
            for (const Side& side : sides) {
                overflow = fill_overflow(side.account, positions_[side.account][op.market], side.fill, b, side.fill.realised);
                if (!overflow.empty()) return refuse("overflow: " + overflow);
            }
        }
        Big open_interest = 0;
        for (std::uint32_t a = 0; a < account_count(); ++a) {
            if (positions_[a][op.market].size > 0) open_interest += positions_[a][op.market].size;
        }
        Big open_interest_after = open_interest;
        for (const Side& s : sides) {
            const ModelPosition& before = positions_[s.account][op.market];
            if (before.size == 0) {
                std::size_t held = 0;
                for (const ModelPosition& p : positions_[s.account]) held += p.size != 0 ? 1u : 0u;
                if (held >= spec_.limits.positions_per_account) return refuse(fmt::format("account {} has no free slot", s.account));
                // An isolated market's position is alone in its account.
                for (std::uint32_t k = 0; k < market_count; ++k) {
                    if (k == op.market || positions_[s.account][k].size == 0) continue;
                    if (is_isolated(op.market) || is_isolated(k)) {
                        return refuse(fmt::format("account {} would hold isolated market {} beside market {}", s.account,
                                                  is_isolated(op.market) ? op.market : k, is_isolated(op.market) ? k : op.market));
                    }
                }
            }
            if (!fits64(s.fill.after.size)) return refuse("size overflow");
            const Big magnitude_after = abs_big(s.fill.after.size);
            if (magnitude_after > Big(mm.config.position_max) && magnitude_after > abs_big(before.size)) {
                return refuse(fmt::format("account {} position limit", s.account));
            }
            open_interest_after += (s.fill.after.size > 0 ? s.fill.after.size : Big(0)) - (before.size > 0 ? before.size : Big(0));
        }
        if ((mm.config.status == MarketStatus::reduce_only || mm.option_expired) && (!sides[0].fill.reduces || !sides[1].fill.reduces)) {
            return refuse("reduce only (or an expired series)");
        }
        if (open_interest_after > Big(mm.config.open_interest_max) && open_interest_after > open_interest) return refuse("open interest limit");
        // Each side's fee: of the fill's value at its rate (the taker's or the maker's), rounded up;
        // the fund's share of it rounded down.
        const bool seller_takes = options_.fees_and_isolation && op.sub == 1;
        std::array<Big, 2> fees{};
        std::array<Big, 2> to_fund{};
        for (std::size_t k = 0; k < 2; ++k) {
            const bool takes = (k == 1) == seller_takes;
            const Big rate = Big((takes ? mm.config.taker_fee : mm.config.maker_fee).count());
            fees[k] = (abs_big(value) * rate + 999'999) / 1'000'000;
            to_fund[k] = fees[k] * mm.config.fee_to_fund.count() / 1'000'000;
        }
        for (std::size_t k = 0; k < 2; ++k) {
            const Side& s = sides[k];
            const Big& collateral = collateral_[s.account];
            if (collateral + s.fill.realised < fees[k]) {
                return refuse(fmt::format("account {} cannot pay its realised loss {} and fee {}", s.account, s.fill.realised.str(), fees[k].str()));
            }
            if (s.fill.reduces && !(options_.options && holds_live_option(markets_, positions_[s.account]))) continue;
            // Issue 12: the margin check needs fresh marks for every market the account holds.
            std::vector<ModelPosition> after = positions_[s.account];
            after[op.market] = s.fill.after;
            for (std::uint32_t k = 0; k < market_count; ++k) {
                if (after[k].size != 0 && !fresh(k)) return refuse(fmt::format("account {} holds market {} whose mark is not fresh", s.account, k));
            }
            const ModelMetrics m = metrics_for(s.account, collateral + s.fill.realised - fees[k], after, op.market);
            // With live options a reducing fill is free of the initial check only if it does not
            // raise maintenance (docs/options.md: closing a hedge leg can).
            if (s.fill.reduces && m.maintenance <= metrics_of(s.account).maintenance) continue;
            if (m.equity < m.initial) {
                return refuse(fmt::format("account {} equity {} < initial {} after the fill", s.account, m.equity.str(), m.initial.str()));
            }
            reason += fmt::format("account {} after the fill: equity {} initial {} (realised {}, funding settled {}); ", s.account,
                                  m.equity.str(), m.initial.str(), s.fill.realised.str(), s.fill.funding.str());
        }
        // The fees' receivers take both sides' shares after the fills.
        const Big fund_after = to_big(engine_->ledger().balance_of(market_fund_place(op.market))) + to_fund[0] + to_fund[1];
        const Big treasury_after = to_big(engine_->ledger().balance_of(Place::treasury())) + fees[0] + fees[1] - to_fund[0] - to_fund[1];
        if (!fits64(fund_after) || !fits64(treasury_after)) {
            overflow = fmt::format("a fee receiver beyond int64: the market's fund {}, the treasury {}", fund_after.str(), treasury_after.str());
            return refuse(overflow);
        }
        for (std::size_t k = 0; k < 2; ++k) {
            collateral_[sides[k].account] += sides[k].fill.realised - fees[k];
            positions_[sides[k].account][op.market] = sides[k].fill.after;
        }
        return true;
    }

    void do_trade(const Op& op) {
        std::string reason;
        std::string overflow;
        const bool ok = predict_trade(op, reason, overflow);
        const int asset = op.asset >= 0 ? op.asset : asset_of(std::min(op.market, static_cast<std::uint32_t>(markets_.size() - 1)));
        step("trade", [&] {
            auto r = with_asset(asset, [&](auto tag) {
                using B = decltype(tag);
                return engine_->template trade<B>(MarketId{op.market}, AccountId{op.a}, AccountId{op.b}, Quantity<B>(op.x), Price<B, USDC>(op.y),
                                                  options_.fees_and_isolation && op.sub == 1 ? Taker::seller : Taker::buyer);
            });
            tally_.trades += r.has_value();
            if (op.market < markets_.size() && is_series(markets_[op.market])) (r ? tally_.option_trades : tally_.option_refusals) += 1;
            return outcome(r);
        }, ok, reason, true, overflow);
    }

    // set_mark on market m: the model predicts the mark and the time when accepted.
    // `check`: the full check after an accepted mark (a marks operation checks once, at its end).
    void set_mark(std::uint32_t m, int asset, std::int64_t price, std::int64_t at, std::optional<bool> decision, const char* reason,
                  bool check = true) {
        std::string why = reason;
        if (is_series(markets_[m])) {
            decision = false;
            why = "an option's mark follows its underlying's";
        }
        if (!decision && asset == asset_of(m) && price > 0) {
            // A maximal position must be worth at most int64 max / 8 at the mark.
            const Big value_max = trunc_div(Big(markets_[m].config.position_max) * price, markets_[m].divisor);
            decision = value_max <= Big(std::numeric_limits<std::int64_t>::max() / 8);
            why = fmt::format("a maximal position would be worth {}", value_max.str());
        }
        if (asset == asset_of(m)) {
            markets_[m].mark = price;
            markets_[m].has_mark = true;
            now_ = at;
        }
        const std::vector<ModelMarket> before_marks = options_.options ? markets_ : std::vector<ModelMarket>();
        if (decision.value_or(false)) predict_series_marks(m, price, at);
        std::optional<Error> refused;
        step("set_mark", [&] {
            refused = outcome(with_asset(asset, [&](auto tag) {
                using B = decltype(tag);
                return engine_->template set_mark<B>(MarketId{m}, Price<B, USDC>(price), Timestamp{at});
            }));
            return refused;
        }, decision, why, check);
        if (!refused) markets_[m].mark_time = at;  // not public: the model keeps it
        if (!refused) marks_accepted_ = true;
        if (refused && options_.options) undo_series_marks(before_marks);
        if (refused && is_series(markets_[m])) ++tally_.option_refusals;
    }

    void do_marks(const Op& op) {
        marks_accepted_ = false;
        for (std::uint32_t m = 0; m < op.marks.size(); ++m) {
            if (op.marks[m] == 0) continue;
            set_mark(m, asset_of(m), op.marks[m], op.t,
                     Big(op.t) >= now_ ? std::nullopt : std::optional<bool>(false), "time goes back", false);
        }
        if (op.t > now_int()) {  // markets without a new mark: time moves anyway
            now_ = op.t;
            step("advance_time", [&] { return outcome(engine_->advance_time(Timestamp{op.t})); }, true, "", false);
        }
        if (marks_accepted_) check_everything("set_mark");  // once, with every new mark
    }

    void do_extreme_mark(const Op& op) {
        const int asset = op.asset >= 0 ? op.asset : asset_of(op.market);
        std::optional<bool> decision;
        if (Big(op.t) < now_ || op.y <= 0 || asset != asset_of(op.market)) decision = false;
        set_mark(op.market, asset, op.y, op.t, decision, "time goes back, price not positive or another asset");
    }

    void do_funding(const Op& op) {
        const bool known = op.market < markets_.size();
        const FundingDelta delta(clamp64(big_from_int128(op.z)).template convert_to<std::int64_t>());
        // The index's range: +-funding_index_max (128-bit indices), int64 before issue 12.
        const bool series = known && is_series(markets_[op.market]);
        bool ok = known && !series;
        std::string reason = series ? "an option series pays no funding" : "unknown market";
        if (ok) {
            const Big longs = markets_[op.market].index_long + to_big(delta.value());
            const Big shorts = markets_[op.market].index_short + to_big(delta.value());
            const Big limit = formulas_.semantics.funding_per_whole_unit ? funding_index_max_big() : int64_max();
            ok = abs_big(longs) <= limit && abs_big(shorts) <= limit;
            reason = fmt::format("an index would leave +-{}: {} {}", limit.str(), longs.str(), shorts.str());
            if (ok) {
                markets_[op.market].index_long = longs;
                markets_[op.market].index_short = shorts;
                pending_revert_.resize(markets_.size(), 0);
                if (op.sub == 1) pending_revert_[op.market] += delta.value();
                if (op.sub == 2) pending_revert_[op.market] = 0;
            }
        }
        std::optional<Error> refused;
        step("funding", [&] {
            refused = outcome(engine_->update_funding(MarketId{op.market}, delta));
            return refused;
        }, ok, reason);
        if (refused && known && !ok && !series && refused->code != ErrorCode::overflow) fail("decision_funding", "refused with " + error_text(*refused));
        if (refused && series) ++tally_.option_refusals;
    }

    // ---- liquidations ---------------------------------------------------------------------------
    void do_sweep(const Op& op) {
        due_.resize(account_count());
        const std::size_t span = std::min<std::size_t>(static_cast<std::size_t>(op.x), due_.size());
        const auto found = engine_->liquidatable_accounts(Span<AccountId>(due_.data(), span));
        std::vector<AccountId> list(found.begin(), found.end());
        std::vector<AccountId> model_due;
        for (std::uint32_t a = 0; a < account_count() && model_due.size() < span; ++a) {
            if (metrics_of(a).liquidatable()) model_due.push_back(AccountId{a});
        }
        if (list != model_due) fail("scan", fmt::format("the scan (span {}) finds {} accounts, the model {}", span, list.size(), model_due.size()));
        for (const AccountId account : list) {
            for (int round = 0; round < 3; ++round) {
                if (!metrics_of(account.value).liquidatable()) break;
                std::uint32_t liquidator = static_cast<std::uint32_t>(random_.below(spec_.liquidators));
                if (random_.chance(20)) liquidator = static_cast<std::uint32_t>(random_.below(account_count() + 1));
                if (!liquidate(account.value, liquidator, static_cast<int>(op.y), round)) break;
            }
        }
    }

    bool has_closable_position(std::uint32_t a) const {
        for (std::uint32_t m = 0; m < markets_.size(); ++m) {
            if (positions_[a][m].size != 0 && closable(m)) return true;
        }
        return false;
    }

    // Whether a liquidation of `a` by `liquidator` may have to be refused with `overflow`: the
    // model closes every closable position in full at the mark against the liquidator and shows
    // the first value beyond int64 (settled funding, costs, realised PnL, the balances after each
    // fill in the engine's order, the defaulter's losses cut to its collateral), or a position in
    // those markets (a bearer's) whose settled funding or cost leaves int64. "" if none: an
    // overflow refusal is then a hard failure. A pnl_pool too full to take the deficit is no
    // reason: the engine leaves the part it cannot take uncovered.
    std::string liquidation_overflow(std::uint32_t a, std::uint32_t liquidator) const {
        if (liquidator >= account_count() || liquidator == a) return "";
        Balances b = balances();
        Big gains = 0;  // the defaulter's realised gains, if every closable position closed
        for (std::uint32_t m = 0; m < markets_.size(); ++m) {
            const ModelPosition& p = positions_[a][m];
            if (p.size == 0 || !closable(m)) continue;
            const ModelMarket& mm = markets_[m];
            const ModelPosition& t = positions_[liquidator][m];
            const Big value = formulas_.close_value(mm, p.size, p.size, t.size);
            const Formulas::Fill defaulter = formulas_.fill(mm, p, -p.size, value);
            const Formulas::Fill taker = formulas_.fill(mm, t, p.size, -value);
            if (defaulter.realised > 0) gains += defaulter.realised;
            // The engine cuts the defaulter's loss transfers to what its collateral holds: the
            // deficit reaches the pnl_pool later (fund, socialized loss) or never (uncovered), so
            // the liquidator's gain is paid from a pnl_pool without it.
            auto held = b.collateral.find(a);
            const Big cash = held == b.collateral.end() ? collateral_[a] : held->second;
            Big paid = defaulter.realised;
            if (paid < 0 && cash + paid < 0) paid = cash > 0 ? Big(-cash) : Big(0);
            std::string why = fill_overflow(a, p, defaulter, b, paid);
            if (why.empty()) why = fill_overflow(liquidator, t, taker, b, taker.realised);
            if (!why.empty()) return why;
            for (std::uint32_t x = 0; x < account_count(); ++x) {
                const ModelPosition& q = positions_[x][m];
                if (x == a || x == liquidator || q.size == 0) continue;
                const Big owed = formulas_.funding_owed(mm, q);
                if (!fits64(owed) || !fits64(q.cost + owed)) {
                    return fmt::format("account {} (a bearer) market {}: funding {} on cost {} beyond int64", x, m, owed.str(), q.cost.str());
                }
            }
        }
        // The reward (the discount and the penalty's shares) comes from the defaulter's
        // collateral, at most what it holds plus the gains its closes realise (a partial close
        // may realise only those): a receiver that cannot take that much on top of its balance
        // (the liquidator, however its own fills go; the fund, the treasury, dust) may overflow
        // (seeds 1023598, 1027261: a liquidator's collateral at int64 max).
        const Big reward_max = collateral_[a] + gains;
        if (reward_max > 0) {
            auto held = b.collateral.find(liquidator);
            const Big after_fills = held == b.collateral.end() ? collateral_[liquidator] : held->second;
            const Big liquidator_cash = std::max(after_fills, Big(collateral_[liquidator]));
            if (!fits64(liquidator_cash + reward_max)) {
                return fmt::format("liquidator {}: collateral {} and a reward up to {} beyond int64", liquidator,
                                   liquidator_cash.str(), reward_max.str());
            }
            std::vector<Place> receivers{engine_->fund().place(), Place::treasury(), Place::dust()};
            for (std::uint32_t m = 0; m < markets_.size(); ++m) receivers.push_back(market_fund_place(m));
            for (const Place place : receivers) {
                const Big balance = to_big(engine_->ledger().balance_of(place));
                if (!fits64(balance + reward_max)) {
                    return fmt::format("a penalty receiver: balance {} and a share up to {} beyond int64", balance.str(), reward_max.str());
                }
            }
        }
        return "";
    }

    // Whether the liquidator's collateral may not pay the losses its takeover realises (each
    // closable position of `a` closed in full at the mark: the most a liquidation closes).
    std::string liquidator_cash_short(std::uint32_t a, std::uint32_t liquidator) const {
        if (liquidator >= account_count() || liquidator == a) return "";
        Big gains = 0;
        Big losses = 0;
        for (std::uint32_t m = 0; m < markets_.size(); ++m) {
            const ModelPosition& p = positions_[a][m];
            if (p.size == 0 || !closable(m)) continue;
            const ModelPosition& t = positions_[liquidator][m];
            const Big value = formulas_.close_value(markets_[m], p.size, p.size, t.size);
            const Big realised = formulas_.fill(markets_[m], t, p.size, -value).realised;
            (realised >= 0 ? gains : losses) += realised;
        }
        // A partial liquidation may close only the markets where the liquidator loses: the
        // losses alone bound what its collateral may have to pay.
        if (collateral_[liquidator] + losses >= 0) return "";
        return fmt::format("the liquidator's collateral {} may not pay the loss (up to {}) its takeover realises (gains up to {} if "
                           "every closable position closes): expected insufficient_collateral",
                           collateral_[liquidator].str(), (-losses).str(), gains.str());
    }

    // One liquidation with every check of 4; returns whether it was carried out.
    bool liquidate(std::uint32_t a, std::uint32_t liquidator, int span_mode, int round) {
        const std::uint32_t n = account_count();
        std::vector<ModelMetrics> pre(n);
        for (std::uint32_t x = 0; x < n; ++x) pre[x] = metrics_of(x);
        const auto pre_positions = positions_;
        const auto pre_collateral = collateral_;
        const auto pre_markets = markets_;
        const bool model_liquidatable = a < n && pre[a].liquidatable();
        allocations_.resize(n + 2);
        Span<Allocation<USDC>> out;
        if (span_mode == 1) out = Span<Allocation<USDC>>(allocations_.data(), allocations_.size());
        if (span_mode == 2) out = Span<Allocation<USDC>>(allocations_.data(), 1 + random_.below(2));
        const Big uncovered_before = to_big(engine_->uncovered_total());
        const FundDraws draws_before = fund_draws();
        const std::uint64_t digest_before = engine_->digest();
        const std::string what = fmt::format("liquidate(account {}, liquidator {}, allocation span {}) round {}", a, liquidator,
                                             span_mode == 0 ? std::string("engine's") : std::to_string(out.size()), round);
        if (options_.verbose) fmt::print("  {}\n    {}\n    {}\n", what, describe_account(a), describe_account(liquidator));
        auto r = engine_->liquidate(AccountId{a}, AccountId{liquidator}, out);
        if (!r) {
            ++tally_.refused;
            const Error e = r.error();
            if (options_.verbose) fmt::print("  -> refused: {}\n", error_text(e));
            if (engine_->digest() != digest_before) fail("refused_changed_state", what + " refused (" + error_text(e) + ") but the digest changed");
            if (e.code == ErrorCode::not_liquidatable && model_liquidatable) {
                fail("liquidatable_decision", what + ": refused as not liquidatable, the model finds it liquidatable");
            }
            if (model_liquidatable && (e.code == ErrorCode::allocation_capacity || e.code == ErrorCode::invalid_argument ||
                                       e.code == ErrorCode::unknown_place)) {
                fail("liquidation_refused_by_waterfall", what + ": refused with " + error_text(e) + " (" + std::string(e.detail) + ")");
            }
            if (model_liquidatable && liquidator != a && liquidator < n &&
                (e.code == ErrorCode::market_halted || e.code == ErrorCode::stale_mark || e.code == ErrorCode::no_mark) &&
                has_closable_position(a)) {
                fail("liquidation_blocked_by_halted_or_stale", what + ": refused with " + error_text(e) + " although it has a position in a fresh, open market");
            }
            if (e.code == ErrorCode::overflow) {
                const std::string why = liquidation_overflow(a, liquidator);
                const std::string cash = liquidator_cash_short(a, liquidator);
                if (why.empty() && !cash.empty()) {
                    // docs/engine.md: a liquidator that cannot pay the loss it realises is refused
                    // with insufficient_collateral; an overflow there is a mislabelled refusal.
                    fail("liquidator_cash_refused_as_overflow", what + ": refused with " + error_text(e) + "; " + cash);
                } else if (why.empty()) {
                    fail("overflow_unexplained", what + ": refused with " + error_text(e) + ", the model shows no value beyond int64");
                } else {
                    fail("liquidation_refused_overflow", what + ": " + why);
                }
            }
            return false;
        }
        ++tally_.liquidations;
        if (options_.verbose) {
            fmt::print("  -> {} penalty {} deficit {} fund {} remainder {} socialized {} uncovered {}\n", r->full ? "full" : "partial",
                       to_big(r->penalty).str(), to_big(r->deficit).str(), to_big(r->fund_paid).str(), to_big(r->remainder).str(),
                       to_big(r->socialized).str(), to_big(r->uncovered).str());
        }
        if (!model_liquidatable) fail("liquidatable_decision", what + ": carried out, the model finds the account healthy");
        resync();
        check_everything("liquidate");
        // An account holding a live option (docs/options.md): by risk reduction (a position left
        // where a liquidation can close), it meets its initial requirement; otherwise, when the
        // liquidation had to close everything, nothing is left where it can close.
        if (options_.options && holds_live_option(pre_markets, pre_positions[a])) {
            ++tally_.option_liquidations;
            tally_.option_remainders_uncovered += r->remainder.is_positive() && !r->socialized.is_positive() ? 1u : 0u;
            bool closable_left = false;
            bool whole = false;  // an underlying of its live options liquidates books whole
            for (std::uint32_t m = 0; m < markets_.size(); ++m) {
                closable_left = closable_left || (positions_[a][m].size != 0 && closable(m));
                const MarketConfig& c = pre_markets[m].config;
                whole = whole || (pre_positions[a][m].size != 0 && c.option.is_option && !pre_markets[m].option_expired &&
                                  markets_[c.option.underlying].config.option_margin.liquidate_books_whole);
            }
            if (whole && closable_left) {
                fail("option_book_not_whole", fmt::format("{}: account {} keeps a closable position although its underlying "
                                                          "liquidates option books whole", what, a));
            } else if (closable_left) {
                ++tally_.option_partial_liquidations;
                const ModelMetrics after = metrics_of(a);
                if (after.equity < after.initial || r->deficit.is_positive()) {
                    fail("option_book_not_restored", fmt::format("{}: a liquidation by risk reduction left equity {} (deficit {}) below the "
                                                                 "initial requirement {}",
                                                                 what, after.equity.str(), to_big(r->deficit).str(), after.initial.str()));
                }
            }
        }
        const Big penalty = to_big(r->penalty);
        const Big deficit = to_big(r->deficit);
        const Big fund_paid = to_big(r->fund_paid);
        const Big remainder = to_big(r->remainder);
        const Big socialized = to_big(r->socialized);
        const Big uncovered = to_big(r->uncovered);
        tally_.deficits += deficit > 0;
        tally_.socialized += socialized > 0;
        tally_.uncovered += uncovered > 0;
        const Big isolated_paid = to_big(r->isolated_fund_paid);
        check_fund_draws(what, draws_before, isolated_paid, fund_paid, remainder);
        if (deficit != isolated_paid + fund_paid + remainder || isolated_paid < 0 || (remainder > 0 && remainder != socialized + uncovered) || deficit < 0 || fund_paid < 0 ||
            socialized < 0 || uncovered < 0) {
            fail("waterfall_arithmetic", fmt::format("{}: deficit {} fund {} remainder {} socialized {} uncovered {}", what, deficit.str(),
                                                     fund_paid.str(), remainder.str(), socialized.str(), uncovered.str()));
        }
        if (to_big(engine_->uncovered_total()) - uncovered_before != uncovered) {
            fail("uncovered_total", fmt::format("{}: uncovered_total grew by {}, the report says {}", what,
                                                (to_big(engine_->uncovered_total()) - uncovered_before).str(), uncovered.str()));
        }
        std::vector<ModelMetrics> post(n);
        for (std::uint32_t x = 0; x < n; ++x) post[x] = metrics_of(x);
        const Big tolerance = Big(2 * markets_.size() + 2);
        // Closes at the mark: the defaulter's, and each ADL bearer's against the liquidator. Each
        // costs the liquidator at most 2 atoms of rounding and never gains it anything.
        std::size_t closes = 0;
        for (std::uint32_t x = 0; x < n; ++x) {
            if (x == liquidator) continue;
            for (std::uint32_t m = 0; m < markets_.size(); ++m) closes += pre_positions[x][m].size != positions_[x][m].size ? 1u : 0u;
        }
        // A funding socialization charges the liquidator's positions too (its takeover settled at
        // the old indices): that charge is not part of its gain.
        Big socialization_charge = 0;
        for (std::uint32_t m = 0; m < markets_.size(); ++m) {
            ModelMarket old_indices = markets_[m];
            old_indices.index_long = pre_markets[m].index_long;
            old_indices.index_short = pre_markets[m].index_short;
            socialization_charge += formulas_.funding_owed(markets_[m], positions_[liquidator][m]) -
                                    formulas_.funding_owed(old_indices, positions_[liquidator][m]);
        }
        // What the liquidator gained besides its share of the penalty: the discount, less rounding.
        const Big share = to_big(r->penalty_split.to_liquidator);
        const Big gain = post[liquidator].equity - pre[liquidator].equity + socialization_charge - share;
        Big reported_discount = gain;
        if constexpr (has_discount_field<LiquidationReport<USDC>>::value) reported_discount = to_big(r->discount);
        tally_.discounts += reported_discount > 0;
        if ((deficit > 0 || fund_paid > 0) && (penalty > 0 || reported_discount > 0 || gain > 0)) {
            fail("penalty_or_discount_not_forgone", fmt::format("{}: deficit {} fund paid {} with penalty {}, discount {} and liquidator gain {}",
                                                                what, deficit.str(), fund_paid.str(), penalty.str(),
                                                                reported_discount.str(), gain.str()));
        }
        if (gain > reported_discount || gain < reported_discount - Big(2 * closes)) {
            fail("discount_report", fmt::format("{}: report.discount {} but the liquidator gained {} besides its penalty share {} "
                                                "({} closes at the mark, socialization charge {}; equity {} -> {})",
                                                what, reported_discount.str(), gain.str(), share.str(), closes,
                                                socialization_charge.str(), pre[liquidator].equity.str(), post[liquidator].equity.str()));
        }
        if (post[a].liquidatable() && has_closable_position(a)) {
            fail("liquidated_account_still_liquidatable",
                 fmt::format("{}: equity {} maintenance {} after a {} liquidation", what, post[a].equity.str(), post[a].maintenance.str(),
                             r->full ? "full" : "partial"));
        }
        // The socialized loss.
        const bool funding = spec_.policy == PolicyKind::funding;
        std::vector<std::uint32_t> closed_markets;
        bool exempt_closes_only = true;  // every close in a series exempt from ADL
        for (std::uint32_t m = 0; m < markets_.size(); ++m) {
            // A series whose underlying exempts its options from ADL: its holders bear nothing.
            const MarketConfig& c = markets_[m].config;
            const bool exempt = c.option.is_option && markets_[c.option.underlying].config.option_margin.options_exempt_from_adl;
            if (pre_positions[a][m].size == positions_[a][m].size) continue;
            exempt_closes_only = exempt_closes_only && exempt;
            if (!exempt) closed_markets.push_back(m);
        }
        // Only exempt series closed: nobody bears the remainder (a clearing house's default fund,
        // not a bearer, may still pay), no allocation, no funding index moved.
        if (exempt_closes_only && (r->allocation_count != 0 || r->funding_delta_per_unit != 0 ||
                                   (spec_.policy != PolicyKind::clearing && r->socialized.is_positive()))) {
            fail("exempt_series_bore_loss", fmt::format("{}: only exempt series closed, yet {} allocations, funding delta {}, "
                                                        "socialized {}",
                                                        what, r->allocation_count, r->funding_delta_per_unit,
                                                        to_big(r->socialized).str()));
        }
        for (std::uint32_t x = 0; x < n && !funding; ++x) {
            if (x == a || x == liquidator) continue;
            const bool changed = pre_collateral[x] != collateral_[x] || pre_positions[x] != positions_[x];
            if (!changed && pre[x].equity == post[x].equity) continue;
            bool opposite = false;
            Big profit = 0;
            for (const std::uint32_t m : closed_markets) {
                const Big& own = pre_positions[x][m].size;
                const Big& defaulter = pre_positions[a][m].size;
                if (own != 0 && ((own > 0) != (defaulter > 0))) {
                    opposite = true;
                    const Big p = formulas_.pnl(pre_markets[m], pre_positions[x][m]);
                    if (p > profit) profit = p;
                }
            }
            if (!opposite) {
                fail("bystander_touched", fmt::format("{}: account {} changed without an opposite position in a closed market", what, x));
                continue;
            }
            const Big loss = pre[x].equity - post[x].equity;
            Big capacity = profit;
            if (spec_.policy == PolicyKind::clearing) capacity = ceil_div(pre_collateral[x] * spec_.assessment_bps, Big(10'000));
            if (loss > capacity + tolerance) {
                fail("bearer_charged_beyond_capacity", fmt::format("{}: account {} lost {} with a capacity of {} ({} before, {} after)", what, x,
                                                                   loss.str(), capacity.str(), pre[x].equity.str(), post[x].equity.str()));
            }
        }
        for (std::uint32_t x = 0; x < n && !funding; ++x) {
            if (x == a || pre[x].liquidatable() || !post[x].liquidatable()) continue;
            fail(spec_.policy == PolicyKind::clearing && x != liquidator ? "assessment_made_liquidatable" : "healthy_made_liquidatable",
                 fmt::format("{}: account {} healthy before (equity {} maintenance {}), liquidatable after (equity {} maintenance {})", what, x,
                             pre[x].equity.str(), pre[x].maintenance.str(), post[x].equity.str(), post[x].maintenance.str()));
        }
        return true;
    }

    // ---- bad input ------------------------------------------------------------------------------
    void do_bad_input(const Op& op) {
        const std::uint32_t unknown_market = static_cast<std::uint32_t>(markets_.size()) + static_cast<std::uint32_t>(op.x & 3);
        const int asset = spec_.markets[op.market].asset;
        const int other_asset = (asset + 1 + static_cast<int>(static_cast<std::uint64_t>(op.y) % 3)) % asset_kinds;
        auto typed_trade = [&](int kind, std::uint32_t market, std::uint32_t buyer, std::uint32_t seller, std::int64_t size, std::int64_t price) {
            return outcome(with_asset(kind, [&](auto tag) {
                using B = decltype(tag);
                return engine_->template trade<B>(MarketId{market}, AccountId{buyer}, AccountId{seller}, Quantity<B>(size), Price<B, USDC>(price));
            }));
        };
        const std::int64_t mark = markets_[op.market].mark.template convert_to<std::int64_t>();
        const std::int64_t lot = markets_[op.market].config.lot_size;
        const std::int64_t on_tick = std::max<std::int64_t>(1, mark / markets_[op.market].config.tick_size) * markets_[op.market].config.tick_size;
        // Every case is refused by the engine (the model says why).
        switch (op.sub) {
            case 0: step("bad_trade", [&] { return typed_trade(asset, unknown_market, op.a, op.b, lot, on_tick); }, false, "unknown market"); break;
            case 1: step("bad_trade", [&] { return typed_trade(other_asset, op.market, op.a, op.b, lot, on_tick); }, false, "another base asset"); break;
            case 2: step("bad_trade", [&] { return typed_trade(asset, op.market, op.a, op.a, lot, on_tick); }, false, "self trade"); break;
            case 3: step("bad_trade", [&] { return typed_trade(asset, op.market, 1, 2, op.x <= 0 ? op.x : -op.x, on_tick); }, false, "size not positive"); break;
            case 4: step("bad_trade", [&] { return typed_trade(asset, op.market, 1, 2, lot, op.y <= 0 ? op.y : -op.y); }, false, "price not positive"); break;
            case 5: step("bad_deposit", [&] { return outcome(engine_->deposit(AccountId{account_count() + 5}, Usdc(1))); }, false, "unknown account"); break;
            case 6: step("bad_withdraw", [&] { return outcome(engine_->withdraw(AccountId{op.a}, Usdc(op.x <= 0 ? op.x : -op.x))); }, false, "amount not positive"); break;
            case 7: step("bad_liquidate", [&] { return outcome(engine_->liquidate(AccountId{op.a}, AccountId{op.a})); }, false, "self liquidation"); break;
            case 8: step("bad_funding", [&] { return outcome(engine_->update_funding(MarketId{unknown_market}, FundingDelta(op.x))); }, false, "unknown market"); break;
            case 9:
                set_mark(op.market, asset, op.y, op.t, (Big(op.t) < now_ || op.y <= 0) ? std::optional<bool>(false) : std::nullopt,
                         "time goes back or price not positive");
                break;
            case 10: step("bad_status", [&] { return outcome(engine_->set_market_status(MarketId{unknown_market}, MarketStatus::halted)); }, false, "unknown market"); break;
            default: {
                // Liquidating a healthy or unknown account.
                const std::uint32_t target = op.a;
                const bool liquidatable = target < account_count() && metrics_of(target).liquidatable();
                if (liquidatable) {
                    (void)liquidate(target, op.b, 0, 0);
                } else {
                    step("bad_liquidate", [&] { return outcome(engine_->liquidate(AccountId{target}, AccountId{op.b})); }, false, "not liquidatable");
                }
                break;
            }
        }
    }

    WorldSpec spec_;
    RunOptions options_;
    testing::TestRandom random_;
    testing::TestRandom penalty_random_;
    testing::TestRandom funds_random_;
    testing::TestRandom options_random_;
    OptionPlan option_plan_;
    std::vector<std::optional<PortfolioMargin>> option_models_;  // per market: the reference model of one that lists options
    Formulas formulas_;
    std::optional<Engine> engine_;
    std::vector<ModelMarket> markets_;
    std::vector<std::int64_t> base_marks_;
    std::vector<Big> collateral_;
    std::vector<std::vector<ModelPosition>> positions_;
    Big now_ = 0;
    std::vector<AccountId> due_;
    std::vector<Allocation<USDC>> allocations_;
    SwarmTally tally_;
    std::uint64_t op_index_ = 0;
    std::uint32_t probe_account_ = 0;
    bool marks_accepted_ = false;
    std::vector<detail::int128> pending_revert_;  // extreme funding deltas to take back, per market
    Op current_;
};

// Runs one world of the given fund type (defined in one translation unit per policy).
template <class Fund>
SwarmTally run_world(std::uint64_t seed, RunOptions options) {
    return Swarm<Fund>(seed, options).run();
}

// Dispatches a seed to its policy and form (swarm_dispatch.cpp).
SwarmTally run_seed(std::uint64_t seed, RunOptions options);

}  // namespace backstop_swarm
