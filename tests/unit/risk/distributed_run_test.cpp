// A run split over ranks (risk/path_distribution.hpp) gives every rank the results one process
// computes alone, bit for bit: the shares, the codec that carries the paths, and whole runs and
// reports on 1, 2 and 3 ranks played by threads (support/thread_ranks.hpp). The same checks
// between processes, under mpirun, are the ctest tests mpi_* (tests/mpi/).
#include <backstop/risk/joint_simulation.hpp>
#include <backstop/risk/path_distribution.hpp>
#include <backstop/risk/report/joint_report.hpp>
#include <backstop/risk/report/report_json.hpp>
#include <backstop/risk/report/stress_report.hpp>
#include <backstop/risk/simulator.hpp>

#include <catch2/catch.hpp>

#include "support/joint_setups.hpp"
#include "support/lab_outputs.hpp"
#include "support/scenarios.hpp"
#include "support/thread_ranks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace test_risk_distributed_run_test {

using namespace backstop;
using namespace backstop::risk;
using backstop::testing::on_thread_ranks;

using backstop::testing::bytes_of;

TEST_CASE("path shares are contiguous, in rank order, cover every path once and differ by at most one",
          "[distribution]") {
    const std::uint64_t big = std::numeric_limits<std::uint64_t>::max();
    for (const std::uint64_t count : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{5},
                                      std::uint64_t{1000}, std::uint64_t{1001}, big}) {
        for (const unsigned ranks : {1u, 2u, 3u, 7u, 1000u}) {
            CAPTURE(count, ranks);
            std::uint64_t next = 0;
            std::uint64_t smallest = big;
            std::uint64_t largest = 0;
            for (unsigned r = 0; r < ranks; ++r) {
                const PathShare share = path_share(count, r, ranks);
                REQUIRE(share.first == next);
                REQUIRE(share.last >= share.first);
                smallest = std::min(smallest, share.last - share.first);
                largest = std::max(largest, share.last - share.first);
                next = share.last;
            }
            CHECK(next == count);
            CHECK(largest - smallest <= 1);
        }
    }
}

TEST_CASE("the path codec carries a summary bit for bit, and refuses a broken buffer", "[distribution]") {
    PathSummary s;
    s.path = 7;
    s.fund_initial = 250'000.0;
    s.fund_min = -0.0;
    s.coverage_min = std::numeric_limits<double>::infinity();
    s.fund_required = std::numeric_limits<double>::quiet_NaN();
    s.bad_debt = 1e-300;
    s.first_depletion_step = -1;
    s.yield_defaults = 3;
    s.volatility_forecast.add(2.0, 3.0);
    s.conserved = false;
    s.digest = 0xDEADBEEFCAFEF00Du;
    s.markets.resize(3);
    s.markets[1].bad_debt = 12.5;
    s.markets[2].first_shortfall = true;
    const std::vector<unsigned char> bytes = bytes_of(s);

    ByteReader reader(bytes.data(), bytes.size());
    const PathSummary back = decode_path_summary(reader);
    CHECK(reader.at_end());
    CHECK(bytes_of(back) == bytes);
    CHECK(std::signbit(back.fund_min));
    CHECK(std::isnan(back.fund_required));
    CHECK(back.coverage_min == std::numeric_limits<double>::infinity());
    CHECK(back.digest == s.digest);
    CHECK(back.volatility_forecast.fy == 6.0);
    REQUIRE(back.markets.size() == 3);
    CHECK(back.markets[1].bad_debt == 12.5);
    CHECK(back.markets[2].first_shortfall);
    CHECK_FALSE(back.conserved);

    // Cut anywhere: an error, never a read past the end.
    for (std::size_t cut = 0; cut < bytes.size(); cut += 13) {
        ByteReader shorter(bytes.data(), cut);
        CHECK_THROWS_AS(decode_path_summary(shorter), std::runtime_error);
    }
    // A market count no buffer could hold is refused before it sizes an allocation.
    std::vector<unsigned char> lying = bytes;
    PathSummary no_markets = s;
    no_markets.markets.clear();
    const std::size_t count_at = bytes_of(no_markets).size() - 8;  // the market count, after the fields
    CHECK(bytes_of(no_markets).size() == 397);  // docs/scale.md: 397 bytes a path, 50 a market
    CHECK(bytes.size() - bytes_of(no_markets).size() == 3 * 50);
    for (std::size_t b = 0; b < 8; ++b) lying[count_at + b] = 0xFF;
    ByteReader liar(lying.data(), lying.size());
    CHECK_THROWS_AS(decode_path_summary(liar), std::runtime_error);
}

