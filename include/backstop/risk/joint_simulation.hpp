// Several protocols in one lab run: each its own engine, population and fund (a Scenario), their
// markets moved together by CorrelatedMarkets (a common factor in the diffusions and common
// jumps), and their funds sharing risk in one of five ways, every arm on the same paths (common
// random numbers):
//
//   alone            each fund on its own
//   excess_of_loss   each protocol buys the same excess-of-loss treaty from one outside reinsurer
//   quota_share      ... a quota share
//   stop_loss        ... a stop loss
//   pooled           the funds pay a contribution per period into a pool that pays their losses
//
// One reinsurer writing every protocol's treaty (or one pool) is the point: correlated losses
// arrive at it together, so it can run dry exactly when it is needed (contagion); the report
// gives its own depletion next to the funds'. Every flow between a protocol's fund and the
// reinsurer or the pool is a pair of ledger transfers (the engine's fund_withdraw or fund_deposit,
// and the other side in the capital ledger that holds the reinsurer and the pool, through
// management/reinsurance.hpp and management/risk_pool.hpp), counted on both sides: a path whose
// two sides differ by one atom is not conserved.
//
// A loss event is one liquidation's deficit (the negative equity of a full close at the mark).
// Before the fund pays it, the layer pays what its terms owe: the treaty's due for the event
// (excess of loss and quota share per event, stop loss on the period's aggregate), or, for the
// pool, the part of the deficit the fund's balance cannot cover (the pool is the layer after the
// fund). Premiums and contributions are paid at the end of each period, in arrears.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/management/reinsurance.hpp"
#include "backstop/management/risk_pool.hpp"
#include "backstop/risk/engine_fund_bridge.hpp"
#include "backstop/risk/path_runner.hpp"
#include "backstop/risk/path_codec.hpp"
#include "backstop/risk/path_distribution.hpp"
#include "backstop/risk/penalty_comparison.hpp"
#include "backstop/risk/price_model/correlated_markets.hpp"
#include "backstop/risk/progress.hpp"
#include "backstop/risk/simulator.hpp"
#include "backstop/risk/statistics.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace backstop {
namespace risk {

enum class JointArm : std::uint8_t { alone = 0, excess_of_loss = 1, quota_share = 2, stop_loss = 3, pooled = 4 };
inline constexpr std::array<JointArm, 5> joint_arms{JointArm::alone, JointArm::excess_of_loss, JointArm::quota_share,
                                                    JointArm::stop_loss, JointArm::pooled};

inline const char* joint_arm_name(JointArm arm) {
    switch (arm) {
        case JointArm::alone: return "alone";
        case JointArm::excess_of_loss: return "excess of loss";
        case JointArm::quota_share: return "quota share";
        case JointArm::stop_loss: return "stop loss";
        case JointArm::pooled: return "pooled";
    }
    return "unknown";
}

// The terms every protocol buys, in quote units; a period is at least a step.
struct SharingTerms {
    double reinsurer_capital = 1'500'000.0;  // one outside reinsurer writes every protocol's treaty
    double period_days = 1.0;                // premiums, contributions and the stop loss's aggregate
    // Excess of loss, per loss event (a liquidation's deficit): pays the part above the attachment
    // up to the limit, the limit restored `reinstatements` times over the horizon.
    double xol_attachment = 20'000.0;
    double xol_limit = 300'000.0;
    std::uint32_t xol_reinstatements = 1;
    double xol_premium = 2'000.0;
    // Quota share: the reinsurer pays this share of every loss.
    double quota_share = 0.5;
    double quota_premium = 2'000.0;
    // Stop loss: the period's losses above the attachment, up to the limit.
    double stop_loss_attachment = 20'000.0;
    double stop_loss_limit = 300'000.0;
    double stop_loss_premium = 2'000.0;
    // Pool: each member pays `pool_initial_contribution` of its fund in at the start and
    // `pool_contribution` of it per period; the pool may also start with outside capital.
    double pool_initial_contribution = 0.25;
    double pool_contribution = 0.001;
    double pool_capital = 0.0;
};

struct JointSetup {
    std::vector<Scenario> protocols;  // each protocol's market, population, fund; its price model is not used
    CorrelatedMarkets markets;        // one market per protocol
    SharingTerms terms;
    std::uint64_t seed = 2026;  // of the market moves (each protocol's own seed draws its traders)
    std::uint64_t paths = 200;
    std::uint32_t threads = 0;  // 0: every core
    double confidence = 0.95;
    PathDistribution* distribution = nullptr;  // the paths over processes too (risk/path_distribution.hpp)
};

struct JointProtocolArm {
    std::uint64_t depleted_paths = 0;
    BinomialInterval depletion{};          // Wilson
    std::uint64_t depleted_alone_only = 0;  // paths depleted alone but not in this arm
    std::uint64_t depleted_arm_only = 0;    // and the reverse
    double mcnemar_p_value = 1.0;           // against alone, exact
    MeanInterval claims_received;           // per path, quote units
    MeanInterval premiums_paid;             // per path (contributions for the pool)
    MeanInterval fund_final;
};

struct JointArmResult {
    JointArm arm = JointArm::alone;
    std::vector<JointProtocolArm> protocols;
    std::uint64_t any_depleted_paths = 0;  // at least one protocol depleted
    BinomialInterval any_depletion{};
    std::uint64_t layer_depleted_paths = 0;  // the reinsurer or the pool could not pay a claim in full
    BinomialInterval layer_depletion{};
    MeanInterval layer_unpaid;               // what it could not pay, per path
    MeanInterval layer_final;                // its capital at the end, per path
    std::uint64_t paths_not_conserved = 0;   // must be 0
};

struct JointResult {
    std::uint64_t paths = 0;
    std::vector<std::string> protocol_names;
    std::vector<JointArmResult> arms;  // in joint_arms order
};

// What one path of one arm did.
struct JointPath {
    std::vector<std::uint8_t> depleted;  // per protocol
    std::vector<double> claims_received;
    std::vector<double> premiums_paid;
    std::vector<double> fund_final;
    bool layer_depleted = false;
    double layer_unpaid = 0.0;
    double layer_final = 0.0;
    bool conserved = true;
};

namespace detail {

// A joint path as bytes and back (a distributed run, risk/path_distribution.hpp).
inline void encode_joint_path(ByteWriter& out, const JointPath& path) {
    out.put(static_cast<std::uint64_t>(path.depleted.size()));
    for (const std::uint8_t d : path.depleted) out.put(d);
    out.put_series(path.claims_received);
    out.put_series(path.premiums_paid);
    out.put_series(path.fund_final);
    out.put(path.layer_depleted);
    out.put(path.layer_unpaid);
    out.put(path.layer_final);
    out.put(path.conserved);
}
inline JointPath decode_joint_path(ByteReader& in) {
    JointPath path;
    const auto protocols = in.get<std::uint64_t>();
    if (protocols > in.remaining()) throw std::runtime_error("path codec: more protocols than the buffer holds");
    path.depleted.resize(static_cast<std::size_t>(protocols));
    for (std::uint8_t& d : path.depleted) d = in.get<std::uint8_t>();
    path.claims_received = in.get_series();
    path.premiums_paid = in.get_series();
    path.fund_final = in.get_series();
    in.get(path.layer_depleted);
    in.get(path.layer_unpaid);
    in.get(path.layer_final);
    in.get(path.conserved);
    return path;
}
static_assert(field_count<JointPath>() == 8, "JointPath changed: encode the new field in encode_joint_path");

inline Result<void> check_joint_setup(const JointSetup& setup) {
    const std::size_t n = setup.protocols.size();
    if (n < 2 || n > 16) return make_error(ErrorCode::invalid_argument, "a joint run needs 2 to 16 protocols");
    if (setup.markets.size() != n || !setup.markets.valid()) {
        return make_error(ErrorCode::invalid_argument, "one valid correlated market per protocol");
    }
    if (setup.paths < 2) return make_error(ErrorCode::invalid_argument, "a joint run needs at least two paths");
    const Scenario& first = setup.protocols.front();
    for (const Scenario& s : setup.protocols) {
        if (s.horizon_steps != first.horizon_steps || s.step_hours != first.step_hours) {
            return make_error(ErrorCode::invalid_argument, "the protocols must share the horizon and the step");
        }
        // Each protocol is one market here: the joint run draws one correlated return per protocol.
        if (s.market_count() != 1) {
            return make_error(ErrorCode::invalid_argument, "a joint run's protocols have one market each");
        }
        // The pool pays what the fund's balance cannot: a plain USDC fund that covers up to its balance.
        if (!fund_setup_consistent(s.fund) || s.fund.staking || s.fund.yield || s.fund.hedge ||
            s.fund.base_asset_fraction > 0.0 || s.fund.settlement != SettlementChoice::cover_up_to_balance) {
            return make_error(ErrorCode::invalid_policy_parameter, "a joint run's funds are plain USDC funds covering up to their balance");
        }
        // What every PathRunner checks, here as a value (the runners are built on worker threads),
        // after the joint run's own checks so that those keep their error codes.
        if (const char* error = detail::runnable_error(s)) return make_error(ErrorCode::invalid_argument, error);
    }
    const SharingTerms& t = setup.terms;
    const bool ok = t.reinsurer_capital >= 0.0 && t.period_days > 0.0 && t.xol_attachment >= 0.0 && t.xol_limit > 0.0 &&
                    t.xol_premium >= 0.0 && t.quota_share > 0.0 && t.quota_share <= 1.0 && t.quota_premium >= 0.0 &&
                    t.stop_loss_attachment >= 0.0 && t.stop_loss_limit > 0.0 && t.stop_loss_premium >= 0.0 &&
                    t.pool_contribution >= 0.0 && t.pool_contribution <= 1.0 && t.pool_initial_contribution >= 0.0 &&
                    t.pool_initial_contribution <= 1.0 && t.pool_capital >= 0.0 &&
                    t.reinsurer_capital <= 1e12 && t.xol_limit <= 1e12 && t.stop_loss_limit <= 1e12 && t.pool_capital <= 1e12 &&
                    t.xol_attachment <= 1e12 && t.stop_loss_attachment <= 1e12 && t.xol_premium <= 1e9 &&
                    t.quota_premium <= 1e9 && t.stop_loss_premium <= 1e9 && t.quota_share >= 1e-6 &&
                    t.xol_reinstatements <= TreatyTerms<USDC>::reinstatements_max &&
                    // A period of at least a step (premiums are charged once a step) and at most ten years.
                    t.period_days * 24.0 >= first.step_hours && t.period_days <= 3'650.0 && t.xol_limit >= 1e-6 &&
                    t.stop_loss_limit >= 1e-6;
    if (!ok) return make_error(ErrorCode::invalid_policy_parameter, "sharing terms out of bounds");
    return {};
}

// The reinsurer's or the pool's side: a capital ledger whose fund places are one transit place
// per protocol (money between a protocol's engine and the layer passes through it and it ends
// every exchange empty) and the layer's capital.
class SharingLayer {
public:
    using Wide = Amount<USDC, Int128>;

