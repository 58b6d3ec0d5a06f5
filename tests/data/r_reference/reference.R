# Reference figures for tests/test_reliability*.py, computed with R's own implementations
# (Debian packages: psych 2.2.9, lavaan 0.6.14, semTools 0.5.6, GPArotation).
#   apt-get install -y r-base-core r-cran-psych r-cran-lavaan r-cran-semtools r-cran-gparotation
#   cd tests/data/r_reference && Rscript reference.R            # inputs: ../refdata (committed copies)
# Writes reference.json (every figure at full precision). Inputs: tests/data/refdata/bfi.csv,
# HolzingerSwineford1939.csv, and the committed demo_east_items.csv (demo region east, seed 20261122)
# and retest.csv (synthetic two-wave scale scores).
suppressMessages({library(psych); library(lavaan); library(semTools); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
refdir <- if (length(args)) args[1] else "../refdata"
out <- list()

alpha_fig <- function(x, keys = NULL) {
  a <- if (is.null(keys)) psych::alpha(x, warnings = FALSE) else psych::alpha(x, keys = keys, warnings = FALSE)
  list(total = as.list(a$total), drop = as.list(a$alpha.drop), items = as.list(a$item.stats),
       feldt = list(lower = as.numeric(a$feldt$lower.ci), upper = as.numeric(a$feldt$upper.ci)),
       names = rownames(a$item.stats))
}
split_fig <- function(x) {
  s <- psych::splitHalf(x, check.keys = FALSE)
  list(max = s$maxrb, min = s$minrb, mean = s$meanr)
}
flip <- function(x, keys, lo, hi) { for (k in keys) x[[k]] <- lo + hi - x[[k]]; x }

# ------------------------------------------------------------------ bfi
bfi <- read.csv(file.path(refdir, "bfi.csv"))
scales <- list(A = list(items = paste0("A", 1:5), keys = "A1"), C = list(items = paste0("C", 1:5), keys = c("C4", "C5")),
               E = list(items = paste0("E", 1:5), keys = c("E1", "E2")), N = list(items = paste0("N", 1:5), keys = NULL),
               O = list(items = paste0("O", 1:5), keys = c("O2", "O5")))
out$bfi <- list()
for (s in names(scales)) {
  sc <- scales[[s]]; x <- bfi[, sc$items]
  xf <- flip(x, sc$keys, 1, 6)
  r <- alpha_fig(x, sc$keys)
  r$listwise <- alpha_fig(na.omit(x), sc$keys)$total
  r$omega_tot <- psych::omega(xf, nfactors = 1, plot = FALSE)$omega.tot
  k <- KMO(xf); r$kmo <- list(overall = k$MSA, items = unname(k$MSAi))
  cb <- cortest.bartlett(cor(xf, use = "pairwise"), n = nrow(na.omit(xf)))
  r$bartlett <- list(chisq = cb$chisq, df = cb$df, p = cb$p.value)
  d <- describe(xf); r$describe <- list(n = d$n, mean = d$mean, sd = d$sd, skew = d$skew)
  out$bfi[[s]] <- r
}
# whole bfi instrument (25 items, reverse keys applied)
allkeys <- unlist(lapply(scales, `[[`, "keys"))
X <- flip(bfi[, 1:25], allkeys, 1, 6)
Rm <- cor(X, use = "pairwise")
set.seed(1)
pa <- fa.parallel(X, fa = "pc", n.iter = 20, plot = FALSE)
f5 <- fa(X, nfactors = 5, rotate = "oblimin", fm = "minres")
L <- unclass(f5$loadings)
k <- KMO(X)
out$bfi_all <- list(eigen = eigen(Rm)$values, ncomp = pa$ncomp, kmo = k$MSA, kmo_items = unname(k$MSAi),
                    bartlett = cortest.bartlett(Rm, n = nrow(na.omit(X)))$chisq,
                    fa5_loadings = lapply(seq_len(ncol(L)), function(j) unname(L[, j])), fa5_phi = f5$Phi)
# EFA under every rotation cxkit offers: loadings, communalities (h2) and factor correlations
out$bfi_rot <- list()
for (rot in c("oblimin", "promax", "varimax", "quartimin", "none")) {
  f <- fa(X, nfactors = 5, rotate = rot, fm = "minres")
  Lr <- unclass(f$loadings)
  out$bfi_rot[[rot]] <- list(loadings = lapply(seq_len(ncol(Lr)), function(j) unname(Lr[, j])),
                             h2 = unname(f$communality),
                             phi = if (is.null(f$Phi)) NULL else unname(f$Phi))
}
# keying check with no reverse keys declared: psych::alpha's sign on the first principal component
# (the items it would reverse with check.keys = TRUE), per scale and for the 25 items as one scale
out$bfi_keying <- list()
for (s in names(scales)) {
  a <- suppressWarnings(psych::alpha(bfi[, scales[[s]]$items], check.keys = TRUE))
  out$bfi_keying[[s]] <- I(sub("-$", "", rownames(a$item.stats)[grepl("-$", rownames(a$item.stats))]))
}
# parallel analysis (components) with psych's default rule (95th percentile of the simulated
# eigenvalues) and the mean rule; many iterations so the rule, not the draw, decides
set.seed(2)
pa95 <- fa.parallel(X, fa = "pc", n.iter = 200, plot = FALSE, quant = 0.95)
set.seed(2)
pa50 <- fa.parallel(X, fa = "pc", n.iter = 200, plot = FALSE, quant = 0.5)
out$bfi_parallel <- list(ncomp_q95 = pa95$ncomp, ncomp_q50 = pa50$ncomp, n_complete = nrow(na.omit(X)),
                         n_rows = nrow(X))
om5 <- psych::omega(X, nfactors = 5, plot = FALSE)
out$bfi_all$omega5 <- list(omega_h = om5$omega_h, omega_tot = om5$omega.tot, g = unname(om5$schmid$sl[, 1]))
# split-half on even-length scales (psych enumerates every split only when n is even)
out$bfi_split_AC <- split_fig(cbind(flip(bfi[, paste0("A", 1:5)], "A1", 1, 6), flip(bfi[, paste0("C", 1:5)], c("C4", "C5"), 1, 6)))

# ------------------------------------------------------------------ Holzinger-Swineford
hs <- read.csv(file.path(refdir, "HolzingerSwineford1939.csv"))
model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
fit <- cfa(model, data = hs)
fm <- fitMeasures(fit, c("chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli", "rmsea",
                         "rmsea.ci.lower", "rmsea.ci.upper", "srmr"))
std <- standardizedSolution(fit)
ld <- std[std$op == "=~", ]
out$hs <- list(fit = as.list(fm), std_loadings = setNames(as.list(ld$est.std), ld$rhs),
               cr = as.list(semTools::compRelSEM(fit)), ave = as.list(semTools::AVE(fit)),
               htmt = unclass(semTools::htmt(model, data = hs)), cor_lv = unclass(lavInspect(fit, "cor.lv")),
               alpha_visual = psych::alpha(hs[, c("x1", "x2", "x3")])$total$raw_alpha)

# ------------------------------------------------------------------ demo, region east
demo <- read.csv("demo_east_items.csv")
dscales <- list(responsiveness = list(items = paste0("resp", 1:4), keys = "resp4"),
                reliability = list(items = paste0("rel", 1:4), keys = NULL),
                assurance = list(items = paste0("asr", 1:3), keys = NULL),
                empathy = list(items = paste0("emp", 1:3), keys = "emp3"),
                tangibles = list(items = paste0("tan", 1:3), keys = NULL),
                value = list(items = paste0("val", 1:3), keys = NULL))
out$demo <- list()
D <- demo[, -1]
for (s in names(dscales)) {
  sc <- dscales[[s]]; x <- demo[, sc$items]
  D <- flip(D, sc$keys, 1, 5)
  xf <- flip(x, sc$keys, 1, 5)
  r <- alpha_fig(xf)
  r$omega_tot <- psych::omega(xf, nfactors = 1, plot = FALSE)$omega.tot
  if (length(sc$items) %% 2 == 0) r$split <- split_fig(xf)
  out$demo[[s]] <- r
}
dmodel <- paste(sapply(names(dscales), function(s) paste(s, "=~", paste(dscales[[s]]$items, collapse = " + "))),
                collapse = "\n")
dfit <- cfa(dmodel, data = D)
dstd <- standardizedSolution(dfit)
dld <- dstd[dstd$op == "=~", ]
k <- KMO(D)
omd <- psych::omega(D, nfactors = 6, plot = FALSE)
out$demo_all_omega <- list(omega_h = omd$omega_h, omega_tot = omd$omega.tot, g = unname(omd$schmid$sl[, 1]))
out$demo_all <- list(fit = as.list(fitMeasures(dfit, c("chisq", "df", "cfi", "tli", "rmsea", "rmsea.ci.lower",
                                                       "rmsea.ci.upper", "srmr"))),
                     std_loadings = setNames(as.list(dld$est.std), dld$rhs),
                     cr = as.list(semTools::compRelSEM(dfit)), ave = as.list(semTools::AVE(dfit)),
                     htmt = unclass(semTools::htmt(dmodel, data = D)), n_complete = nrow(na.omit(D)),
                     kmo = k$MSA, kmo_items = as.list(k$MSAi),
                     bartlett = cortest.bartlett(cor(D, use = "pairwise"), n = nrow(na.omit(D)))$chisq)

# ------------------------------------------------------------------ test-retest ICC (psych::ICC)
rt <- read.csv("retest.csv")
# psych::ICC's default (lmer = TRUE) rebuilds the mean squares from lme4 variance components
# (optimiser tolerance, ~5e-7); lmer = FALSE uses the exact ANOVA mean squares.
icc_fig <- function(ic) setNames(lapply(seq_len(nrow(ic)), function(i) list(icc = ic$ICC[i], lower = ic$`lower bound`[i],
                                                                          upper = ic$`upper bound`[i])),
                                 c("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"))
out$icc <- icc_fig(psych::ICC(rt[, c("wave1", "wave2")])$results)
out$icc_anova <- icc_fig(psych::ICC(rt[, c("wave1", "wave2")], lmer = FALSE)$results)

out$versions <- list(R = R.version.string, psych = as.character(packageVersion("psych")),
                     lavaan = as.character(packageVersion("lavaan")), semTools = as.character(packageVersion("semTools")))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "reference.json")
