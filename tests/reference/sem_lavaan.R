# Reference covariance-SEM solutions from lavaan for cxlib.sem.
#   Rscript tests/reference/sem_lavaan.R       (from the repository root)
# 1. Simulates a well-specified three-factor model (X -> M -> Y, X -> Y; three items each,
#    n = 500), writes the data to tests/reference/sem_proper.csv and fits it.
# 2. Fits the ECSI model of data/mappings/mobi.yaml to data/real/mobi.csv.
# 3. Saturated models on the same simulated data: one factor with three items, and the
#    observed path model x1, x2 -> m1 -> y1 with both direct paths (fixed.x: the variances and
#    covariance of x1 and x2 are fixed at their sample values); and the same path model
#    without the direct paths (2 df), which checks df and the baseline model under fixed.x.
# 4. Fits the corporate-reputation model of data/mappings/corp_rep.yaml to
#    data/real/corp_rep_data.csv (-99 = missing; lavaan's default listwise deletion).
# Every fit is lavaan::sem(model, data, estimator = "ML") with lavaan's defaults
# (likelihood "normal": S with divisor N, chi-square = N * F_ML; fixed.x = TRUE).
# Writes tests/reference/sem_lavaan.json: for each model lavaan's convergence, its own
# post-estimation check (lavInspect "post.check": no negative variances, positive definite
# latent covariance), the warnings it raised, fit measures, the smallest eigenvalue of the
# latent covariance matrix and the standardised solution (std.all).
# Needs r-base-core, r-cran-lavaan and r-cran-jsonlite (Debian packages).
suppressMessages({library(lavaan); library(jsonlite)})

fit_and_describe <- function(model, data) {
  warned <- character()
  fit <- withCallingHandlers(sem(model, data, estimator = "ML"),
                             warning = function(w) {
                               warned <<- c(warned, conditionMessage(w))
                               invokeRestart("muffleWarning")
                             })
  std <- standardizedSolution(fit)
  std <- std[std$op %in% c("=~", "~", "~~"), c("lhs", "op", "rhs", "est.std")]
  list(converged = lavInspect(fit, "converged"), post_check = lavInspect(fit, "post.check"),
       warnings = warned,
       fit = as.list(fitMeasures(fit, c("chisq", "df", "pvalue", "baseline.chisq",
                                        "baseline.df", "cfi", "tli", "rmsea", "srmr"))),
       n = lavInspect(fit, "nobs"),
       min_eigen_latent_cov = if (length(lavNames(fit, "lv"))) {
         min(eigen(lavInspect(fit, "cov.lv"))$values) } else NA,
       max_abs_std_path = if (any(std$op == "~")) max(abs(std$est.std[std$op == "~"])) else NA,
       standardised = std)
}

set.seed(20240611)
n <- 500
x <- rnorm(n)
m <- 0.6 * x + rnorm(n, sd = 0.8)
y <- 0.5 * m + 0.2 * x + rnorm(n, sd = 0.8)
item <- function(f, loading) loading * f + rnorm(n, sd = sqrt(1 - loading^2) * sd(f))
proper <- data.frame(x1 = item(x, 0.8), x2 = item(x, 0.7), x3 = item(x, 0.6),
                     m1 = item(m, 0.8), m2 = item(m, 0.75), m3 = item(m, 0.65),
                     y1 = item(y, 0.85), y2 = item(y, 0.7), y3 = item(y, 0.6))
proper <- round(proper, 4)
write.csv(proper, "tests/reference/sem_proper.csv", row.names = FALSE)
proper_model <- "
X =~ x1 + x2 + x3
M =~ m1 + m2 + m3
Y =~ y1 + y2 + y3
M ~ X
Y ~ M + X
"

mobi_model <- "
IMAG =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
CUEX =~ CUEX1 + CUEX2 + CUEX3
PERQ =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
PERV =~ PERV1 + PERV2
CUSA =~ CUSA1 + CUSA2 + CUSA3
CUSL =~ CUSL1 + CUSL2 + CUSL3
CUEX ~ IMAG
PERQ ~ CUEX
PERV ~ CUEX + PERQ
CUSA ~ IMAG + CUEX + PERQ + PERV
CUSCO ~ CUSA
CUSL ~ IMAG + CUSA + CUSCO
"
corp_rep_model <- "
QUAL =~ qual_1 + qual_4 + qual_5 + qual_6
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSL =~ cusl_2 + cusl_1 + cusl_3
COMP ~ QUAL
LIKE ~ QUAL
cusa ~ COMP + LIKE
CUSL ~ COMP + LIKE + cusa
"
corp_rep <- read.csv("data/real/corp_rep_data.csv")
corp_rep[corp_rep == -99] <- NA
out <- list(made_by = "tests/reference/sem_lavaan.R", R = R.version.string,
            lavaan = as.character(packageVersion("lavaan")),
            proper = fit_and_describe(proper_model, proper),
            mobi = fit_and_describe(mobi_model, read.csv("data/real/mobi.csv")),
            saturated_factor = fit_and_describe("X =~ x1 + x2 + x3", proper),
            saturated_paths = fit_and_describe("m1 ~ x1 + x2\ny1 ~ m1 + x1 + x2", proper),
            observed_paths = fit_and_describe("m1 ~ x1 + x2\ny1 ~ m1", proper),
            corp_rep = fit_and_describe(corp_rep_model, corp_rep))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, dataframe = "rows", pretty = TRUE),
           "tests/reference/sem_lavaan.json")
