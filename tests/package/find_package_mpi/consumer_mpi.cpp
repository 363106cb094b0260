// A program outside the project that splits the lab's paths over MPI ranks, built against the
// installed component mpi alone (run under mpirun by the test).
#include <backstop/risk/mpi/mpi_distribution.hpp>

#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
    backstop::risk::MpiSession mpi(argc, argv);
    backstop::risk::MpiDistribution ranks(MPI_COMM_WORLD);
    const std::vector<unsigned char> all = ranks.all_gather({static_cast<unsigned char>(ranks.rank())});
    std::printf("consumer: rank %u of %u gathered %zu blocks\n", ranks.rank(), ranks.ranks(), all.size());
    return all.size() == ranks.ranks() ? 0 : 1;
}
