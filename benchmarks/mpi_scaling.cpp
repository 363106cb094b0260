// The lab over MPI ranks: paths per second of one run of the demo scenario, and what the ranks
// cost on top (MPI start-up, the gather of every rank's paths). Run by
// benchmarks/mpi_scaling.sh for each ranks x threads on this machine (docs/benchmarks.md).
//
//   mpirun -np R mpi_scaling PATHS THREADS
//   one line: ranks threads paths seconds init_s gather_in_run_s gather_alone_s bytes digest
#include <backstop/risk/mpi/mpi_distribution.hpp>
#include <backstop/risk/scenario_presets.hpp>
#include <backstop/risk/simulator.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Times the gather inside the run: the reduction's share of the wall time.
class TimedDistribution final : public backstop::risk::PathDistribution {
public:
    explicit TimedDistribution(backstop::risk::PathDistribution& inner) : inner_(inner) {}
    unsigned ranks() const override { return inner_.ranks(); }
    unsigned rank() const override { return inner_.rank(); }
    std::vector<unsigned char> all_gather(const std::vector<unsigned char>& block) override {
        const auto start = Clock::now();
        std::vector<unsigned char> all = inner_.all_gather(block);
        gather_seconds += seconds_since(start);
        bytes = all.size();
        return all;
    }
    double gather_seconds = 0.0;
    std::size_t bytes = 0;

private:
    backstop::risk::PathDistribution& inner_;
};

}  // namespace

int main(int argc, char** argv) {
    const auto init_start = Clock::now();
    backstop::risk::MpiSession mpi(argc, argv);
    const double init_seconds = seconds_since(init_start);
    backstop::risk::MpiDistribution ranks(MPI_COMM_WORLD);
    TimedDistribution timed(ranks);

    backstop::risk::Scenario scenario = backstop::risk::demo_scenario();
    scenario.paths = argc > 1 ? static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 48;
    scenario.threads = argc > 2 ? static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10)) : 1;
    scenario.distribution = &timed;

    MPI_Barrier(MPI_COMM_WORLD);  // every rank starts together
    const auto start = Clock::now();
    const backstop::risk::RunResult result = backstop::risk::run(scenario);
    MPI_Barrier(MPI_COMM_WORLD);
    const double seconds = seconds_since(start);

    // The gather alone, every rank ready: the run's share of the bytes again, after a barrier
    // (the median of 9; the gather inside the run also waits for the slowest rank).
    const std::vector<unsigned char> block(timed.bytes / ranks.ranks());
    std::vector<double> gathers;
    for (int i = 0; i < 9; ++i) {
        MPI_Barrier(MPI_COMM_WORLD);
        const auto gather_start = Clock::now();
        (void)ranks.all_gather(block);
        gathers.push_back(seconds_since(gather_start));
    }
    std::sort(gathers.begin(), gathers.end());

    // Rank 0 reports the slowest rank's start-up and gathers.
    double worst[3] = {init_seconds, timed.gather_seconds, gathers[4]};
    double reduced[3] = {0.0, 0.0, 0.0};
    MPI_Reduce(worst, reduced, 3, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (ranks.rank() == 0) {
        std::uint64_t digest = 0;
        for (const auto& path : result.paths) digest ^= path.digest + 0x9e3779b97f4a7c15u + (digest << 6) + (digest >> 2);
        std::printf("%u %u %u %.4f %.4f %.4f %.6f %zu %016llx\n", ranks.ranks(), scenario.threads, scenario.paths,
                    seconds, reduced[0], reduced[1], reduced[2], timed.bytes, static_cast<unsigned long long>(digest));
    }
    return 0;
}
