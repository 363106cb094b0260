#!/usr/bin/python3
"""The GarchJump and GarchT price models (include/backstop/risk/price_model/) in vectorised
numpy: the yardstick for the C++ path generation (benchmarks/price_paths_vs_numpy.sh).
--model garch_t is GarchJump without jumps, with GarchT's omega.

Same model, same defaults, same per-step semantics as the C++ struct. Per step of dt years:
    r_t = mean + sigma_t e_t + J_t,    e_t = t_nu * sqrt((nu - 2) / nu)   (unit variance),
    sigma_{t+1}^2 = omega + alpha (sigma_t e_t)^2 + beta sigma_t^2   (diffusive part only),
    J_t: N_t ~ Poisson(lambda dt) jumps, their sum one normal N(N jump_mean, N jump_volatility^2).
Vectorised the way one would write it in numpy: arrays over the paths, a Python loop over the
720 hourly steps, in-place arithmetic, the jump normals drawn only for the paths that jump.
The generator is numpy's Philox (4x64-10; the C++ side uses Philox4x32-10 in SIMD lanes, the
same family); the variate algorithms are numpy's own (ziggurat normals, Marsaglia-Tsang gammas),
so the numbers differ from the C++ ones and only the distributions agree.

Prints the best of a few timed repeats in ns per path-step, then checks the output: the mean and
variance of the log returns against the model's stationary values (the paths start at the
unconditional variance, so every step has exactly those moments) within 5 standard errors taken
from the spread of independent per-path estimates. Exit status 1 if the check fails.

Run single-threaded and pinned for a per-core figure:
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 taskset -c 0 /usr/bin/python3 price_paths_numpy.py
"""

import argparse
import math
import sys
import time

import numpy as np

HOUR = 1.0 / 8760.0


class GarchJump:
    """The C++ defaults of backstop::risk::GarchJump (price_model/garch_jump.hpp)."""

    mean_per_step = 0.0
    omega = 5.7e-7
    alpha = 0.08
    beta = 0.90
    degrees_of_freedom = 5.0
    jump_intensity_per_year = 12.0
    jump_mean = -0.03
    jump_volatility = 0.05

    def unconditional_variance(self):
        return self.omega / (1.0 - self.alpha - self.beta)

    def log_return_mean(self, dt):
        return self.mean_per_step + self.jump_intensity_per_year * dt * self.jump_mean

    def log_return_variance(self, dt):
        return self.unconditional_variance() + self.jump_intensity_per_year * dt * (
            self.jump_volatility ** 2 + self.jump_mean ** 2)


class GarchT(GarchJump):
    """The C++ defaults of backstop::risk::GarchT (price_model/garch.hpp): GARCH(1,1) with
    unit-variance Student-t shocks, no jumps (so no Poisson draws either)."""

    omega = 2.0e-6
    jump_intensity_per_year = 0.0


MODELS = {"garch_jump": GarchJump, "garch_t": GarchT}


def simulate(model, rng, paths, steps, dt, collect=False):
    """Log price after `steps` steps of `paths` paths. With collect, also the per-path sums of r
    and r^2 (for the moment check; the timed runs leave them out, like the C++ benchmark)."""
    nu = model.degrees_of_freedom
    t_scale = math.sqrt((nu - 2.0) / nu)
    jump_rate = model.jump_intensity_per_year * dt
    variance = np.full(paths, model.unconditional_variance())
    log_price = np.zeros(paths)
    innovation = np.empty(paths)
    scratch = np.empty(paths)
    sum_r = np.zeros(paths) if collect else None
    sum_r2 = np.zeros(paths) if collect else None
    for _ in range(steps):
        shock = rng.standard_t(nu, size=paths)
        np.sqrt(variance, out=innovation)
        innovation *= t_scale
        innovation *= shock  # sigma_t e_t
        # sigma^2 <- omega + alpha innovation^2 + beta sigma^2, jumps left out.
        np.multiply(innovation, innovation, out=scratch)
        scratch *= model.alpha
        variance *= model.beta
        variance += scratch
        variance += model.omega
        r = innovation
        if model.mean_per_step != 0.0:
            r += model.mean_per_step
        jumps = rng.poisson(jump_rate, size=paths) if jump_rate > 0.0 else None
        jumping = np.flatnonzero(jumps) if jumps is not None else ()
        if len(jumping):
            n = jumps[jumping].astype(np.float64)
            r[jumping] += n * model.jump_mean + np.sqrt(n) * model.jump_volatility * \
                rng.standard_normal(jumping.size)
        log_price += r
        if collect:
            sum_r += r
            sum_r2 += r * r
    return log_price, sum_r, sum_r2


def check_moments(model, seed, paths, steps, dt):
    rng = np.random.Generator(np.random.Philox(seed))
    _, sum_r, sum_r2 = simulate(model, rng, paths, steps, dt, collect=True)
    # Per-path averages are independent across paths; their spread gives the standard errors.
    # (The stationary fourth moment of these GARCH-t returns is infinite, so no closed form.)
    path_mean = sum_r / steps
    path_second = sum_r2 / steps
    mean = path_mean.mean()
    second = path_second.mean()
    variance = second - mean * mean
    mean_se = path_mean.std(ddof=1) / math.sqrt(paths)
    variance_se = path_second.std(ddof=1) / math.sqrt(paths)
    ok = True
    for name, got, want, se in (
            ("mean", mean, model.log_return_mean(dt), mean_se),
            ("variance", variance, model.log_return_variance(dt), variance_se)):
        z = (got - want) / se
        good = abs(z) < 5.0
        ok = ok and good
        print(f"check {name:8s}: {got:.6e} vs model {want:.6e} ({z:+.2f} se) "
              f"{'ok' if good else 'FAIL'}")
    # Would the check notice the typical mistakes? (Unscaled t: variance x nu/(nu-2); jumps fed
    # into the recursion: + alpha/(1-alpha-beta) x jump variance.)
    unscaled = model.unconditional_variance() * model.degrees_of_freedom / (
        model.degrees_of_freedom - 2.0) + model.log_return_variance(dt) - model.unconditional_variance()
    print(f"  (an unscaled t would give variance {unscaled:.3e}: "
          f"{(unscaled - model.log_return_variance(dt)) / variance_se:.0f} se away)")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="garch_jump")
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=720)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-check", action="store_true")
    args = parser.parse_args()

    model = MODELS[args.model]()
    best = math.inf
    for repeat in range(args.repeats):
        rng = np.random.Generator(np.random.Philox(args.seed + repeat))
        start = time.process_time()
        log_price, _, _ = simulate(model, rng, args.paths, args.steps, HOUR)
        elapsed = time.process_time() - start
        best = min(best, elapsed)
        if not np.all(np.isfinite(log_price)):
            print("non-finite log prices", file=sys.stderr)
            return 1
    ns = best * 1e9 / (args.paths * args.steps)
    print(f"numpy {np.__version__}, {args.model}, {args.paths} paths x {args.steps} steps, "
          f"best of {args.repeats} (CPU time)")
    print(f"numpy_ns_per_path_step={ns:.2f}")
    if args.no_check:
        return 0
    return 0 if check_moments(model, args.seed + 1000, args.paths, args.steps, HOUR) else 1


if __name__ == "__main__":
    sys.exit(main())