    SharingLayer(const JointSetup& setup, JointArm arm)
        : arm_(arm), capital_(LedgerLimits{1, static_cast<std::uint32_t>(setup.protocols.size()) + 1, 1}) {
        const auto n = static_cast<std::uint32_t>(setup.protocols.size());
        for (std::uint32_t k = 0; k < n; ++k) (void)capital_.open_fund();
        layer_ = *capital_.open_fund();
        const SharingTerms& t = setup.terms;
        const double capital = arm == JointArm::pooled ? t.pool_capital : t.reinsurer_capital;
        if (arm != JointArm::alone && capital > 0.0) {
            (void)capital_.transfer(Place::external(), Place::fund(layer_), atoms(capital), TransferReason::fund_deposit);
        }
        layer_initial_ = layer_atoms();
        contribution_fraction_ = t.pool_contribution;
        initial_contribution_ = t.pool_initial_contribution;
        period_ms_ = static_cast<std::int64_t>(std::llround(t.period_days * 86'400'000.0));
        if (arm == JointArm::pooled) {
            // Valid by check_joint_setup; first due at 0 (start()).
            pool_ = RiskPool<USDC>::open(capital_, layer_, period_ms_, n, -period_ms_).value();
            ContributionRule<USDC> all_of_transit;  // the transit holds exactly the contribution
            all_of_transit.kind = ContributionKind::share_of_balance;
            all_of_transit.share = Ppm{Ppm::denominator};
            for (std::uint32_t k = 0; k < n; ++k) (void)pool_.add_member(capital_, FundId{k}, all_of_transit);
        }
        if (arm == JointArm::excess_of_loss || arm == JointArm::quota_share || arm == JointArm::stop_loss) {
            book_ = *Reinsurance<USDC>::open(n);
            for (std::uint32_t k = 0; k < n; ++k) {
                TreatyTerms<USDC> terms;
                terms.cedent = FundId{k};
                terms.reinsurer = layer_;
                terms.period_ms = period_ms_;
                if (arm == JointArm::excess_of_loss) {
                    terms.kind = TreatyKind::excess_of_loss;
                    terms.attachment = wide(t.xol_attachment);
                    terms.limit = wide(t.xol_limit);
                    terms.reinstatements = t.xol_reinstatements;
                    terms.premium_per_period = wide(t.xol_premium);
                } else if (arm == JointArm::quota_share) {
                    terms.kind = TreatyKind::quota_share;
                    terms.share = ppm_from_fraction(t.quota_share);
                    terms.limit = wide(1e12);
                    terms.premium_per_period = wide(t.quota_premium);
                } else {
                    terms.kind = TreatyKind::stop_loss;
                    terms.attachment = wide(t.stop_loss_attachment);
                    terms.limit = wide(t.stop_loss_limit);
                    terms.reinstatements = 1'000'000;  // a stop loss covers every period
                    terms.premium_per_period = wide(t.stop_loss_premium);
                }
                Result<TreatyId> written = book_.write(capital_, terms, 0);
                if (!written) throw std::invalid_argument("joint run: invalid treaty terms");
            }
        }
    }

