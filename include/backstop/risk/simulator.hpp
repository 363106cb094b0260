// The runner: every path of a scenario, each a PathRunner (risk/path_runner.hpp) stepped with
// the scenario's own price model.
//
// Paths run on std::thread workers; path p always uses the random stream (seed, p), and the
// summaries are stored by path index, so the results are identical for any number of threads,
// and any single path can be replayed alone with run_path().
#pragma once

#include "backstop/core/span.hpp"
#include "backstop/risk/path_runner.hpp"
#include "backstop/risk/progress.hpp"
#include "backstop/risk/scenario.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

namespace backstop {
namespace risk {

// Runs one path. Deterministic in (scenario, path). `fund_path`, when given, receives the fund
// balance after every step.
inline PathSummary run_path(const Scenario& scenario, std::uint64_t path, std::vector<double>* fund_path = nullptr,
                            std::vector<double>* target_path = nullptr) {
    PathRunner runner(scenario, path, fund_path, target_path);
    for (std::uint32_t step = 0; step < scenario.horizon_steps; ++step) {
        runner.advance_markets(step, runner.model_log_returns(step));
    }
    return runner.finish();
}


namespace detail {

// A scenario whose markets or fund set-up are inconsistent is refused here, on the caller's
// thread: a path that found it would throw inside a worker, which cannot hand it back.
inline void check_runnable(const Scenario& scenario) {
    if (!predictive_margin_consistent(scenario)) {
        throw std::invalid_argument("scenario: the predictive margin set-up is invalid or does not fit the model or markets");
    }
    if (!markets_consistent(scenario)) throw std::invalid_argument("scenario: inconsistent markets, model or market weights");
    if (!fund_setup_consistent(scenario.fund)) throw std::invalid_argument("scenario: inconsistent fund set-up");
}

// Calls job(i) for i in [0, count) on the scenario's threads, each i exactly once.
template <class Job>
void for_each_path(const Scenario& scenario, std::uint64_t count, Job job) {
    unsigned threads = scenario.threads != 0 ? scenario.threads : std::max(1u, std::thread::hardware_concurrency());
    threads = static_cast<unsigned>(std::min<std::uint64_t>(threads, std::max<std::uint64_t>(1, count)));
    std::atomic<std::uint64_t> next{0};
    auto worker = [&]() {
        for (std::uint64_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) job(i);
    };
    if (threads == 1) {
        worker();
    } else {
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
        for (auto& thread : pool) thread.join();
    }
}

}  // namespace detail

// Runs every path of the scenario on `scenario.threads` threads (0: every core). The result is
// the same for any number of threads. `progress`, when given, counts the paths as they finish.
inline RunResult run(const Scenario& scenario, bool record_fund_paths = false, Progress* progress = nullptr) {
    detail::check_runnable(scenario);
    RunResult result;
    for (std::size_t k = 0; k < scenario.market_count(); ++k) result.market_names.push_back(scenario.market_name_of(k));
    result.paths.resize(scenario.paths);
    if (record_fund_paths) result.fund_paths.resize(scenario.paths);
    if (record_fund_paths && scenario.fund.target) result.target_paths.resize(scenario.paths);
    add_work(progress, scenario.paths);
    detail::for_each_path(scenario, scenario.paths, [&](std::uint64_t p) {
        result.paths[p] = run_path(scenario, p, record_fund_paths ? &result.fund_paths[p] : nullptr,
                                   result.target_paths.empty() ? nullptr : &result.target_paths[p]);
        complete(progress);
    });
    return result;
}

// Runs the given paths of the scenario (path indices, any order) on its threads; the summaries
// come back in the order asked.
inline std::vector<PathSummary> run_paths(const Scenario& scenario, Span<const std::uint64_t> paths,
                                          Progress* progress = nullptr) {
    detail::check_runnable(scenario);
    std::vector<PathSummary> summaries(paths.size());
    add_work(progress, paths.size());
    detail::for_each_path(scenario, paths.size(), [&](std::uint64_t i) {
        summaries[i] = run_path(scenario, paths[i]);
        complete(progress);
    });
    return summaries;
}

}  // namespace risk
}  // namespace backstop
