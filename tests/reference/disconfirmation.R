# Reference numbers for cxlib.analyses.quality.disconfirmation (QUAL-1), from R's lm and
# sandwich. Run from the repository root:
#   Rscript tests/reference/disconfirmation.R
# Needs: r-base-core, r-cran-sandwich, r-cran-jsonlite (Debian packages).
# For each survey: P = mean of the perception items, E = mean of the expectation items,
# S = overall satisfaction, complete rows.
#   * ECSI (data/real/mobi.csv): P = PERQ1-7, E = CUEX1-3, S = CUSA1; HC3 errors.
#   * the synthetic sample (data/sample/survey.csv): P = the 15 SERVQUAL perception items,
#     E = the 15 exp_ items, S = overall_sat; CR1 errors clustered by outlet_id
#     (vcovCL type "HC1": G/(G-1) (n-1)/(n-k)).
# Writes, per survey: the coefficients of S ~ P + E with their robust SEs, the standardised
# b_E = b_E sd(E)/sd(S), R^2, the gap constraint b_P + b_E (the coefficient of E in
# S ~ I(P - E) + E) with its robust SE and Wald F = t^2 (p from F(1, df)), and the joint Wald
# F of E, P^2, PE, E^2 in S ~ I(P - E) + E + P^2 + PE + E^2 (P and E centred; p from F(4, df)),
# df = n - k, or G - 1 when clustered.
suppressMessages({library(sandwich); library(jsonlite)})

describe <- function(d, cluster = NULL) {
  vc <- function(fit) if (is.null(cluster)) vcovHC(fit, type = "HC3") else
    vcovCL(fit, cluster = d[[cluster]], type = "HC1")
  ddf <- function(fit) if (is.null(cluster)) df.residual(fit) else
    length(unique(d[[cluster]])) - 1
  fit <- lm(S ~ P + E, data = d)
  v <- vc(fit)
  gap <- lm(S ~ I(P - E) + E, data = d)
  vg <- vc(gap)
  d$pc <- d$P - mean(d$P); d$ec <- d$E - mean(d$E)
  surf <- lm(S ~ I(pc - ec) + ec + I(pc^2) + I(pc * ec) + I(ec^2), data = d)
  vs <- vc(surf)
  terms <- c("ec", "I(pc^2)", "I(pc * ec)", "I(ec^2)")
  b <- coef(surf)[terms]
  f_surface <- as.numeric(t(b) %*% solve(vs[terms, terms]) %*% b) / 4
  f_gap <- coef(gap)[["E"]]^2 / vg["E", "E"]
  list(n = nobs(fit), coef = as.list(coef(fit)), se = as.list(sqrt(diag(v))),
       r2 = summary(fit)$r.squared,
       standardised_e = coef(fit)[["E"]] * sd(d$E) / sd(d$S),
       gap_sum = coef(gap)[["E"]], gap_se = sqrt(vg["E", "E"]), gap_f = f_gap,
       gap_p = pf(f_gap, 1, ddf(gap), lower.tail = FALSE),
       surface_f = f_surface, surface_p = pf(f_surface, 4, ddf(surf), lower.tail = FALSE))
}

mobi <- read.csv("data/real/mobi.csv")
ecsi <- data.frame(S = mobi$CUSA1, P = rowMeans(mobi[paste0("PERQ", 1:7)]),
                   E = rowMeans(mobi[paste0("CUEX", 1:3)]))
sample <- read.csv("data/sample/survey.csv")
dims <- c("rel", "res", "ass", "emp", "tan")
perc <- as.vector(outer(dims, 1:3, paste, sep = "_"))
synthetic <- data.frame(S = sample$overall_sat, P = rowMeans(sample[perc]),
                        E = rowMeans(sample[paste0("exp_", perc)]), outlet_id = sample$outlet_id)
synthetic <- synthetic[complete.cases(synthetic), ]
out <- list(made_by = "tests/reference/disconfirmation.R", R = R.version.string,
            sandwich = as.character(packageVersion("sandwich")),
            ecsi = describe(ecsi), sample = describe(synthetic, "outlet_id"))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/disconfirmation.json")
