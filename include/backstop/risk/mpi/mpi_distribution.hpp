// The lab's paths over the ranks of an MPI communicator (risk/path_distribution.hpp): set
// Scenario::distribution to one and every run, calibration, grid and comparison that follows is
// split over the ranks, with the same results on every rank as one process computing them all.
//
//   backstop::risk::MpiSession mpi(argc, argv);           // MPI_Init_thread .. MPI_Finalize
//   backstop::risk::MpiDistribution ranks(MPI_COMM_WORLD);
//   scenario.distribution = &ranks;
//   const auto report = build_stress_report(scenario, options);
//   if (ranks.rank() == 0) write the report;
//
// Needs <mpi.h> (Debian: libopenmpi-dev) and the backstop::mpi CMake component; nothing else in
// the library does. Calls into MPI come from the thread that calls run(), one at a time
// (MPI_THREAD_SERIALIZED: the path workers never call MPI).
#pragma once

#include "backstop/risk/path_distribution.hpp"

// The C API only: MPI's C++ bindings were deprecated in MPI 2.2, and Open MPI's do not compile
// cleanly under our warnings.
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <climits>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace backstop {
namespace risk {

// MPI_Init_thread and MPI_Finalize around a program's life (once per process). Asks for
// MPI_THREAD_SERIALIZED: the lab runs on a worker thread while the main one draws progress.
class MpiSession {
public:
    MpiSession(int& argc, char**& argv) {
        int provided = MPI_THREAD_SINGLE;
        if (MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
            throw std::runtime_error("MPI_Init_thread failed");
        }
        if (provided < MPI_THREAD_SERIALIZED) {
            MPI_Finalize();
            throw std::runtime_error("this MPI does not allow calls from a thread other than main (MPI_THREAD_SERIALIZED)");
        }
    }
    ~MpiSession() { MPI_Finalize(); }
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;

    // Ends every rank of the job (an error on one rank would leave the others waiting in a
    // collective call).
    [[noreturn]] static void abort(int code) {
        MPI_Abort(MPI_COMM_WORLD, code);
        throw std::runtime_error("MPI_Abort returned");  // it does not
    }
};

class MpiDistribution final : public PathDistribution {
public:
    explicit MpiDistribution(MPI_Comm communicator) : communicator_(communicator) {
        int size = 0;
        int rank = 0;
        if (MPI_Comm_size(communicator_, &size) != MPI_SUCCESS || MPI_Comm_rank(communicator_, &rank) != MPI_SUCCESS ||
            size < 1 || rank < 0 || rank >= size) {
            throw std::runtime_error("MPI: no size or rank for the communicator");
        }
        ranks_ = static_cast<unsigned>(size);
        rank_ = static_cast<unsigned>(rank);
    }

    unsigned ranks() const override { return ranks_; }
    unsigned rank() const override { return rank_; }

    // MPI_Allgather of the block sizes, then MPI_Allgatherv of the blocks. MPI counts are int: a
    // block or a total beyond INT_MAX bytes is refused (about 5 million paths' summaries).
    std::vector<unsigned char> all_gather(const std::vector<unsigned char>& block) override {
        if (block.size() > static_cast<std::size_t>(INT_MAX)) throw std::runtime_error("MPI: a block beyond 2 GiB");
        const int mine = static_cast<int>(block.size());
        std::vector<int> sizes(ranks_);
        check(MPI_Allgather(&mine, 1, MPI_INT, sizes.data(), 1, MPI_INT, communicator_), "MPI_Allgather");
        std::vector<int> offsets(ranks_);
        std::int64_t total = 0;
        for (unsigned r = 0; r < ranks_; ++r) {
            offsets[r] = static_cast<int>(total);
            total += sizes[r];
            if (sizes[r] < 0 || total > INT_MAX) throw std::runtime_error("MPI: gathered paths beyond 2 GiB");
        }
        std::vector<unsigned char> all(static_cast<std::size_t>(total));
        check(MPI_Allgatherv(block.data(), mine, MPI_UNSIGNED_CHAR, all.data(), sizes.data(), offsets.data(),
                             MPI_UNSIGNED_CHAR, communicator_),
              "MPI_Allgatherv");
        return all;
    }

private:
    static void check(int code, const char* call) {
        if (code != MPI_SUCCESS) throw std::runtime_error(std::string(call) + " failed");
    }

    MPI_Comm communicator_;
    unsigned ranks_ = 1;
    unsigned rank_ = 0;
};

}  // namespace risk
}  // namespace backstop
