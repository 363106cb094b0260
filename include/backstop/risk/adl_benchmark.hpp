// ADL that takes no more than needed: four policies on the synthetic Oct-10-like event
// (adl_event.hpp), every wave, each plan executed on a real Ledger<USDC>.
//
//   production_queue  rank by PnL% x leverage (adl_rank::PnlTimesLeverage, BitMEX/Hyperliquid
//                     style), close WHOLE positions in order until the profit taken covers the
//                     need; a closed winner gives up its whole capacity (profit, capped by its
//                     collateral). The overshoot is the last closed winner's profit beyond the gap.
//   pro_rata          socialized_loss::ProRataHaircut: every winner the same fraction of its
//                     profit, exactly the need.
//   water_filling     socialized_loss::WaterFillingAdl: the most-levered first until leverages
//                     equalise, exactly the need.
//   whole_lots        water-filling in whole contracts: each winner's share floored to whole lots
//                     (a lot takes its profit per lot rounded up to the atom, never more than the
//                     capacity), then the gap covered with one extra lot per winner at most:
//                     while some one-lot take is below the gap, the largest such; then the
//                     smallest one that covers the rest. So taken - needed < the smallest
//                     one-lot take still available, and always < the wave's largest one.
//
// Metrics per wave and in total: needed, taken, overshoot = taken - needed, ratio taken/needed,
// the largest haircut (max over winners of taken_i / pnl_i), winners touched and fully closed,
// the Gini of the percentage haircuts over all the wave's winners (0: everyone the same), and a
// conservation check on the ledger.
//
// Regret (OUR definition, after "ADL as Online Learning", Chitra, Thogiti, Trujillo, Xu, arXiv
// 2602.15182, whose exact calibration we could not obtain): a wave's loss is |taken_t - needed_t|
// in USDC (overshoot costs the winners, shortfall the venue). The comparator class is a FIXED
// pro-rata severity theta in [0, 1] applied to every wave's capacity (taken_t = theta Cap_t);
// regret = sum_t |taken_t - needed_t| - min_theta sum_t |theta Cap_t - needed_t| (the minimiser
// is a capacity-weighted median of needed_t / Cap_t). It is normalised by the worst loss of the
// class, max(sum needed_t, sum (Cap_t - needed_t)) (the loss is convex in theta, so the worst is
// at theta = 0 or 1). A per-wave exact policy beats every fixed severity, so its regret is
// negative; the paper's figures (queue ~50% of its bound, best ~2.6%) are not comparable.
//
// Conservation, per wave and policy: a ledger with one collateral account per winner (funded
// with its collateral), the bankrupt account's deficit as the socialized_loss place at -needed,
// and the insurance fund. Each take is a transfer from the winner's collateral to the deficit;
// any overshoot then goes from the deficit to the fund. Checked: every transfer accepted (so no
// collateral below zero), the ledger's total unchanged and balanced, the deficit exactly 0, the
// fund holding exactly the overshoot.
#pragma once

