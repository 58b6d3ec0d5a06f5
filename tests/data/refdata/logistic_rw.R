# Independent reference for cxkit.drivers.logistic_relative_weights (issue 21, item 1).
#
# Logistic relative weights (Tonidandel & LeBreton 2010, Organizational Research Methods 13, 767-781),
# computed the way their RWA-Web R code does it (SVD of the standardised drivers, glm on the orthogonal
# Z, Menard's standardisation with R^2_O = cor(y, fitted probability)^2), plus the ordinal variant
# (MASS::polr on the same Z, McKelvey-Zavoina R^2) and survey-weighted versions (cov.wt, glm/polr weights).
# Nothing here calls cxkit; the Python tests read the JSON this writes.
#
# Data: ../realdata_samples/abc_ABC.csv (ABC annual customer-satisfaction survey, Kenett & Salini 2012, via
# gedeck/mistat, GPL-3.0; see ../realdata_samples/README.md). Complete cases of q1 and the drivers
# q4 q5 q11 q17 q25 q38 q65 (all 1-5, no 0 codes). Binary outcome "satisfied" = q1 >= 4 (top-2 box);
# ordinal outcome = q1 (1..5). Illustrative survey weights: country post-stratified to equal shares
# (1/6 each) among those complete cases -- not a real population, only to exercise the weighted path.
# Also: ../mtcars.csv, high_mpg = mpg > median(mpg) on cyl disp hp wt, the example of the rwa package's
# rwa_logit(): glm separates there (fitted probabilities 0/1), recorded so Python can refuse it.
#
# Run (R 4.2.2, MASS 7.3-58.2, jsonlite 1.8.4):  cd tests/data/refdata && Rscript logistic_rw.R
# Writes logistic_rw.json (jsonlite digits = NA: full precision).
suppressMessages(library(MASS))
library(jsonlite)

abc <- read.csv("../realdata_samples/abc_ABC.csv", check.names = FALSE)
drv <- c("q4", "q5", "q11", "q17", "q25", "q38", "q65")
d <- abc[complete.cases(abc[, c("q1", drv)]), c("q1", drv, "country")]
X0 <- as.matrix(d[, drv])
ysat <- as.numeric(d$q1 >= 4)
ctl <- glm.control(epsilon = 1e-14, maxit = 100)

# --- unweighted logistic: the RWA-Web recipe (SVD)
rwa_logit_svd <- function(X0, Y) {
  X <- scale(X0)
  s <- svd(X)
  Z <- s$u %*% t(s$v)
  Zs <- scale(Z)
  Lambda <- solve(t(Zs) %*% Zs) %*% t(Zs) %*% X
  fit <- glm(Y ~ Zs, family = binomial, control = ctl)
  b <- coef(fit)[-1]
  p <- fitted(fit)
  lYhat <- log(p / (1 - p))
  R2 <- summary(lm(p ~ Y))$r.squared
  beta <- b * sqrt(R2) / sd(lYhat)
  eps <- as.vector(Lambda^2 %*% beta^2)
  mz <- var(lYhat) / (var(lYhat) + pi^2 / 3)
  beta_mz <- b * sqrt(mz) / sd(lYhat)
  list(raw = eps, rescaled = eps / sum(eps), r2 = R2, sum_raw = sum(eps), b = unname(b), beta = unname(beta),
       raw_mz = as.vector(Lambda^2 %*% beta_mz^2), r2_mz = mz, converged = fit$converged, iter = fit$iter)
}

# --- weighted versions: eigen route (R^(1/2) by eigen of the cov.wt correlation matrix)
wstd <- function(X0, w) {
  cw <- cov.wt(X0, wt = w / sum(w))
  Xs <- sweep(sweep(X0, 2, cw$center), 2, sqrt(diag(cw$cov)), "/")
  R <- cov2cor(cw$cov)
  e <- eigen(R, symmetric = TRUE)
  Lambda <- e$vectors %*% diag(sqrt(e$values)) %*% t(e$vectors)
  list(Z = Xs %*% solve(Lambda), Lambda = Lambda, R = R)
}
wvar <- function(v, w) cov.wt(cbind(v), wt = w / sum(w))$cov[1, 1]

