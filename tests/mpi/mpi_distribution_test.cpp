// The lab's paths over the ranks of an MPI job (backstop/risk/mpi/mpi_distribution.hpp): the
// gather in rank order with blocks of any size, and runs and a whole report equal on every rank
// to what one process computes alone. Run by ctest under mpirun with 1, 2 and 3 ranks
// (mpi_unit_np*); every rank runs every test in the same order, as collective calls require.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <backstop/risk/mpi/mpi_distribution.hpp>
#include <backstop/risk/report/report_json.hpp>
#include <backstop/risk/report/stress_report.hpp>
#include <backstop/risk/simulator.hpp>

#include "support/lab_outputs.hpp"
#include "support/scenarios.hpp"

#include <cstdint>
#include <string>
#include <vector>

using namespace backstop;
using namespace backstop::risk;

using backstop::testing::bytes_of;

TEST_CASE("MPI all_gather: every rank's block, in rank order, empty blocks included", "[mpi]") {
    MpiDistribution ranks(MPI_COMM_WORLD);
    CAPTURE(ranks.rank(), ranks.ranks());
    // Rank r sends r bytes of value r (rank 0: nothing), then 1,000 bytes each.
    const std::vector<unsigned char> mine(ranks.rank(), static_cast<unsigned char>(ranks.rank()));
    std::vector<unsigned char> expected;
    for (unsigned r = 0; r < ranks.ranks(); ++r) expected.insert(expected.end(), r, static_cast<unsigned char>(r));
    CHECK(ranks.all_gather(mine) == expected);
    const std::vector<unsigned char> thousand(1000, static_cast<unsigned char>(7 + ranks.rank()));
    const std::vector<unsigned char> all = ranks.all_gather(thousand);
    REQUIRE(all.size() == 1000u * ranks.ranks());
    for (unsigned r = 0; r < ranks.ranks(); ++r) CHECK(all[1000u * r + 999] == 7 + r);
}

TEST_CASE("MPI all_gather in rounds: blocks of different sizes, a few bytes a round", "[mpi]") {
    // The rounds that keep MPI's int counts in range, exercised with 7 bytes a round.
    MpiDistribution ranks(MPI_COMM_WORLD, 7);
    std::vector<unsigned char> mine(50 * ranks.rank() + 3);
    for (std::size_t i = 0; i < mine.size(); ++i) mine[i] = static_cast<unsigned char>(i * 31 + ranks.rank());
    std::vector<unsigned char> expected;
    for (unsigned r = 0; r < ranks.ranks(); ++r) {
        for (std::size_t i = 0; i < 50 * r + 3; ++i) expected.push_back(static_cast<unsigned char>(i * 31 + r));
    }
    CHECK(ranks.all_gather(mine) == expected);
    CHECK(ranks.all_gather({}).empty());
}

TEST_CASE("MPI: a run gives every rank the paths one process computes alone, bit for bit", "[mpi]") {
    MpiDistribution ranks(MPI_COMM_WORLD);
    for (Scenario scenario : {backstop::testing::small_wild_market(), backstop::testing::small_three_markets()}) {
        scenario.paths = 10;
        scenario.threads = 1;
        const std::vector<unsigned char> alone = bytes_of(run(scenario, true));
        scenario.distribution = &ranks;
        Progress progress;
        CHECK(bytes_of(run(scenario, true, &progress)) == alone);
        const PathShare share = path_share(10, ranks.rank(), ranks.ranks());
        CHECK(progress.done.load() == share.last - share.first);  // its own share only
    }
}

TEST_CASE("MPI: a whole stress report is the same on every rank as alone", "[mpi]") {
    const StressReportOptions options = backstop::testing::small_report_options();
    Scenario scenario = backstop::testing::small_wild_market();
    scenario.threads = 1;
    const std::string alone = report_to_json(build_stress_report(scenario, options).value()).dump();
    MpiDistribution ranks(MPI_COMM_WORLD);
    scenario.distribution = &ranks;
    CHECK(report_to_json(build_stress_report(scenario, options).value()).dump() == alone);
}

int main(int argc, char** argv) {
    MpiSession mpi(argc, argv);
    return Catch::Session().run(argc, argv);
}
