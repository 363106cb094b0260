// ADL that takes no more than needed: the water-filling policy worked by hand and checked for
// exactness and its leverage objective, then the Oct-10-like benchmark's must-show figures
// (domain.md 10.1: production took 3.99x the needed 15,079,670 USD; excess 45.03M).
#include <catch2/catch.hpp>

#include "unit/fund/fund_world.hpp"
#include "support/random.hpp"
#include "support/scale.hpp"

#include <backstop/fund/socialized_loss/water_filling_adl.hpp>
#include <backstop/risk/adl_benchmark.hpp>
#include <backstop/risk/report/adl_report.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace test_risk_adl_optimal_test {

using namespace backstop;
using namespace backstop::testing;

namespace {

using WaterFilling = socialized_loss::WaterFillingAdl<USDC>;
using Allocations = std::vector<Allocation<USDC>>;

// A short winner with the given position value, profit and collateral (USDC text).
LossBearer<USDC> winner(std::uint32_t account, const char* position_value, const char* pnl, const char* collateral) {
    LossBearer<USDC> b;
    b.account = AccountId{account};
    b.side = Side::short_side;
    b.size_atoms = 100'000'000;
    b.position_value = usdc(position_value);
    b.unrealised_pnl = usdc(pnl);
    b.entry_value = b.position_value + b.unrealised_pnl;
    b.collateral = usdc(collateral);
    return b;
}

Result<SocializePlan<USDC>> plan(const WaterFilling& policy, const Usdc& remainder,
                                 const std::vector<LossBearer<USDC>>& bearers, Allocations& out) {
    Ledger<USDC> unused(LedgerLimits{0, 0, 0, 0});
    return policy.plan(remainder, Span<const LossBearer<USDC>>(bearers), Span<Allocation<USDC>>(out),
                       SocializeContext{Place::socialized_loss(), MarketId{0}}, unused);
}

Usdc amount_of(const Allocations& out, std::size_t count, std::uint32_t account) {
    for (std::size_t k = 0; k < count; ++k) {
        if (out[k].account == AccountId{account}) return out[k].amount;
    }
    return Usdc::zero();
}

// The two winners of the hand-worked cases:
//   A: position 10,000, profit 1,000, collateral 1,000: equity 2,000, leverage 5
//   B: position  4,000, profit 1,000, collateral 1,000: equity 2,000, leverage 2
std::vector<LossBearer<USDC>> two_winners() {
    return {winner(1, "10000", "1000", "1000"), winner(2, "4000", "1000", "1000")};
}

}  // namespace

TEST_CASE("water-filling haircuts the most-levered winner first", "[adl_optimal]") {
    const WaterFilling policy(8);
    Allocations out(4);
    // Remainder 500. Above level l >= 2 only A takes: f_A(l) = (10,000 - 2,000 l) / (10,000 - 1,000 l).
    // 1,000 f_A = 500 -> f_A = 0.5 -> l = 5,000 / 1,500 = 3.333 > 2: B untouched.
    // A gives exactly 500 USDC (floor plus residue to the most levered) and is left with leverage
    // 10,000 x 0.5 / (2,000 - 500) = 3.333; pro rata would take 250 from each (A left at 4.29).
    const auto half = plan(policy, usdc("500"), two_winners(), out).value();
    REQUIRE(half.allocation_count == 1);
    CHECK(half.covered == usdc("500"));
    CHECK(out[0].account == AccountId{1});
    CHECK(out[0].amount == usdc("500"));
    CHECK(out[0].quantity_atoms == 50'000'000);  // half the position closed
    CHECK(WaterFilling::leverage_after(two_winners()[0], out[0].amount.atoms()) == Approx(10.0 / 3.0));
}

TEST_CASE("water-filling equalises the leverages once both winners are above the level", "[adl_optimal]") {
    const WaterFilling policy(8);
    Allocations out(4);
    // Remainder 1,000: at l = 2, A alone gives f_A(2) = 6,000 / 8,000 = 0.75 -> 750 < 1,000, so the
    // level is below 2 and both take: f_A + f_B = 1 with f_B(l) = (4,000 - 2,000 l) / (4,000 - 1,000 l)
    //   -> (10 - 2l)(4 - l) + (4 - 2l)(10 - l) = (10 - l)(4 - l) -> 3l^2 - 28l + 40 = 0
    //   -> l = (28 - sqrt 304) / 6 = 1.760734; f_A = 0.7862996, f_B = 0.2137004
    //   A: 786.299648 USDC, B: 213.700352 USDC (sum exactly 1,000), both left at leverage 1.7607.
    // Pro rata takes 500 each, leaving A at 3.333 and B at 1.333: its largest leverage is higher.
    const auto both = plan(policy, usdc("1000"), two_winners(), out).value();
    REQUIRE(both.allocation_count == 2);
    CHECK(both.covered == usdc("1000"));
    const Usdc a = amount_of(out, 2, 1);
    const Usdc b = amount_of(out, 2, 2);
    CHECK(a + b == usdc("1000"));
    CHECK(a.atoms() >= 786'299'640);
    CHECK(a.atoms() <= 786'299'656);
    CHECK(out[0].account == AccountId{1});  // most levered first
    const auto winners = two_winners();
    CHECK(WaterFilling::leverage_after(winners[0], a.atoms()) == Approx(1.760734).epsilon(1e-5));
    CHECK(WaterFilling::leverage_after(winners[1], b.atoms()) == Approx(1.760734).epsilon(1e-5));
}