    // Before the first step: the members' initial contributions to a pool.
    template <class Runners>
    void start(Runners& runners, JointPath& out) {
        if (arm_ != JointArm::pooled) return;
        for (std::size_t k = 0; k < runners.size(); ++k) {
            const auto owed = static_cast<std::int64_t>(static_cast<double>(runners[k]->fund_atoms()) * initial_contribution_);
            to_transit(*runners[k], k, owed);
            out.premiums_paid[k] += to_units(transit(k));
        }
        (void)pool_.contribute(capital_, 0);
    }

    // At the start of the step that ends at `now_ms`, before its claims: the premiums (or the
    // pool's contributions) of every period that has ended by then, so that no claim is made on a
    // period not paid for (Reinsurance refuses one with premium_overdue).
    template <class Runners>
    void start_of_step(Runners& runners, std::int64_t now_ms, JointPath& out) {
        now_ms_ = now_ms;
        if (arm_ == JointArm::alone) return;
        const std::size_t n = runners.size();
        if (arm_ == JointArm::pooled) {
            if (now_ms < pool_.contribution_due_ms()) return;
            for (std::size_t k = 0; k < n; ++k) {
                // Rounded down: a member never pays more than its fraction.
                const auto owed = static_cast<std::int64_t>(static_cast<double>(runners[k]->fund_atoms()) * contribution_fraction_);
                to_transit(*runners[k], k, owed);
            }
        } else {
            for (std::size_t k = 0; k < n; ++k) {
                const std::int64_t owed = premium_owed(k, now_ms);
                if (owed > 0) to_transit(*runners[k], k, std::min(owed, runners[k]->fund_atoms()));
            }
        }
        std::array<std::int64_t, 16> before{};
        for (std::size_t k = 0; k < n; ++k) before[k] = transit(k);
        if (arm_ == JointArm::pooled) {
            (void)pool_.contribute(capital_, now_ms);  // each member's whole transit balance
        } else {
            (void)book_.charge_premiums(capital_, now_ms);  // pays, or lapses and pays nothing
        }
        for (std::size_t k = 0; k < n; ++k) {
            out.premiums_paid[k] += to_units(before[k] - transit(k));
            from_transit(*runners[k], k);  // what a lapsed treaty did not take goes back
        }
    }