#include "backstop/fund/socialized_loss/adl_rank.hpp"
#include "backstop/fund/socialized_loss/pro_rata_haircut.hpp"
#include "backstop/fund/socialized_loss/water_filling_adl.hpp"
#include "backstop/ledger/ledger.hpp"
#include "backstop/risk/adl_event.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace backstop {
namespace risk {

enum class AdlPolicy : std::uint8_t { production_queue = 0, pro_rata = 1, water_filling = 2, whole_lots = 3 };
inline constexpr std::array<AdlPolicy, 4> adl_policies = {AdlPolicy::production_queue, AdlPolicy::pro_rata,
                                                          AdlPolicy::water_filling, AdlPolicy::whole_lots};

inline const char* adl_policy_name(AdlPolicy policy) {
    switch (policy) {
        case AdlPolicy::production_queue: return "production queue";
        case AdlPolicy::pro_rata: return "pro-rata haircut";
        case AdlPolicy::water_filling: return "water-filling";
        case AdlPolicy::whole_lots: return "water-filling, whole lots";
    }
    return "unknown";
}

struct AdlBenchmarkConfig {
    AdlEventConfig event;
};

struct AdlWaveOutcome {
    int wave = 0;
    std::int64_t needed_atoms = 0;
    std::int64_t taken_atoms = 0;
    std::int64_t overshoot_atoms = 0;       // taken - needed (negative: shortfall)
    std::int64_t capacity_atoms = 0;        // what all the wave's winners could give
    std::int64_t max_lot_take_atoms = 0;    // the largest one-lot take among the wave's winners
    double ratio = 0.0;                     // taken / needed
    double largest_haircut = 0.0;           // max_i taken_i / pnl_i
    double haircut_gini = 0.0;
    std::uint32_t touched = 0;              // winners with a positive take
    std::uint32_t closed = 0;               // winners that gave their whole capacity
    bool conserved = false;
    std::string check_error;                // empty when conserved
};

struct AdlPolicyResult {
    AdlPolicy policy = AdlPolicy::production_queue;
    std::vector<AdlWaveOutcome> waves;
    std::int64_t needed_atoms = 0;
    std::int64_t taken_atoms = 0;
    std::int64_t overshoot_atoms = 0;
    double ratio = 0.0;
    double largest_haircut = 0.0;           // over every wave
    double haircut_gini = 0.0;              // mean of the waves' Gini, weighted by needed
    std::uint64_t touched = 0;
    std::uint64_t closed = 0;
    double regret_usd = 0.0;                // our definition (header comment)
    double regret_normalised = 0.0;         // regret / the class's worst loss
    bool conserved = false;                 // on every wave
};

struct AdlBenchmarkResult {
    AdlBenchmarkConfig config;
    std::vector<AdlPolicyResult> policies;  // in adl_policies order
    double best_fixed_severity = 0.0;       // the regret comparator's theta
    double best_fixed_loss_usd = 0.0;
    double regret_bound_usd = 0.0;
    // The generated winners' equity/PnL ratio quantiles, against the published 2.28 / 4.41 / 14.96.
    double equity_pnl_p10 = 0.0;
    double equity_pnl_median = 0.0;
    double equity_pnl_p90 = 0.0;
    std::uint64_t winners = 0;

    const AdlPolicyResult& of(AdlPolicy policy) const { return policies.at(static_cast<std::size_t>(policy)); }
};

namespace detail {

using AdlUsdc = Amount<assets::USDC>;
using AdlBearer = LossBearer<assets::USDC>;

inline std::vector<std::int64_t> queue_takes(const AdlWave& wave) {
    const std::size_t n = wave.winners.size();
    std::vector<std::uint32_t> order(n);
    std::vector<double> key(n);
    for (std::uint32_t i = 0; i < n; ++i) {
        order[i] = i;
        key[i] = adl_rank::PnlTimesLeverage::key(wave.winners[i]);
    }
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        if (key[a] != key[b]) return key[a] > key[b];
        return wave.winners[a].account < wave.winners[b].account;
    });
    std::vector<std::int64_t> take(n, 0);
    std::int64_t taken = 0;
    for (const std::uint32_t i : order) {
        if (taken >= wave.needed.atoms()) break;
        const std::int64_t capacity = backstop::detail::profit_capacity(wave.winners[i]).atoms();
        if (capacity <= 0) continue;
        take[i] = capacity;
        taken += capacity;
    }
    return take;
}

template <class Policy>
std::vector<std::int64_t> policy_takes(const Policy& policy, const AdlWave& wave) {
    const std::size_t n = wave.winners.size();
    std::vector<Allocation<assets::USDC>> out(n);
    Ledger<assets::USDC> unused(LedgerLimits{0, 0, 0, 0});
    const auto plan = policy.plan(wave.needed, Span<const AdlBearer>(wave.winners), Span<Allocation<assets::USDC>>(out),
                                  SocializeContext{Place::socialized_loss(), MarketId{0}}, unused);
    if (!plan) throw std::runtime_error("ADL benchmark: a policy refused to plan: " + std::string(plan.error().detail));
    std::vector<std::int64_t> take(n, 0);
    for (std::size_t k = 0; k < plan->allocation_count; ++k) take[out[k].bearer_index] += out[k].amount.atoms();
    return take;
}