TEST_CASE("water-filling takes every capacity when the remainder is larger, capped by collateral",
          "[adl_optimal]") {
    const WaterFilling policy(8);
    Allocations out(4);
    // C: profit 3,000 but collateral only 200: it can give 200. A 1,000, B 1,000: total 2,200.
    // A loser (account 4) gives nothing.
    std::vector<LossBearer<USDC>> bearers = two_winners();
    bearers.push_back(winner(3, "9000", "3000", "200"));
    bearers.push_back(winner(4, "9000", "-50", "700"));
    const auto all = plan(policy, usdc("5000"), bearers, out).value();
    CHECK(all.covered == usdc("2200"));
    CHECK(all.allocation_count == 3);
    CHECK(amount_of(out, 3, 3) == usdc("200"));
    CHECK(amount_of(out, 3, 4).is_zero());
    CHECK(plan(policy, Usdc::zero(), bearers, out).value().allocation_count == 0);
}

TEST_CASE("water-filling is exact to the atom and never levers more than pro rata", "[adl_optimal]") {
    TestRandom random(20261125);
    const WaterFilling policy(64);
    const socialized_loss::ProRataHaircut<USDC> pro_rata;
    Ledger<USDC> unused(LedgerLimits{0, 0, 0, 0});
    for (int round = 0; round < 300; ++round) {
        const auto n = static_cast<std::uint32_t>(1 + random.below(40));
        std::vector<LossBearer<USDC>> bearers;
        std::int64_t capacity = 0;
        for (std::uint32_t i = 0; i < n; ++i) {
            LossBearer<USDC> b;
            b.account = AccountId{3 * i + 1};
            b.size_atoms = static_cast<std::int64_t>(1 + random.below(1'000'000));
            b.unrealised_pnl = Usdc(static_cast<std::int64_t>(random.below(2'000'000'000)) - 200'000'000);
            b.collateral = Usdc(static_cast<std::int64_t>(1 + random.below(3'000'000'000)));
            b.position_value = Usdc(static_cast<std::int64_t>(random.below(50'000'000'000)));
            b.entry_value = b.position_value + b.unrealised_pnl;
            capacity += std::max<std::int64_t>(0, std::min(b.unrealised_pnl.atoms(), b.collateral.atoms()));
            bearers.push_back(b);
        }
        const auto remainder = Usdc(static_cast<std::int64_t>(random.below(static_cast<std::uint64_t>(capacity) * 5 / 4 + 2)));
        Allocations wf(n), pr(n);
        const SocializeContext context{Place::socialized_loss(), MarketId{0}};
        const auto w = policy.plan(remainder, Span<const LossBearer<USDC>>(bearers), Span<Allocation<USDC>>(wf), context, unused).value();
        const auto p = pro_rata.plan(remainder, Span<const LossBearer<USDC>>(bearers), Span<Allocation<USDC>>(pr), context, unused).value();
        REQUIRE(w.covered.atoms() == std::min(remainder.atoms(), capacity));
        std::int64_t sum = 0;
        std::vector<std::int64_t> take_wf(n, 0), take_pr(n, 0);
        for (std::size_t k = 0; k < w.allocation_count; ++k) {
            const auto& b = bearers[wf[k].bearer_index];
            REQUIRE(wf[k].amount.is_positive());
            REQUIRE(wf[k].amount <= detail::profit_capacity(b));
            take_wf[wf[k].bearer_index] = wf[k].amount.atoms();
            sum += wf[k].amount.atoms();
        }
        REQUIRE(sum == w.covered.atoms());
        for (std::size_t k = 0; k < p.allocation_count; ++k) take_pr[pr[k].bearer_index] = pr[k].amount.atoms();
        double max_wf = 0.0, max_pr = 0.0;
        for (std::uint32_t i = 0; i < n; ++i) {
            if (!detail::profit_capacity(bearers[i]).is_positive()) continue;  // not a winner
            max_wf = std::max(max_wf, WaterFilling::leverage_after(bearers[i], take_wf[i]));
            max_pr = std::max(max_pr, WaterFilling::leverage_after(bearers[i], take_pr[i]));
        }
        // Atom rounding can leave a water-filled bearer a hair above the level.
        REQUIRE(max_wf <= max_pr * (1.0 + 1e-9) + 1e-9);
    }
}

TEST_CASE("water-filling refuses bad input with a typed error", "[adl_optimal]") {
    const WaterFilling policy(2);
    Allocations out(4);
    std::vector<LossBearer<USDC>> unsorted = {winner(5, "10000", "1000", "1000"), winner(2, "4000", "1000", "1000")};
    CHECK(plan(policy, usdc("10"), unsorted, out).error().code == ErrorCode::bearers_not_sorted);
    std::vector<LossBearer<USDC>> negative = two_winners();
    negative[1].collateral = usdc("-1");
    CHECK(plan(policy, usdc("10"), negative, out).error().code == ErrorCode::invalid_argument);
    CHECK(plan(policy, usdc("-1"), two_winners(), out).error().code == ErrorCode::amount_negative);
    std::vector<LossBearer<USDC>> three = two_winners();
    three.push_back(winner(3, "9000", "3000", "200"));
    CHECK(plan(policy, usdc("10"), three, out).error().code == ErrorCode::allocation_capacity);  // bearers_max 2
    Allocations tiny(1);
    CHECK(plan(WaterFilling(8), usdc("1500"), two_winners(), tiny).error().code == ErrorCode::allocation_capacity);
}

TEST_CASE("water-filling inside an insurance fund conserves the ledger", "[adl_optimal]") {
    FundWorld<> world;
    auto fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                              WaterFilling>::open(world.ledger, {}, {}, WaterFilling(16))
                    .value();
    const auto bearers = two_winners();
    for (const auto& b : bearers) world.deposit(b.account, b.collateral);
    const auto before = world.ledger.audit().total;
    Allocations out(4);
    const auto report = fund.socialize(world.ledger, usdc("1000"), bearers, out,
                                       SocializeContext{Place::socialized_loss(), MarketId{0}})
                            .value();
    CHECK(report.covered == usdc("1000"));
    CHECK(report.uncovered.is_zero());
    CHECK(world.ledger.balance_of(Place::socialized_loss()) == usdc("1000"));
    CHECK(world.ledger.balance_of(Place::collateral(AccountId{1})) + world.ledger.balance_of(Place::collateral(AccountId{2})) ==
          usdc("1000"));
    CHECK(world.ledger.audit().total == before);
    CHECK(world.ledger.audit().balanced());
}

TEST_CASE("the Oct-10-like benchmark shows the queue's overshoot and exact alternatives", "[adl_optimal]") {
    const risk::AdlBenchmarkResult result = risk::run_adl_benchmark({});
    const auto& queue = result.of(risk::AdlPolicy::production_queue);
    const auto& pro_rata = result.of(risk::AdlPolicy::pro_rata);
    const auto& water = result.of(risk::AdlPolicy::water_filling);
    const auto& lots = result.of(risk::AdlPolicy::whole_lots);
    const std::int64_t needed = risk::oct10_needed_total_usd * 1'000'000;
    REQUIRE(queue.needed_atoms == needed);
    REQUIRE(queue.waves.size() == 16);

    // Published: 60,108,335 / 15,079,670 = 3.99x; within a factor 1.5: [2.66, 5.98].
    CHECK(queue.ratio >= 2.66);
    CHECK(queue.ratio <= 5.98);
    // Excess / needed: 45.03 / 15.08 = 2.986; within a factor 1.5: [1.99, 4.48].
    const double excess = static_cast<double>(queue.overshoot_atoms) / static_cast<double>(needed);
    CHECK(excess >= 2.986 / 1.5);
    CHECK(excess <= 2.986 * 1.5);

    // Pro rata and water-filling take exactly the need, wave by wave.
    CHECK(pro_rata.taken_atoms == needed);
    CHECK(water.taken_atoms == needed);
    for (std::size_t w = 0; w < 16; ++w) {
        CHECK(pro_rata.waves[w].overshoot_atoms == 0);
        CHECK(water.waves[w].overshoot_atoms == 0);
    }
    // Whole lots: per wave 0 <= taken - needed < the wave's largest one-lot take; so summed too,
    // and within 1% of the need in total.
    std::int64_t lot_bound = 0;
    for (const auto& w : lots.waves) {
        CHECK(w.overshoot_atoms >= 0);
        CHECK(w.overshoot_atoms < w.max_lot_take_atoms);
        lot_bound += w.max_lot_take_atoms;
    }
    CHECK(lots.overshoot_atoms < lot_bound);
    CHECK(static_cast<double>(lots.taken_atoms) <= 1.01 * static_cast<double>(needed));

    // Conservation on every wave and policy.
    for (const auto& p : result.policies) {
        CHECK(p.conserved);
        for (const auto& w : p.waves) CHECK(w.check_error.empty());
    }
    // Pro rata is the fair one: its haircuts are nearly equal, the queue's are concentrated.
    CHECK(pro_rata.haircut_gini < 0.1);
    CHECK(queue.haircut_gini > 0.9);
    CHECK(pro_rata.largest_haircut < queue.largest_haircut);
    // Our regret (adl_benchmark.hpp): the total excess, over the most a close-whole-positions
    // rule could overshoot. Exact policies 0; the queue, inside that class, at most the bound on
    // every wave; whole lots a few lots.
    CHECK(pro_rata.regret_usd == 0.0);
    CHECK(water.regret_usd == 0.0);
    CHECK(queue.regret_usd == Approx(static_cast<double>(queue.overshoot_atoms) / 1e6));
    CHECK(lots.regret_usd == Approx(static_cast<double>(lots.overshoot_atoms) / 1e6));
    std::int64_t bound = 0;
    for (const auto& w : queue.waves) {
        CHECK(w.overshoot_atoms <= w.regret_bound_atoms);
        CHECK(w.regret_bound_atoms == std::min(w.largest_capacity_atoms, w.capacity_atoms - w.needed_atoms));
        bound += w.regret_bound_atoms;
    }
    CHECK(result.regret_bound_usd == Approx(static_cast<double>(bound) / 1e6));
    CHECK(queue.regret_normalised > 0.02);
    CHECK(queue.regret_normalised < 1.0);
    CHECK(lots.regret_normalised < 1e-3 * queue.regret_normalised);
}

TEST_CASE("the synthetic winners have the published equity/PnL quantiles", "[adl_optimal]") {
    risk::AdlBenchmarkConfig config;
    config.robustness_seeds = 0;
    const risk::AdlBenchmarkResult result = risk::run_adl_benchmark(config);
    CHECK(result.winners == 16u * 1100u);
    CHECK(result.equity_pnl_p10 == Approx(2.28).epsilon(0.03));
    CHECK(result.equity_pnl_median == Approx(4.41).epsilon(0.03));
    CHECK(result.equity_pnl_p90 == Approx(14.96).epsilon(0.03));
    // The law itself hits them exactly at z = -1.2816, 0, 1.2816.
    CHECK(risk::equity_pnl_ratio_at(-1.2815515655446004) == Approx(2.28).epsilon(1e-12));
    CHECK(risk::equity_pnl_ratio_at(0.0) == Approx(4.41).epsilon(1e-12));
    CHECK(risk::equity_pnl_ratio_at(1.2815515655446004) == Approx(14.96).epsilon(1e-12));
}

TEST_CASE("the ADL benchmark is deterministic, refuses bad configurations and reports", "[adl_optimal]") {
    const auto a = risk::run_adl_benchmark({});
    const auto b = risk::run_adl_benchmark({});
    REQUIRE(a.policies.size() == b.policies.size());
    for (std::size_t p = 0; p < a.policies.size(); ++p) {
        for (std::size_t w = 0; w < a.policies[p].waves.size(); ++w) {
            CHECK(a.policies[p].waves[w].taken_atoms == b.policies[p].waves[w].taken_atoms);
            CHECK(a.policies[p].waves[w].haircut_gini == b.policies[p].waves[w].haircut_gini);
        }
        CHECK(a.policies[p].regret_usd == b.policies[p].regret_usd);
    }
    CHECK(risk::adl_benchmark_json(a).dump() == risk::adl_benchmark_json(b).dump());
    risk::AdlBenchmarkConfig other;
    other.event.seed = 7;
    CHECK(risk::run_adl_benchmark(other).of(risk::AdlPolicy::production_queue).taken_atoms !=
          a.of(risk::AdlPolicy::production_queue).taken_atoms);

    risk::AdlBenchmarkConfig bad;
    bad.event.winners_per_wave = 0;
    CHECK_THROWS_AS(risk::run_adl_benchmark(bad), std::invalid_argument);
    bad = {};
    bad.event.whale_ratio_correlation = 1.5;
    CHECK_THROWS_AS(risk::run_adl_benchmark(bad), std::invalid_argument);

    const std::string markdown = risk::adl_benchmark_markdown(a);
    CHECK(markdown.find("| production queue | 15,079,670 |") != std::string::npos);
    CHECK(markdown.find("| pro-rata haircut | 15,079,670 | 15,079,670 | 0 | 1.000 |") != std::string::npos);
    const std::string html = risk::adl_benchmark_html(a);
    CHECK(html.find("<table") != std::string::npos);
    CHECK(html.find("<svg") != std::string::npos);
    CHECK(html.find("(USD; 6 = 1M)") != std::string::npos);
    const auto json = risk::adl_benchmark_json(a);
    CHECK(json["policies"].size() == 4);
    CHECK(json["policies"][0]["waves"].size() == 16);
    CHECK(json["policies"][1]["overshoot_usd"].get<double>() == 0.0);
}

// ---- review additions: an independent reference, the ledger check's teeth, edge configurations ----

namespace {

// The water-filling allocation computed another way, in long double: the levels where a bearer
// joins (its leverage P / E) or is capped (its leverage after giving its whole capacity) split
// the line into segments with a fixed set of active bearers; the segment where the total take
// crosses the remainder is found first, then the level inside it. Bearers with no position have
// leverage 0 whatever is taken: what they give beyond the others is not unique (`unique` false).
struct Reference {
    std::vector<long double> share;  // per bearer, continuous
    std::vector<bool> unique;
    long double max_leverage = 0.0L;
};

struct RefBearer {
    long double position = 0, pnl = 0, equity = 0, capacity = 0;
    long double lev0() const { return position / equity; }
    long double lev_capped() const { return position * (1.0L - capacity / pnl) / (equity - capacity); }
    long double need(long double level) const {
        if (capacity <= 0 || level >= lev0()) return 0.0L;
        if (level <= lev_capped()) return capacity;
        const long double f = (position - level * equity) / (position - level * pnl);
        return std::min(capacity, std::max(0.0L, f * pnl));
    }
    long double leverage_after(long double take) const {
        const long double f = take / pnl;
        return position * (1.0L - f) / (equity - take);
    }
};

std::vector<RefBearer> ref_bearers(const std::vector<LossBearer<USDC>>& bearers) {
    std::vector<RefBearer> out;
    for (const auto& b : bearers) {
        RefBearer r;
        const auto capacity = detail::profit_capacity(b).atoms();
        if (capacity > 0) {
            r.position = std::max(0.0L, static_cast<long double>(b.position_value.atoms()));
            r.pnl = static_cast<long double>(b.unrealised_pnl.atoms());
            r.equity = static_cast<long double>(b.collateral.atoms()) + r.pnl;
            r.capacity = static_cast<long double>(capacity);
        }
        out.push_back(r);
    }
    return out;
}

Reference reference_water_filling(const std::vector<LossBearer<USDC>>& bearers, std::int64_t remainder) {
    const std::vector<RefBearer> rb = ref_bearers(bearers);
    Reference ref;
    ref.share.assign(rb.size(), 0.0L);
    ref.unique.assign(rb.size(), true);
    long double capacity = 0, levered_capacity = 0;
    for (const auto& b : rb) {
        capacity += b.capacity;
        if (b.position > 0) levered_capacity += b.capacity;
    }
    const auto target = static_cast<long double>(remainder);
    auto total = [&](long double level) {
        long double sum = 0;
        for (const auto& b : rb) sum += b.need(level);
        return sum;
    };
    if (target >= capacity) {
        for (std::size_t i = 0; i < rb.size(); ++i) ref.share[i] = rb[i].capacity;
    } else if (target >= levered_capacity) {
        // Every levered bearer gives all; the rest, from unlevered ones, any way at all.
        for (std::size_t i = 0; i < rb.size(); ++i) {
            ref.share[i] = rb[i].position > 0 ? rb[i].capacity : 0.0L;
            ref.unique[i] = rb[i].position > 0;
        }
    } else {
        std::vector<long double> breaks = {0.0L};
        for (const auto& b : rb) {
            if (b.capacity <= 0 || b.position <= 0) continue;
            breaks.push_back(b.lev0());
            breaks.push_back(std::max(0.0L, b.lev_capped()));
        }
        std::sort(breaks.begin(), breaks.end());
        // The first breakpoint (from the top) whose total reaches the target bounds the segment.
        std::size_t k = breaks.size() - 1;
        while (k > 0 && total(breaks[k]) < target) --k;
        long double low = breaks[k], high = breaks[std::min(k + 1, breaks.size() - 1)];
        if (k == 0 && total(0.0L) < target) high = low;
        for (int step = 0; step < 400 && high > low; ++step) {
            const long double mid = low + (high - low) / 2;
            if (!(mid > low && mid < high)) break;
            (total(mid) >= target ? low : high) = mid;
        }
        for (std::size_t i = 0; i < rb.size(); ++i) ref.share[i] = rb[i].need(low);
    }
    for (std::size_t i = 0; i < rb.size(); ++i) {
        if (rb[i].capacity > 0) ref.max_leverage = std::max(ref.max_leverage, rb[i].leverage_after(ref.share[i]));
    }
    return ref;
}

std::int64_t extreme_amount(TestRandom& random) {
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    switch (random.below(5)) {
        case 0: return static_cast<std::int64_t>(1 + random.below(1000));
        case 1: return max - static_cast<std::int64_t>(random.below(1000));
        case 2: return static_cast<std::int64_t>(random.below(max / 2 + 1)) + max / 4;
        default: {
            const auto digits = static_cast<int>(6 + random.below(8));
            return static_cast<std::int64_t>((1 + random.below(9)) * static_cast<std::uint64_t>(std::pow(10.0, digits)));
        }
    }
}

}  // namespace

TEST_CASE("water-filling matches an independent segment-by-segment reference, extremes included",
          "[adl_optimal]") {
    TestRandom random(20261125);
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    const WaterFilling policy(8);
    const std::uint64_t rounds = scaled(4000);
    int compared = 0, extreme = 0, flat = 0;
    for (std::uint64_t round = 0; round < rounds; ++round) {
        const auto n = static_cast<std::uint32_t>(2 + random.below(5));
        // Half the rounds keep every collateral within 1e-3..1e3 of the profit. When the collateral
        // is far below the profit, taking it barely moves the leverage (lev ~ P / pnl either way):
        // the objective cannot tell allocations apart and neither double nor long double resolves
        // the level, so those rounds check exactness and the objective only.
        const bool conditioned = random.chance(2);
        std::vector<LossBearer<USDC>> bearers;
        detail::int128 capacity = 0;
        std::int64_t largest = 0;
        for (std::uint32_t i = 0; i < n; ++i) {
            LossBearer<USDC> b;
            b.account = AccountId{2 * i + 3};
            b.size_atoms = random.chance(4) ? max : static_cast<std::int64_t>(random.below(1'000'000'000));
            b.unrealised_pnl = Usdc(random.chance(6) ? -extreme_amount(random) : extreme_amount(random));
            if (conditioned) {
                const long double pnl = std::fabs(static_cast<long double>(b.unrealised_pnl.atoms()));
                const long double factor = std::pow(10.0L, static_cast<long double>(random.below(601)) / 100.0L - 3.0L);
                b.collateral = Usdc(static_cast<std::int64_t>(std::clamp(pnl * factor, 1.0L, static_cast<long double>(max) - 1024.0L)));
            } else {
                b.collateral = random.chance(8) ? Usdc::zero() : Usdc(extreme_amount(random));
            }
            b.position_value = random.chance(8) ? Usdc::zero() : Usdc(extreme_amount(random));
            const std::int64_t cap = detail::profit_capacity(b).atoms();
            capacity += std::max<std::int64_t>(0, cap);
            largest = std::max(largest, cap);
            bearers.push_back(b);
        }
        const auto cap64 = static_cast<std::int64_t>(std::min<detail::int128>(capacity, max));
        std::int64_t remainder = 0;
        switch (random.below(6)) {
            case 0: remainder = max; break;
            case 1: remainder = cap64; break;
            case 2: remainder = std::min<std::int64_t>(cap64, 1 + static_cast<std::int64_t>(random.below(n))); break;
            default: remainder = static_cast<std::int64_t>(random.below(static_cast<std::uint64_t>(cap64) + 1)); break;
        }
        Allocations out(n);
        std::string described;
        for (const auto& b : bearers) {
            described += "{position " + std::to_string(b.position_value.atoms()) + ", pnl " +
                         std::to_string(b.unrealised_pnl.atoms()) + ", collateral " + std::to_string(b.collateral.atoms()) + "} ";
        }
        INFO("round " << round << ": remainder " << remainder << ", bearers " << described);
        const auto plan_result = plan(policy, Usdc(remainder), bearers, out);
        REQUIRE(plan_result);
        const auto covered = static_cast<std::int64_t>(std::min<detail::int128>(remainder, capacity));
        REQUIRE(plan_result->covered.atoms() == covered);
        std::vector<std::int64_t> share(n, 0);
        detail::int128 sum = 0;
        for (std::size_t k = 0; k < plan_result->allocation_count; ++k) {
            REQUIRE(out[k].amount.is_positive());
            REQUIRE(out[k].amount <= detail::profit_capacity(bearers[out[k].bearer_index]));
            REQUIRE(out[k].amount <= bearers[out[k].bearer_index].collateral);
            share[out[k].bearer_index] = out[k].amount.atoms();
            sum += out[k].amount.atoms();
        }
        REQUIRE(sum == covered);

        const Reference ref = reference_water_filling(bearers, remainder);
        const std::vector<RefBearer> rb = ref_bearers(bearers);
        // One atom per bearer, plus what doubles cannot resolve on amounts near 2^63.
        const long double scale = std::max(static_cast<long double>(covered), static_cast<long double>(largest));
        const long double tolerance = static_cast<long double>(n) + 1.0L + scale * 0x1p-40L;
        if (scale > 1e15L) ++extreme;
        long double max_leverage = 0.0L;
        for (std::uint32_t i = 0; i < n; ++i) {
            if (rb[i].capacity <= 0) continue;
            max_leverage = std::max(max_leverage, rb[i].leverage_after(static_cast<long double>(share[i])));
            if (!ref.unique[i] || !conditioned) continue;
            INFO("round " << round << " bearer " << i << " share " << share[i] << " reference "
                          << static_cast<double>(ref.share[i]) << " remainder " << remainder);
            CHECK(std::fabs(static_cast<long double>(share[i]) - ref.share[i]) <= tolerance);
            ++compared;
        }
        if (conditioned) {
            // Against the reference with one atom less each (the continuous optimum can leave a
            // bearer at 449.9999 of a 450-atom profit; in atoms it must give 450 or stay levered),
            // and what a double resolves on amounts near 2^63.
            long double bound = 0.0L;
            for (std::uint32_t i = 0; i < n; ++i) {
                if (rb[i].capacity <= 0) continue;
                const long double slack = 1.0L + ref.share[i] * 0x1p-44L;
                bound = std::max(bound, rb[i].leverage_after(std::max(0.0L, std::floor(ref.share[i]) - slack)));
            }
            CHECK(max_leverage <= bound * (1.0L + 1e-9L) + 1e-15L);
        } else {
            ++flat;
        }
    }
    CHECK(compared > static_cast<int>(rounds));
    CHECK(extreme > static_cast<int>(rounds / 10));
    CHECK(flat > 0);
}

TEST_CASE("water-filling with no levered bearer and capacities beyond int64 takes exactly the need",
          "[adl_optimal]") {
    // Both bearers hold no position (leverage 0 whatever is taken); their capacities add up to
    // more than INT64_MAX. The level search used to start every share at its capacity and give
    // the excess back: the excess did not fit int64 and the plan aborted.
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    std::vector<LossBearer<USDC>> bearers = {winner(1, "0", "60000000", "6"), winner(3, "0", "1", "1")};
    bearers[1].unrealised_pnl = Usdc(max - 909);
    bearers[1].collateral = Usdc(max - 880);
    const WaterFilling policy(4);
    Allocations out(4);
    const auto one = plan(policy, Usdc(1), bearers, out).value();
    CHECK(one.covered == Usdc(1));
    REQUIRE(one.allocation_count == 1);
    CHECK(out[0].amount == Usdc(1));
    const auto most = plan(policy, Usdc(max - 1), bearers, out).value();
    CHECK(most.covered == Usdc(max - 1));
    CHECK(out[0].amount + (most.allocation_count > 1 ? out[1].amount : Usdc::zero()) == Usdc(max - 1));
}

TEST_CASE("water-filling gives the residue atoms where they lower the leverage most", "[adl_optimal]") {
    // A (leverage 500) and B (400) are large; S has a 2-atom profit, 2 atoms of collateral and
    // a 1,000-atom position (leverage 250). At the level ~100 the continuous shares are
    // A 888,888,888.9, B 857,142,857.1 and S 1.5: S must give both atoms (1 leaves it at 166.7,
    // 2 at 0), while one atom more or less moves A or B by ~1e-7. The old rule floored every
    // share and gave the residue atoms by ORIGINAL leverage (A, then B), leaving S at 166.7.
    auto bearer = [](std::uint32_t account, std::int64_t position, std::int64_t pnl, std::int64_t collateral) {
        LossBearer<USDC> b = winner(account, "1", "1", "1");
        b.position_value = Usdc(position);
        b.unrealised_pnl = Usdc(pnl);
        b.collateral = Usdc(collateral);
        b.entry_value = b.position_value + b.unrealised_pnl;
        return b;
    };
    const std::vector<LossBearer<USDC>> bearers = {bearer(1, 1'000'000'000'000, 1'000'000'000, 1'000'000'000),
                                                   bearer(2, 800'000'000'000, 1'000'000'000, 1'000'000'000),
                                                   bearer(3, 1'000, 2, 2)};
    const WaterFilling policy(8);
    Allocations out(8);
    for (const std::int64_t remainder : {1'746'031'747LL, 1'746'031'748LL, 1'746'031'746LL}) {
        const auto p = plan(policy, Usdc(remainder), bearers, out).value();
        CHECK(p.covered == Usdc(remainder));
        CHECK(amount_of(out, p.allocation_count, 3) == Usdc(2));
        double largest = 0.0;
        for (std::size_t k = 0; k < p.allocation_count; ++k) {
            largest = std::max(largest, WaterFilling::leverage_after(bearers[out[k].bearer_index], out[k].amount.atoms()));
        }
        CHECK(largest < 100.001);
    }
}

TEST_CASE("the ledger check fails a take one atom off, or above the profit capacity", "[adl_optimal]") {
    risk::AdlEventConfig config;
    config.winners_per_wave = 60;
    const risk::AdlWave wave = risk::generate_adl_wave(config, 12);  // wave 17: 9,400 USD needed
    const std::vector<std::int64_t> exact = risk::detail::policy_takes(WaterFilling(64), wave);
    using risk::detail::AdlCover;
    CHECK(risk::detail::execute_on_ledger(wave, exact, AdlCover::exact).empty());
    CHECK(risk::detail::execute_on_ledger(wave, exact, AdlCover::at_least).empty());
    // A winner with room, and one whose collateral exceeds its profit (capacity = profit).
    std::size_t giver = 0, rich = wave.winners.size();
    for (std::size_t i = 0; i < wave.winners.size(); ++i) {
        if (exact[i] > 0) giver = i;
        if (wave.winners[i].collateral > wave.winners[i].unrealised_pnl && exact[i] == 0) rich = i;
    }
    REQUIRE(exact[giver] > 0);
    REQUIRE(rich < wave.winners.size());
    std::vector<std::int64_t> more = exact, less = exact, beyond = exact;
    more[rich] += 1;   // one atom too many: an exact policy must not, a whole-position one may
    less[giver] -= 1;  // one atom too few: nobody may
    CHECK(risk::detail::execute_on_ledger(wave, more, AdlCover::exact) == "an exact policy took more than needed");
    CHECK(risk::detail::execute_on_ledger(wave, more, AdlCover::at_least).empty());
    CHECK(risk::detail::execute_on_ledger(wave, less, AdlCover::at_least) == "the need is under-covered");
    CHECK(risk::detail::execute_on_ledger(wave, less, AdlCover::exact) == "the need is under-covered");
    // The same total, but one winner gives a profit it does not have (its collateral would
    // allow it, so the ledger alone accepted this before).
    beyond[rich] = wave.winners[rich].unrealised_pnl.atoms() + 1;
    beyond[giver] -= beyond[rich];
    if (beyond[giver] < 0) beyond[giver] = 0;
    CHECK(risk::detail::execute_on_ledger(wave, beyond, AdlCover::at_least) ==
          "a take above the winner's profit capacity");
    std::vector<std::int64_t> negative = exact;
    negative[giver] = -1;
    CHECK(risk::detail::execute_on_ledger(wave, negative) == "a negative take");
    CHECK(risk::detail::execute_on_ledger(wave, std::vector<std::int64_t>(3, 0)) == "one take per winner expected");
}

TEST_CASE("whole lots never under-cover and overshoot by less than one lot", "[adl_optimal]") {
    TestRandom random(20261125);
    const std::uint64_t rounds = scaled(400);
    for (std::uint64_t round = 0; round < rounds; ++round) {
        risk::AdlWave wave;
        const auto n = static_cast<std::uint32_t>(1 + random.below(30));
        std::int64_t capacity = 0, largest_lot = 0;
        for (std::uint32_t i = 0; i < n; ++i) {
            LossBearer<USDC> b;
            b.account = AccountId{i};
            b.size_atoms = static_cast<std::int64_t>(1 + random.below(1'000'000));
            b.unrealised_pnl = Usdc(static_cast<std::int64_t>(random.below(3'000'000'000)) - 500'000'000);
            b.collateral = Usdc(static_cast<std::int64_t>(random.below(3'000'000'000)));
            b.position_value = Usdc(static_cast<std::int64_t>(random.below(50'000'000'000)));
            b.entry_value = b.position_value + b.unrealised_pnl;
            const auto lots = static_cast<std::int64_t>(1 + random.below(random.chance(3) ? 3 : 200));
            wave.winners.push_back(b);
            wave.lots.push_back(lots);
            const std::int64_t cap = detail::profit_capacity(b).atoms();
            capacity += std::max<std::int64_t>(0, cap);
            largest_lot = std::max(largest_lot, std::min(cap, risk::detail::lot_take(b, lots)));
        }
        wave.needed = Usdc(static_cast<std::int64_t>(random.below(static_cast<std::uint64_t>(capacity) * 5 / 4 + 2)));
        const auto shares = risk::detail::policy_takes(WaterFilling(32), wave);
        const auto takes = risk::detail::whole_lot_takes(wave, shares);
        std::int64_t taken = 0;
        for (std::uint32_t i = 0; i < n; ++i) {
            const auto& b = wave.winners[i];
            const std::int64_t cap = std::max<std::int64_t>(0, detail::profit_capacity(b).atoms());
            REQUIRE(takes[i] >= 0);
            REQUIRE(takes[i] <= cap);
            // Whole lots, or everything the winner can give.
            const std::int64_t per_lot = risk::detail::lot_take(b, wave.lots[i]);
            if (takes[i] != cap) CHECK(takes[i] % per_lot == 0);
            taken += takes[i];
        }
        INFO("round " << round << ": needed " << wave.needed.atoms() << ", capacity " << capacity);
        CHECK(taken >= std::min(wave.needed.atoms(), capacity));
        if (wave.needed.atoms() <= capacity) {
            CHECK(taken - wave.needed.atoms() < std::max<std::int64_t>(1, largest_lot));
        }
        CHECK(risk::detail::execute_on_ledger(wave, takes, risk::detail::AdlCover::at_least).empty());
    }
}

TEST_CASE("the event generator stays in range on edge configurations", "[adl_optimal]") {
    // Every profit at the cap: the profit's normal score used to be -inf, the equity/PnL ratio
    // infinite, and every winner ended with 1 atom of collateral.
    risk::AdlEventConfig flat;
    flat.pnl_scale_usd = 1000.0;
    flat.pnl_max_usd = 1000.0;
    flat.winners_per_wave = 400;
    const risk::AdlWave wave = risk::generate_adl_wave(flat, 0);
    std::vector<double> ratios;
    for (const auto& b : wave.winners) {
        CHECK(b.unrealised_pnl == usdc("1000"));
        ratios.push_back(detail::equity_as_double(b) / static_cast<double>(b.unrealised_pnl.atoms()));
    }
    std::sort(ratios.begin(), ratios.end());
    CHECK(ratios[ratios.size() / 2] == Approx(4.41).epsilon(0.15));
    CHECK(ratios.front() >= 1.0099);

    // Amounts at the top of the range stay inside int64 (no garbage from llround, no overflow
    // in entry = position + profit).
    risk::AdlEventConfig huge;
    huge.pnl_scale_usd = 1e12;
    huge.pnl_max_usd = 1e12;
    huge.whale_ratio_correlation = 0.0;
    huge.leverage_median = 999.0;
    huge.leverage_log_sd = 10.0;
    huge.winners_per_wave = 50;
    for (const auto& b : risk::generate_adl_wave(huge, 3).winners) {
        CHECK(b.collateral.is_positive());
        CHECK(b.position_value.is_positive());
        CHECK(b.position_value.atoms() <= 4'000'000'000'000'000'000);
        CHECK(b.entry_value == b.position_value + b.unrealised_pnl);
    }
    risk::AdlEventConfig bad;
    bad.leverage_log_sd = std::numeric_limits<double>::infinity();
    CHECK_FALSE(bad.error().empty());
    // Summed over 16 waves, that many whales would not fit int64 atoms: refused up front.
    risk::AdlBenchmarkConfig too_big;
    too_big.event = huge;
    CHECK_THROWS_AS(risk::run_adl_benchmark(too_big), std::invalid_argument);
    CHECK_THROWS_AS(risk::adl_seed_robustness(huge, 2), std::invalid_argument);
}

TEST_CASE("the queue's ratio across seeds is summarised and reported", "[adl_optimal]") {
    const risk::AdlEventConfig event;
    // One seed reproduces the benchmark's own queue figure.
    risk::AdlBenchmarkConfig one;
    one.robustness_seeds = 0;
    const auto base = risk::run_adl_benchmark(one);
    CHECK_FALSE(base.seed_robustness.has_value());
    const auto same = risk::adl_seed_robustness(event, 1, event.seed);
    REQUIRE(same.ratios.size() == 1);
    CHECK(same.ratios[0] == base.of(risk::AdlPolicy::production_queue).ratio);
    CHECK(same.ratio_median == same.ratios[0]);

    const auto result = risk::run_adl_benchmark({});
    REQUIRE(result.seed_robustness.has_value());
    const auto& s = *result.seed_robustness;
    CHECK(s.seeds == 20);
    CHECK(s.seed_first == 16);
    REQUIRE(s.ratios.size() == 20);
    CHECK(s.ratio_min <= s.ratio_p10);
    CHECK(s.ratio_p10 < s.ratio_median);
    CHECK(s.ratio_median < s.ratio_p90);
    CHECK(s.ratio_p90 <= s.ratio_max);
    CHECK(s.excess_median == Approx(s.ratio_median - 1.0));  // the queue never under-covers
    std::uint32_t within = 0;
    for (const double r : s.ratios) within += (r >= 3.986 / 1.5 && r <= 3.986 * 1.5) ? 1 : 0;
    CHECK(s.within_factor_1_5 == within);
    // Out of the calibration sample, the median stays within a factor 1.5 of the published 3.99
    // and most seeds do too (measured: 3.89, 19 of 20).
    CHECK(s.ratio_median >= 3.986 / 1.5);
    CHECK(s.ratio_median <= 3.986 * 1.5);
    CHECK(s.within_factor_1_5 >= 15);
    CHECK(s.ratio_min < s.ratio_max);

    const std::string markdown = risk::adl_benchmark_markdown(result);
    CHECK(markdown.find("Across 20 seeds (16..35") != std::string::npos);
    CHECK(markdown.find("not the paper's") != std::string::npos);
    const std::string html = risk::adl_benchmark_html(result);
    CHECK(html.find("class=\"adl-seeds\"") != std::string::npos);
    CHECK(html.find("not directly comparable") != std::string::npos);
    const auto json = risk::adl_benchmark_json(result);
    CHECK(json["seed_robustness"]["seeds"] == 20);
    CHECK(json["seed_robustness"]["ratio"]["median"].get<double>() == s.ratio_median);
    CHECK(json["seed_robustness"]["within_factor_1_5"] == s.within_factor_1_5);
    CHECK(json["regret"]["comparable_with_paper"] == false);
    CHECK(json["regret"]["bound_usd"].get<double>() == result.regret_bound_usd);
    CHECK(risk::adl_benchmark_json(base)["seed_robustness"].is_null());
    CHECK(risk::adl_benchmark_markdown(base).find("Across") == std::string::npos);
}

}  // namespace test_risk_adl_optimal_test
