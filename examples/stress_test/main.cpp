// The stress test a risk researcher runs first: a BTC-like perpetual with fat tails and volatility
// clustering (GARCH with Student-t shocks plus jumps), a few thousand traders, 30 days hourly, the
// engine and the insurance fund in the loop on every path. Prints the summary table and writes
// the report (HTML with charts, JSON and CSV of every figure) to a folder.
//
//   stress_test                          the default scenario (risk/scenario_presets.hpp: demo_scenario)
//   stress_test --preset three-markets   BTC, ETH and a thin alt, correlated, crashing together
//   stress_test --paths 2000 --fund 5e5  more paths, a smaller fund
//   stress_test --scenario my.json       a saved scenario (options given after it override it)
//   stress_test --fit-garch returns.csv  the price model fitted (GARCH(1,1), Student-t) to a returns file
//   stress_test --predictive-margin      margins raised ahead of the stress, against static ones
//   stress_test --gamma-study            with the options gamma study (docs/options.md)
//   stress_test --scenario examples/data/incidents/bitmex_2020_03_12.json   a published incident replayed
//   mpirun -np 4 stress_test ...         the paths over four processes (a build with BACKSTOP_WITH_MPI;
//                                        docs/scale.md): the same report, bit for bit
//   stress_test --help
//
// Exit codes: 0 done, 1 a file could not be written or the run failed, 2 bad options or scenario
// file (or a scenario the lab refuses).
#include "stress_test.hpp"

#include <backstop/risk/fitted_volatility_filter.hpp>
#include <backstop/risk/garch_fit.hpp>
#include <backstop/risk/scenario_names.hpp>
#include <backstop/risk/scenario_presets.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#ifdef BACKSTOP_WITH_MPI
#include <backstop/risk/mpi/mpi_distribution.hpp>
#endif

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

