# Reference sandwich covariances for cxlib.robust, from R's sandwich package.
#   Rscript tests/reference/glm_hc3.R        (from the repository root)
# writes tests/reference/glm_hc3.json: for each case the data, the coefficients and the
# covariance matrices vcovHC(type = "HC3"), vcovHC(type = "HC0") and, for clustered
# cases, vcovCL(cluster = ~g) (its default: G/(G-1) B M B, times (n-1)/(n-k) for lm).
# With them the intervals as lmtest reports them (coefci, level 0.95) and the p-values
# (coeftest): CI_HC3 / p_HC3 = coeftest(fit, vcovHC(fit, "HC3")), which uses t(n - k)
# for an lm and the normal for a glm (lmtest's glm method has df = Inf); for clustered
# cases CI_CL / p_CL with df = G - 1. The case ols_small (n = 30) is where t(n - k) and
# z differ most.
# Needs r-base-core, r-cran-sandwich, r-cran-lmtest and r-cran-jsonlite (Debian packages).
suppressMessages({library(sandwich); library(lmtest); library(jsonlite)})
set.seed(20240611)
tight <- glm.control(epsilon = 1e-13, maxit = 100)

# intervals and p-values as lmtest's coeftest/coefci give them for covariance V: with its
# own df per model class when df is not given (an explicit df = NULL would override the glm
# method's df = Inf), else with df
tested <- function(fit, V, df = NULL) {
  if (is.null(df)) {
    return(list(ci = unname(coefci(fit, vcov. = V, level = 0.95)),
                p = unname(coeftest(fit, vcov. = V)[, 4])))
  }
  list(ci = unname(coefci(fit, vcov. = V, df = df, level = 0.95)),
       p = unname(coeftest(fit, vcov. = V, df = df)[, 4]))
}

with_tests <- function(out, fit, d, cluster) {
  hc3 <- tested(fit, vcovHC(fit, type = "HC3"))
  out$CI_HC3 <- hc3$ci
  out$p_HC3 <- hc3$p
  if (!is.null(cluster)) {
    out$CL <- unname(vcovCL(fit, cluster = d[[cluster]]))
    out$G <- length(unique(d[[cluster]]))
    cl <- tested(fit, vcovCL(fit, cluster = d[[cluster]]), df = out$G - 1)
    out$CI_CL <- cl$ci
    out$p_CL <- cl$p
  }
  out
}

logit_case <- function(d, formula, family = binomial(), cluster = NULL) {
  fit <- glm(formula, data = d, family = family, control = tight)
  out <- list(kind = "glm", family = family$family, link = family$link,
              terms = names(coef(fit)), data = as.list(d), coef = unname(coef(fit)),
              HC3 = unname(vcovHC(fit, type = "HC3")), HC0 = unname(vcovHC(fit, type = "HC0")))
  with_tests(out, fit, d, cluster)
}

ols_case <- function(d, formula, cluster = NULL) {
  fit <- lm(formula, data = d)
  out <- list(kind = "ols", terms = names(coef(fit)), data = as.list(d),
              coef = unname(coef(fit)), HC3 = unname(vcovHC(fit, type = "HC3")),
              HC0 = unname(vcovHC(fit, type = "HC0")), df_resid = fit$df.residual)
  with_tests(out, fit, d, cluster)
}

cases <- list()

# a 1-7 rating predicting churn (the shape of loyalty.logistic_effect)
x <- sample(1:7, 200, replace = TRUE)
cases$logit_rating <- logit_case(
  data.frame(x = x, y = rbinom(200, 1, plogis(-1 - 0.4 * (x - 4)))), y ~ x)

# three predictors, one a rare dummy and one skewed: points of high leverage
n <- 120
d <- data.frame(x1 = rnorm(n), x2 = rbinom(n, 1, 0.1), x3 = rlnorm(n, 0, 1))
d$y <- rbinom(n, 1, plogis(-0.5 + 0.8 * d$x1 - d$x2 + 0.3 * d$x3))
cases$logit_leverage <- logit_case(d, y ~ x1 + x2 + x3)

# a rare outcome (about 6% events)
x <- rnorm(300)
cases$logit_rare <- logit_case(data.frame(x = x, y = rbinom(300, 1, plogis(-3 + 0.7 * x))),
                               y ~ x)

# a non-canonical link checks the general score and hat-value formulas
x <- runif(200, -2, 2)
cases$probit <- logit_case(data.frame(x = x, y = rbinom(200, 1, pnorm(0.2 + 0.6 * x))), y ~ x,
                           family = binomial(link = "probit"))

# OLS with heteroscedastic errors
n <- 100
d <- data.frame(x1 = rnorm(n), x2 = runif(n))
d$y <- 1 + 2 * d$x1 - d$x2 + rnorm(n) * (0.5 + abs(d$x1))
cases$ols_hetero <- ols_case(d, y ~ x1 + x2)

# clustered: 40 clusters of 3-9 rows, predictor and outcome correlated within clusters
sizes <- sample(3:9, 40, replace = TRUE)
g <- rep(seq_along(sizes), sizes)
u <- rnorm(40)[g]
x <- u + rnorm(length(g))
shared <- runif(40)[g]
own <- ifelse(runif(length(g)) < 0.6, shared, runif(length(g)))
d <- data.frame(g = g, x = x, y = as.integer(own < plogis(-0.3 + 0.5 * x)))
cases$logit_clustered <- logit_case(d, y ~ x, cluster = "g")
d$y <- 1 + 0.5 * x + 2 * rnorm(40)[g] + rnorm(length(g))
cases$ols_clustered <- ols_case(d, y ~ x, cluster = "g")

# a small OLS (n = 30, k = 3) with heteroscedastic errors: HC3 with t(27), as coeftest for lm
n <- 30
d <- data.frame(x1 = rnorm(n), x2 = rbinom(n, 1, 0.3))
d$y <- 2 + 0.8 * d$x1 + 0.5 * d$x2 + rnorm(n) * (0.5 + abs(d$x1))
cases$ols_small <- ols_case(d, y ~ x1 + x2)

out <- list(made_by = "tests/reference/glm_hc3.R",
            R = R.version.string, sandwich = as.character(packageVersion("sandwich")),
            lmtest = as.character(packageVersion("lmtest")), cases = cases)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, matrix = "rowmajor"),
           "tests/reference/glm_hc3.json")
