# Reference figures for tests/test_weighting.py (cxkit.weighting), computed with R's survey package
# (Debian packages r-cran-survey 4.1.1, r-cran-jsonlite 1.8.4; R 4.2.2):
#   apt-get install -y r-base-core r-cran-survey r-cran-jsonlite
#   cd tests/data/r_reference && Rscript weighting.R        # input: ../weighting/east_sample.csv
# Writes weighting.json (full precision; R's NA is written as "NA"). The run is deterministic.
# Optional arguments: Rscript weighting.R <input csv> <output json> (tests marked "r" use them).
#
# Designs (all with-replacement, one stage, no strata: svydesign(ids = ~1, ...)):
#   unw   equal weights                                     svydesign(ids = ~1, weights = ~one)
#   rake  unw raked to the tier and channel margins          rake(unw, list(~tier, ~channel), ...)
#   cal   unw calibrated with calfun = "raking"              calibrate(unw, ~tier + channel, ...)
#   ps    unw post-stratified on tier                        postStratify(unw, ~tier, ...)
#   ps2   unw post-stratified on the tier x channel cells    postStratify(unw, ~tier + channel, ...)
#   dw    design weights 1 / pi                              svydesign(ids = ~1, probs = ~pi)
#   cw    the client's weight column                         svydesign(ids = ~1, weights = ~client_weight)
#   rakecw  cw raked to the margins;  calcw  cw calibrated (raking)
#   trim  unw raked, then trimWeights(lower = 0.3 mean, upper = 3 mean, strict = TRUE) and rake again, until
#         every weight is within the bounds (relative tolerance 1e-9); R stacks one raking adjustment per round
#   trimfix  the final weights of trim taken as given and raked once more (they already meet the margins, so
#         they do not change): one calibration adjustment with the final weights, the variance cxkit uses
# Population margins are shares times n (so the weights have mean 1); rake runs to epsilon 1e-13 * sum(w).
suppressMessages({library(survey); library(jsonlite)})
options(survey.lonely.psu = "fail")
args <- commandArgs(trailingOnly = TRUE)
input <- if (length(args) >= 1) args[1] else "../weighting/east_sample.csv"
output <- if (length(args) >= 2) args[2] else "weighting.json"
d <- read.csv(input, stringsAsFactors = FALSE)
n <- nrow(d)
d$one <- 1
d$tier <- factor(d$tier)
d$channel <- factor(d$channel)
d$age_band <- factor(d$age_band)
d$npsscore <- (d$nps >= 9) - (d$nps <= 6)         # promoter +1, passive 0, detractor -1
d$topbox <- as.numeric(d$csat >= 4)               # top-2 box of the 1-5 CSAT

tier_share <- c(platinum = 0.12, gold = 0.28, ordinary = 0.45, potential = 0.15)
channel_share <- c(app = 0.45, store = 0.25, hotline = 0.15, web = 0.15)
tier_pop <- data.frame(tier = names(tier_share), Freq = unname(tier_share) * n)
channel_pop <- data.frame(channel = names(channel_share), Freq = unname(channel_share) * n)
cells <- expand.grid(tier = names(tier_share), channel = names(channel_share), stringsAsFactors = FALSE)
cells$Freq <- tier_share[cells$tier] * channel_share[cells$channel] * n
ctl <- list(maxit = 1000, epsilon = 1e-13)
# calibrate(): totals of the model matrix columns of ~tier + channel (treatment contrasts)
mm <- model.matrix(~tier + channel, d)
cal_pop <- c(n, tier_share[levels(d$tier)[-1]] * n, channel_share[levels(d$channel)[-1]] * n)
names(cal_pop) <- colnames(mm)

unw <- svydesign(ids = ~1, weights = ~one, data = d)
dw <- svydesign(ids = ~1, probs = ~pi, data = d)
cw <- svydesign(ids = ~1, weights = ~client_weight, data = d)
rk <- function(des) rake(des, list(~tier, ~channel), list(tier_pop, channel_pop), control = ctl)
cl <- function(des) calibrate(des, ~tier + channel, cal_pop, calfun = "raking", epsilon = 1e-12, maxit = 200)

trim_rake <- function(des, lo, hi, max_rounds = 100, tol = 1e-9) {
  des <- rk(des)
  rounds <- 0
  repeat {
    w <- weights(des); m <- mean(w)
    if (max(w) <= hi * m * (1 + tol) && min(w) >= lo * m * (1 - tol)) break
    if (rounds >= max_rounds) stop("trimmed raking did not converge")
    des <- trimWeights(des, upper = hi * m, lower = lo * m, strict = TRUE)
    des <- rk(des)
    rounds <- rounds + 1
  }
  attr(des, "rounds") <- rounds
  des
}

trim <- trim_rake(unw, 0.3, 3.0)
d$trimmed_weight <- weights(trim)
trimfix <- rk(svydesign(ids = ~1, weights = ~trimmed_weight, data = d))
designs <- list(unw = unw, rake = rk(unw), cal = cl(unw), ps = postStratify(unw, ~tier, tier_pop),
                ps2 = postStratify(unw, ~tier + channel, cells), dw = dw, cw = cw, rakecw = rk(cw),
                calcw = cl(cw), trim = trim, trimfix = trimfix)