// One lot's take for a winner: its profit per lot rounded up to the atom.
inline std::int64_t lot_take(const AdlBearer& b, std::int64_t lots) {
    return (b.unrealised_pnl.atoms() + lots - 1) / lots;
}
inline std::int64_t take_of_lots(const AdlBearer& b, std::int64_t lots, std::int64_t k) {
    const std::int64_t capacity = backstop::detail::profit_capacity(b).atoms();
    return static_cast<std::int64_t>(std::min<backstop::detail::int128>(capacity, backstop::detail::int128(k) * lot_take(b, lots)));
}

inline std::vector<std::int64_t> whole_lot_takes(const AdlWave& wave, const std::vector<std::int64_t>& share) {
    const std::size_t n = wave.winners.size();
    std::vector<std::int64_t> closed_lots(n, 0), take(n, 0);
    std::int64_t taken = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t per_lot = lot_take(wave.winners[i], wave.lots[i]);
        closed_lots[i] = std::min(wave.lots[i], share[i] / per_lot);  // take_of_lots <= share
        take[i] = take_of_lots(wave.winners[i], wave.lots[i], closed_lots[i]);
        taken += take[i];
    }
    struct Extra {
        std::int64_t delta;
        std::uint32_t index;
    };
    std::vector<Extra> extras;
    for (std::uint32_t i = 0; i < n; ++i) {
        if (closed_lots[i] >= wave.lots[i]) continue;
        const std::int64_t delta = take_of_lots(wave.winners[i], wave.lots[i], closed_lots[i] + 1) - take[i];
        if (delta > 0) extras.push_back(Extra{delta, i});
    }
    // Largest one-lot take first; ties to the lower account.
    std::sort(extras.begin(), extras.end(), [](const Extra& a, const Extra& b) {
        return a.delta != b.delta ? a.delta > b.delta : a.index < b.index;
    });
    // While some one-lot take is below the gap, add the largest such (the gap only shrinks, so
    // the scan only moves right); then the smallest take that covers what is left.
    std::vector<char> used(extras.size(), 0);
    std::size_t next = 0;
    std::int64_t gap = wave.needed.atoms() - taken;
    while (gap > 0) {
        while (next < extras.size() && extras[next].delta >= gap) ++next;
        std::size_t pick = next;
        if (next == extras.size()) {
            pick = extras.size();
            for (std::size_t k = next; k-- > 0;) {
                if (!used[k]) {
                    pick = k;
                    break;
                }
            }
            if (pick == extras.size()) break;  // no room left anywhere: the wave's capacity is short
        } else {
            ++next;
        }
        used[pick] = 1;
        take[extras[pick].index] += extras[pick].delta;
        gap -= extras[pick].delta;
    }
    return take;
}

inline double gini(std::vector<double> values) {
    if (values.empty()) return 0.0;
    std::sort(values.begin(), values.end());
    double sum = 0.0, weighted = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        sum += values[i];
        weighted += static_cast<double>(i + 1) * values[i];
    }
    if (!(sum > 0.0)) return 0.0;
    const double n = static_cast<double>(values.size());
    return (2.0 * weighted) / (n * sum) - (n + 1.0) / n;
}