    // Before a liquidation of protocol k that leaves `deficit` atoms: the treaty pays what its
    // terms owe for this loss event; the pool pays the part the fund cannot.
    template <class Runner>
    void before_deficit(Runner& runner, std::size_t k, std::int64_t deficit, JointPath& out) {
        if (arm_ == JointArm::alone || deficit <= 0) return;
        std::int64_t paid = 0;
        std::int64_t unpaid = 0;
        if (arm_ == JointArm::pooled) {
            const std::int64_t beyond = deficit - runner.fund_atoms();
            if (beyond <= 0) return;
            const MemberLoss<USDC> loss{FundId{static_cast<std::uint32_t>(k)}, Wide(Int128(beyond))};
            Result<SettleReport<USDC>> settled = pool_.settle(capital_, Span<const MemberLoss<USDC>>(&loss, 1));
            if (settled) {
                paid = static_cast<std::int64_t>(settled->paid.atoms());
                unpaid = static_cast<std::int64_t>(settled->unpaid.atoms());
            }
        } else {
            Result<ClaimReport<USDC>> claim =
                book_.claim(capital_, TreatyId{static_cast<std::uint32_t>(k)}, Wide(Int128(deficit)), now_ms_);
            if (claim) {
                paid = static_cast<std::int64_t>(claim->paid.atoms());
                unpaid = static_cast<std::int64_t>(claim->unpaid.atoms());
            }
        }
        if (unpaid > 0) {
            out.layer_depleted = true;
            out.layer_unpaid += to_units(unpaid);
        }
        out.claims_received[k] += to_units(paid);
        from_transit(runner, k);
    }