mean_fig <- function(f, des, na.rm = FALSE) {
  m <- svymean(f, des, na.rm = na.rm)
  list(est = unname(coef(m))[1], se = unname(SE(m))[1], ci = as.numeric(confint(m)),
       ci_t = as.numeric(confint(m, df = degf(des))))
}
prop_fig <- function(des, method) {
  p <- suppressWarnings(svyciprop(~topbox, des, method = method))   # zero weights of a domain: a glm note
  list(est = as.numeric(p), ci = as.numeric(attr(p, "ci")), se = sqrt(as.numeric(attr(p, "var"))))
}
chisq_fig <- function(f, des) {
  t <- svychisq(f, des)
  list(F = unname(t$statistic), ndf = unname(t$parameter["ndf"]), ddf = unname(t$parameter["ddf"]),
       p = unname(t$p.value))
}
group_fig <- function(f, by, des) {   # domain means by group (cell-means svyglm) and the design-based Wald F
  cm <- svyglm(as.formula(paste(all.vars(f), "~", all.vars(by), "- 1")), des)   # cell means: the domain means
  m <- svyglm(as.formula(paste(all.vars(f), "~", all.vars(by))), des)
  t <- regTermTest(m, by)
  list(levels = sub(all.vars(by), "", names(coef(cm))), est = unname(coef(cm)), vcov = unname(vcov(cm)),
       F = unname(t$Ftest), df = unname(t$df), ddf = unname(t$ddf), p = unname(t$p))
}
figs <- function(des) {
  w <- weights(des)
  list(weights = unname(w / mean(w)), sum_w = sum(w), kish_n = sum(w)^2 / sum(w^2), degf = degf(des),
       csat = mean_fig(~csat, des), overall = mean_fig(~overall, des), nps = mean_fig(~npsscore, des),
       tan1 = mean_fig(~tan1, des, na.rm = TRUE),
       csat_gold = mean_fig(~csat, subset(des, tier == "gold")),          # a domain (subset of the design)
       topbox_gold = prop_fig(subset(des, tier == "gold"), "logit"),
       topbox = list(logit = prop_fig(des, "logit"), beta = prop_fig(des, "beta"), mean = prop_fig(des, "mean")),
       chisq_channel_age = chisq_fig(~channel + age_band, des),
       chisq_tier_complaint = chisq_fig(~tier + complaint_30d, des),
       group_csat_channel = group_fig(~csat, ~channel, des), group_tan1_channel = group_fig(~tan1, ~channel, des),
       group_nps_age = group_fig(~npsscore, ~age_band, des))
}
out <- lapply(designs, figs)
out$trim$rounds <- attr(trim, "rounds")

# the small examples of the docstrings of cxkit.weighting (doctests)
ex <- data.frame(y = c(1, 2, 3, 4), w = c(1, 1, 2, 4))
m <- svymean(~y, svydesign(ids = ~1, weights = ~w, data = ex))
ex_p <- data.frame(y = c(1, 1, 0, 1, 0, 0, 1, 1), w = c(1, 2, 1, 1, 2, 1, 1, 1))
p <- svyciprop(~y, svydesign(ids = ~1, weights = ~w, data = ex_p), method = "logit")
ex_n <- data.frame(s = c(10, 9, 8, 6, 3, 10), w = c(1, 1, 1, 2, 1, 1))
ex_n$score <- (ex_n$s >= 9) - (ex_n$s <= 6)
nps <- svymean(~score, svydesign(ids = ~1, weights = ~w, data = ex_n))
ex_c <- data.frame(a = c("a", "a", "b", "b", "a", "b", "a", "b", "a", "b"),
                   b = c("x", "y", "y", "y", "x", "y", "x", "y", "x", "x"), w = c(1, 2, 1, 1, 1, 2, 1, 1, 2, 1))
ch <- suppressWarnings(svychisq(~a + b, svydesign(ids = ~1, weights = ~w, data = ex_c)))
ex_r <- data.frame(tier = c("a", "a", "a", "b", "b", "b"), loyal = c("y", "n", "y", "n", "n", "y"), one = 1)
rr <- rake(svydesign(ids = ~1, weights = ~one, data = ex_r), list(~tier, ~loyal),
           list(data.frame(tier = c("a", "b"), Freq = c(0.5, 0.5) * 6), data.frame(loyal = c("y", "n"), Freq = c(0.6, 0.4) * 6)),
           control = ctl)
out$examples <- list(mean = list(est = unname(coef(m))[1], se = unname(SE(m))[1], ci = as.numeric(confint(m))),
                     prop = list(est = as.numeric(p), ci = as.numeric(attr(p, "ci"))),
                     nps = list(est = 100 * unname(coef(nps))[1], se = 100 * unname(SE(nps))[1]),
                     chisq = list(F = unname(ch$statistic), ndf = unname(ch$parameter["ndf"]),
                                  ddf = unname(ch$parameter["ddf"]), p = unname(ch$p.value)),
                     rake = unname(weights(rr)))
# engagement roll-up: regions as strata weighted to their population shares (here: channels as the strata),
# svymean of a stratified design = sum_h W_h ybar_h with variance sum_h W_h^2 s_h^2 / n_h
d$sw <- unname(channel_share[as.character(d$channel)]) * n / as.numeric(table(d$channel)[as.character(d$channel)])
st <- svydesign(ids = ~1, strata = ~channel, weights = ~sw, data = d)
sm <- svymean(~csat, st)
sn <- svymean(~npsscore, st)
out$rollup <- list(csat = list(est = unname(coef(sm)), se = unname(SE(sm))),
                   nps = list(est = 100 * unname(coef(sn)), se = 100 * unname(SE(sn))))
out$meta <- list(survey = as.character(packageVersion("survey")), R = R.version.string, n = n,
                 tier_share = as.list(tier_share), channel_share = as.list(channel_share))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "string"), output)
