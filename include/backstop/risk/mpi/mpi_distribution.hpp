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

// Without <mpi.h> on the include path (a build without backstop::mpi) the header still compiles
// on its own, and declares MpiSession and MpiDistribution only: using either is then an error
// naming them (incomplete type), pointing here.
#if !__has_include(<mpi.h>)
namespace backstop {
namespace risk {
class MpiSession;       // needs <mpi.h>: link backstop::mpi (BACKSTOP_WITH_MPI; Debian libopenmpi-dev)
class MpiDistribution;  // needs <mpi.h>: link backstop::mpi (BACKSTOP_WITH_MPI; Debian libopenmpi-dev)
}  // namespace risk
}  // namespace backstop
#else

// The C API only: MPI's C++ bindings were deprecated in MPI 2.2, and Open MPI's do not compile
// cleanly under our warnings.
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <limits>
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
    // round_bytes_max: at most this many bytes of each block per round of the gather (tests
    // make it small to exercise the rounds; MPI's int counts bound it anyway).
    explicit MpiDistribution(MPI_Comm communicator, std::uint64_t round_bytes_max = INT_MAX)
        : communicator_(communicator), round_bytes_max_(round_bytes_max == 0 ? 1 : round_bytes_max) {
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

    // MPI_Allgather of the block sizes, then MPI_Allgatherv of the blocks in rounds: MPI counts
    // and displacements are int, so each round moves at most INT_MAX / ranks bytes of each
    // block, and a gather of any size takes as many rounds as its largest block needs (every
    // rank knows the sizes, so every rank makes the same rounds).
    std::vector<unsigned char> all_gather(const std::vector<unsigned char>& block) override {
        const auto mine = static_cast<std::uint64_t>(block.size());
        std::vector<std::uint64_t> sizes(ranks_);
        check(MPI_Allgather(&mine, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T, communicator_), "MPI_Allgather");
        std::vector<std::uint64_t> starts(ranks_);
        std::uint64_t total = 0;
        std::uint64_t largest = 0;
        for (unsigned r = 0; r < ranks_; ++r) {
            starts[r] = total;
            if (sizes[r] > std::numeric_limits<std::uint64_t>::max() - total) throw std::runtime_error("MPI: gather size overflow");
            total += sizes[r];
            largest = std::max(largest, sizes[r]);
        }
        if (total > std::numeric_limits<std::size_t>::max()) throw std::runtime_error("MPI: a gather larger than memory");
        std::vector<unsigned char> all(static_cast<std::size_t>(total));
        const std::uint64_t round_max = std::min<std::uint64_t>(round_bytes_max_, static_cast<std::uint64_t>(INT_MAX) / ranks_);
        std::vector<unsigned char> round_buffer;
        std::vector<int> counts(ranks_);
        std::vector<int> offsets(ranks_);
        for (std::uint64_t done = 0; done < largest; done += round_max) {
            int round_total = 0;
            for (unsigned r = 0; r < ranks_; ++r) {
                const std::uint64_t left = sizes[r] > done ? sizes[r] - done : 0;
                counts[r] = static_cast<int>(std::min(left, round_max));
                offsets[r] = round_total;
                round_total += counts[r];
            }
            round_buffer.resize(static_cast<std::size_t>(round_total));
            const unsigned char* send = block.data() + std::min<std::uint64_t>(done, mine);
            check(MPI_Allgatherv(send, counts[rank_], MPI_UNSIGNED_CHAR, round_buffer.data(), counts.data(),
                                 offsets.data(), MPI_UNSIGNED_CHAR, communicator_),
                  "MPI_Allgatherv");
            for (unsigned r = 0; r < ranks_; ++r) {
                if (counts[r] > 0) std::copy_n(round_buffer.data() + offsets[r], counts[r], all.data() + starts[r] + done);
            }
        }
        return all;
    }

private:
    static void check(int code, const char* call) {
        if (code != MPI_SUCCESS) throw std::runtime_error(std::string(call) + " failed");
    }

    MPI_Comm communicator_;
    std::uint64_t round_bytes_max_;
    unsigned ranks_ = 1;
    unsigned rank_ = 0;
};

}  // namespace risk
}  // namespace backstop

#endif  // __has_include(<mpi.h>)