    // Both sides of every exchange matched, and the capital ledger balanced.
    bool conserved() const {
        return engines_out_ - engines_in_ == layer_atoms() - layer_initial_ + transit_total() && capital_.audit().balanced();
    }
    std::int64_t layer_atoms() const { return capital_.balance_of(Place::fund(layer_)).atoms(); }
    double layer_units() const { return to_units(capital_.balance_of(Place::fund(layer_)).atoms()); }

private:
    static Amount<USDC> atoms(double units) { return Amount<USDC>(detail::to_atoms(units, lab_quote_decimals)); }
    static Wide wide(double units) { return Wide(Int128(detail::to_atoms(units, lab_quote_decimals))); }
    static double to_units(std::int64_t a) { return detail::to_units(a, lab_quote_decimals); }
    std::int64_t transit(std::size_t k) const {
        return capital_.balance_of(Place::fund(FundId{static_cast<std::uint32_t>(k)})).atoms();
    }
    std::int64_t transit_total() const {
        std::int64_t sum = 0;
        for (std::uint32_t k = 0; k < layer_.value; ++k) sum += transit(k);
        return sum;
    }
    // Every period's premium due by now (in arrears: a step longer than the period owes several).
    std::int64_t premium_owed(std::size_t k, std::int64_t now_ms) const {
        const Result<Treaty<USDC>> treaty = book_.treaty(TreatyId{static_cast<std::uint32_t>(k)});
        if (!treaty || treaty->status != TreatyStatus::active || now_ms < treaty->premium_due_ms) return 0;
        const std::int64_t periods = (now_ms - treaty->premium_due_ms) / treaty->terms.period_ms + 1;
        return static_cast<std::int64_t>(treaty->terms.premium_per_period.atoms()) * periods;  // bounded by the set-up check
    }
    // The protocol's fund -> its transit place: out of the engine's ledger, into the capital one.
    template <class Runner>
    void to_transit(Runner& runner, std::size_t k, std::int64_t amount) {
        if (detail::move_out_of_engine_fund(runner.engine(), capital_, Place::fund(FundId{static_cast<std::uint32_t>(k)}), amount)) {
            engines_out_ += amount;
        }
    }
    // The transit place's balance -> the protocol's fund.
    template <class Runner>
    void from_transit(Runner& runner, std::size_t k) {
        // Refused (an overflow): the money stays in transit, counted.
        const std::int64_t held = transit(k);
        if (detail::move_into_engine_fund(runner.engine(), capital_, Place::fund(FundId{static_cast<std::uint32_t>(k)}), held)) {
            engines_in_ += held;
        }
    }