TEST_CASE("a run on 1, 2 and 3 ranks gives every rank the single process's paths, bit for bit", "[distribution]") {
    for (Scenario scenario : {testing::small_wild_market(), testing::small_three_markets()}) {
        scenario.paths = 10;  // 3 ranks: blocks of 4, 3 and 3
        scenario.threads = 1;
        const RunResult alone = run(scenario, true);
        REQUIRE(alone.paths.size() == 10);
        REQUIRE(alone.fund_paths.size() == 10);
        const std::vector<unsigned char> expected = bytes_of(alone);
        for (const unsigned ranks : {1u, 2u, 3u}) {
            CAPTURE(ranks, scenario.market_count());
            using Got = std::pair<std::vector<unsigned char>, std::uint64_t>;  // results, paths run here
            const std::vector<Got> got = on_thread_ranks<Got>(ranks, [&](PathDistribution& distribution) {
                Scenario mine = scenario;
                mine.distribution = &distribution;
                Progress progress;
                std::vector<unsigned char> bytes = bytes_of(run(mine, true, &progress));
                return Got{std::move(bytes), progress.done.load()};
            });
            for (unsigned r = 0; r < ranks; ++r) {
                CHECK(got[r].first == expected);
                // Each rank ran its own share only: 10 paths over 3 ranks are 4, 3 and 3.
                const PathShare share = path_share(10, r, ranks);
                CHECK(got[r].second == share.last - share.first);
            }
        }
        // run_paths: any indices, in the order asked.
        const std::vector<std::uint64_t> asked{9, 0, 4, 4, 7};
        const std::vector<PathSummary> alone_asked = run_paths(scenario, Span<const std::uint64_t>(asked));
        const auto got = on_thread_ranks<std::vector<PathSummary>>(3, [&](PathDistribution& distribution) {
            Scenario mine = scenario;
            mine.distribution = &distribution;
            return run_paths(mine, Span<const std::uint64_t>(asked));
        });
        for (const auto& summaries : got) {
            REQUIRE(summaries.size() == asked.size());
            for (std::size_t i = 0; i < asked.size(); ++i) CHECK(bytes_of(summaries[i]) == bytes_of(alone_asked[i]));
        }
    }
}

TEST_CASE("a whole stress report, calibration and grid included, is the same on 2 and 3 ranks as alone",
          "[distribution]") {
    const StressReportOptions options = testing::small_report_options();
    Scenario scenario = testing::small_wild_market();
    scenario.threads = 1;
    const std::string alone = report_to_json(build_stress_report(scenario, options).value()).dump();
    for (const unsigned ranks : {2u, 3u}) {
        CAPTURE(ranks);
        const auto got = on_thread_ranks<std::string>(ranks, [&](PathDistribution& distribution) {
            Scenario mine = scenario;
            mine.distribution = &distribution;
            return report_to_json(build_stress_report(mine, options).value()).dump();
        });
        for (const std::string& json : got) CHECK(json == alone);
    }
}

