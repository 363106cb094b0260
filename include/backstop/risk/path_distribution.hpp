// Where a run's paths are computed: in this process only (no distribution, the default), or
// split over the ranks of a group of processes (MPI: backstop/mpi/mpi_distribution.hpp).
//
// Each rank computes one contiguous block of path indices on its threads, encodes what its paths
// produced, and every rank receives every block in rank order, which is path order. A path's
// result depends only on (scenario, path), so every rank then holds the same results, bit for
// bit, as one process computing them all: the statistics, the calibration's next step and the
// report that follow are the same on every rank for any number of ranks and threads.
//
// The ranks must make the same sequence of calls (collective operations); they do, because each
// decides what to run next from the same gathered results.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace backstop {
namespace risk {

class PathDistribution {
public:
    virtual ~PathDistribution() = default;

    virtual unsigned ranks() const = 0;  // at least 1
    virtual unsigned rank() const = 0;   // in [0, ranks())

    // Every rank passes its own block; every rank receives all blocks, concatenated in rank
    // order. Throws std::runtime_error when the transport fails.
    virtual std::vector<unsigned char> all_gather(const std::vector<unsigned char>& block) = 0;
};

// The block of [0, count) that `rank` of `ranks` computes: [first, last). Blocks are contiguous,
// in rank order, and differ in size by at most one, so rank order is path order.
struct PathShare {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
};

// Throws std::invalid_argument for no ranks or a rank outside them.
inline PathShare path_share(std::uint64_t count, unsigned rank, unsigned ranks) {
    if (ranks == 0 || rank >= ranks) throw std::invalid_argument("path distribution: a rank outside [0, ranks)");
    // count * rank / ranks without overflow: count = q * ranks + r.
    const std::uint64_t q = count / ranks;
    const std::uint64_t r = count % ranks;
    const auto start = [&](std::uint64_t k) { return q * k + (k < r ? k : r); };
    return PathShare{start(rank), start(std::uint64_t{rank} + 1)};
}

}  // namespace risk
}  // namespace backstop