namespace {

using namespace backstop;
using namespace backstop::risk;

int usage_error(const std::string& message) {
    std::fprintf(stderr, "stress_test: %s\nRun with --help for the options.\n", message.c_str());
    return 2;
}

// A bar on stderr, redrawn in place, shown only once the run has taken a second.
void draw_progress(const Progress& progress, double seconds) {
    const double fraction = progress.fraction();
    const int width = 40;
    const int filled = static_cast<int>(fraction * width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(static_cast<std::size_t>(width), '.');
    std::fprintf(stderr, "\r[%s] %3d%%  %llu/%llu paths  %.0f s ", bar.c_str(), static_cast<int>(100.0 * fraction),
                 static_cast<unsigned long long>(progress.done.load()),
                 static_cast<unsigned long long>(progress.total.load()), seconds);
    std::fflush(stderr);
}

// Started by a launcher (mpirun, srun): it sets the rank variables of its process manager. A
// program started alone does not initialise MPI at all.
[[maybe_unused]] bool launched_by_mpi() {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
        if (std::getenv(name) != nullptr) return true;
    }
    return false;
}

int run_cli(int argc, char** argv, PathDistribution* distribution) {
    CLI::App app{"backstop stress test: Monte Carlo of an insurance fund with the margin engine in the loop; "
                 "prints a summary and writes an HTML/JSON/CSV report."};
    std::string scenario_file, save_file, output = "stress-report", model_name, policy_name, fee_name, settlement_name;
    std::uint32_t paths = 0, traders = 0, days = 0, threads = 0, grid_paths = 0;
    std::uint64_t seed = 0;
    double fund = -1.0;
    bool quiet = false;
    double progress_after_seconds = 1.0;
    std::string preset_name;
    app.add_option("--preset", preset_name,
                   "Start from a preset: demo (default: one BTC-like market), three-markets (BTC, ETH and a thin alt, "
                   "correlated, with common crashes and cross-margined traders)");
    app.add_option("--scenario", scenario_file, "Load the scenario from this JSON file (options below override it)")
        ->check(CLI::ExistingFile);
    app.add_option("--save-scenario", save_file, "Write the scenario that runs to this JSON file");
    app.add_option("--paths", paths, "Monte Carlo paths (default 600)")->check(CLI::Range(2u, 10'000'000u));
    app.add_option("--seed", seed, "Seed of the random streams (default 1)");
    app.add_option("--model", model_name, "Price model: garch-jump (default), garch, merton, hawkes, gbm");
    std::string garch_file, innovation_name = "t";
    app.add_option("--fit-garch", garch_file,
                   "Fit GARCH(1,1) by maximum likelihood to this file of log returns (one per line, at the "
                   "scenario's step) and simulate the fitted model");
    app.add_option("--innovation", innovation_name, "Innovations of --fit-garch: t (default) or normal")
        ->check(CLI::IsMember({"t", "normal"}));
    bool predictive_margin = false;
    bool gamma_study = false;
    app.add_flag("--gamma-study", gamma_study,
                 "Add the options gamma study (risk/gamma_study.hpp; docs/options.md): net gamma against liquidations, "
                 "bad debt and depletion, portfolio against per-position margin; 400 paths a week each, at the run's seed");
    app.add_flag("--predictive-margin", predictive_margin,
                 "Raise the margins ahead of the stress from a GARCH volatility forecast (risk/predictive_margin.hpp; "
                 "GARCH fitted to 50 training paths of the next seed), "
                 "and compare with static margins on the same seeds in the report");
    app.add_option("--fund", fund, "Initial insurance fund in USDC (default 250000)")->check(CLI::Range(0.0, 1e12));
    app.add_option("--policy", policy_name, "Socialized loss: ranked-adl (default), pro-rata, funding, random-start-adl, water-filling");
    app.add_option("--fee-capture", fee_name, "Fee capture: fund-only (default), fixed-shares, fund-first-until-target");
    app.add_option("--settlement", settlement_name, "Settlement: cover-up-to-balance (default), cover-above-floor");
    app.add_option("--traders", traders, "Traders (default 2000)")->check(CLI::Range(1u, 1'000'000u));
    app.add_option("--days", days, "Horizon in days of hourly steps (default 30)")->check(CLI::Range(1u, 3650u));
    app.add_option("--threads", threads, "Worker threads (default: every core)")->check(CLI::Range(0u, 1024u));
    app.add_option("--grid-paths", grid_paths,
                   "Paths per cell of the margin x penalty grid, the run's first seeds (0: no grid; default: every path "
                   "of the run, so the running configuration's cell is the headline)")
        ->check(CLI::Range(0u, 10'000'000u));
    bool full_grid = false;
    app.add_flag("--full-grid", full_grid,
                 "Run every maintenance x penalty pair of the grid (default: one parameter at a time around the market "
                 "that ran, which costs fewer runs)");
    app.add_option("--out", output, "Folder for report.html, report.json and csv/ (default ./stress-report)");
    app.add_flag("--quiet", quiet, "No progress bar");
    app.add_option("--progress-after", progress_after_seconds,
                   "Seconds of running before the progress bar appears on a terminal (default 1)")
        ->check(CLI::Range(0.0, 86'400.0));
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return usage_error(e.what());
    }

    Scenario scenario = demo_scenario();
    if (!preset_name.empty() && !preset_scenario(preset_name, scenario)) {
        return usage_error("--preset: unknown preset " + preset_name + " (known: " + std::string(preset_names) + ")");
    }
    if (!scenario_file.empty()) {
        const std::string not_loaded = stress_test::load_scenario(scenario_file, scenario);
        if (!not_loaded.empty()) return usage_error(scenario_file + std::string(": ") + not_loaded);
    }
    if (!model_name.empty()) {
        const Result<PriceModel> model = default_model(model_name);
        if (!model) return usage_error(std::string("--model: ") + std::string(model.error().detail));
        scenario.model = *model;
    }
    if (!garch_file.empty()) try {
        const ReturnsFile returns = read_returns_file(garch_file);
        if (!returns.ok()) return usage_error("--fit-garch: " + garch_file + ": " + returns.error);
        GarchFitOptions fit_options;
        fit_options.innovation = innovation_name == "normal" ? GarchInnovation::normal : GarchInnovation::student_t;
        const Result<GarchFit> fit = fit_garch(returns.returns, fit_options);
        if (!fit) return usage_error("--fit-garch: " + garch_file + ": " + std::string(fit.error().detail));
        const Result<GarchT> fitted = to_price_model(*fit);
        if (!fitted) return usage_error("--fit-garch: " + std::string(fitted.error().detail));
        scenario.model = *fitted;
        const GarchParameters& p = fit->parameters;
        const GarchParameters& se = fit->standard_errors;
        std::printf("GARCH(1,1)-%s fitted to %zu returns of %s (log-likelihood %.6f; standard errors in brackets)\n"
                    "  mean %.4g (%.2g)  omega %.4g (%.2g)  alpha %.4f (%.4f)  beta %.4f (%.4f)",
                    innovation_name == "normal" ? "normal" : "t", fit->observations, garch_file.c_str(),
                    fit->log_likelihood, p.mean, se.mean, p.omega, se.omega, p.alpha, se.alpha, p.beta, se.beta);
        if (fit_options.innovation == GarchInnovation::student_t) {
            std::printf("  nu %.3f (%.3f)", p.degrees_of_freedom, se.degrees_of_freedom);
        }
        std::printf("\n\n");
    } catch (const std::exception& e) {  // out of memory on a huge file
        std::fprintf(stderr, "stress_test: --fit-garch: %s\n", e.what());
        return 1;
    }
    if (!policy_name.empty()) {
        const Result<SocializedLossChoice> policy = parse_socialized_loss(policy_name);
        if (!policy) return usage_error(std::string("--policy: ") + std::string(policy.error().detail));
        scenario.fund.socialized_loss = *policy;
    }
    if (!fee_name.empty()) {
        const Result<FeeCaptureChoice> fee = parse_fee_capture(fee_name);
        if (!fee) return usage_error(std::string("--fee-capture: ") + std::string(fee.error().detail));
        scenario.fund.fee_capture = *fee;
    }
    if (!settlement_name.empty()) {
        const Result<SettlementChoice> settlement = parse_settlement(settlement_name);
        if (!settlement) return usage_error(std::string("--settlement: ") + std::string(settlement.error().detail));
        scenario.fund.settlement = *settlement;
    }
    if (paths != 0) scenario.paths = paths;
    if (app.count("--seed") > 0) scenario.seed = seed;
    if (fund >= 0.0) scenario.fund.initial = fund;
    if (traders != 0) scenario.population.trader_count = traders;
    if (days != 0) {
        const double steps = std::ceil(days * 24.0 / scenario.step_hours);
        if (steps > 1e6) return usage_error("--days: more than a million steps at this scenario's step_hours");
        scenario.horizon_steps = static_cast<std::uint32_t>(steps);
    }
    if (app.count("--threads") > 0) scenario.threads = threads;
    scenario.distribution = distribution;
    std::optional<PredictiveFilterFit> predictive_fit;
    if (predictive_margin && !scenario.predictive_margin) try {
        if (scenario.market_count() != 1) return usage_error("--predictive-margin: one market only (this scenario has several)");
        // The filter fitted on training paths of the next seed: held out from the run's own.
        PredictiveFilterTraining training;
        training.seed = scenario.seed + 1;
        training.paths = 50;
        const Result<PredictiveFilterFit> fit = fit_volatility_filter(scenario, training);
        if (!fit) return usage_error("--predictive-margin: " + std::string(fit.error().detail));
        scenario.predictive_margin = with_fitted_filter(PredictiveMarginSetup{}, *fit);
        predictive_fit = *fit;
        const GarchParameters& p = fit->garch.parameters;
        std::printf("Predictive margins: GARCH(1,1) fitted to %u training paths of seed %llu: omega %.4g, alpha %.4f, "
                    "beta %.4f\n\n",
                    training.paths, static_cast<unsigned long long>(training.seed), p.omega, p.alpha, p.beta);
    } catch (const std::exception& e) {  // out of memory on a huge horizon
        std::fprintf(stderr, "stress_test: --predictive-margin: %s\n", e.what());
        return 1;
    }
    const bool writes_files = distribution == nullptr || distribution->rank() == 0;  // one writer per job
    if (!save_file.empty() && writes_files) {
        const std::string not_saved = stress_test::save_scenario(scenario, save_file);
        if (!not_saved.empty()) {
            std::fprintf(stderr, "stress_test: %s\n", not_saved.c_str());
            return 1;
        }
    }

    StressReportOptions options;
    if (app.count("--grid-paths") > 0) options.grid_paths = grid_paths;
    options.grid.one_at_a_time = !full_grid;
    options.predictive_filter_fit = predictive_fit;
    if (gamma_study) {
        GammaStudySetup study;
        study.seed = scenario.seed;
        options.gamma_study = study;
    }
    Progress progress;
    Result<StressReport> report = make_error(ErrorCode::invalid_argument, "not run");
    const auto start = std::chrono::steady_clock::now();
    std::atomic<bool> finished{false};
    std::string failure;  // an exception in the run (out of memory, a scenario the engine refuses)
    std::thread worker([&] {
        try {
            report = stress_test::simulate(scenario, options, &progress);
        } catch (const std::exception& e) {
            failure = e.what();
        }
        finished = true;
    });
    const bool show_progress = !quiet && isatty(STDERR_FILENO) == 1;
    bool drawn = false;
    while (!finished) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (show_progress && seconds >= progress_after_seconds && !finished) {
            draw_progress(progress, seconds);
            drawn = true;
        }
    }
    worker.join();
    if (drawn) std::fprintf(stderr, "\r%*s\r", 80, "");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!failure.empty()) {
        std::fprintf(stderr, "stress_test: the run failed: %s\n", failure.c_str());
        return 1;
    }
    if (!report) {
        return usage_error(fmt::format("the scenario cannot run: {}", std::string(report.error().detail)));
    }
    std::fputs(stress_test::summary(*report).c_str(), stdout);
    const std::string not_written = writes_files ? stress_test::write(*report, output) : std::string();
    if (!not_written.empty()) {
        std::fprintf(stderr, "stress_test: %s\n", not_written.c_str());
        return 1;
    }
    const unsigned threads_used =
        scenario.threads != 0 ? scenario.threads : std::max(1u, std::thread::hardware_concurrency());
    const unsigned ranks = distribution != nullptr ? distribution->ranks() : 1u;
    std::printf("\nran in %.1f s on %u process%s x %u thread%s\nreport: %s\n", seconds, ranks, ranks == 1 ? "" : "es",
                threads_used, threads_used == 1 ? "" : "s", (std::filesystem::path(output) / "report.html").string().c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
#ifdef BACKSTOP_WITH_MPI
    if (launched_by_mpi()) {
        std::optional<MpiSession> mpi;
        try {
            mpi.emplace(argc, argv);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "stress_test: MPI: %s\n", e.what());
            return 1;
        }
        try {
            MpiDistribution ranks(MPI_COMM_WORLD);
            // Every rank computes its share and receives all the others: rank 0 prints and writes
            // the files; the others say nothing on stdout (they would say the same). Their errors
            // still reach stderr.
            if (ranks.rank() != 0 && std::freopen("/dev/null", "w", stdout) == nullptr) MpiSession::abort(1);
            const int code = run_cli(argc, argv, &ranks);
            // A rank that stops early (bad options it alone saw, a file it alone could not read or
            // write) would leave the others waiting in a collective call: end them all.
            if (code != 0 && ranks.ranks() > 1) MpiSession::abort(code);
            return code;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "stress_test: %s\n", e.what());
            MpiSession::abort(1);
        }
    }
#endif
    return run_cli(argc, argv, nullptr);
}