TEST_CASE("a joint run of several protocols is the same on 2 and 3 ranks as alone", "[distribution]") {
    JointSetup setup = testing::small_joint();
    setup.paths = 7;  // 3 ranks: blocks of 3, 2 and 2
    setup.threads = 1;
    const std::string alone = joint_report_json(setup, run_joint(setup).value()).dump();
    for (const unsigned ranks : {2u, 3u}) {
        CAPTURE(ranks);
        using Got = std::pair<std::string, std::uint64_t>;  // the report, paths run here
        const auto got = on_thread_ranks<Got>(ranks, [&](PathDistribution& distribution) {
            JointSetup mine = setup;
            mine.distribution = &distribution;
            Progress progress;
            std::string json = joint_report_json(mine, run_joint(mine, &progress).value()).dump();
            return Got{std::move(json), progress.done.load()};
        });
        for (unsigned r = 0; r < ranks; ++r) {
            CHECK(got[r].first == alone);
            const PathShare share = path_share(7, r, ranks);
            CHECK(got[r].second == joint_arms.size() * (share.last - share.first));  // its share of every arm
        }
    }
}

TEST_CASE("a rank that fails still joins the gather, and every rank then throws the same error",
          "[distribution]") {
    Scenario scenario = testing::small_wild_market();
    scenario.threads = 1;
    const auto got = on_thread_ranks<std::string>(3, [&](PathDistribution& distribution) {
        Scenario mine = scenario;
        mine.distribution = &distribution;
        try {
            // 9 items over 3 ranks: item 4 is rank 1's, and only rank 1 fails.
            (void)risk::detail::map_paths<double>(
                mine, 9, nullptr,
                [](std::uint64_t i) {
                    if (i == 4) throw std::runtime_error("item 4 is broken");
                    return static_cast<double>(i);
                },
                [](ByteWriter& out, double x) { out.put(x); }, [](ByteReader& in) { return in.get<double>(); });
            return std::string("no error");
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
    });
    for (const std::string& message : got) CHECK(message == "path distribution: rank 1 failed: item 4 is broken");
}

TEST_CASE("the codec refuses a bool byte that is neither 0 nor 1, and path_share a rank outside its ranks",
          "[distribution]") {
    PathSummary no_markets;
    const std::size_t conserved_at = bytes_of(no_markets).size() - 8 - 8 - 1;  // before digest and market count
    std::vector<unsigned char> bad = bytes_of(no_markets);
    bad[conserved_at] = 2;
    ByteReader reader(bad.data(), bad.size());
    CHECK_THROWS_AS(decode_path_summary(reader), std::runtime_error);
    bad[conserved_at] = 1;
    ByteReader fine(bad.data(), bad.size());
    CHECK(decode_path_summary(fine).conserved);
    CHECK_THROWS_AS(path_share(10, 0, 0), std::invalid_argument);
    CHECK_THROWS_AS(path_share(10, 3, 3), std::invalid_argument);
}

namespace {
struct Padded {  // b's neighbour fits in its padding: a size check would not see it added
    double a = 0.0;
    bool b = false;
    bool in_padding = false;
    std::vector<double> v;
};
}  // namespace

TEST_CASE("the codec's guard counts members, even one added in padding", "[distribution]") {
    STATIC_REQUIRE(risk::detail::field_count<Padded>() == 4);
    STATIC_REQUIRE(risk::detail::field_count<PathSummary>() == 47);
    STATIC_REQUIRE(risk::detail::field_count<JointPath>() == 8);
}

TEST_CASE("a distribution that reports a rank outside its ranks is refused", "[distribution]") {
    struct Broken final : PathDistribution {
        unsigned ranks() const override { return 2; }
        unsigned rank() const override { return 2; }
        std::vector<unsigned char> all_gather(const std::vector<unsigned char>& block) override { return block; }
    };
    Broken broken;
    Scenario scenario = testing::small_wild_market();
    scenario.distribution = &broken;
    CHECK_THROWS_AS(run(scenario), std::invalid_argument);
}

}  // namespace test_risk_distributed_run_test