// Executes the takes on a fresh ledger (header comment) and says what failed, if anything.
inline std::string execute_on_ledger(const AdlWave& wave, const std::vector<std::int64_t>& take) {
    const auto n = static_cast<std::uint32_t>(wave.winners.size());
    Ledger<assets::USDC> ledger(LedgerLimits{n, 1, 0, 0});
    const FundId fund = ledger.open_fund().value();
    for (std::uint32_t i = 0; i < n; ++i) {
        const AccountId account = ledger.open_account().value();
        if (wave.winners[i].collateral.is_positive() &&
            !ledger.transfer(Place::external(), Place::collateral(account), wave.winners[i].collateral,
                             TransferReason::deposit)) {
            return "funding a winner failed";
        }
    }
    // The bad debt: paid out already to the bankrupt account's counterparties, owed by nobody yet.
    if (!ledger.transfer(Place::socialized_loss(), Place::external(), wave.needed, TransferReason::socialized_loss)) {
        return "opening the deficit failed";
    }
    const auto total_before = ledger.audit().total;
    std::int64_t taken = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        if (take[i] < 0) return "a negative take";
        if (take[i] == 0) continue;
        if (!ledger.transfer(Place::collateral(AccountId{i}), Place::socialized_loss(), AdlUsdc(take[i]),
                             TransferReason::auto_deleveraging)) {
            return "a take overdraws a winner's collateral";
        }
        taken += take[i];
    }
    const std::int64_t overshoot = taken - wave.needed.atoms();
    if (overshoot > 0 &&
        !ledger.transfer(Place::socialized_loss(), Place::fund(fund), AdlUsdc(overshoot), TransferReason::socialized_loss)) {
        return "moving the overshoot to the fund failed";
    }
    const auto audit = ledger.audit();
    if (audit.total != total_before || !audit.balanced()) return "the ledger total changed";
    if (!ledger.balance_of(Place::socialized_loss()).is_zero()) return "the deficit is not exactly covered";
    if (ledger.balance_of(Place::fund(fund)).atoms() != std::max<std::int64_t>(0, overshoot)) {
        return "the fund does not hold the overshoot";
    }
    for (std::uint32_t i = 0; i < n; ++i) {
        if (ledger.balance_of(Place::collateral(AccountId{i})).is_negative()) return "a collateral below zero";
    }
    return {};
}

inline AdlWaveOutcome measure_wave(const AdlWave& wave, const std::vector<std::int64_t>& take) {
    AdlWaveOutcome o;
    o.wave = wave.wave;
    o.needed_atoms = wave.needed.atoms();
    std::vector<double> haircuts(wave.winners.size());
    for (std::size_t i = 0; i < wave.winners.size(); ++i) {
        const AdlBearer& b = wave.winners[i];
        const std::int64_t capacity = backstop::detail::profit_capacity(b).atoms();
        o.capacity_atoms += capacity;
        o.max_lot_take_atoms = std::max(o.max_lot_take_atoms, std::min(capacity, lot_take(b, wave.lots[i])));
        o.taken_atoms += take[i];
        haircuts[i] = static_cast<double>(take[i]) / static_cast<double>(b.unrealised_pnl.atoms());
        o.largest_haircut = std::max(o.largest_haircut, haircuts[i]);
        if (take[i] > 0) ++o.touched;
        if (take[i] > 0 && take[i] >= capacity) ++o.closed;
    }
    o.overshoot_atoms = o.taken_atoms - o.needed_atoms;
    o.ratio = static_cast<double>(o.taken_atoms) / static_cast<double>(o.needed_atoms);
    o.haircut_gini = gini(std::move(haircuts));
    o.check_error = execute_on_ledger(wave, take);
    o.conserved = o.check_error.empty();
    return o;
}

inline double quantile_sorted(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0.0;
    const double h = p * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (h - std::floor(h)) * (sorted[hi] - sorted[lo]);
}

}  // namespace detail

