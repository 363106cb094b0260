// The runner: every path of a scenario, each a PathRunner (risk/path_runner.hpp) stepped with
// the scenario's own price model.
//
// Paths run on std::thread workers, and with Scenario::distribution on several processes too
// (risk/path_distribution.hpp); path p always uses the random stream (seed, p), and the
// summaries are stored by path index, so the results are identical for any number of threads and
// processes, and any single path can be replayed alone with run_path().
#pragma once

#include "backstop/core/span.hpp"
#include "backstop/risk/path_codec.hpp"
#include "backstop/risk/path_distribution.hpp"
#include "backstop/risk/path_runner.hpp"
#include "backstop/risk/progress.hpp"
#include "backstop/risk/scenario.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace backstop {
namespace risk {

// Runs one path. Deterministic in (scenario, path). `fund_path`, when given, receives the fund
// balance after every step.
template <class Runner = PathRunner>
PathSummary run_path(const Scenario& scenario, std::uint64_t path, std::vector<double>* fund_path = nullptr,
                            std::vector<double>* target_path = nullptr) {
    Runner runner(scenario, path, fund_path, target_path);
    for (std::uint32_t step = 0; step < scenario.horizon_steps; ++step) runner.advance_by_model(step);
    return runner.finish();
}


namespace detail {

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

// results[i] = job(i) for every i in [0, count). Alone: on the scenario's threads. With a
// distribution: this rank computes its share on its threads, and every rank receives every
// result, in order (encode and decode carry them as bytes).
//
// Each rank's block is [payload length: u64][status: u8][payload]: status 0, its results; status
// 1, it failed and the payload is why. A rank that fails still joins the gather, and then every
// rank throws the same error: none is left waiting in a collective call for one that gave up.
template <class T, class Job, class Encode, class Decode>
std::vector<T> map_paths(const Scenario& scenario, std::uint64_t count, Progress* progress, Job job, Encode encode,
                         Decode decode) {
    PathDistribution* distribution = scenario.distribution;
    const unsigned ranks = distribution != nullptr ? distribution->ranks() : 1u;
    if (ranks == 1) {
        std::vector<T> results(static_cast<std::size_t>(count));
        add_work(progress, count);
        for_each_path(scenario, count, [&](std::uint64_t i) {
            results[i] = job(i);
            complete(progress);
        });
        return results;
    }
    const unsigned rank = distribution->rank();
    if (ranks == 0 || rank >= ranks) throw std::invalid_argument("path distribution: a rank outside [0, ranks)");
    std::vector<unsigned char> block(sizeof(std::uint64_t), 0);  // the length, written at the end
    ByteWriter writer(block);
    try {
        const PathShare share = path_share(count, rank, ranks);
        std::vector<T> mine(static_cast<std::size_t>(share.last - share.first));
        add_work(progress, mine.size());
        for_each_path(scenario, mine.size(), [&](std::uint64_t i) {
            mine[i] = job(share.first + i);
            complete(progress);
        });
        writer.put(std::uint8_t{0});
        for (const T& result : mine) encode(writer, result);
    } catch (const std::exception& e) {
        block.resize(sizeof(std::uint64_t));
        writer.put(std::uint8_t{1});
        writer.put_text(e.what());
    }
    const auto payload = static_cast<std::uint64_t>(block.size() - sizeof(std::uint64_t) - 1);
    std::memcpy(block.data(), &payload, sizeof payload);

    const std::vector<unsigned char> all = distribution->all_gather(block);
    // Every rank's block, checked before any is decoded.
    std::vector<ByteReader> payloads;
    ByteReader blocks(all.data(), all.size());
    for (unsigned r = 0; r < ranks; ++r) {
        const auto length = blocks.get<std::uint64_t>();
        const auto status = blocks.get<std::uint8_t>();
        if (length > blocks.remaining()) throw std::runtime_error("path distribution: a block longer than the gather");
        ByteReader body = blocks.sub_reader(static_cast<std::size_t>(length));
        if (status == 1) {
            throw std::runtime_error("path distribution: rank " + std::to_string(r) + " failed: " + body.get_text());
        }
        if (status != 0) throw std::runtime_error("path distribution: a block with an unknown status");
        payloads.push_back(body);
    }
    if (!blocks.at_end()) throw std::runtime_error("path distribution: more blocks than ranks");
    std::vector<T> results;
    results.reserve(static_cast<std::size_t>(count));
    for (unsigned r = 0; r < ranks; ++r) {
        const PathShare share = path_share(count, r, ranks);
        for (std::uint64_t i = share.first; i < share.last; ++i) results.push_back(decode(payloads[r]));
        if (!payloads[r].at_end()) throw std::runtime_error("path distribution: a rank sent more bytes than paths");
    }
    return results;
}

// A path's summary with the series it recorded (empty when not asked for).
struct PathOutput {
    PathSummary summary;
    std::vector<double> fund_path;
    std::vector<double> target_path;
};

inline void encode_summary(ByteWriter& out, const PathSummary& summary) { encode(out, summary); }
inline void encode_output(ByteWriter& out, const PathOutput& output) {
    encode(out, output.summary);
    out.put_series(output.fund_path);
    out.put_series(output.target_path);
}
inline PathOutput decode_output(ByteReader& in) {
    PathOutput output;
    output.summary = decode_path_summary(in);
    output.fund_path = in.get_series();
    output.target_path = in.get_series();
    return output;
}

}  // namespace detail

// Runs every path of the scenario on `scenario.threads` threads (0: every core), and over the
// ranks of `scenario.distribution` when set. The result is the same for any number of threads
// and ranks, on every rank. `progress`, when given, counts this process's paths as they finish.
template <class Runner = PathRunner>
RunResult run(const Scenario& scenario, bool record_fund_paths = false, Progress* progress = nullptr) {
    detail::check_runnable(scenario);
    RunResult result;
    for (std::size_t k = 0; k < scenario.market_count(); ++k) result.market_names.push_back(scenario.market_name_of(k));
    const bool record_targets = record_fund_paths && scenario.fund.target.has_value();
    std::vector<detail::PathOutput> outputs = detail::map_paths<detail::PathOutput>(
        scenario, scenario.paths, progress,
        [&](std::uint64_t p) {
            detail::PathOutput output;
            output.summary = run_path<Runner>(scenario, p, record_fund_paths ? &output.fund_path : nullptr,
                                      record_targets ? &output.target_path : nullptr);
            return output;
        },
        detail::encode_output, detail::decode_output);
    result.paths.reserve(outputs.size());
    if (record_fund_paths) result.fund_paths.reserve(outputs.size());
    if (record_targets) result.target_paths.reserve(outputs.size());
    for (detail::PathOutput& output : outputs) {
        result.paths.push_back(std::move(output.summary));
        if (record_fund_paths) result.fund_paths.push_back(std::move(output.fund_path));
        if (record_targets) result.target_paths.push_back(std::move(output.target_path));
    }
    return result;
}

// Runs the given paths of the scenario (path indices, any order) on its threads and ranks; the
// summaries come back in the order asked.
template <class Runner = PathRunner>
std::vector<PathSummary> run_paths(const Scenario& scenario, Span<const std::uint64_t> paths,
                                          Progress* progress = nullptr) {
    detail::check_runnable(scenario);
    return detail::map_paths<PathSummary>(
        scenario, paths.size(), progress, [&](std::uint64_t i) { return run_path<Runner>(scenario, paths[i]); },
        detail::encode_summary, decode_path_summary);
}

}  // namespace risk
}  // namespace backstop
