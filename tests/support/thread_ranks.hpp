// Ranks of a path distribution played by threads of one process: each thread is a rank with its
// own ThreadRank, and all_gather meets the others at a barrier. What MPI does between processes,
// so that every build (the sanitizers' too) checks the distributed runner's results, not only
// the MPI build's ctest runs.
#pragma once

#include <backstop/risk/path_distribution.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace backstop::testing {

class ThreadRankGroup {
public:
    explicit ThreadRankGroup(unsigned ranks) : ranks_(ranks), blocks_(ranks) {}

    unsigned ranks() const { return ranks_; }

    // Every rank's block, concatenated in rank order, once all ranks have given theirs.
    std::vector<unsigned char> all_gather(unsigned rank, const std::vector<unsigned char>& block) {
        std::unique_lock<std::mutex> lock(mutex_);
        const std::uint64_t generation = generation_;
        blocks_[rank] = block;
        if (++arrived_ == ranks_) {
            gathered_.clear();
            for (const auto& b : blocks_) gathered_.insert(gathered_.end(), b.begin(), b.end());
            arrived_ = 0;
            ++generation_;
            ++gathers_;
            changed_.notify_all();
        } else if (!changed_.wait_for(lock, std::chrono::seconds(120), [&] { return generation_ != generation; })) {
            // A rank that never came (it gave up before the gather): fail the test, not hang it.
            std::fprintf(stderr, "thread ranks: rank %u waited 120 s in a gather for a rank that never came\n", rank);
            std::abort();
        }
        return gathered_;
    }
    std::uint64_t gathers() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return gathers_;
    }

private:
    unsigned ranks_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::vector<unsigned char>> blocks_;
    std::vector<unsigned char> gathered_;
    unsigned arrived_ = 0;
    std::uint64_t generation_ = 0;
    std::uint64_t gathers_ = 0;
};

class ThreadRank final : public risk::PathDistribution {
public:
    ThreadRank(ThreadRankGroup& group, unsigned rank) : group_(group), rank_(rank) {}
    unsigned ranks() const override { return group_.ranks(); }
    unsigned rank() const override { return rank_; }
    std::vector<unsigned char> all_gather(const std::vector<unsigned char>& block) override {
        return group_.all_gather(rank_, block);
    }

private:
    ThreadRankGroup& group_;
    unsigned rank_;
};

// Runs work(distribution) once per rank, each on its own thread, and returns what each returned.
template <class T>
std::vector<T> on_thread_ranks(unsigned ranks, const std::function<T(risk::PathDistribution&)>& work) {
    ThreadRankGroup group(ranks);
    std::vector<T> results(ranks);
    std::vector<std::thread> threads;
    for (unsigned r = 0; r < ranks; ++r) {
        threads.emplace_back([&, r] {
            ThreadRank rank(group, r);
            results[r] = work(rank);
        });
    }
    for (auto& t : threads) t.join();
    return results;
}

}  // namespace backstop::testing