// The benchmark. Deterministic: same config, same result. Throws std::invalid_argument on a bad
// configuration (before any work).
inline AdlBenchmarkResult run_adl_benchmark(const AdlBenchmarkConfig& config) {
    const std::vector<AdlWave> waves = generate_adl_event(config.event);
    AdlBenchmarkResult result;
    result.config = config;
    result.policies.resize(adl_policies.size());
    const socialized_loss::ProRataHaircut<assets::USDC> pro_rata;
    const socialized_loss::WaterFillingAdl<assets::USDC> water_filling(config.event.winners_per_wave);
    std::vector<double> ratios;
    for (const AdlWave& wave : waves) {
        for (const auto& b : wave.winners) {
            ratios.push_back(backstop::detail::equity_as_double(b) / static_cast<double>(b.unrealised_pnl.atoms()));
        }
        const std::vector<std::int64_t> wf = detail::policy_takes(water_filling, wave);
        const std::array<std::vector<std::int64_t>, 4> takes = {
            detail::queue_takes(wave), detail::policy_takes(pro_rata, wave), wf, detail::whole_lot_takes(wave, wf)};
        for (std::size_t p = 0; p < adl_policies.size(); ++p) {
            result.policies[p].waves.push_back(detail::measure_wave(wave, takes[p]));
        }
    }
    std::sort(ratios.begin(), ratios.end());
    result.winners = ratios.size();
    result.equity_pnl_p10 = detail::quantile_sorted(ratios, 0.10);
    result.equity_pnl_median = detail::quantile_sorted(ratios, 0.50);
    result.equity_pnl_p90 = detail::quantile_sorted(ratios, 0.90);

    // The regret comparator: the capacity-weighted median of needed / capacity over the waves.
    const std::vector<AdlWaveOutcome>& any = result.policies.front().waves;
    std::vector<std::pair<double, double>> severities;  // (needed / capacity, capacity)
    double needed_usd = 0.0, spare_usd = 0.0, capacity_usd = 0.0;
    for (const AdlWaveOutcome& w : any) {
        const double capacity = static_cast<double>(w.capacity_atoms) / 1e6;
        const double needed = static_cast<double>(w.needed_atoms) / 1e6;
        severities.emplace_back(std::min(1.0, needed / capacity), capacity);
        needed_usd += needed;
        spare_usd += std::max(0.0, capacity - needed);
        capacity_usd += capacity;
    }
    std::sort(severities.begin(), severities.end());
    double cumulative = 0.0;
    for (const auto& [theta, weight] : severities) {
        cumulative += weight;
        if (cumulative >= 0.5 * capacity_usd) {
            result.best_fixed_severity = theta;
            break;
        }
    }
    for (const AdlWaveOutcome& w : any) {
        result.best_fixed_loss_usd += std::fabs(result.best_fixed_severity * static_cast<double>(w.capacity_atoms) -
                                                static_cast<double>(w.needed_atoms)) / 1e6;
    }
    result.regret_bound_usd = std::max(needed_usd, spare_usd);

    for (std::size_t p = 0; p < adl_policies.size(); ++p) {
        AdlPolicyResult& r = result.policies[p];
        r.policy = adl_policies[p];
        r.conserved = true;
        double loss_usd = 0.0, gini_weighted = 0.0;
        for (const AdlWaveOutcome& w : r.waves) {
            r.needed_atoms += w.needed_atoms;
            r.taken_atoms += w.taken_atoms;
            r.largest_haircut = std::max(r.largest_haircut, w.largest_haircut);
            r.touched += w.touched;
            r.closed += w.closed;
            r.conserved = r.conserved && w.conserved;
            loss_usd += std::fabs(static_cast<double>(w.overshoot_atoms)) / 1e6;
            gini_weighted += w.haircut_gini * static_cast<double>(w.needed_atoms);
        }
        r.overshoot_atoms = r.taken_atoms - r.needed_atoms;
        r.ratio = static_cast<double>(r.taken_atoms) / static_cast<double>(r.needed_atoms);
        r.haircut_gini = gini_weighted / static_cast<double>(r.needed_atoms);
        r.regret_usd = loss_usd - result.best_fixed_loss_usd;
        r.regret_normalised = result.regret_bound_usd > 0.0 ? r.regret_usd / result.regret_bound_usd : 0.0;
    }
    return result;
}

}  // namespace risk
}  // namespace backstop