    JointArm arm_;
    Ledger<USDC> capital_;
    FundId layer_{};
    Reinsurance<USDC> book_;
    RiskPool<USDC> pool_;
    std::int64_t now_ms_ = 0;
    std::int64_t period_ms_ = 86'400'000;
    double contribution_fraction_ = 0.0;
    double initial_contribution_ = 0.0;
    std::int64_t engines_out_ = 0;  // taken out of the engines' funds
    std::int64_t engines_in_ = 0;   // paid into them
    std::int64_t layer_initial_ = 0;
};

template <class Runner = PathRunner>
inline JointPath run_joint_path(const JointSetup& setup, JointArm arm, std::uint64_t path) {
    const std::size_t n = setup.protocols.size();
    std::vector<std::unique_ptr<Runner>> runners;
    runners.reserve(n);
    for (const Scenario& scenario : setup.protocols) runners.push_back(std::make_unique<Runner>(scenario, path));
    SharingLayer layer(setup, arm);
    JointPath out;
    out.depleted.assign(n, 0);
    out.claims_received.assign(n, 0.0);
    out.premiums_paid.assign(n, 0.0);
    out.fund_final.assign(n, 0.0);
    for (std::size_t k = 0; k < n; ++k) {
        Runner* runner = runners[k].get();
        runner->set_before_deficit([&layer, &out, runner, k](std::int64_t deficit) { layer.before_deficit(*runner, k, deficit, out); });
    }
    layer.start(runners, out);
    RandomStream moves(setup.seed, path);
    std::vector<double> returns(n);
    const Scenario& first = setup.protocols.front();
    const double dt = first.step_years();
    const auto step_ms = static_cast<std::int64_t>(first.step_hours * 3'600'000.0);
    for (std::uint32_t step = 0; step < first.horizon_steps; ++step) {
        setup.markets.log_returns(moves, step, dt, returns.data());
        layer.start_of_step(runners, step_ms * (std::int64_t{step} + 1), out);
        for (std::size_t k = 0; k < n; ++k) runners[k]->advance(step, returns[k]);
    }
    for (std::size_t k = 0; k < n; ++k) {
        const PathSummary summary = runners[k]->finish();
        out.depleted[k] = summary.depleted() ? 1 : 0;
        out.fund_final[k] = summary.fund_final;
        out.conserved = out.conserved && summary.conserved;
    }
    out.layer_final = layer.layer_units();
    out.conserved = out.conserved && layer.conserved();
    return out;
}

}  // namespace detail

// Every arm of the joint run, each on the same paths. Deterministic for any number of threads and
// of processes (JointSetup::distribution).
template <class = void>
inline Result<JointResult> run_joint(const JointSetup& setup, Progress* progress = nullptr) {
    if (Result<void> ok = detail::check_joint_setup(setup); !ok) return ok.error();
    const std::size_t n = setup.protocols.size();
    JointResult result;
    result.paths = setup.paths;
    for (std::size_t k = 0; k < n; ++k) result.protocol_names.push_back("protocol " + std::to_string(k + 1));
    Scenario threads_of = setup.protocols.front();
    threads_of.threads = setup.threads;
    threads_of.distribution = setup.distribution;
    std::vector<std::vector<JointPath>> per_arm(joint_arms.size());
    for (std::size_t a = 0; a < joint_arms.size(); ++a) {
        per_arm[a] = detail::map_paths<JointPath>(
            threads_of, setup.paths, progress,
            [&](std::uint64_t p) { return detail::run_joint_path(setup, joint_arms[a], p); },
            detail::encode_joint_path, detail::decode_joint_path);
    }
    const auto wilson = [&](std::uint64_t hits) {
        Result<BinomialInterval> w = wilson_interval(hits, setup.paths, setup.confidence);
        return w ? *w : BinomialInterval{};
    };
    for (std::size_t a = 0; a < joint_arms.size(); ++a) {
        JointArmResult arm;
        arm.arm = joint_arms[a];
        const std::vector<JointPath>& paths = per_arm[a];
        const std::vector<JointPath>& alone = per_arm[0];
        for (std::size_t k = 0; k < n; ++k) {
            JointProtocolArm protocol;
            std::vector<double> claims, premiums, finals;
            for (std::uint64_t p = 0; p < setup.paths; ++p) {
                protocol.depleted_paths += paths[p].depleted[k];
                protocol.depleted_alone_only += alone[p].depleted[k] && !paths[p].depleted[k] ? 1u : 0u;
                protocol.depleted_arm_only += paths[p].depleted[k] && !alone[p].depleted[k] ? 1u : 0u;
                claims.push_back(paths[p].claims_received[k]);
                premiums.push_back(paths[p].premiums_paid[k]);
                finals.push_back(paths[p].fund_final[k]);
            }
            protocol.depletion = wilson(protocol.depleted_paths);
            protocol.mcnemar_p_value = mcnemar_exact_p(protocol.depleted_alone_only, protocol.depleted_arm_only);
            protocol.claims_received = detail::mean_interval(claims, setup.confidence);
            protocol.premiums_paid = detail::mean_interval(premiums, setup.confidence);
            protocol.fund_final = detail::mean_interval(finals, setup.confidence);
            arm.protocols.push_back(protocol);
        }
        std::vector<double> unpaid, layer_final;
        for (const JointPath& path : paths) {
            bool any = false;
            for (const std::uint8_t d : path.depleted) any = any || d != 0;
            arm.any_depleted_paths += any ? 1u : 0u;
            arm.layer_depleted_paths += path.layer_depleted ? 1u : 0u;
            arm.paths_not_conserved += path.conserved ? 0u : 1u;
            unpaid.push_back(path.layer_unpaid);
            layer_final.push_back(path.layer_final);
        }
        arm.any_depletion = wilson(arm.any_depleted_paths);
        arm.layer_depletion = wilson(arm.layer_depleted_paths);
        arm.layer_unpaid = detail::mean_interval(unpaid, setup.confidence);
        arm.layer_final = detail::mean_interval(layer_final, setup.confidence);
        result.arms.push_back(std::move(arm));
    }
    return result;
}

}  // namespace risk
}  // namespace backstop
