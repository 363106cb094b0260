// Progress of a long computation, shared between the threads doing it and one that watches (a
// progress bar). The work adds to `total` as it learns how much there is and to `done` as it
// goes; both only grow. Relaxed atomics: the watcher needs a recent value, not an ordered one.
#pragma once

#include <atomic>
#include <cstdint>

namespace backstop {
namespace risk {

struct Progress {
    std::atomic<std::uint64_t> done{0};
    std::atomic<std::uint64_t> total{0};

    void add_work(std::uint64_t units) { total.fetch_add(units, std::memory_order_relaxed); }
    void complete(std::uint64_t units = 1) { done.fetch_add(units, std::memory_order_relaxed); }
    double fraction() const {
        const std::uint64_t t = total.load(std::memory_order_relaxed);
        const std::uint64_t d = done.load(std::memory_order_relaxed);
        return t == 0 ? 0.0 : static_cast<double>(d < t ? d : t) / static_cast<double>(t);
    }
};

// Null-safe helpers, so that code paths without a watcher pass nullptr.
inline void add_work(Progress* progress, std::uint64_t units) {
    if (progress != nullptr) progress->add_work(units);
}
inline void complete(Progress* progress, std::uint64_t units = 1) {
    if (progress != nullptr) progress->complete(units);
}

}  // namespace risk
}  // namespace backstop