rwa_logit_w <- function(X0, Y, w) {
  s <- wstd(X0, w)
  Z <- s$Z
  fit <- suppressWarnings(glm(Y ~ Z, family = quasibinomial, weights = w, control = ctl))
  b <- coef(fit)[-1]
  p <- fitted(fit)
  eta <- log(p / (1 - p))
  R2 <- cov.wt(cbind(Y, p), wt = w / sum(w), cor = TRUE)$cor[1, 2]^2
  beta <- b * sqrt(R2) / sqrt(wvar(eta, w))
  eps <- as.vector(s$Lambda^2 %*% beta^2)
  list(raw = eps, rescaled = eps / sum(eps), r2 = R2, sum_raw = sum(eps), b = unname(b))
}

rwa_polr <- function(X0, Y, w = NULL) {
  if (is.null(w)) w <- rep(1, nrow(X0))
  s <- wstd(X0, w)
  Z <- s$Z
  dd <- data.frame(Y = factor(Y, ordered = TRUE), Z)
  # (polr's starting values come from a binomial glm.fit, which warns about non-integer weights: harmless)
  fit <- suppressWarnings(polr(Y ~ ., data = dd, weights = w, method = "logistic",
                               control = list(reltol = 1e-15, maxit = 10000)))
  b <- coef(fit)
  eta <- as.vector(Z %*% b)
  v <- wvar(eta, w)
  mz <- v / (v + pi^2 / 3)
  beta <- b / sqrt(v + pi^2 / 3)
  eps <- as.vector(s$Lambda^2 %*% beta^2)
  list(raw = eps, rescaled = eps / sum(eps), r2 = mz, sum_raw = sum(eps), b = unname(b), zeta = unname(fit$zeta),
       convergence = fit$convergence)
}

# survey weights: country to equal shares among the complete cases
nc <- table(d$country)
wc <- as.vector((1 / length(nc)) / (nc[d$country] / nrow(d)))

R <- cor(X0)
ev <- eigen(R, symmetric = TRUE)$values
out <- list(
  meta = list(data = "tests/data/realdata_samples/abc_ABC.csv", drivers = drv, n = nrow(d),
              outcome_binary = "q1 >= 4", outcome_ordinal = "q1",
              weights = "country post-stratified to equal shares among the complete cases",
              R = R.version.string, MASS = as.character(packageVersion("MASS"))),
  counts = list(satisfied = sum(ysat), not_satisfied = sum(1 - ysat), q1 = as.list(table(d$q1))),
  vif = unname(diag(solve(R))), condition_number = sqrt(max(ev) / min(ev)),
  logistic = rwa_logit_svd(X0, ysat),
  logistic_weighted = rwa_logit_w(X0, ysat, wc),
  ordinal = rwa_polr(X0, d$q1),
  ordinal_weighted = rwa_polr(X0, d$q1, wc),
  weights_sum = sum(wc)
)
# cross-check inside R: the eigen route gives the SVD route's numbers without weights
chk <- rwa_logit_w(X0, ysat, rep(1, nrow(X0)))
out$check_eigen_vs_svd_max_abs <- max(abs(chk$raw - out$logistic$raw))

mt <- read.csv("../mtcars.csv")
mt$high_mpg <- as.numeric(mt$mpg > median(mt$mpg))
warn <- character(0)
invisible(withCallingHandlers(glm(high_mpg ~ cyl + disp + hp + wt, family = binomial, data = mt),
                    warning = function(w) { warn <<- c(warn, conditionMessage(w)); invokeRestart("muffleWarning") }))
out$mtcars_high_mpg_glm_warnings <- warn

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "logistic_rw.json")
cat("raw (logistic):", out$logistic$raw, "\nR2_O:", out$logistic$r2, " eigen-vs-svd:", out$check_eigen_vs_svd_max_abs,
    "\nraw (ordinal):", out$ordinal$raw, "\nR2_MZ:", out$ordinal$r2, "\n")
