# Reference covariance-SEM solutions from lavaan for cxlib.sem.
#   Rscript tests/reference/sem_lavaan.R [path/to/mobi.csv]      (from the repository root)
# 1. Simulates a well-specified three-factor model (X -> M -> Y, X -> Y; three items each,
#    n = 500), writes the data to tests/reference/sem_proper.csv and fits it.
# 2. Fits the ECSI model of data/mappings/mobi.yaml to the mobi survey (default path
#    ../../shared/realdata/mobi.csv relative to the repository, i.e. /work/shared/realdata).
# Writes tests/reference/sem_lavaan.json: for each model lavaan's convergence, its own
# post-estimation check (lavInspect "post.check": no negative variances, positive definite
# latent covariance), the warnings it raised, fit measures, the smallest eigenvalue of the
# latent covariance matrix and the standardised solution (std.all).
# Needs r-base-core, r-cran-lavaan and r-cran-jsonlite (Debian packages).
suppressMessages({library(lavaan); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
mobi_path <- if (length(args)) args[1] else "../shared/realdata/mobi.csv"

fit_and_describe <- function(model, data) {
  warned <- character()
  fit <- withCallingHandlers(sem(model, data),
                             warning = function(w) {
                               warned <<- c(warned, conditionMessage(w))
                               invokeRestart("muffleWarning")
                             })
  std <- standardizedSolution(fit)
  std <- std[std$op %in% c("=~", "~", "~~"), c("lhs", "op", "rhs", "est.std")]
  list(converged = lavInspect(fit, "converged"), post_check = lavInspect(fit, "post.check"),
       warnings = warned,
       fit = as.list(fitMeasures(fit, c("chisq", "df", "cfi", "rmsea", "srmr"))),
       min_eigen_latent_cov = min(eigen(lavInspect(fit, "cov.lv"))$values),
       max_abs_std_path = max(abs(std$est.std[std$op == "~"])),
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
out <- list(made_by = "tests/reference/sem_lavaan.R", R = R.version.string,
            lavaan = as.character(packageVersion("lavaan")),
            proper = fit_and_describe(proper_model, proper),
            mobi = fit_and_describe(mobi_model, read.csv(mobi_path)))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, dataframe = "rows", pretty = TRUE),
           "tests/reference/sem_lavaan.json")
