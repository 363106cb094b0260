# Reference GARCH(1,1) fits by fGarch::garchFit for tests/unit/risk/garch_fit_test.cpp.
# Rerun from this folder:  Rscript make_reference.R
# Writes series.csv (a simulated GARCH-t series), dem2gbp.csv (fGarch's DEM/GBP benchmark
# series) and reference.csv (one row per series and innovation: coefficients, log-likelihood,
# Hessian and robust standard errors).
suppressMessages(library(fGarch))

# A GARCH(1,1)-t series with known parameters, our own loop so that the recursion is exactly
# the one the C++ model simulates: r_t = mu + sqrt(h_t) e_t, e_t unit-variance t,
# h_{t+1} = omega + alpha (r_t - mu)^2 + beta h_t, h_1 = omega / (1 - alpha - beta).
set.seed(20261125)
n <- 2000
mu <- 5e-4; omega <- 2e-6; alpha <- 0.08; beta <- 0.90; nu <- 5
h <- omega / (1 - alpha - beta)
r <- numeric(n)
for (t in 1:n) {
  e <- rt(1, df = nu) * sqrt((nu - 2) / nu)
  r[t] <- mu + sqrt(h) * e
  h <- omega + alpha * (r[t] - mu)^2 + beta * h
}
write.table(data.frame(log_return = sprintf("%.17g", r)), "series.csv", row.names = FALSE,
            col.names = TRUE, quote = FALSE)

data(dem2gbp)
dem <- as.numeric(dem2gbp[, 1])
write.table(data.frame(log_return = sprintf("%.17g", dem)), "dem2gbp.csv", row.names = FALSE,
            col.names = TRUE, quote = FALSE)

# Our reading of fGarch's likelihood (init.rec = "mci"), checked against fGarch's own value below:
# z_t = x_t - mu, h_1 = omega + (alpha + beta) mean(z^2), h_t = omega + alpha z_{t-1}^2 + beta h_{t-1},
# log L = sum_t log(f(z_t / sqrt(h_t)) / sqrt(h_t)), f = dnorm or dstd (unit-variance t), with all
# constants.
our_llh <- function(x, p, dist) {
  z <- x - p["mu"]
  h <- numeric(length(x))
  h[1] <- p["omega"] + (p["alpha1"] + p["beta1"]) * mean(z^2)
  for (t in 2:length(x)) h[t] <- p["omega"] + p["alpha1"] * z[t - 1]^2 + p["beta1"] * h[t - 1]
  f <- if (dist == "norm") dnorm(z / sqrt(h)) else dstd(z / sqrt(h), nu = p["shape"])
  sum(log(f / sqrt(h)))
}

# Per-observation log-likelihood terms, for the robust standard errors recomputed below.
our_terms <- function(x, p, dist) {
  z <- x - p["mu"]
  h <- numeric(length(x))
  h[1] <- p["omega"] + (p["alpha1"] + p["beta1"]) * mean(z^2)
  for (t in 2:length(x)) h[t] <- p["omega"] + p["alpha1"] * z[t - 1]^2 + p["beta1"] * h[t - 1]
  f <- if (dist == "norm") dnorm(z / sqrt(h)) else dstd(z / sqrt(h), nu = p["shape"])
  log(f / sqrt(h))
}

row <- function(name, x, dist) {
  fit <- garchFit(~ garch(1, 1), data = x, cond.dist = dist, trace = FALSE)
  robust <- garchFit(~ garch(1, 1), data = x, cond.dist = dist, trace = FALSE, robust.cvar = TRUE)
  p <- coef(fit)
  se <- fit@fit$se.coef
  rse <- robust@fit$se.coef
  llh <- -unname(fit@fit$llh)  # fGarch stores the negative log-likelihood
  check <- our_llh(x, p, dist)
  if (abs(check - llh) > 1e-9 * abs(llh)) stop("likelihood convention differs: ", check, " vs ", llh)
  # fGarch's robust scores (.garchRCDAGradient) evaluate dstd at the starting shape (4), not the
  # fitted one, and give shape a zero score; rescored: the same sandwich with fGarch's Hessian and
  # central-difference scores at the fitted parameters (all of them).
  G <- sapply(seq_along(p), function(i) {
    e <- 1e-5 * abs(p[i]); a <- p; b <- p; a[i] <- a[i] + e; b[i] <- b[i] - e
    (our_terms(x, a, dist) - our_terms(x, b, dist)) / (2 * e)
  })
  H <- fit@fit$hessian
  fse <- sqrt(diag(solve(H) %*% t(G) %*% G %*% solve(H)))
  names(fse) <- names(p)
  get <- function(v, k) if (k %in% names(v)) unname(v[k]) else NA
  data.frame(series = name, innovation = dist, observations = length(x),
             mu = get(p, "mu"), omega = get(p, "omega"), alpha1 = get(p, "alpha1"),
             beta1 = get(p, "beta1"), shape = get(p, "shape"), log_likelihood = llh,
             se_mu = get(se, "mu"), se_omega = get(se, "omega"), se_alpha1 = get(se, "alpha1"),
             se_beta1 = get(se, "beta1"), se_shape = get(se, "shape"),
             robust_se_mu = get(rse, "mu"), robust_se_omega = get(rse, "omega"),
             robust_se_alpha1 = get(rse, "alpha1"), robust_se_beta1 = get(rse, "beta1"),
             robust_se_shape = get(rse, "shape"),
             rescored_robust_se_mu = get(fse, "mu"), rescored_robust_se_omega = get(fse, "omega"),
             rescored_robust_se_alpha1 = get(fse, "alpha1"), rescored_robust_se_beta1 = get(fse, "beta1"),
             rescored_robust_se_shape = get(fse, "shape"))
}

table <- rbind(row("series", r, "norm"), row("series", r, "std"),
               row("dem2gbp", dem, "norm"), row("dem2gbp", dem, "std"))
out <- table
for (k in 4:ncol(out)) out[[k]] <- ifelse(is.na(out[[k]]), "nan", sprintf("%.17g", out[[k]]))
write.csv(out, "reference.csv", row.names = FALSE, quote = FALSE)
cat("R", R.version$major, ".", R.version$minor, ", fGarch ", format(packageVersion("fGarch")), "\n", sep = "")
print(table[, 1:9], digits = 10)
