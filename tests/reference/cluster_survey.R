# Reference outlet-clustered covariances for the survey analyses of cxlib (drivers.key_drivers,
# relationships.price_premium, loyalty.logistic_effect, loyalty.ordinal_effect), from R's
# sandwich package. One synthetic survey: 30 outlets of 6-24 respondents, ratings 1-7, an
# outlet effect in every score and in the outcomes. Writes cluster_survey.json beside this
# script, holding the data, and for each model the coefficients and
#   * CL_HC1 = vcovCL(fit, cluster = ~outlet_id, type = "HC1"): G/(G-1) (n-1)/(n-k) B M B,
#   * CL_HC0 = vcovCL(fit, cluster = ~outlet_id, type = "HC0"): G/(G-1) B M B
#     (vcovCL's default for glm and polr, and Stata's for ML models; for lm the default is HC1),
#   * HC3 (lm, glm) or HC0 (polr, sandwich()) for the unclustered comparison,
#   * CI_CL / p_CL: the 95% intervals and p-values of lmtest's coefci/coeftest with the
#     clustered covariance cxlib uses (type "HC1" for lm, "HC0" for glm and polr) and
#     df = G - 1, i.e. b -/+ t(G-1) SE (the practice of Stata's regress, vce(cluster), and
#     Cameron & Miller 2015); CI_HC1 / p_HC1 the same with type "HC1" for the logit too.
# and the same for `few`, a second survey from the same generator with only 12 outlets
# (few clusters, where t(11) and z differ by 12%): OLS drivers, the price premium, the
# churn logit and the ordinal logit.
# Run from the repository root:
#   Rscript tests/reference/cluster_survey.R
# Needs: apt-get install -y r-base-core r-cran-mass r-cran-sandwich r-cran-lmtest
#        r-cran-jsonlite
suppressMessages({library(MASS); library(sandwich); library(lmtest); library(jsonlite)})

make_survey <- function(G) {
  sizes <- sample(6:24, G, replace = TRUE)
  outlet <- rep(sprintf("O%02d", seq_len(G)), sizes)
  g <- rep(seq_len(G), sizes)
  n <- length(g)
  clip <- function(v) pmin(7, pmax(1, round(v)))
  u <- rnorm(G)  # the outlet's level of service
  rel <- clip(4.5 + 0.8 * u[g] + rnorm(n))
  res <- clip(4.5 + 0.6 * u[g] + 0.5 * (rel - 4.5) + rnorm(n))
  tan <- clip(4.5 + 0.4 * u[g] + rnorm(n))
  v <- rnorm(G)  # the outlet's own effect on satisfaction, beyond the scores
  sat <- clip(0.5 + 0.35 * rel + 0.25 * res + 0.15 * tan + 0.8 * v[g] + rnorm(n, sd = 0.8))
  w <- rnorm(G)  # and on loyalty
  intent <- clip(1 + 0.6 * sat + 0.9 * w[g] + rnorm(n))
  churned <- rbinom(n, 1, plogis(1.2 - 0.45 * sat + 0.8 * w[g]))
  price <- round(50 + 2 * (rel + res + tan) / 3 + 4 * v[g] + rnorm(n, sd = 5), 2)
  d <- data.frame(outlet_id = outlet, rel = rel, res = res, tan = tan, overall_sat = sat,
                  repurchase_intent = intent, churned = churned, price_paid = price)
  d$service <- (d$rel + d$res + d$tan) / 3
  d
}

tight <- glm.control(epsilon = 1e-13, maxit = 100)
cl <- function(fit, type) unname(vcovCL(fit, cluster = ~outlet_id, type = type))
# lmtest's interval and p-value with t(G - 1); polr: the slope only (its first coefficient)
t_tested <- function(fit, type, G, rows = seq_along(coef(fit))) {
  V <- vcovCL(fit, cluster = ~outlet_id, type = type)
  list(ci = unname(coefci(fit, vcov. = V, df = G - 1, level = 0.95))[rows, , drop = FALSE],
       p = unname(coeftest(fit, vcov. = V, df = G - 1)[rows, 4]))
}

fit_models <- function(d) {
  G <- length(unique(d$outlet_id))
  drivers <- lm(overall_sat ~ rel + res + tan, data = d)
  premium <- lm(price_paid ~ service, data = d)
  churn <- glm(churned ~ overall_sat, data = d, family = binomial(), control = tight)
  d$intent <- factor(d$repurchase_intent, ordered = TRUE)
  ordinal <- polr(intent ~ overall_sat, data = d, Hess = TRUE,
                  control = list(reltol = 1e-14, maxit = 1000))

  with_t <- function(m, fit, type, rows = seq_along(coef(fit))) {
    ours <- t_tested(fit, type, G, rows)
    m$CI_CL <- ours$ci
    m$p_CL <- ours$p
    hc1 <- t_tested(fit, "HC1", G, rows)
    m$CI_HC1 <- hc1$ci
    m$p_HC1 <- hc1$p
    m
  }
  list(
    drivers = with_t(list(kind = "ols", terms = names(coef(drivers)), coef = unname(coef(drivers)),
                   CL_HC1 = cl(drivers, "HC1"), CL_HC0 = cl(drivers, "HC0"),
                   HC3 = unname(vcovHC(drivers, type = "HC3"))), drivers, "HC1"),
    premium = with_t(list(kind = "ols", terms = names(coef(premium)), coef = unname(coef(premium)),
                   CL_HC1 = cl(premium, "HC1"), CL_HC0 = cl(premium, "HC0"),
                   HC3 = unname(vcovHC(premium, type = "HC3"))), premium, "HC1"),
    churn = with_t(list(kind = "logit", terms = names(coef(churn)), coef = unname(coef(churn)),
                 CL_HC1 = cl(churn, "HC1"), CL_HC0 = cl(churn, "HC0"),
                 HC3 = unname(vcovHC(churn, type = "HC3"))), churn, "HC0"),
    # polr: the slope only (vcovCL orders the slope first, then the thresholds zeta)
    ordinal = with_t(list(kind = "polr", terms = "overall_sat", coef = unname(coef(ordinal)),
                   zeta = unname(ordinal$zeta),
                   CL_HC1 = cl(ordinal, "HC1")[1, 1], CL_HC0 = cl(ordinal, "HC0")[1, 1],
                   HC0 = unname(sandwich(ordinal))[1, 1]), ordinal, "HC0", rows = 1)
  )
}

set.seed(20261201)
d <- make_survey(30)
models <- fit_models(d)
set.seed(20261202)
few <- make_survey(12)

out <- list(made_by = "tests/reference/cluster_survey.R", R = R.version.string,
            sandwich = as.character(packageVersion("sandwich")),
            lmtest = as.character(packageVersion("lmtest")),
            MASS = as.character(packageVersion("MASS")), n = nrow(d), clusters = 30,
            data = as.list(d), models = models,
            few = list(n = nrow(few), clusters = 12, data = as.list(few),
                       models = fit_models(few)))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, matrix = "rowmajor"),
           "tests/reference/cluster_survey.json")
